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
 */
import type { DType } from '../ir/dtype.js';
import { extremeValue } from '../ir/ops/reduce.js';
import type { Expr, ReduceOp } from '../ir/loop.js';
import type { KernelContext, Scope } from './context.js';
import type { Lanes, Val } from './lanes.js';
import { constVal, emitBinary, kindOf } from './ops.js';

type ReduceExpr = Extract<Expr, { kind: 'reduce' }>;

const FOLD_OP = { sum: 'add', prod: 'mul', max: 'max', min: 'min' } as const;

/** Emits the loops of `e` (lanes of L) and returns the result; `lowerBody` lowers the body in a scope. */
export function emitReduce(cx: KernelContext, L: Lanes, e: ReduceExpr, scope: Scope, lowerBody: (scope: Scope) => Val): Val {
  const { fb, m } = cx;
  const bodyType: DType = e.body.dtype;
  const kind = kindOf(bodyType);
  const inner = scope.child();
  const counters = e.vars.map((v) => {
    const local = fb.addLocal(cx.b.i32);
    inner.bind(v.name, { kind: 'scalar', local, dtype: 'int32' });
    return local;
  });
  const nest = (depth: number, innermost: () => void): void => {
    if (depth === e.vars.length) return innermost();
    fb.emitCountedLoop(counters[depth], 0, e.vars[depth].extent, 1, () => nest(depth + 1, innermost));
  };
  const setLocal = (local: number, v: Val): void => fb.emit(m.local.set(local, v.one()));
  const total = e.vars.reduce((n, v) => n * v.extent, 1);

  if (e.op === 'argmax' || e.op === 'argmin') {
    if (total === 0) return L.broadcast(constVal(L.scalar, e.dtype, e.init));
    const best = fb.addLocal(L.typeOf(kind));
    const index = fb.addLocal(L.typeOf('i'));
    const position = fb.addLocal(cx.b.i32);
    setLocal(best, L.broadcast(constVal(L.scalar, bodyType, worstValue(e.op, bodyType))));
    setLocal(index, L.broadcast(L.scalar.constI(0)));
    fb.emit(m.local.set(position, m.i32.const(0)));
    const bestVal = L.fromLocals(kind, [best]);
    const indexVal = L.fromLocals('i', [index]);
    nest(0, () => {
      const v = L.bind(lowerBody(inner));
      const take = L.bind(better(L, e.op as 'argmax' | 'argmin', bodyType, v, bestVal));
      setLocal(best, L.select(take, v, bestVal));
      setLocal(index, L.select(take, L.broadcast(L.scalar.fromLocals('i', [position])), indexVal));
      fb.emit(m.local.set(position, m.i32.add(m.local.get(position, cx.b.i32), m.i32.const(1))));
    });
    return indexVal;
  }

  const acc = fb.addLocal(L.typeOf(kind));
  setLocal(acc, L.broadcast(constVal(L.scalar, bodyType, e.init)));
  const accVal = L.fromLocals(kind, [acc]);
  const op = FOLD_OP[e.op as Exclude<ReduceOp, 'argmax' | 'argmin'>];
  nest(0, () => setLocal(acc, emitBinary({ L, helpers: cx.helpers }, op, bodyType, accVal, lowerBody(inner))));
  return accVal;
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
