/**
 * The NumPy-like API's shared machinery: argument coercion, dtype promotion, broadcasting and
 * axis handling. Every public function names itself in its errors through `fail`.
 */
import {
  type DType, KilnError, allocArray, convertScalar, type TypedArray, broadcastShapes, formatShape, formatType, isValidShape, sizeOf, tensorType,
} from '../../ir/index.js';
import { backendInstance } from '../backend.js';
import { bind } from '../dispatch.js';
import { INLINE_CONST_LIMIT } from '../trace.js';
import { type NestedArray, Tensor } from '../tensor.js';

/** Anything an op accepts where a tensor is expected: JS numbers and booleans are weak scalars. */
export type TensorLike = Tensor | number | boolean | NestedArray | TypedArray;

export function fail(fn: string, detail: string): never {
  throw new KilnError(`${fn}: ${detail}`);
}

export function describe(x: unknown): string {
  if (x instanceof Tensor) return formatType(x.type);
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  return typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : `${typeof x} ${String(x)}`;
}

const RANK: Record<DType, number> = { bool: 0, uint32: 1, int32: 2, float32: 3 };

/**
 * Kiln's promotion lattice: bool < u32 < i32 < f32 (NumPy would widen i32+u32 to int64, which
 * Kiln does not have; it picks i32). Weak JS scalars adopt the tensor's dtype when they fit it.
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

function weakScalarDType(v: number | boolean, strong: DType | undefined): DType {
  if (typeof v === 'boolean') return strong ?? 'bool';
  if (strong === 'float32') return 'float32';
  if (!Number.isInteger(v)) return 'float32';
  if (strong === 'int32' || strong === 'uint32') return strong;
  return strong === 'bool' ? 'int32' : 'float32';
}

/** The dtype `args` promote to under Kiln's rules. */
export function resultDType(args: readonly TensorLike[]): DType {
  let strong: DType | undefined;
  for (const a of args) {
    if (typeof a === 'number' || typeof a === 'boolean') continue;
    const d = a instanceof Tensor ? a.dtype : inferArrayDType(a);
    strong = strong ? promoteTypes(strong, d) : d;
  }
  let out = strong;
  for (const a of args) {
    if (typeof a === 'number' || typeof a === 'boolean') {
      const d = weakScalarDType(a, strong);
      out = out ? promoteTypes(out, d) : d;
    }
  }
  return out ?? 'float32';
}

