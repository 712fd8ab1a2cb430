/** matmul and dot, lowered to dot_general. */
import { formatType, isFloat } from '../../ir/index.js';
import { bind } from '../dispatch.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, broadcastTo, fail, operands, reshape, resultDType, toTensor } from './core.js';
import { multiply } from './elementwise.js';
import { expandDims, squeeze } from './shape.js';

function matmulOperands(fn: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const x = toTensor(fn, a);
  const y = toTensor(fn, b);
  let d = resultDType([x, y]);
  if (d === 'bool') d = 'int32';
  if (!isFloat(d) && d !== 'int32' && d !== 'uint32') fail(fn, `unsupported dtypes ${formatType(x.type)} and ${formatType(y.type)}`);
  return [operands(fn, [x], d)[0], operands(fn, [y], d)[0]];
}

/**
 * NumPy matmul: 1-d operands gain (then lose) a unit dimension; leading (batch) dimensions
 * broadcast against each other.
 */
export function matmul(a: TensorLike, b: TensorLike): Tensor {
  let [x, y] = matmulOperands('matmul', a, b);
  if (x.ndim === 0 || y.ndim === 0) fail('matmul', `operands must have rank >= 1, got ${formatType(x.type)} and ${formatType(y.type)}; use multiply for scalars`);
  const vecLeft = x.ndim === 1;
  const vecRight = y.ndim === 1;
  if (vecLeft) x = expandDims(x, 0);
  if (vecRight) y = expandDims(y, 1);
  const [m, k] = x.shape.slice(-2);
  const [k2, n] = y.shape.slice(-2);
  if (k !== k2) {
    fail('matmul', `shapes ${formatType(toTensor('matmul', a).type)} and ${formatType(toTensor('matmul', b).type)} do not align: contracting dimensions ${k} and ${k2} differ`);
  }
  const bx = x.shape.slice(0, -2);
  const by = y.shape.slice(0, -2);
  const rank = Math.max(bx.length, by.length);
  const batch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const p = bx[bx.length - rank + i] ?? 1;
    const q = by[by.length - rank + i] ?? 1;
    if (p !== q && p !== 1 && q !== 1) fail('matmul', `batch dimensions [${bx.join(',')}] and [${by.join(',')}] of ${formatType(x.type)} and ${formatType(y.type)} cannot be broadcast together`);
    batch.push(p === 1 ? q : p);
  }
  x = broadcastTo('matmul', x, [...batch, m, k]);
  y = broadcastTo('matmul', y, [...batch, k, n]);
  const b_ = batch.map((_, i) => i);
  let r = bind('dot_general', [x, y], { batch: [b_, b_], contract: [[rank + 1], [rank]] });
  if (vecLeft) r = squeeze(r, -2);
  if (vecRight) r = squeeze(r, -1);
  return r;
}

/**
 * NumPy dot: scalars multiply; otherwise sums over the last axis of `a` and the second-to-last
 * of `b` (the only axis when `b` is 1-d). Non-batch: all other axes are kept.
 */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = matmulOperands('dot', a, b);
  if (x.ndim === 0 || y.ndim === 0) return multiply(x, y);
  const ca = x.ndim - 1;
  const cb = y.ndim === 1 ? 0 : y.ndim - 2;
  if (x.shape[ca] !== y.shape[cb]) fail('dot', `shapes ${formatType(x.type)} and ${formatType(y.type)} do not align: dimension ${ca} (${x.shape[ca]}) != dimension ${cb} (${y.shape[cb]})`);
  return bind('dot_general', [x, y], { batch: [[], []], contract: [[ca], [cb]] });
}

/** Sum of elementwise products over the last axes (1-d: the inner product). */
export function inner(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = matmulOperands('inner', a, b);
  if (x.ndim === 0 || y.ndim === 0) return multiply(x, y);
  const ca = x.ndim - 1;
  const cb = y.ndim - 1;
  if (x.shape[ca] !== y.shape[cb]) fail('inner', `last dimensions of ${formatType(x.type)} and ${formatType(y.type)} differ`);
  return bind('dot_general', [x, y], { batch: [[], []], contract: [[ca], [cb]] });
}

/** Outer product of two vectors (inputs are flattened). */
export function outer(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = matmulOperands('outer', a, b);
  return bind('dot_general', [reshape(x, [x.size, 1]), reshape(y, [1, y.size])], { batch: [[], []], contract: [[1], [0]] });
}
