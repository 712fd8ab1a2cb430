/**
 * SIMD lowering of `for ... vec=4` loops: a v128 loop over the first ⌊extent/4⌋·4 iterations
 * (lane l = iteration v+l) and a scalar loop for the rest. `vec=4` asserts that iterations are
 * independent (the vectorize pass checks it), so executing each statement for four iterations
 * at once is equivalent to the scalar order.
 *
 * Each subexpression is classified by how it depends on the loop variable:
 * - invariant (no per-lane name in it): computed once per vector iteration as a scalar, splatted
 *   where a vector operand is needed;
 * - unit-stride affine loads (index = invariant + var): one v128.load at the lane-0 index;
 * - other varying loads: four scalar loads (lane indices from the index vector) + replace_lane;
 * - a varying guard: per-lane `if`s, with a v128.load fast path when all four lanes are in bounds;
 * - arithmetic, compares (lane masks), select (bitselect), casts: f32x4/i32x4 ops via ops.ts,
 *   with per-lane scalar code where SIMD128 has no instruction (integer div, pow, float mod);
 * - reductions with a per-lane body: vector accumulators (lane = loop iteration), or, when
 *   that would gather (a row per lane) but each lane's reduction is contiguous, one contiguous
 *   vector reduction per lane (reduce.ts emitContiguousReduce);
 * - stores: v128.store when unit-stride, else one scalar store per lane (bool included).
 * Every construct has a vector form (per-lane scalar code at worst), so there is no whole-loop
 * scalar fallback; `compileProgram(p, { simd: false })` emits every loop as scalar code.
 */
import type { Expr, Stmt } from '../ir/loop.js';
import type { Ref } from './binaryen.js';
import type { BufferBinding, KernelContext, Scope } from './context.js';
import { WasmCodegenError } from './errors.js';
import { lowerScalar } from './expr.js';
import { freeNames } from '../ir/loop-walk.js';
import { constantValue, containsLoad } from './expr-utils.js';
import type { Val } from './lanes.js';
import { constVal, emitBinary, emitCast, emitUnary, kindOf } from './ops.js';
import { type ReduceExpr, canVectorizeFold, emitReduce } from './reduce.js';

type ForStmt = Extract<Stmt, { kind: 'for' }>;
type LoadExpr = Extract<Expr, { kind: 'load' }>;
type StoreStmt = Extract<Stmt, { kind: 'store' }>;

/** A value in vector code: the same for all lanes (a scalar Val) or per lane (a vector Val). */
interface VVal {
  readonly varying: boolean;
  readonly val: Val;
}

/** Emits a vec=4 loop: the SIMD part, then the scalar remainder. `scalarBody` lowers the body as scalar code in a scope. */
export function emitVectorizedFor(cx: KernelContext, s: ForStmt, scope: Scope, scalarBody: (scope: Scope) => void): void {
  const { fb } = cx;
  const extent = s.var.extent;
  const vectorEnd = extent - (extent % 4);
  const counter = fb.addLocal(cx.b.i32);
  fb.emitCountedLoop(counter, 0, vectorEnd, 4, () => {
    const inner = scope.child().bind(s.var.name, { kind: 'lanes', local: counter });
    new VectorLowering(cx).lowerStmts(s.body, inner);
  });
  fb.emitCountedLoop(counter, vectorEnd, extent, 1, () => scalarBody(scope.child().bind(s.var.name, { kind: 'scalar', local: counter, dtype: 'int32' })));
}

// ---- classification ---------------------------------------------------------------------------

function isVarying(e: Expr, scope: Scope): boolean {
  for (const name of freeNames(e)) {
    const b = scope.lookup(name);
    if (b && b.kind !== 'scalar') return true;
  }
  return false;
}

