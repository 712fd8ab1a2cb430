/**
 * Compiles one loop-IR kernel, bound to concrete buffers, into a tree of closures and returns a
 * function that runs it. Variables live in pre-resolved slots of one Float64Array frame, so the
 * hot loops allocate nothing. Compilation also checks what a tree-walker would otherwise trip
 * over silently: unbound variables, unknown buffers, dtype mismatches between nodes, ops with no
 * semantics for a dtype, and buffer access modes.
 */
import { type DType, type TypedArray, convertScalar, fitsDType, isFloat, isInteger, isNumeric, shortDType, typedArrayFor, wrapScalar } from '../dtype.js';
import { KilnError } from '../errors.js';
import { type Scalar1, foldStep } from '../interp/arith.js';
import { argExtremeStep } from '../interp/reduce.js';
import { COMPARE_OPS, type Expr, type IndexVar, type Kernel, type KernelParam, LOOP_REDUCE_OPS, type Stmt } from '../loop.js';
import { binaryScalar, unaryScalar } from './scalar.js';

/** A failure of the loop evaluator: malformed IR, bad inputs or an out-of-bounds access. */
export class LoopEvalError extends KilnError {
  override name = 'LoopEvalError';
}

type Num = () => number;
type Run = () => void;

interface Binding {
  readonly slot: number;
  readonly dtype: DType;
  /** Grid, loop or reduction variable (as opposed to a `let`): shown in out-of-bounds errors. */
  readonly index: boolean;
}

const noop: Run = () => {};

const WRAP: Record<DType, Scalar1> = {
  float32: Math.fround,
  int32: (x) => x | 0,
  uint32: (x) => x >>> 0,
  bool: (x) => (x !== 0 ? 1 : 0),
};

/** Why `array` cannot hold a buffer of `param`'s dtype and size (array kind, length), or undefined when it can. */
export function arrayProblem(param: { readonly dtype: DType; readonly size: number }, array: TypedArray | undefined): string | undefined {
  const ctor = typedArrayFor(param.dtype);
  const want = `${ctor.name} of ${param.size} elements (${shortDType(param.dtype)}[${param.size}])`;
  if (array === undefined) return `needs a ${want}, got nothing`;
  if (!(array instanceof ctor)) return `needs a ${want}, got a ${array.constructor.name}`;
  if (array.length !== param.size) return `needs a ${want}, got ${array.length} elements`;
  return undefined;
}

/** Compiles `k` against `buffers` (one per param name, already checked with arrayProblem). */
export function compileKernel(k: Kernel, buffers: ReadonlyMap<string, TypedArray>): Run {
  return new KernelCompiler(k, buffers).compile();
}

function seq(runs: readonly Run[]): Run {
  if (runs.length === 0) return noop;
  if (runs.length === 1) return runs[0];
  if (runs.length === 2) {
    const [a, b] = runs;
    return () => { a(); b(); };
  }
  return () => { for (let i = 0; i < runs.length; i++) runs[i](); };
}

/** How many variables `stmts` bind (lets, loop and reduction vars): the frame size. */
function countStmts(stmts: readonly Stmt[]): number {
  let n = 0;
  for (const s of stmts) {
    if (s.kind === 'let') n += 1 + countExpr(s.value);
    else if (s.kind === 'for') n += 1 + countStmts(s.body);
    else if (s.kind === 'store') n += countExpr(s.index) + countExpr(s.value);
  }
  return n;
}

function countExpr(e: Expr): number {
  switch (e.kind) {
    case 'load': return countExpr(e.index) + (e.guard ? countExpr(e.guard) : 0);
    case 'unary': case 'cast': return countExpr(e.x);
    case 'binary': return countExpr(e.a) + countExpr(e.b);
    case 'select': return countExpr(e.cond) + countExpr(e.a) + countExpr(e.b);
    case 'reduce': return e.vars.length + countExpr(e.body);
    default: return 0;
  }
}

class KernelCompiler {
  private readonly frame: Float64Array;
  private nextSlot = 0;
  private readonly scope = new Map<string, Binding>();
  private readonly params = new Map<string, KernelParam>();

  constructor(private readonly k: Kernel, private readonly buffers: ReadonlyMap<string, TypedArray>) {
    for (const p of k.params) {
      if (this.params.has(p.name)) this.fail(`param %${p.name} is declared twice`);
      this.params.set(p.name, p);
    }
    this.frame = new Float64Array(k.grid.length + countStmts(k.body));
  }

  private fail(message: string): never {
    throw new LoopEvalError(`kernel @${this.k.name}: ${message}`);
  }

  compile(): Run {
    return this.withVars(this.k.grid, 'grid', (slots) => {
      let run = this.block(this.k.body);
      for (let g = slots.length - 1; g >= 0; g--) run = this.loop(slots[g], this.k.grid[g].extent, run);
      return run;
    });
  }

