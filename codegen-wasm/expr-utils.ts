/** Small structural queries on loop-IR expressions used by the lowering. */
import type { Expr } from '../ir/loop.js';

/** Whether any load occurs in `e` (loads are the only sub-expressions that can trap). */
export function containsLoad(e: Expr): boolean {
  switch (e.kind) {
    case 'const':
    case 'var': return false;
    case 'load': return true;
    case 'unary':
    case 'cast': return containsLoad(e.x);
    case 'binary': return containsLoad(e.a) || containsLoad(e.b);
    case 'select': return containsLoad(e.cond) || containsLoad(e.a) || containsLoad(e.b);
    case 'reduce': return containsLoad(e.body);
  }
}

/** The value of a constant divisor (for integer div/mod special cases), if `e` is a constant. */
export function constantValue(e: Expr): number | undefined {
  return e.kind === 'const' ? e.value : undefined;
}

/** Integer expression builders for synthesized index arithmetic. */
export const int = {
  var: (name: string): Expr => ({ kind: 'var', dtype: 'int32', name }),
  const: (value: number): Expr => ({ kind: 'const', dtype: 'int32', value }),
  add: (a: Expr, b: Expr): Expr => ({ kind: 'binary', dtype: 'int32', op: 'add', a, b }),
  mul: (a: Expr, b: Expr): Expr => ({ kind: 'binary', dtype: 'int32', op: 'mul', a, b }),
};
