/** Tensor creation: array, zeros, ones, full, arange, linspace, eye and the *Like variants. */
import { type DType, isValidShape, tensorType } from '../../ir/index.js';
import { bind } from '../dispatch.js';
import type { NestedArray, Tensor } from '../tensor.js';
import type { TypedArray } from '../../ir/index.js';
import { array as makeArray, cast, fail, full as splat } from './core.js';
import { add, equal, multiply } from './elementwise.js';

export interface DTypeOption {
  dtype?: DType;
}

/** A concrete tensor from nested arrays or a typed array; float32 unless `dtype` says otherwise. */
export function array(data: NestedArray | TypedArray | Tensor, options: { dtype?: DType; shape?: readonly number[] } = {}): Tensor {
  return makeArray('array', data, options);
}

function checkShape(fn: string, shape: readonly number[]): readonly number[] {
  if (!isValidShape(shape)) fail(fn, `shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
  return shape;
}

export function full(shape: readonly number[], value: number | boolean, options: DTypeOption = {}): Tensor {
  const dtype = options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  return splat(checkShape('full', shape), value, dtype);
}

export const zeros = (shape: readonly number[], options: DTypeOption = {}): Tensor => splat(checkShape('zeros', shape), 0, options.dtype ?? 'float32');
export const ones = (shape: readonly number[], options: DTypeOption = {}): Tensor => splat(checkShape('ones', shape), 1, options.dtype ?? 'float32');
export const zerosLike = (t: Tensor, options: DTypeOption = {}): Tensor => splat(t.shape, 0, options.dtype ?? t.dtype);
export const onesLike = (t: Tensor, options: DTypeOption = {}): Tensor => splat(t.shape, 1, options.dtype ?? t.dtype);
export const fullLike = (t: Tensor, value: number | boolean, options: DTypeOption = {}): Tensor => splat(t.shape, value, options.dtype ?? t.dtype);

function iota(n: number, dtype: DType): Tensor {
  return bind('iota', [], { dim: 0 }, tensorType(dtype, [n]));
}

/**
 * Evenly spaced values in [start, stop): `arange(n)`, `arange(start, stop, step?)`.
 * int32 when every argument is an integer, else float32 (unless `dtype` is given).
 */
export function arange(start: number, stop?: number, step = 1, options: DTypeOption = {}): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (![start, stop, step].every(Number.isFinite) || step === 0) fail('arange', `start (${start}), stop (${stop}) and step (${step}) must be finite, step non-zero`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = options.dtype ?? ([start, stop, step].every(Number.isInteger) ? 'int32' : 'float32');
  const work = dtype === 'float32' || !Number.isInteger(step) || !Number.isInteger(start) ? 'float32' : dtype === 'uint32' ? 'int32' : dtype;
  const values = add(multiply(iota(n, work), step), start);
  return cast(values, dtype);
}

/** `num` evenly spaced values from start to stop (inclusive unless endpoint is false). */
export function linspace(start: number, stop: number, num = 50, options: DTypeOption & { endpoint?: boolean } = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) fail('linspace', `num must be a non-negative integer, got ${num}`);
  const endpoint = options.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  let values = add(multiply(iota(num, 'float32'), step), start);
  if (endpoint && num > 1) {
    // Pin the last value to `stop` exactly, as NumPy does.
    values = bind('select', [equal(iota(num, 'int32'), num - 1), splat([num], stop, 'float32'), values]);
  }
  return cast(values, options.dtype ?? 'float32');
}

/** Identity-like matrix: ones on diagonal `k` of an n×m matrix. */
export function eye(n: number, m: number = n, options: DTypeOption & { k?: number } = {}): Tensor {
  checkShape('eye', [n, m]);
  const k = options.k ?? 0;
  const rows = bind('iota', [], { dim: 0 }, tensorType('int32', [n, m]));
  const cols = bind('iota', [], { dim: 1 }, tensorType('int32', [n, m]));
  return cast(equal(add(rows, k), cols), options.dtype ?? 'float32');
}
