/**
 * `reduce` lowering, shared by scalar code and vectorized loops: nested counted loops over the
 * reduction variables (row-major, last fastest) around an accumulator local. In a vectorized
 * loop the accumulator is a vector whose lane l folds the values of loop iteration l.
 * argmax/argmin keep the best value and its flattened position: a strictly better value or a
 * NaN replaces the best unless the best is already NaN, so the first extreme wins and the first
 * NaN wins over everything. The best value starts at the dtype's lowest (argmax) or highest
 * (argmin) value with position 0, which is the same as starting from the first point. `init`
 * is the start of a fold, and the result of an arg reduction over no points (as
 * ir/loop-eval.ts).
 *
 * A fold whose body is contiguous in the innermost reduction variable (emitContiguousReduce)
 * runs four consecutive points at a time in ACCUMULATORS independent vector accumulators, which
 * are combined at the end. max, min and integer folds (wrapping) give the same result in any
 * order; float sums and products are reassociated unless `exactReductions` is set.
 */
import type { DType } from '../ir/dtype.js';
import { extremeValue, reduceIdentity } from '../ir/ops/reduce.js';
import type { Expr, IndexVar, ReduceOp } from '../ir/loop.js';
import type { KernelContext, Scope } from './context.js';
import type { Kind, Lanes, Val } from './lanes.js';
import { constVal, emitBinary, kindOf } from './ops.js';

export type ReduceExpr = Extract<Expr, { kind: 'reduce' }>;
type FoldOp = Exclude<ReduceOp, 'argmax' | 'argmin'>;

const FOLD_OP = { sum: 'add', prod: 'mul', max: 'max', min: 'min' } as const;

/** Independent vector accumulators of a contiguous fold: enough to hide the latency of f32x4.add. */
const ACCUMULATORS = 4;

/** Emits the loops of `e` (lanes of L) and returns the result; `lowerBody` lowers the body in a scope. */
export function emitReduce(cx: KernelContext, L: Lanes, e: ReduceExpr, scope: Scope, lowerBody: (scope: Scope) => Val): Val {
  const { fb, m } = cx;
  const bodyType: DType = e.body.dtype;
  const kind = kindOf(bodyType);
  const { inner, nest } = reductionLoops(cx, e.vars, scope);
  const total = e.vars.reduce((n, v) => n * v.extent, 1);

  if (e.op === 'argmax' || e.op === 'argmin') {
    if (total === 0) return L.broadcast(constVal(L.scalar, e.dtype, e.init));
    const best = newLocal(L, kind, constVal(L, bodyType, worstValue(e.op, bodyType)));
    const index = newLocal(L, 'i', L.constI(0));
    const position = fb.addLocal(cx.b.i32);
    fb.emit(m.local.set(position, m.i32.const(0)));
    nest(() => {
      const v = L.bind(lowerBody(inner));
      const take = L.bind(better(L, e.op as 'argmax' | 'argmin', bodyType, v, best));
      L.assign(best, L.select(take, v, best));
      L.assign(index, L.select(take, L.broadcast(L.scalar.fromLocals('i', [position])), index));
      fb.emit(m.local.set(position, m.i32.add(m.local.get(position, cx.b.i32), m.i32.const(1))));
    });
    return index;
  }

  const acc = newLocal(L, kind, constVal(L, bodyType, e.init));
  nest(() => L.assign(acc, fold(cx, L, e, acc, lowerBody(inner))));
  return acc;
}

/** Whether `e` may run as emitContiguousReduce (given a body contiguous in its innermost variable). */
export function canVectorizeFold(cx: KernelContext, e: ReduceExpr): boolean {
  const innermost = e.vars[e.vars.length - 1];
  if (!cx.flags.simd || e.op === 'argmax' || e.op === 'argmin' || !innermost || innermost.extent < 4) return false;
  const exactInAnyOrder = e.body.dtype !== 'float32' || e.op === 'max' || e.op === 'min';
  return exactInAnyOrder || !cx.flags.exactReductions;
}

export interface ContiguousBody {
  /** The body at four consecutive points of the innermost variable, bound as lanes in `scope`. */
  vector(scope: Scope): Val;
  /** The body at one point, as scalar code. */
  scalar(scope: Scope): Val;
}

/**
 * A fold in scalar code whose body is contiguous in the innermost reduction variable: per row
 * of the outer variables, vector iterations cycle through the accumulators (an unrolled loop,
 * then single vector steps), and the last extent % 4 points go to a scalar accumulator that
 * starts at `init`. The vector accumulators start at the fold's identity (-0 for a float sum,
 * so zeros keep their sign) and are combined pairwise, then horizontally, then with the scalar one.
 */
