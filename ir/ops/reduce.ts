/** Reductions: reduce{op, axes} and argmax/argmin. */
import { type DType, isNumeric } from '../dtype.js';
import { OpError } from '../errors.js';
import { formatType, tensorType } from '../types.js';
import { checkAxes, enumAttr, intAttr, intsAttr } from './attrs.js';
import { registerOp } from './registry.js';

export const REDUCE_KINDS = ['sum', 'max', 'min', 'prod'] as const;
export type ReduceKind = (typeof REDUCE_KINDS)[number];

/** The lowest value of a dtype (identity of max) or the highest (identity of min); bool as 0/1. */
export function extremeValue(dtype: DType, which: 'lowest' | 'highest'): number {
  const low = which === 'lowest';
  switch (dtype) {
    case 'float32': return low ? -Infinity : Infinity;
    case 'int32': return low ? -2147483648 : 2147483647;
    case 'uint32': return low ? 0 : 4294967295;
    case 'bool': return low ? 0 : 1;
  }
}

/** What an empty reduction gives, and what padding holds in windows: 0, 1, lowest, highest. */
export function reduceIdentity(op: ReduceKind, dtype: DType): number {
  switch (op) {
    case 'sum': return 0;
    case 'prod': return 1;
    case 'max': return extremeValue(dtype, 'lowest');
    case 'min': return extremeValue(dtype, 'highest');
  }
}

registerOp({
  name: 'reduce', category: 'reduce', arity: 1, attrs: ['op', 'axes'],
  doc: 'folds `axes` away with sum|max|min|prod; an empty reduction gives the identity (0; 1; -inf / INT_MIN / 0 for max; +inf / INT_MAX / UINT_MAX for min)',
  infer([x], attrs) {
    enumAttr('reduce', attrs, 'op', REDUCE_KINDS);
    const axes = intsAttr('reduce', attrs, 'axes');
    checkAxes('reduce', 'axes', axes, x.shape.length);
    if (!isNumeric(x.dtype)) throw new OpError('reduce', `operand ${formatType(x)} must be numeric (cast bool first)`);
    return tensorType(x.dtype, x.shape.filter((_, i) => !axes.includes(i)));
  },
});

for (const name of ['argmax', 'argmin'] as const) {
  registerOp({
    name, category: 'reduce', arity: 1, attrs: ['axis'],
    doc: `i32 index of the ${name === 'argmax' ? 'largest' : 'smallest'} element along axis; the first wins ties and NaN wins over numbers`,
    infer([x], attrs) {
      const axis = intAttr(name, attrs, 'axis');
      if (axis < 0 || axis >= x.shape.length) throw new OpError(name, `axis ${axis} is out of range for ${formatType(x)}`);
      if (x.shape[axis] === 0) throw new OpError(name, `axis ${axis} of ${formatType(x)} is empty; there is no ${name}`);
      if (!isNumeric(x.dtype)) throw new OpError(name, `operand ${formatType(x)} must be numeric (cast bool first)`);
      return tensorType('int32', x.shape.filter((_, i) => i !== axis));
    },
  });
}
