/**
 * The per-kernel WGSL emitter: scopes (IR names → WGSL values), expressions, sequential
 * statements and sequential reductions. The mappings (kernel.ts, matmul.ts) drive it and add
 * their own control structure; `overrides` lets them substitute values for IR nodes (the result
 * of a cooperative reduction, the accumulator of a tiled matmul).
 *
 * Inside a vectorized loop (`vectorVar` set) values that depend on the loop variable are
 * vec4 lanes; the loop variable itself is the scalar index of lane 0 and only appears in
 * load/store indices (vectorizeLoop checked that).
 */
import { extremeValue } from '../ir/ops/reduce.js';
import type { DType } from '../ir/dtype.js';
import type { Expr, Kernel, Stmt } from '../ir/loop.js';
import { printExpr } from '../ir/loop-printer.js';
import { WgslCodegenError } from './errors.js';
import { HelperSet } from './helpers.js';
import { type OpContext, type WValue, emitBinary, emitCast, emitSelect, emitUnary, runtime, widen } from './ops.js';
import type { WgslAccess } from './program.js';
import { CodeWriter, NameAllocator, constantLiteral, isSpecialF32, valueType } from './wgsl.js';

export interface BufferView {
  /** The program buffer bound here. */
  readonly binding: string;
  /** The WGSL variable. */
  readonly ident: string;
  readonly dtype: DType;
  readonly size: number;
  /** Declared as array<vec4<f32>> (scalar reads index a component). */
  readonly vec4: boolean;
  readonly access: WgslAccess;
}

interface ScopeEntry {
  readonly value: WValue;
  /** Depends on the vectorized loop variable. */
  readonly varying: boolean;
}

type ReduceExpr = Extract<Expr, { kind: 'reduce' }>;

const FOLD_OP = { sum: 'add', prod: 'mul', max: 'max', min: 'min' } as const;

/** The value every point beats or ties in argmax/argmin (bool bodies are compared as u32). */
export const worstValue = (op: 'argmax' | 'argmin', dtype: DType): number => extremeValue(dtype, op === 'argmax' ? 'lowest' : 'highest');

/** The identity of a fold (what other threads than the first start from in a cooperative reduction). */
export function foldIdentity(op: 'sum' | 'prod' | 'max' | 'min', dtype: DType): number {
  switch (op) {
    case 'sum': return dtype === 'float32' ? -0 : 0;
    case 'prod': return 1;
    case 'max': return extremeValue(dtype, 'lowest');
    case 'min': return extremeValue(dtype, 'highest');
  }
}

export class KernelEmitter implements OpContext {
  readonly helpers = new HelperSet();
  readonly names = new NameAllocator();
  /** Shader-specific functions (workgroup reductions), by name. */
  readonly functions = new Map<string, string>();
  /** var<workgroup> declarations, by name. */
  readonly workgroupVars = new Map<string, string>();
  readonly overrides = new Map<Expr, WValue>();
  w = new CodeWriter(1);
  /** IR name of the loop variable of the vectorized loop being emitted. */
  vectorVar: string | undefined;
  private readonly scopes: Map<string, ScopeEntry>[] = [new Map()];

  constructor(readonly kernel: Kernel, readonly views: ReadonlyMap<string, BufferView>) {}

  fail(message: string): never {
    throw new WgslCodegenError(`kernel @${this.kernel.name}: ${message}`);
  }

  // ---- scopes ----------------------------------------------------------------------------------

  pushScope(): void {
    this.scopes.push(new Map());
  }

  popScope(): void {
    this.scopes.pop();
  }

  bind(name: string, value: WValue, varying = false): void {
    this.scopes[this.scopes.length - 1].set(name, { value, varying });
  }

