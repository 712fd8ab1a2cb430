/**
 * The loop IR verifier: scoping (every name defined once per kernel, before use, and used only
 * where it is visible), dtypes of every expression node, buffer access modes, static index bounds
 * and the program's buffer table and launches.
 *
 * Static bounds: every i32 expression gets an integer interval from its variables' ranges
 * ([0, extent-1] for grid/loop/reduce vars, the value's interval for lets) and constants, through
 * + - * / % min max neg abs select; anything else is unbounded. An unguarded load or a store whose
 * index interval is finite and not inside [0, size-1] is an error. Code under an extent-0 loop
 * never runs and is not bounds-checked.
 */
import { DTYPES, type DType, byteSize, fitsDType, isNumeric, shortDType } from './dtype.js';
import { KilnError } from './errors.js';
import {
  type Access, type BufferRole, type Expr, type IndexVar, type Kernel, type KernelParam, LOOP_BINARY_OPS, LOOP_REDUCE_OPS,
  LOOP_UNARY_OPS, type Program, type Stmt,
} from './loop.js';
import { printExpr } from './loop-printer.js';
import { BINARY_OPS, UNARY_OPS } from './ops/index.js';
import { formatSymbolName } from './printer.js';

/**
 * A malformed loop program or kernel. `subject` is the offending IR object (an Expr, Stmt,
 * KernelParam, IndexVar, BufferDecl, Launch, Kernel, the program's inputs/outputs list or the
 * Program) so that the parser can point at its text.
 */
export class LoopVerifyError extends KilnError {
  override name = 'LoopVerifyError';
  constructor(message: string, readonly subject?: object) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Integer intervals of i32 index expressions.

/** Inclusive bounds; ±Infinity when unknown. */
export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

export const UNBOUNDED: Interval = { lo: -Infinity, hi: Infinity };
/** No values: an expression under an extent-0 variable. */
const EMPTY: Interval = { lo: Infinity, hi: -Infinity };
const isEmpty = (r: Interval): boolean => r.lo > r.hi;

const hull = (xs: readonly number[]): Interval =>
  xs.some(Number.isNaN) ? UNBOUNDED : { lo: Math.min(...xs), hi: Math.max(...xs) };
const union = (a: Interval, b: Interval): Interval => ({ lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) });
/** 0 * inf is 0 here: a zero factor bounds the product whatever the other is. */
const times = (x: number, y: number): number => (x === 0 || y === 0 ? 0 : x * y);

/** Integer division truncating toward zero (x / 0 = 0), over intervals. */
function divide(a: Interval, b: Interval): Interval {
  const parts: Interval[] = [];
  if (b.lo <= 0 && b.hi >= 0) parts.push({ lo: 0, hi: 0 });
  for (const d of [{ lo: b.lo, hi: Math.min(b.hi, -1) }, { lo: Math.max(b.lo, 1), hi: b.hi }]) {
    if (d.lo > d.hi) continue;
    parts.push(hull([a.lo / d.lo, a.lo / d.hi, a.hi / d.lo, a.hi / d.hi].map(Math.trunc)));
  }
  return parts.reduce(union);
}

/** Remainder with the divisor's sign (x mod 0 = 0), over intervals. */
function remainder(a: Interval, b: Interval): Interval {
  const parts: Interval[] = [];
  if (b.lo <= 0 && b.hi >= 0) parts.push({ lo: 0, hi: 0 });
  if (b.hi >= 1) {
    const lo = Math.max(b.lo, 1);
    if (a.lo >= 0 && a.hi < lo) parts.push(a); // already reduced
    else parts.push({ lo: 0, hi: a.lo >= 0 ? Math.min(a.hi, b.hi - 1) : b.hi - 1 });
  }
  if (b.lo <= -1) parts.push({ lo: b.lo + 1, hi: 0 });
  return parts.reduce(union);
}

/**
 * The interval of an i32 expression; `rangeOf(name)` gives a variable's interval (undefined:
 * unbounded). Expressions of other dtypes, loads and unknown ops are unbounded.
 */