  private loop(slot: number, extent: number, body: Run): Run {
    const frame = this.frame;
    return () => {
      for (let i = 0; i < extent; i++) {
        frame[slot] = i;
        body();
      }
    };
  }

  /** Binds `vars` (int32, fresh slots) for the duration of `f`, then restores the outer scope. */
  private withVars<T>(vars: readonly IndexVar[], what: string, f: (slots: number[]) => T): T {
    const saved: [string, Binding | undefined][] = [];
    const slots: number[] = [];
    for (const v of vars) {
      if (!Number.isInteger(v.extent) || v.extent < 0 || v.extent > 2147483647) this.fail(`${what} var %${v.name} has extent ${v.extent}; expected an integer in 0..2^31-1`);
      if (saved.some(([name]) => name === v.name)) this.fail(`${what} binds %${v.name} twice`);
      saved.push([v.name, this.scope.get(v.name)]);
      slots.push(this.bind(v.name, 'int32', true));
    }
    try {
      return f(slots);
    } finally {
      this.restore(saved);
    }
  }

  private bind(name: string, dtype: DType, index: boolean): number {
    const slot = this.nextSlot++;
    this.scope.set(name, { slot, dtype, index });
    return slot;
  }

  private restore(saved: readonly [string, Binding | undefined][]): void {
    for (let i = saved.length - 1; i >= 0; i--) {
      const [name, previous] = saved[i];
      if (previous) this.scope.set(name, previous);
      else this.scope.delete(name);
    }
  }

  /** A block's lets are visible to the statements after them, and not outside the block. */
  private block(stmts: readonly Stmt[]): Run {
    const saved: [string, Binding | undefined][] = [];
    try {
      return seq(stmts.map((s) => this.stmt(s, saved)));
    } finally {
      this.restore(saved);
    }
  }

  private stmt(s: Stmt, saved: [string, Binding | undefined][]): Run {
    const frame = this.frame;
    switch (s.kind) {
      case 'let': {
        const value = this.expr(s.value); // compiled before the name is bound: `let x = x + 1` reads the outer x
        saved.push([s.name, this.scope.get(s.name)]);
        const slot = this.bind(s.name, s.value.dtype, false);
        return () => { frame[slot] = value(); };
      }
      case 'for':
        return this.withVars([s.var], 'for', ([slot]) => this.loop(slot, s.var.extent, this.block(s.body)));
      case 'store': {
        const param = this.param(s.buffer, 'store to');
        if (param.access === 'r') this.fail(`store to %${s.buffer}, a read-only (r) param`);
        const array = this.buffers.get(s.buffer)!;
        const size = array.length;
        const index = this.index(s.index, `store to %${s.buffer}`);
        const value = this.expr(s.value);
        const wrap = WRAP[param.dtype];
        const where = this.locator();
        const name = s.buffer;
        return () => {
          const i = index();
          if (!(i >= 0 && i < size)) this.fail(`store %${name}[${i}] is out of bounds (%${name} has ${size} elements)${where()}`);
          array[i] = wrap(value());
        };
      }
      default:
        return this.fail(`unknown statement kind '${(s as { kind: string }).kind}'`);
    }
  }

  private param(name: string, what: string): KernelParam {
    const p = this.params.get(name);
    if (!p) this.fail(`${what} %${name}, which is not a param of the kernel`);
    return p;
  }

  /** Formats the current values of the index vars in scope, for out-of-bounds messages. */
  private locator(): () => string {
    const vars = [...this.scope].filter(([, b]) => b.index).map(([name, b]) => [name, b.slot] as const);
    const frame = this.frame;
    return () => (vars.length ? ` at ${vars.map(([name, slot]) => `%${name}=${frame[slot]}`).join(', ')}` : '');
  }

  private index(e: Expr, what: string): Num {
    if (!isInteger(e.dtype)) this.fail(`the index of ${what} has dtype ${shortDType(e.dtype)}; expected i32`);
    return this.expr(e);
  }

  private same(what: string, got: DType, want: DType): void {
    if (got !== want) this.fail(`${what} has dtype ${shortDType(got)}; expected ${shortDType(want)}`);
  }