  private lookup(name: string): ScopeEntry {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const entry = this.scopes[i].get(name);
      if (entry) return entry;
    }
    return this.fail(`%${name} is not bound`);
  }

  /** Emits `let <fresh> = v;` and returns the name. */
  materialize(v: WValue, base = 't'): WValue {
    const name = this.names.fresh(base);
    this.w.line(`let ${name}: ${valueType(v.dtype, v.width)} = ${v.code};`);
    return runtime(name, v.dtype, v.width);
  }

  /** A declared mutable variable initialised to `v`. */
  variable(v: WValue, base: string): string {
    const name = this.names.fresh(base);
    this.w.line(`var ${name}: ${valueType(v.dtype, v.width)} = ${v.code};`);
    return name;
  }

  view(param: string): BufferView {
    return this.views.get(param) ?? this.fail(`%${param} is not a parameter`);
  }

  // ---- expressions -----------------------------------------------------------------------------

  constant(value: number, dtype: DType): WValue {
    if (dtype === 'float32' && isSpecialF32(value)) {
      this.helpers.use('kiln_bits_f32');
      return runtime(constantLiteral(value, dtype), dtype, 1);
    }
    return { code: constantLiteral(value, dtype), dtype, width: 1, isConst: true };
  }

  /** Whether `e` depends on the vectorized loop variable. */
  isVarying(e: Expr): boolean {
    if (this.vectorVar === undefined) return false;
    switch (e.kind) {
      case 'var': return this.lookup(e.name).varying;
      case 'load': return this.isVarying(e.index) || (e.guard !== undefined && this.isVarying(e.guard));
      case 'unary': case 'cast': return this.isVarying(e.x);
      case 'binary': return this.isVarying(e.a) || this.isVarying(e.b);
      case 'select': return this.isVarying(e.cond) || this.isVarying(e.a) || this.isVarying(e.b);
      default: return false;
    }
  }

  expr(e: Expr): WValue {
    const o = this.overrides.get(e);
    if (o) return o;
    switch (e.kind) {
      case 'const': return this.constant(e.value, e.dtype);
      case 'var': return this.lookup(e.name).value;
      case 'load': return this.load(e);
      case 'unary': return emitUnary(this, e.op, this.expr(e.x));
      case 'cast': return emitCast(this, e.dtype, this.expr(e.x));
      case 'binary': return emitBinary(this, e.op, this.expr(e.a), this.expr(e.b));
      case 'select': return emitSelect(this, this.expr(e.cond), this.expr(e.a), this.expr(e.b));
      case 'reduce': return this.reduceSequential(e);
    }
  }

  /** An index as WGSL i32 code (a negative literal, only possible under a guard, becomes 0). */
  index(e: Expr): string {
    if (e.kind === 'const') return `${Math.max(0, e.value | 0)}i`;
    const v = this.expr(e);
    return v.isConst ? this.materialize(v).code : v.code;
  }

  private load(e: Extract<Expr, { kind: 'load' }>): WValue {
    const view = this.view(e.buffer);
    if (view.dtype !== e.dtype) this.fail(`load of %${e.buffer} as ${e.dtype}, but it holds ${view.dtype}`);
    const vector = this.isVarying(e.index);
    let read: WValue;
    if (vector) {
      const i = this.materialize(runtime(this.index(e.index), 'int32', 1), 'i').code;
      read = runtime(view.vec4 ? `${view.ident}[u32(${i}) >> 2u]` : `vec4<f32>(${[0, 1, 2, 3].map((k) => `${view.ident}[${i} + ${k}i]`).join(', ')})`, 'float32', 4);
    } else {
      const i = this.index(e.index);
      const element = view.vec4 ? `${view.ident}[u32(${i}) >> 2u][u32(${i}) & 3u]` : `${view.ident}[${i}]`;
      read = runtime(e.dtype === 'bool' ? `(${element} != 0u)` : element, e.dtype, 1);
    }
    if (!e.guard) return read;
    return emitSelect(this, this.expr(e.guard), read, this.constant(e.other ?? 0, e.dtype));
  }

  // ---- statements ------------------------------------------------------------------------------

  stmts(body: readonly Stmt[]): void {
    this.pushScope();
    for (const s of body) this.stmt(s);
    this.popScope();
  }

  stmt(s: Stmt): void {
    switch (s.kind) {
      case 'let': this.letStmt(s.name, s.value); return;
      case 'store': this.store(s.buffer, s.index, s.value); return;
      case 'for': this.sequentialFor(s); return;
    }
  }

  letStmt(name: string, value: Expr): void {
    const v = this.expr(value);
    const ident = this.materialize(v, `v_${name}`);
    this.bind(name, ident, this.isVarying(value));
  }

  store(buffer: string, indexExpr: Expr, valueExpr: Expr): void {
    const view = this.view(buffer);
    if (view.access !== 'read_write') this.fail(`store to %${buffer}, which is bound read-only`);
    const vector = this.isVarying(indexExpr);
    const index = vector ? this.materialize(runtime(this.index(indexExpr), 'int32', 1), 'i').code : this.index(indexExpr);
    let value = this.expr(valueExpr);
    if (vector) {
      value = widen(value, 4);
      if (view.vec4) {
        this.w.line(`${view.ident}[u32(${index}) >> 2u] = ${value.code};`);
      } else {
        const v = this.materialize(value, 'lanes').code;
        ['x', 'y', 'z', 'w'].forEach((c, k) => this.w.line(`${view.ident}[${index} + ${k}i] = ${v}.${c};`));
      }
      return;
    }
    if (value.width !== 1) this.fail(`store of lanes to a scalar index: store %${buffer}[${printExpr(indexExpr)}]`);
    const code = view.dtype === 'bool' ? `select(0u, 1u, ${value.code})` : value.code;
    if (view.vec4) this.w.line(`${view.ident}[u32(${index}) >> 2u][u32(${index}) & 3u] = ${code};`);
    else this.w.line(`${view.ident}[${index}] = ${code};`);
  }

  /** `for v in 0..extent` run by one thread. */
  sequentialFor(s: Extract<Stmt, { kind: 'for' }>): void {
    const ident = this.names.fresh(`v_${s.var.name}`);
    this.w.block(`for (var ${ident}: i32 = 0i; ${ident} < ${s.var.extent}i; ${ident}++)`, () => {
      this.pushScope();
      this.bind(s.var.name, runtime(ident, 'int32', 1));
      this.stmts(s.body);
      this.popScope();
    });
  }

  /**
   * Opens nested counted loops over `vars` (row-major) binding them, runs `body` inside, and
   * closes them.
   */
  private loopNest(vars: ReduceExpr['vars'], body: () => void, depth = 0): void {
    if (depth === vars.length) {
      body();
      return;
    }
    const ident = this.names.fresh(`v_${vars[depth].name}`);
    this.w.block(`for (var ${ident}: i32 = 0i; ${ident} < ${vars[depth].extent}i; ${ident}++)`, () => {
      this.bind(vars[depth].name, runtime(ident, 'int32', 1));
      this.loopNest(vars, body, depth + 1);
    });
  }

  /** A reduction run by one thread, in order (bit-identical to the reference). */
  reduceSequential(e: ReduceExpr): WValue {
    const total = e.vars.reduce((n, v) => n * v.extent, 1);
    if (total === 0) return this.constant(e.init, e.dtype);
    if (e.op === 'argmax' || e.op === 'argmin') {
      const bodyType: DType = e.body.dtype === 'bool' ? 'uint32' : e.body.dtype;
      const best = this.variable(this.constant(worstValue(e.op, e.body.dtype), bodyType), 'best');
      const bestIndex = this.variable(this.constant(0, 'int32'), 'best_index');
      const position = this.variable(this.constant(0, 'int32'), 'position');
      this.w.block('', () => {
        this.pushScope();
        this.loopNest(e.vars, () => {
          const raw = this.expr(e.body);
          const v = this.materialize(e.body.dtype === 'bool' ? runtime(`select(0u, 1u, ${raw.code})`, 'uint32', 1) : raw, 'v').code;
          const cmp = e.op === 'argmax' ? '>' : '<';
          const better = bodyType === 'float32'
            ? `!${this.helpers.use('kiln_isnan_f32')}(${best}) && (kiln_isnan_f32(${v}) || ${v} ${cmp} ${best})`
            : `${v} ${cmp} ${best}`;
          this.w.block(`if (${better})`, () => {
            this.w.line(`${best} = ${v};`);
            this.w.line(`${bestIndex} = ${position};`);
          });
          this.w.line(`${position} = ${position} + 1i;`);
        });
        this.popScope();
      });
      return runtime(bestIndex, 'int32', 1);
    }
    const acc = this.variable(this.constant(e.init, e.dtype), 'acc');
    const accValue = runtime(acc, e.dtype, 1);
    this.w.block('', () => {
      this.pushScope();
      this.loopNest(e.vars, () => {
        const v = emitBinary(this, FOLD_OP[e.op as keyof typeof FOLD_OP], accValue, this.expr(e.body));
        this.w.line(`${acc} = ${v.code};`);
      });
      this.popScope();
    });
    return accValue;
  }
}
