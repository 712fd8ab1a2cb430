/** Reductions with NumPy's `{ axis, keepdims }` options. */
import { isFloat } from '../../ir/index.js';
import { bind } from '../dispatch.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, cast, fail, normAxes, normAxis, reshape, toTensor } from './core.js';
import { divide, multiply, sqrt, subtract } from './elementwise.js';

export interface ReduceOptions {
  /** One axis, several, or undefined/null for all. Negative axes count from the end. */
  axis?: number | readonly number[] | null;
  keepdims?: boolean;
}

/** Reinserts reduced axes as size 1 when `keepdims` is set. */
function keepDims(t: Tensor, inputShape: readonly number[], axes: readonly number[], keepdims: boolean | undefined): Tensor {
  if (!keepdims) return t;
  return reshape(t, inputShape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

function reduceWith(op: 'sum' | 'max' | 'min' | 'prod', fn: string, x: TensorLike, options: ReduceOptions): Tensor {
  const t = toTensor(fn, x);
  const axes = normAxes(fn, options.axis, t.ndim);
  // bool sums and products count in int32 (as NumPy); bool max/min are any/all.
  const input = t.dtype === 'bool' ? cast(t, 'int32') : t;
  let r = bind('reduce', [input], { op, axes });
  if (t.dtype === 'bool' && (op === 'max' || op === 'min')) r = cast(r, 'bool');
  return keepDims(r, t.shape, axes, options.keepdims);
}

export const sum = (x: TensorLike, options: ReduceOptions = {}): Tensor => reduceWith('sum', 'sum', x, options);
export const prod = (x: TensorLike, options: ReduceOptions = {}): Tensor => reduceWith('prod', 'prod', x, options);
export const max = (x: TensorLike, options: ReduceOptions = {}): Tensor => reduceWith('max', 'max', x, options);
export const min = (x: TensorLike, options: ReduceOptions = {}): Tensor => reduceWith('min', 'min', x, options);

/** True where any element along the axes is non-zero. */
export const any = (x: TensorLike, options: ReduceOptions = {}): Tensor => reduceWith('max', 'any', toTensor('any', x, 'bool'), options);
/** True where every element along the axes is non-zero. */
export const all = (x: TensorLike, options: ReduceOptions = {}): Tensor => reduceWith('min', 'all', toTensor('all', x, 'bool'), options);

function countOf(t: Tensor, axes: readonly number[]): number {
  return axes.reduce((n, a) => n * t.shape[a], 1);
}

/** Arithmetic mean in float32; an empty reduction gives NaN. */
export function mean(x: TensorLike, options: ReduceOptions = {}): Tensor {
  const t = toTensor('mean', x);
  const f = isFloat(t.dtype) ? t : cast(t, 'float32');
  const axes = normAxes('mean', options.axis, t.ndim);
  return divide(sum(f, options), countOf(t, axes));
}

export interface VarianceOptions extends ReduceOptions {
  /** Delta degrees of freedom: divides by n - ddof (default 0, the population variance). */
  ddof?: number;
}

export function variance(x: TensorLike, options: VarianceOptions = {}): Tensor {
  const t = toTensor('var', x);
  const f = isFloat(t.dtype) ? t : cast(t, 'float32');
  const axes = normAxes('var', options.axis, t.ndim);
  const centered = subtract(f, mean(f, { axis: axes, keepdims: true }));
  const ss = sum(multiply(centered, centered), options);
  return divide(ss, Math.max(countOf(t, axes) - (options.ddof ?? 0), 0));
}

export function std(x: TensorLike, options: VarianceOptions = {}): Tensor {
  return sqrt(variance(x, options));
}

export interface ArgOptions {
  /** The axis to search; undefined searches the flattened tensor. */
  axis?: number;
  keepdims?: boolean;
}

function argReduce(op: 'argmax' | 'argmin', x: TensorLike, options: ArgOptions): Tensor {
  let t = toTensor(op, x);
  if (t.dtype === 'bool') t = cast(t, 'int32');
  const flat = options.axis === undefined || options.axis === null;
  const source = flat ? reshape(t, [t.size]) : t;
  const axis = flat ? 0 : normAxis(op, options.axis!, t.ndim);
  if (source.shape[axis] === 0) fail(op, `cannot take ${op} of an empty axis (tensor shape [${t.shape.join(',')}], axis ${flat ? 'None' : axis})`);
  const r = bind(op, [source], { axis });
  if (!options.keepdims) return r;
  return reshape(r, flat ? t.shape.map(() => 1) : t.shape.map((d, i) => (i === axis ? 1 : d)));
}

/** Index (int32) of the largest element; ties go to the first, NaN counts as largest. */
export const argmax = (x: TensorLike, options: ArgOptions = {}): Tensor => argReduce('argmax', x, options);
/** Index (int32) of the smallest element; ties go to the first, NaN counts as smallest. */
export const argmin = (x: TensorLike, options: ArgOptions = {}): Tensor => argReduce('argmin', x, options);