/** The coefficient of the loop variable in an affine integer index, or undefined if not affine. */
function strideOf(e: Expr, scope: Scope): number | undefined {
  switch (e.kind) {
    case 'const': return 0;
    case 'var': {
      const b = scope.get(e.name);
      return b.kind === 'lanes' ? 1 : b.kind === 'vector' ? strideOf(b.def, b.defScope) : 0;
    }
    case 'binary': {
      if (e.op !== 'add' && e.op !== 'sub' && e.op !== 'mul') break;
      const sa = strideOf(e.a, scope);
      const sb = strideOf(e.b, scope);
      if (sa === undefined || sb === undefined) return undefined;
      if (e.op === 'add') return sa + sb;
      if (e.op === 'sub') return sa - sb;
      const ca = constantValue(e.a);
      const cb = constantValue(e.b);
      if (sa === 0 && sb === 0) return 0;
      if (sa === 0 && ca !== undefined) return ca * sb;
      if (sb === 0 && cb !== undefined) return sa * cb;
      return undefined;
    }
    case 'cast':
      if (e.x.dtype === 'int32' || e.x.dtype === 'uint32') return strideOf(e.x, scope);
      break;
    default:
      break;
  }
  return isVarying(e, scope) ? undefined : 0;
}

/** A binding for analysis only: a name that is the same in every lane. */
const UNIFORM = { kind: 'scalar', local: -1, dtype: 'int32' } as const;

/**
 * Whether every load in `e` reads one vector (unit stride in the lanes of `scope`) or one
 * element for all lanes, with no per-lane guard: no gathers. Reduction variables inside `e` are
 * the same in every lane.
 */
function readsContiguously(e: Expr, scope: Scope): boolean {
  switch (e.kind) {
    case 'const':
    case 'var': return true;
    case 'load': {
      const stride = strideOf(e.index, scope);
      return (stride === 0 || stride === 1) && !(e.guard && isVarying(e.guard, scope)) && readsContiguously(e.index, scope);
    }
    case 'unary':
    case 'cast': return readsContiguously(e.x, scope);
    case 'binary': return readsContiguously(e.a, scope) && readsContiguously(e.b, scope);
    case 'select': return readsContiguously(e.cond, scope) && readsContiguously(e.a, scope) && readsContiguously(e.b, scope);
    case 'reduce': {
      const inner = scope.child();
      for (const v of e.vars) inner.bind(v.name, UNIFORM);
      return readsContiguously(e.body, inner);
    }
  }
}

/**
 * Whether a reduction in scalar code (every name in `scope` the same in all lanes) reads
 * contiguously along its innermost variable, so emitContiguousReduce can run it.
 */
export function isContiguousReduce(e: ReduceExpr, scope: Scope): boolean {
  const inner = scope.child();
  e.vars.forEach((v, i) => inner.bind(v.name, i === e.vars.length - 1 ? { kind: 'lanes', local: -1 } : UNIFORM));
  return readsContiguously(e.body, inner);
}

/** `e` as a vector (SIMD code for the lanes bound in `scope`). */
export function lowerVector(cx: KernelContext, e: Expr, scope: Scope): Val {
  return new VectorLowering(cx).lowerToVector(e, scope);
}

class VectorLowering {
  constructor(private readonly cx: KernelContext) {}

  private get L4() {
    return this.cx.L4;
  }

  lowerStmts(stmts: readonly Stmt[], outer: Scope): void {
    const { cx } = this;
    let scope = outer.child();
    for (const s of stmts) {
      switch (s.kind) {
        case 'let': {
          const v = this.lower(s.value, scope);
          const dtype = s.value.dtype;
          const defScope = scope;
          scope = scope.child();
          if (v.varying) {
            const local = cx.fb.addLocal(cx.b.v128);
            cx.fb.emit(cx.m.local.set(local, v.val.one()));
            scope.bind(s.name, { kind: 'vector', local, dtype, def: s.value, defScope });
          } else {
            const local = cx.fb.addLocal(cx.L1.typeOf(kindOf(dtype)));
            cx.fb.emit(cx.m.local.set(local, v.val.one()));
            scope.bind(s.name, { kind: 'scalar', local, dtype });
          }
          break;
        }
        case 'for': {
          // Inside vector code an inner loop runs with a scalar counter; its body stays vectorized.
          const counter = cx.fb.addLocal(cx.b.i32);
          const loopScope = scope;
          cx.fb.emitCountedLoop(counter, 0, s.var.extent, 1, () =>
            this.lowerStmts(s.body, loopScope.child().bind(s.var.name, { kind: 'scalar', local: counter, dtype: 'int32' })),
          );
          break;
        }
        case 'store':
          this.store(s, scope);
          break;
      }
    }
  }

  // ---- expressions ----------------------------------------------------------------------------

