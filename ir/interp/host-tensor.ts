/** Host tensors: a tensor type plus its elements in a flat row-major typed array. */
import type { Attrs } from '../graph.js';
import { type DType, type TypedArray, allocArray, shortDType, typedArrayFor, wrapScalar } from '../dtype.js';
import { KilnError } from '../errors.js';
import { type Shape, type TensorType, formatType, sizeOf, tensorType } from '../types.js';

/**
 * A tensor living in host memory. `data` holds sizeOf(type.shape) elements in row-major order:
 * f32 → Float32Array, i32 → Int32Array, u32 → Uint32Array, bool → Uint8Array of 0/1.
 */
export interface HostTensor {
  readonly type: TensorType;
  readonly data: TypedArray;
}

/**
 * The reference semantics of one op: operands (already checked against the op's type rule),
 * attributes and the result type in, result elements out (a fresh array, never an operand's).
 */
export type OpImpl = (inputs: readonly HostTensor[], attrs: Attrs, outType: TensorType) => TypedArray;

/** Why `data` cannot hold a tensor of type `type`, or undefined when it can. */
export function storageProblem(type: TensorType, data: TypedArray): string | undefined {
  const ctor = typedArrayFor(type.dtype);
  if (!(data instanceof ctor)) return `${formatType(type)} needs a ${ctor.name}, got a ${data.constructor.name}`;
  const n = sizeOf(type.shape);
  if (data.length !== n) return `${formatType(type)} needs ${n} elements, got ${data.length}`;
  return undefined;
}

/** Wraps existing storage (no copy); throws when the array kind or length does not fit the type. */
export function hostTensor(type: TensorType, data: TypedArray): HostTensor {
  const problem = storageProblem(type, data);
  if (problem) throw new KilnError(`hostTensor: ${problem}`);
  return { type: tensorType(type.dtype, type.shape), data };
}

/**
 * Builds a tensor from plain numbers, putting each into the dtype's value set with `wrapScalar`
 * (floats round to f32, integers wrap to 32 bits, bool is x != 0).
 */
export function hostTensorFrom(dtype: DType, shape: Shape, values: ArrayLike<number>): HostTensor {
  const n = sizeOf(shape);
  if (values.length !== n) throw new KilnError(`hostTensorFrom: ${shortDType(dtype)}${JSON.stringify(shape)} needs ${n} values, got ${values.length}`);
  const data = allocArray(dtype, n);
  for (let i = 0; i < n; i++) data[i] = wrapScalar(values[i], dtype);
  return { type: tensorType(dtype, shape), data };
}