  private expr(e: Expr): Num {
    const frame = this.frame;
    switch (e.kind) {
      case 'const': {
        const v = wrapScalar(e.value, e.dtype);
        return () => v;
      }
      case 'var': {
        const b = this.scope.get(e.name);
        if (!b) this.fail(`%${e.name} is not bound here`);
        this.same(`var %${e.name}`, b.dtype, e.dtype);
        const slot = b.slot;
        return () => frame[slot];
      }
      case 'load': return this.load(e);
      case 'unary': {
        this.same(`the operand of ${e.op}`, e.x.dtype, e.dtype);
        const f = unaryScalar(e.op, e.dtype);
        if (!f) this.fail(`unary ${e.op} is not defined on ${shortDType(e.dtype)}`);
        const x = this.expr(e.x);
        return () => f(x());
      }
      case 'cast': {
        const from = e.x.dtype;
        const to = e.dtype;
        const x = this.expr(e.x);
        return () => convertScalar(x(), from, to);
      }
      case 'binary': {
        this.same(`the second operand of ${e.op}`, e.b.dtype, e.a.dtype);
        this.same(`the result of ${e.op}`, e.dtype, COMPARE_OPS.includes(e.op) ? 'bool' : e.a.dtype);
        const f = binaryScalar(e.op, e.a.dtype);
        if (!f) this.fail(`binary ${e.op} is not defined on ${shortDType(e.a.dtype)}`);
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        return () => f(a(), b());
      }
      case 'select': {
        this.same('the condition of select', e.cond.dtype, 'bool');
        this.same('the first branch of select', e.a.dtype, e.dtype);
        this.same('the second branch of select', e.b.dtype, e.dtype);
        const cond = this.expr(e.cond);
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        // Both branches are evaluated (as codegen's select does), so an unguarded out-of-bounds load fails either way.
        return () => {
          const c = cond();
          const av = a();
          const bv = b();
          return c ? av : bv;
        };
      }
      case 'reduce': return this.reduce(e);
      default:
        return this.fail(`unknown expression kind '${(e as { kind: string }).kind}'`);
    }
  }

  private load(e: Extract<Expr, { kind: 'load' }>): Num {
    const param = this.param(e.buffer, 'load from');
    if (param.access === 'w') this.fail(`load from %${e.buffer}, a write-only (w) param`);
    this.same(`load from %${e.buffer}`, e.dtype, param.dtype);
    const array = this.buffers.get(e.buffer)!;
    const size = array.length;
    const index = this.index(e.index, `load from %${e.buffer}`);
    const where = this.locator();
    const name = e.buffer;
    const read = (): number => {
      const i = index();
      if (!(i >= 0 && i < size)) this.fail(`load %${name}[${i}] is out of bounds (%${name} has ${size} elements)${where()}`);
      return array[i];
    };
    if (!e.guard) return read;
    this.same(`the guard of a load from %${e.buffer}`, e.guard.dtype, 'bool');
    const guard = this.expr(e.guard);
    const other = wrapScalar(e.other ?? 0, e.dtype);
    return () => (guard() ? read() : other);
  }

  private reduce(e: Extract<Expr, { kind: 'reduce' }>): Num {
    if (!LOOP_REDUCE_OPS.includes(e.op)) this.fail(`unknown reduction '${e.op}'`);
    const arg = e.op === 'argmax' || e.op === 'argmin';
    if (arg) this.same(`reduce ${e.op}`, e.dtype, 'int32');
    else {
      this.same(`the body of reduce ${e.op}`, e.body.dtype, e.dtype);
      if (!isNumeric(e.dtype)) this.fail(`reduce ${e.op} is not defined on ${shortDType(e.dtype)}`);
    }
    if (!isFloat(e.dtype) && !fitsDType(e.init, e.dtype)) this.fail(`reduce ${e.op} has init ${e.init}, which is not a ${shortDType(e.dtype)} value`);
    const init = wrapScalar(e.init, e.dtype);
    const frame = this.frame;
    return this.withVars(e.vars, `reduce ${e.op}`, (slots) => {
      const body = this.expr(e.body);
      const extents = e.vars.map((v) => v.extent);
      const total = extents.reduce((a, b) => a * b, 1);
      const n = slots.length;
      const reset = (): void => { for (let k = 0; k < n; k++) frame[slots[k]] = 0; };
      /** Steps the vars to the next point, row-major (last var fastest). */
      const advance = (): void => {
        for (let k = n - 1; k >= 0; k--) {
          const s = slots[k];
          if (++frame[s] < extents[k]) return;
          frame[s] = 0;
        }
      };
      if (arg) {
        // The graph's argmax/argmin rule (first extreme wins ties, first NaN wins over every number).
        // init is the result only when there are no points. Every point is still evaluated, so bad loads fail.
        const replaces = argExtremeStep(e.op);
        return () => {
          if (total === 0) return init;
          reset();
          let best = 0;
          let bestValue = body();
          advance();
          for (let p = 1; p < total; p++) {
            const v = body();
            if (replaces(v, bestValue)) {
              best = p;
              bestValue = v;
            }
            advance();
          }
          return best;
        };
      }
      const step = foldStep('reduce', e.op as 'sum' | 'prod' | 'max' | 'min', e.dtype);
      if (n === 1) {
        const slot = slots[0];
        const extent = extents[0];
        return () => {
          let acc = init;
          for (let i = 0; i < extent; i++) {
            frame[slot] = i;
            acc = step(acc, body());
          }
          return acc;
        };
      }
      return () => {
        let acc = init;
        if (total === 0) return acc;
        reset();
        for (let p = 0; p < total; p++) {
          acc = step(acc, body());
          advance();
        }
        return acc;
      };
    });
  }
}