  private toVector(v: VVal): Val {
    return v.varying ? v.val : this.L4.broadcast(v.val);
  }

  lowerToVector(e: Expr, scope: Scope): Val {
    return this.toVector(this.lower(e, scope));
  }

  /**
   * Whether the reduction `e`, which would gather across lanes (a row per lane, say), reads
   * contiguously along its own innermost variable: then each lane runs it as a contiguous
   * vector reduction (emitContiguousReduce through lowerLane) instead.
   */
  private runsPerLane(e: ReduceExpr, scope: Scope): boolean {
    if (!canVectorizeFold(this.cx, e)) return false;
    const point = scope.child();
    for (const v of e.vars) point.bind(v.name, UNIFORM);
    if (readsContiguously(e.body, point)) return false;
    const lane = scope.child();
    for (const name of freeNames(e)) if (scope.lookup(name)?.kind !== 'scalar') lane.bind(name, UNIFORM);
    return isContiguousReduce(e, lane);
  }

  private lower(e: Expr, scope: Scope): VVal {
    const { cx, L4 } = this;
    if (!isVarying(e, scope)) return { varying: false, val: lowerScalar(cx, e, scope) };
    const ops = { L: L4, helpers: cx.helpers };
    const vec = (x: Expr): Val => this.toVector(this.lower(x, scope));
    const varying = (val: Val): VVal => ({ varying: true, val });
    switch (e.kind) {
      case 'var': {
        const b = scope.get(e.name);
        if (b.kind === 'vector') return varying(L4.fromLocals(kindOf(b.dtype), [b.local]));
        if (b.kind === 'lanes') {
          const base = L4.broadcast(cx.L1.fromLocals('i', [b.local]));
          return varying(L4.add(base, L4.constLanesI([0, 1, 2, 3])));
        }
        throw new Error('internal: scalar binding classified as varying');
      }
      case 'unary': return varying(emitUnary(ops, e.op, e.x.dtype, vec(e.x)));
      case 'cast': return varying(emitCast(L4, e.x.dtype, e.dtype, vec(e.x)));
      case 'binary': {
        const a = vec(e.a);
        const b = vec(e.b);
        return varying(emitBinary(ops, e.op, e.a.dtype, a, b, constantValue(e.b)));
      }
      case 'select': {
        const c = vec(e.cond);
        const a = vec(e.a);
        const b = vec(e.b);
        return varying(L4.select(c, a, b));
      }
      case 'reduce':
        if (this.runsPerLane(e, scope)) return varying(L4.fromLanes(kindOf(e.dtype), [0, 1, 2, 3].map((l) => cx.L1.bind(this.lowerLane(e, scope, l)))));
        return varying(emitReduce(cx, L4, e, scope, (inner) => this.lowerToVector(e.body, inner)));
      case 'load':
        return varying(this.load(e, scope));
      case 'const':
        throw new Error('internal: constant classified as varying');
    }
  }

  /** Scalar code for one lane of `e`: per-lane names are replaced by that lane's values. */
  private lowerLane(e: Expr, scope: Scope, lane: number): Val {
    const { cx, L4 } = this;
    const laneScope = scope.child();
    for (const name of freeNames(e)) {
      const b = scope.lookup(name);
      if (!b || b.kind === 'scalar') continue;
      const value =
        b.kind === 'lanes'
          ? cx.m.i32.add(cx.m.local.get(b.local, cx.b.i32), cx.m.i32.const(lane))
          : L4.extract(L4.fromLocals(kindOf(b.dtype), [b.local]), lane).one();
      const dtype = b.kind === 'lanes' ? 'int32' : b.dtype;
      const local = cx.fb.addLocal(cx.L1.typeOf(kindOf(dtype)));
      cx.fb.emit(cx.m.local.set(local, value));
      laneScope.bind(name, { kind: 'scalar', local, dtype });
    }
    return lowerScalar(cx, e, laneScope);
  }

  private checkedBuffer(name: string, dtype: string): BufferBinding {
    const buf = this.cx.buffer(name);
    if (buf.dtype !== dtype) throw new WasmCodegenError(`%${name} holds ${buf.dtype}, accessed as ${dtype}`);
    return buf;
  }