export function emitContiguousReduce(cx: KernelContext, e: ReduceExpr, scope: Scope, body: ContiguousBody): Val {
  const { fb, m, L1, L4 } = cx;
  const dtype = e.body.dtype;
  const kind = kindOf(dtype);
  const last = e.vars[e.vars.length - 1];
  const { inner, nest } = reductionLoops(cx, e.vars.slice(0, -1), scope);
  const identity = dtype === 'float32' && e.op === 'sum' ? -0 : reduceIdentity(e.op as FoldOp, dtype);
  const accs = Array.from({ length: ACCUMULATORS }, () => newLocal(L4, kind, constVal(L4, dtype, identity)));
  const tail = newLocal(L1, kind, constVal(L1, dtype, e.init));
  const counter = fb.addLocal(cx.b.i32);
  const vectorStep = (acc: Val, offset: number): void => {
    const lanes = offset === 0 ? counter : fb.addLocal(cx.b.i32);
    if (offset !== 0) fb.emit(m.local.set(lanes, m.i32.add(m.local.get(counter, cx.b.i32), m.i32.const(offset))));
    L4.assign(acc, fold(cx, L4, e, acc, body.vector(inner.child().bind(last.name, { kind: 'lanes', local: lanes }))));
  };
  const n = last.extent;
  const vectorEnd = n - (n % 4);
  const unrolledEnd = n - (n % (4 * ACCUMULATORS));
  nest(() => {
    fb.emitCountedLoop(counter, 0, unrolledEnd, 4 * ACCUMULATORS, () => accs.forEach((acc, u) => vectorStep(acc, 4 * u)));
    fb.emitCountedLoop(counter, unrolledEnd, vectorEnd, 4, () => vectorStep(accs[0], 0));
    fb.emitCountedLoop(counter, vectorEnd, n, 1, () => {
      const point = inner.child().bind(last.name, { kind: 'scalar', local: counter, dtype: 'int32' });
      L1.assign(tail, fold(cx, L1, e, tail, body.scalar(point)));
    });
  });
  const combined = L4.bind(pairwise(accs, (a, b) => fold(cx, L4, e, a, b)));
  const horizontal = pairwise([0, 1, 2, 3].map((l) => L4.extract(combined, l)), (a, b) => fold(cx, L1, e, a, b));
  return L1.bind(fold(cx, L1, e, tail, horizontal));
}

/** Counter locals for `vars` bound in a child scope, and a function nesting counted loops over them. */
function reductionLoops(cx: KernelContext, vars: readonly IndexVar[], scope: Scope): { inner: Scope; nest: (innermost: () => void) => void } {
  const inner = scope.child();
  const counters = vars.map((v) => {
    const local = cx.fb.addLocal(cx.b.i32);
    inner.bind(v.name, { kind: 'scalar', local, dtype: 'int32' });
    return local;
  });
  const loop = (depth: number, innermost: () => void): void => {
    if (depth === vars.length) return innermost();
    cx.fb.emitCountedLoop(counters[depth], 0, vars[depth].extent, 1, () => loop(depth + 1, innermost));
  };
  return { inner, nest: (innermost) => loop(0, innermost) };
}

/** A fresh local (of L's lanes) holding `init`, as a reusable value that `L.assign` updates. */
function newLocal(L: Lanes, kind: Kind, init: Val): Val {
  const local = L.em.addLocal(L.typeOf(kind));
  L.em.emit(L.m.local.set(local, init.one()));
  return L.fromLocals(kind, [local]);
}

/** One step of the fold `e`: acc op value. */
function fold(cx: KernelContext, L: Lanes, e: ReduceExpr, acc: Val, value: Val): Val {
  return emitBinary({ L, helpers: cx.helpers }, FOLD_OP[e.op as FoldOp], e.body.dtype, acc, value);
}

/** ((v0 op v1) op (v2 op v3)) ...: a balanced tree over the values. */
function pairwise(values: readonly Val[], op: (a: Val, b: Val) => Val): Val {
  if (values.length === 1) return values[0];
  const half = values.length >> 1;
  return op(pairwise(values.slice(0, half), op), pairwise(values.slice(half), op));
}

/** The value every point beats or ties: the lowest of the dtype for argmax, the highest for argmin. */
const worstValue = (op: 'argmax' | 'argmin', dtype: DType): number => extremeValue(dtype, op === 'argmax' ? 'lowest' : 'highest');

function better(L: Lanes, op: 'argmax' | 'argmin', dtype: DType, v: Val, best: Val): Val {
  if (dtype === 'float32') {
    const strictly = op === 'argmax' ? L.gt(v, best) : L.lt(v, best);
    return L.and(L.not(L.isNaN(best)), L.or(L.isNaN(v), strictly));
  }
  if (dtype === 'int32') return op === 'argmax' ? L.gt(v, best) : L.lt(v, best);
  return op === 'argmax' ? L.gtU(v, best) : L.ltU(v, best);
}