/** dtype of a non-tensor array argument, as np.array would choose it. */
export function inferArrayDType(data: NestedArray | TypedArray): DType {
  if (data instanceof Float32Array || data instanceof Float64Array) return 'float32';
  if (data instanceof Int32Array || data instanceof Int16Array || data instanceof Int8Array) return 'int32';
  if (data instanceof Uint32Array || data instanceof Uint16Array || data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'uint32';
  let first: unknown = data;
  while (Array.isArray(first)) first = first[0];
  return typeof first === 'boolean' ? 'bool' : 'float32';
}

/** A splat constant of `value` (a graph node when tracing). */
export function full(shape: readonly number[], value: number | boolean, dtype: DType): Tensor {
  return bind('const', [], { value: convertScalar(Number(value), 'float32', dtype) }, tensorType(dtype, shape));
}

export function cast(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? t : bind('cast', [t], { to: shortName(dtype) });
}

export function shortName(d: DType): string {
  return { float32: 'f32', int32: 'i32', uint32: 'u32', bool: 'bool' }[d];
}

/** Coerces one argument to a tensor; weak scalars become rank-0 constants of `dtype`. */
export function toTensor(fn: string, x: TensorLike, dtype?: DType): Tensor {
  if (x instanceof Tensor) return dtype ? cast(x, dtype) : x;
  if (typeof x === 'number' || typeof x === 'boolean') return full([], x, dtype ?? resultDType([x]));
  if (Array.isArray(x) || ArrayBuffer.isView(x)) {
    const t = array(fn, x as NestedArray | TypedArray);
    return dtype ? cast(t, dtype) : t;
  }
  return fail(fn, `expected a tensor, number, boolean or array, got ${describe(x)}`);
}

/** Broadcasts `t` to `shape` with NumPy rules; errors name `fn` and both shapes. */
export function broadcastTo(fn: string, t: Tensor, shape: readonly number[]): Tensor {
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  const offset = shape.length - t.shape.length;
  const ok = offset >= 0 && t.shape.every((d, i) => d === 1 || d === shape[offset + i]);
  if (!ok) fail(fn, `cannot broadcast shape ${formatShape(t.shape)} to ${formatShape(shape)}`);
  const dims = t.shape.map((_, i) => offset + i);
  return bind('broadcast', [t], { dims }, tensorType(t.dtype, shape));
}

/** Broadcasts tensors of any dtypes to their common shape. */
export function broadcastTensors(fn: string, ts: readonly Tensor[]): Tensor[] {
  let shape: number[] = [];
  for (const t of ts) {
    const b = broadcastShapes(shape, t.shape);
    if (!b) fail(fn, `shapes ${ts.map((x) => formatShape(x.shape)).join(', ')} cannot be broadcast together`);
    shape = b;
  }
  return ts.map((t) => broadcastTo(fn, t, shape));
}

/**
 * Coerces `args` to tensors of one dtype (the promoted one unless `dtype` is given) and one
 * broadcast shape. Weak scalars are made directly at the final shape.
 */
export function operands(fn: string, args: readonly TensorLike[], dtype?: DType): Tensor[] {
  const target = dtype ?? resultDType(args);
  const weak = (a: TensorLike): a is number | boolean => typeof a === 'number' || typeof a === 'boolean';
  const strong = broadcastTensors(fn, args.filter((a) => !weak(a)).map((a) => cast(toTensor(fn, a), target)));
  const shape = strong[0]?.shape ?? [];
  let next = 0;
  return args.map((a) => (weak(a) ? full(shape, a, target) : strong[next++]));
}

/** Resolves one possibly negative axis; errors name `fn`, the axis and the rank. */
export function normAxis(fn: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    fail(fn, `axis ${axis} is out of range for a tensor of rank ${rank} (valid: ${-rank}..${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Resolves an axis option (undefined = all axes) to sorted, distinct, non-negative axes. */
export function normAxes(fn: string, axis: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normAxis(fn, a, rank));
  if (new Set(out).size !== out.length) fail(fn, `axis ${JSON.stringify(list)} repeats an axis`);
  return out.sort((a, b) => a - b);
}

export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  return bind('reshape', [t], {}, tensorType(t.dtype, shape));
}

/** np.array: a concrete tensor from nested arrays or a typed array (float32 unless told). */
export function array(fn: string, data: NestedArray | TypedArray | Tensor, options: { dtype?: DType; shape?: readonly number[] } = {}): Tensor {
  if (data instanceof Tensor) {
    const t = options.dtype ? cast(data, options.dtype) : data;
    return options.shape ? reshape(t, checkShape(fn, options.shape, t.size)) : t;
  }
  const dtype = options.dtype ?? inferArrayDType(data as NestedArray | TypedArray);
  let flat: ArrayLike<number>;
  let shape: number[];
  if (ArrayBuffer.isView(data)) {
    flat = data as unknown as ArrayLike<number>;
    shape = [flat.length];
  } else {
    ({ flat, shape } = flatten(fn, data as NestedArray));
  }
  if (options.shape) shape = checkShape(fn, options.shape, flat.length);
  const typed = allocArray(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) typed[i] = convertScalar(Number(flat[i]), 'float32', dtype);
  const backend = backendInstance();
  const small = typed.length <= INLINE_CONST_LIMIT ? typed : undefined;
  return Tensor.fromStorage(backend, backend.upload(tensorType(dtype, shape), typed), small);
}

function checkShape(fn: string, shape: readonly number[], size: number): number[] {
  if (!isValidShape(shape)) fail(fn, `shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
  if (sizeOf(shape) !== size) fail(fn, `shape ${formatShape(shape)} holds ${sizeOf(shape)} elements but the data has ${size}`);
  return [...shape];
}

function flatten(fn: string, data: NestedArray): { flat: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let x: NestedArray = data; Array.isArray(x); x = x[0]) {
    shape.push(x.length);
    if (x.length === 0) break;
  }
  const flat: number[] = [];
  const walk = (x: NestedArray, dim: number): void => {
    if (dim === shape.length) {
      if (typeof x !== 'number' && typeof x !== 'boolean') fail(fn, `nested array is ragged or holds a non-number (${describe(x)}) at depth ${dim}`);
      flat.push(Number(x));
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) fail(fn, `nested array is ragged: expected ${shape[dim]} elements at depth ${dim}`);
    for (const y of x) walk(y, dim + 1);
  };
  walk(data, 0);
  return { flat, shape };
}