  /** The index of each lane as scalar code, computed from an index vector when the index has no loads. */
  private laneIndices(index: Expr, scope: Scope): (lane: number) => Ref {
    const { L4 } = this;
    if (!isVarying(index, scope)) {
      const idx = this.cx.L1.bind(lowerScalar(this.cx, index, scope));
      return () => idx.one();
    }
    if (!containsLoad(index)) {
      const idx = L4.bind(this.toVector(this.lower(index, scope)));
      return (lane) => L4.extract(idx, lane).one();
    }
    return (lane) => this.lowerLane(index, scope, lane).one();
  }

  private load(e: LoadExpr, scope: Scope): Val {
    const { cx, L4 } = this;
    const L1 = cx.L1;
    const buf = this.checkedBuffer(e.buffer, e.dtype);
    const kind = kindOf(e.dtype);
    const other = (): Val => constVal(L1, e.dtype, e.other ?? 0);
    const unitStride = strideOf(e.index, scope) === 1;
    const readAll = (): Val => {
      if (unitStride) return L4.wrap(kind, cx.loadVector(buf, this.lowerLane(e.index, scope, 0).one()));
      const index = this.laneIndices(e.index, scope);
      return L4.fromLanes(kind, [0, 1, 2, 3].map((l) => L1.bind(L1.wrap(kind, cx.loadScalar(buf, index(l))))));
    };
    if (!e.guard) return readAll();
    if (!isVarying(e.guard, scope)) {
      const guard = lowerScalar(cx, e.guard, scope).one();
      const { stmts, value } = cx.fb.capture(() => readAll().one());
      const then = cx.fb.seqValue(stmts, value, cx.b.v128);
      return L4.wrap(kind, cx.m.if(guard, then, L4.broadcast(other()).one()));
    }
    // A per-lane guard: each lane reads memory only when its guard holds.
    const guard = L4.bind(this.toVector(this.lower(e.guard, scope)));
    const safeIndex = !containsLoad(e.index);
    const index = safeIndex ? this.laneIndices(e.index, scope) : undefined;
    const lanes = cx.fb.capture(() =>
      L4.fromLanes(
        kind,
        [0, 1, 2, 3].map((l) => {
          const { stmts, value } = cx.fb.capture(() => cx.loadScalar(buf, index ? index(l) : this.lowerLane(e.index, scope, l).one()));
          const read = cx.fb.seqValue(stmts, value, L1.typeOf(kind));
          return L1.bind(L1.wrap(kind, cx.m.if(L4.extract(guard, l).one(), read, other().one())));
        }),
      ).one(),
    );
    const perLane = cx.fb.seqValue(lanes.stmts, lanes.value, cx.b.v128);
    if (!unitStride || !safeIndex) return L4.wrap(kind, perLane);
    const { stmts, value } = cx.fb.capture(() => cx.loadVector(buf, this.lowerLane(e.index, scope, 0).one()));
    const fast = cx.fb.seqValue(stmts, value, cx.b.v128);
    return L4.wrap(kind, cx.m.if(L4.allTrue(guard), fast, perLane));
  }

  private store(s: StoreStmt, scope: Scope): void {
    const { cx, L4 } = this;
    const L1 = cx.L1;
    const buf = this.checkedBuffer(s.buffer, s.value.dtype);
    if (buf.access === 'r') throw new WasmCodegenError(`kernel @${cx.kernelName} stores to read-only param %${s.buffer}`);
    const value = this.lower(s.value, scope);
    if (!isVarying(s.index, scope)) {
      // Every lane writes the same element; sequentially the last lane's value remains.
      const v = value.varying ? L4.extract(value.val, 3) : value.val;
      cx.fb.emit(cx.storeScalar(buf, lowerScalar(cx, s.index, scope).one(), v.one()));
      return;
    }
    if (strideOf(s.index, scope) === 1) {
      const v = L4.bind(this.toVector(value));
      cx.fb.emit(cx.storeVector(buf, this.lowerLane(s.index, scope, 0).one(), v.one()));
      return;
    }
    const v = value.varying ? L4.bind(value.val) : L1.bind(value.val);
    const index = this.laneIndices(s.index, scope);
    for (let l = 0; l < 4; l++) {
      const lane = value.varying ? L4.extract(v, l) : v;
      cx.fb.emit(cx.storeScalar(buf, index(l), lane.one()));
    }
  }
}