export function intervalOf(e: Expr, rangeOf: (name: string) => Interval | undefined): Interval {
  if (e.dtype !== 'int32') return UNBOUNDED;
  const of = (x: Expr): Interval => intervalOf(x, rangeOf);
  switch (e.kind) {
    case 'const': return { lo: e.value, hi: e.value };
    case 'var': return rangeOf(e.name) ?? UNBOUNDED;
    case 'select': return union(of(e.a), of(e.b));
    case 'unary': {
      const x = of(e.x);
      if (isEmpty(x)) return EMPTY;
      if (e.op === 'neg') return { lo: -x.hi, hi: -x.lo };
      if (e.op === 'abs') return x.lo >= 0 ? x : x.hi <= 0 ? { lo: -x.hi, hi: -x.lo } : { lo: 0, hi: Math.max(-x.lo, x.hi) };
      return UNBOUNDED;
    }
    case 'reduce': {
      if (e.op !== 'argmax' && e.op !== 'argmin') return UNBOUNDED;
      const points = e.vars.reduce((n, v) => n * v.extent, 1);
      return { lo: 0, hi: Math.max(points - 1, 0) };
    }
    case 'binary': {
      const a = of(e.a);
      const b = of(e.b);
      if (isEmpty(a) || isEmpty(b)) return EMPTY;
      switch (e.op) {
        case 'add': return { lo: a.lo + b.lo, hi: a.hi + b.hi };
        case 'sub': return { lo: a.lo - b.hi, hi: a.hi - b.lo };
        case 'mul': return hull([times(a.lo, b.lo), times(a.lo, b.hi), times(a.hi, b.lo), times(a.hi, b.hi)]);
        case 'div': return divide(a, b);
        case 'mod': return remainder(a, b);
        case 'min': return { lo: Math.min(a.lo, b.lo), hi: Math.min(a.hi, b.hi) };
        case 'max': return { lo: Math.max(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
        default: return UNBOUNDED;
      }
    }
    default: return UNBOUNDED;
  }
}

const formatInterval = (r: Interval): string => `[${r.lo}, ${r.hi}]`;

// ---------------------------------------------------------------------------------------------
// Kernels.

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VEC_WIDTHS = [1, 2, 4, 8, 16];
const ACCESSES: readonly Access[] = ['r', 'w', 'rw'];
const ROLES: readonly BufferRole[] = ['input', 'output', 'constant', 'temp'];

/** 'an i32', 'an f32', 'a u32', 'an input', 'a temp'. */
const withArticle = (word: string): string => `${/^([aeio]|f\d)/.test(word) ? 'an' : 'a'} ${word}`;
const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
const short = (d: DType): string => ((DTYPES as readonly string[]).includes(d) ? shortDType(d) : `<bad dtype ${String(d)}>`);
/** Expressions in messages: printed, cut short. */
function show(e: Expr): string {
  const text = printExpr(e);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

interface Binding {
  readonly dtype: DType;
  readonly range: Interval;
}

class KernelVerifier {
  private readonly params = new Map<string, KernelParam>();
  /** Every name defined so far anywhere in the kernel: names are single-assignment. */
  private readonly defined = new Set<string>();
  private readonly scopes: Map<string, Binding>[] = [new Map()];
  private readonly path: string[] = [];
  /** Inside a loop or reduction of extent 0: the code never runs, so bounds are not checked. */
  private dead = false;

  constructor(private readonly prefix: string) {}

  private fail(problem: string, subject: object): never {
    const where = this.path.length ? `${this.path.join(' > ')}: ` : '';
    throw new LoopVerifyError(`${this.prefix}: ${where}${problem}`, subject);
  }

  verify(k: Kernel): void {
    k.params.forEach((p, i) => {
      this.path.push(`param ${i}`);
      this.checkName(p.name, 'parameter', p);
      if (!(DTYPES as readonly string[]).includes(p.dtype)) this.fail(`%${p.name} has an unknown dtype ${String(p.dtype)}`, p);
      if (!isCount(p.size)) this.fail(`%${p.name} has size ${p.size}; sizes are integers >= 0`, p);
      if (!ACCESSES.includes(p.access)) this.fail(`%${p.name} has access ${String(p.access)}; expected r, w or rw`, p);
      this.params.set(p.name, p);
      this.path.pop();
    });
    this.path.push('grid');
    for (const v of k.grid) this.defineIndexVar(v, 'grid variable');
    this.path.pop();
    this.block(k.body);
  }

  private checkName(name: string, what: string, subject: object): void {
    if (typeof name !== 'string' || !NAME.test(name)) this.fail(`bad ${what} name ${JSON.stringify(name)}: names are identifiers`, subject);
    if (this.defined.has(name)) this.fail(`%${name} is defined twice in the kernel (names are single-assignment)`, subject);
    this.defined.add(name);
  }

  private defineIndexVar(v: IndexVar, what: string): void {
    this.checkName(v.name, what, v);
    if (!isCount(v.extent)) this.fail(`${what} %${v.name} has extent ${v.extent}; extents are integers >= 0`, v);
    if (v.extent === 0) this.dead = true;
    this.scopes.at(-1)!.set(v.name, { dtype: 'int32', range: { lo: 0, hi: v.extent - 1 } });
  }

  private lookup(name: string): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const b = this.scopes[i].get(name);
      if (b) return b;
    }
    return undefined;
  }

  /** Runs `body` in a nested scope, restoring the dead-code flag afterwards. */
  private nested<T>(body: () => T): T {
    const dead = this.dead;
    this.scopes.push(new Map());
    try {
      return body();
    } finally {
      this.scopes.pop();
      this.dead = dead;
    }
  }

  private block(body: readonly Stmt[]): void {
    this.nested(() => body.forEach((s, i) => {
      this.path.push(`stmt ${i} (${s.kind === 'for' ? `for %${s.var.name}` : s.kind === 'let' ? `let %${s.name}` : `store %${s.buffer}`})`);
      this.statement(s);
      this.path.pop();
    }));
  }

  private statement(s: Stmt): void {
    switch (s.kind) {
      case 'let': {
        const dtype = this.expr(s.value);
        this.checkName(s.name, 'let', s);
        const range = dtype === 'int32' ? intervalOf(s.value, (n) => this.lookup(n)?.range) : UNBOUNDED;
        this.scopes.at(-1)!.set(s.name, { dtype, range });
        return;
      }
      case 'for':
        if (!VEC_WIDTHS.includes(s.vec)) this.fail(`vec=${s.vec}; vector widths are 1, 2, 4, 8 or 16`, s);
        this.nested(() => {
          this.defineIndexVar(s.var, 'loop variable');
          this.block(s.body);
        });
        return;
      case 'store': {
        const p = this.buffer(s.buffer, 'store to', s);
        if (p.access === 'r') this.fail(`store to %${p.name}, a read-only (r) parameter`, s);
        this.index(s.index, p, `store %${p.name}`, true);
        const dtype = this.expr(s.value);
        if (dtype !== p.dtype) this.fail(`stores ${withArticle(short(dtype))} value into %${p.name}, ${withArticle(short(p.dtype))} buffer`, s);
        return;
      }
      default:
        this.fail(`unknown statement kind ${JSON.stringify((s as { kind: unknown }).kind)}`, s);
    }
  }

  private buffer(name: string, verb: string, subject: object): KernelParam {
    const p = this.params.get(name);
    if (!p) this.fail(`${verb} %${name}, which is not a parameter of the kernel`, subject);
    return p;
  }

  /** Checks an index's dtype and, when `checkBounds`, its interval against the buffer's size. */
  private index(index: Expr, p: KernelParam, what: string, checkBounds: boolean): void {
    const dtype = this.expr(index);
    if (dtype !== 'int32') this.fail(`${what}: index ${show(index)} is ${short(dtype)}; indices are i32`, index);
    if (!checkBounds || this.dead) return;
    const r = intervalOf(index, (n) => this.lookup(n)?.range);
    if (Number.isFinite(r.lo) && Number.isFinite(r.hi) && (r.lo < 0 || r.hi > p.size - 1)) {
      this.fail(`${what}[${show(index)}]: index interval ${formatInterval(r)} is out of bounds for %${p.name} (${p.size} elements, indices 0..${p.size - 1})`, index);
    }
  }

  /** Checks `e` and returns its dtype (which it also checks against e.dtype). */
  private expr(e: Expr): DType {
    const expected = this.exprDType(e);
    if (e.dtype !== expected) this.fail(`${show(e)} is marked ${short(e.dtype)} but is ${short(expected)}`, e);
    return expected;
  }

  private exprDType(e: Expr): DType {
    const need = (ok: boolean, problem: string): void => {
      if (!ok) this.fail(`${show(e)}: ${problem}`, e);
    };
    switch (e.kind) {
      case 'const':
        need((DTYPES as readonly string[]).includes(e.dtype), `unknown dtype ${String(e.dtype)}`);
        need(fitsDType(e.value, e.dtype), `the value ${e.value} is not ${withArticle(short(e.dtype))}`);
        return e.dtype;
      case 'var': {
        const b = this.lookup(e.name);
        if (!b) {
          const problem = this.defined.has(e.name) ? 'is not in scope here (loop and reduce variables live inside their loop or reduce, lets inside their block)' : 'is not defined before this use';
          this.fail(`%${e.name} ${problem}`, e);
        }
        return b.dtype;
      }
      case 'load': {
        const p = this.buffer(e.buffer, 'load from', e);
        need(p.access !== 'w', `load from %${p.name}, a write-only (w) parameter`);
        this.index(e.index, p, `load %${p.name}`, e.guard === undefined);
        if (e.guard === undefined) {
          need(e.other === undefined, "an unguarded load has no 'other' value");
        } else {
          const guard = this.expr(e.guard);
          need(guard === 'bool', `the guard ${show(e.guard)} is ${short(guard)}; guards are bool`);
          need(e.other !== undefined && fitsDType(e.other, p.dtype), `a guarded load needs an 'other' value that is ${withArticle(short(p.dtype))}, got ${e.other}`);
        }
        return p.dtype;
      }
      case 'unary': {
        need(LOOP_UNARY_OPS.includes(e.op), `unknown unary op ${JSON.stringify(e.op)}`);
        const x = this.expr(e.x);
        const { rule } = UNARY_OPS[e.op]; // the graph op's dtype rule
        if (!rule.allowed(x)) this.fail(`${show(e)}: operand ${show(e.x)} is ${short(x)}; expected ${rule.describe}`, e);
        return x;
      }
      case 'cast':
        need((DTYPES as readonly string[]).includes(e.dtype), `unknown dtype ${String(e.dtype)}`);
        this.expr(e.x);
        return e.dtype;
      case 'binary': {
        need(LOOP_BINARY_OPS.includes(e.op), `unknown binary op ${JSON.stringify(e.op)}`);
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        need(a === b, `operand dtypes differ: ${short(a)} and ${short(b)}`);
        const { rule, result } = BINARY_OPS[e.op];
        need(rule.allowed(a), `operands are ${short(a)}; expected ${rule.describe}`);
        return result ?? a;
      }
      case 'select': {
        const cond = this.expr(e.cond);
        need(cond === 'bool', `the condition is ${short(cond)}; it must be bool`);
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        need(a === b, `branch dtypes differ: ${short(a)} and ${short(b)}`);
        return a;
      }
      case 'reduce': {
        need(LOOP_REDUCE_OPS.includes(e.op), `unknown reduce op ${JSON.stringify(e.op)}`);
        const body = this.nested(() => {
          for (const v of e.vars) this.defineIndexVar(v, 'reduce variable');
          return this.expr(e.body);
        });
        need(isNumeric(body), `reduce ${e.op} needs a numeric body, got ${short(body)}`);
        if (e.op === 'argmax' || e.op === 'argmin') {
          need(e.init === 0, `reduce ${e.op} has init ${e.init}; arg reductions take none (0)`);
          return 'int32';
        }
        need(fitsDType(e.init, body), `init ${e.init} is not ${withArticle(short(body))}`);
        return body;
      }
      default:
        return this.fail(`unknown expression kind ${JSON.stringify((e as { kind: unknown }).kind)}`, e);
    }
  }
}

function verifyKernelIn(k: Kernel, prefix: string): Kernel {
  new KernelVerifier(prefix).verify(k);
  return k;
}

/** Throws a LoopVerifyError naming the kernel, the statement path and the problem; returns `k` when well-formed. */
export function verifyKernel(k: Kernel): Kernel {
  return verifyKernelIn(k, formatSymbolName(k.name));
}

// ---------------------------------------------------------------------------------------------
// Programs.

/** Arena offsets are aligned to this many bytes. */
export const BUFFER_ALIGNMENT = 16;

/** Throws a LoopVerifyError naming the program, the part and the problem; returns `p` when well-formed. */
export function verifyProgram(p: Program): Program {
  const prefix = formatSymbolName(p.name);
  const fail = (where: string, problem: string, subject: object): never => {
    throw new LoopVerifyError(`${prefix}: ${where}: ${problem}`, subject);
  };
  if (p.arenaBytes !== undefined && !isCount(p.arenaBytes)) fail('arena', `${p.arenaBytes} bytes; expected an integer >= 0`, p);

  const buffers = new Map(p.buffers.map((b) => [b.name, b]));
  p.buffers.forEach((b, i) => {
    const where = `buffer %${b.name}`;
    if (typeof b.name !== 'string' || !NAME.test(b.name)) fail(`buffer ${i}`, `bad buffer name ${JSON.stringify(b.name)}: names are identifiers`, b);
    if (p.buffers.findIndex((c) => c.name === b.name) !== i) fail(where, 'is declared twice', b);
    if (!(DTYPES as readonly string[]).includes(b.dtype)) fail(where, `unknown dtype ${String(b.dtype)}`, b);
    if (!isCount(b.size)) fail(where, `size ${b.size}; sizes are integers >= 0`, b);
    if (!ROLES.includes(b.role)) fail(where, `role ${String(b.role)}; expected input, output, constant or temp`, b);
    if (b.role === 'constant') {
      if (b.data === undefined) fail(where, 'a constant buffer needs data', b);
      if (b.data!.length !== b.size) fail(where, `has ${b.data!.length} data values for ${b.size} elements`, b);
      const bad = b.data!.findIndex((x) => !fitsDType(x, b.dtype));
      if (bad >= 0) fail(where, `data[${bad}] = ${b.data![bad]} is not ${withArticle(short(b.dtype))}`, b);
    } else if (b.data !== undefined) {
      fail(where, `only constant buffers have data (this one is ${b.role})`, b);
    }
    if (b.offset !== undefined) {
      if (!isCount(b.offset) || b.offset % BUFFER_ALIGNMENT !== 0) fail(where, `offset ${b.offset} is not a multiple of ${BUFFER_ALIGNMENT}`, b);
      const end = b.offset + b.size * byteSize(b.dtype);
      if (p.arenaBytes !== undefined && end > p.arenaBytes) fail(where, `bytes ${b.offset}..${end} run past the arena (${p.arenaBytes} bytes)`, b);
    }
  });

  const checkNames = (list: readonly string[], what: 'inputs' | 'outputs', role: BufferRole): void => {
    for (const name of list) {
      const b = buffers.get(name);
      if (!b) fail(what, `%${name} is not a buffer`, list);
      if (b!.role !== role) fail(what, `%${name} is ${withArticle(b!.role)} buffer, not ${withArticle(role)}`, list);
    }
    for (const b of p.buffers) {
      if (b.role === role && !list.includes(b.name)) fail(what, `the ${role} buffer %${b.name} is not listed`, list);
    }
  };
  checkNames(p.inputs, 'inputs', 'input');
  if (new Set(p.inputs).size !== p.inputs.length) fail('inputs', 'a buffer is listed twice', p.inputs);
  checkNames(p.outputs, 'outputs', 'output');

  const kernels = new Map(p.kernels.map((k) => [k.name, k]));
  p.kernels.forEach((k, i) => {
    if (p.kernels.findIndex((c) => c.name === k.name) !== i) fail(`kernel ${formatSymbolName(k.name)}`, 'is defined twice', k);
    verifyKernelIn(k, `${prefix}/${formatSymbolName(k.name)}`);
  });

  p.launches.forEach((l, i) => {
    const where = `launch ${i} (${formatSymbolName(l.kernel)})`;
    const k = kernels.get(l.kernel);
    if (!k) fail(where, 'no kernel has this name', l);
    if (l.args.length !== k!.params.length) fail(where, `passes ${l.args.length} buffer(s) for ${k!.params.length} parameter(s)`, l);
    k!.params.forEach((param, j) => {
      const b = buffers.get(l.args[j]);
      if (!b) fail(where, `argument ${j} %${l.args[j]} is not a buffer`, l);
      if (b!.dtype !== param.dtype || b!.size !== param.size) {
        fail(where, `argument ${j} %${b!.name} is ${short(b!.dtype)}[${b!.size}] but parameter %${param.name} is ${short(param.dtype)}[${param.size}]`, l);
      }
      if (param.access !== 'r' && (b!.role === 'input' || b!.role === 'constant')) {
        fail(where, `parameter %${param.name} (${param.access}) would write to %${b!.name}, ${withArticle(b!.role)} buffer`, l);
      }
    });
  });
  return p;
}
