/** Element types of Kiln tensors and the facts every layer needs about them. */

export type DType = 'float32' | 'int32' | 'uint32' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'int32', 'uint32', 'bool'];

/** The short spelling used in IR text: `f32[2,3]`. */
const SHORT: Record<DType, string> = { float32: 'f32', int32: 'i32', uint32: 'u32', bool: 'bool' };
const FROM_SHORT: Record<string, DType> = { f32: 'float32', i32: 'int32', u32: 'uint32', bool: 'bool' };

export function shortDType(d: DType): string {
  return SHORT[d];
}

/** Accepts either spelling (`f32` or `float32`); undefined when the name is not a dtype. */
export function parseDType(name: string): DType | undefined {
  if (name in FROM_SHORT) return FROM_SHORT[name];
  return (DTYPES as readonly string[]).includes(name) ? (name as DType) : undefined;
}

export type TypedArray = Float32Array | Int32Array | Uint32Array | Uint8Array;

export type TypedArrayCtor =
  | Float32ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Uint8ArrayConstructor;

export function typedArrayFor(d: DType): TypedArrayCtor {
  switch (d) {
    case 'float32': return Float32Array;
    case 'int32': return Int32Array;
    case 'uint32': return Uint32Array;
    case 'bool': return Uint8Array;
  }
}

/** A fresh copy of `a` (the constructor copies a view of shared memory faster than `slice`). */
export function copyTypedArray<T extends TypedArray>(a: T): T {
  return new (a.constructor as new (source: T) => T)(a);
}

export function allocArray(d: DType, n: number): TypedArray {
  return new (typedArrayFor(d))(n);
}

/** Bytes per element as stored in buffers (bool is one byte). */
export function byteSize(d: DType): number {
  return d === 'bool' ? 1 : 4;
}

export const isFloat = (d: DType): boolean => d === 'float32';
export const isInteger = (d: DType): boolean => d === 'int32' || d === 'uint32';
/** float32 or an integer type: a type arithmetic is defined on. */
export const isNumeric = (d: DType): boolean => d !== 'bool';

/**
 * Wraps an exact arithmetic result into the value set of `d`, as 32-bit hardware does:
 * integers wrap modulo 2^32, floats round to the nearest float32.
 */
export function wrapScalar(x: number, d: DType): number {
  switch (d) {
    case 'float32': return Math.fround(x);
    case 'int32': return x | 0;
    case 'uint32': return x >>> 0;
    case 'bool': return x !== 0 ? 1 : 0;
  }
}

/** Whether `x` is exactly representable in `d` (integers in range for i32/u32, 0/1 for bool). */
export function fitsDType(x: number, d: DType): boolean {
  switch (d) {
    case 'float32': return true;
    case 'int32': return Number.isInteger(x) && x >= -2147483648 && x <= 2147483647;
    case 'uint32': return Number.isInteger(x) && x >= 0 && x <= 4294967295;
    case 'bool': return x === 0 || x === 1;
  }
}

/**
 * Converts one element from `from` to `to` with Kiln's `cast` semantics: float to integer
 * truncates toward zero and saturates (NaN becomes 0); integer to integer keeps the low 32 bits;
 * anything to bool is `x != 0`.
 */
export function convertScalar(x: number, from: DType, to: DType): number {
  if (to === 'bool') return x !== 0 ? 1 : 0; // NaN != 0, so NaN is true (as NumPy)
  if (to === 'float32') return Math.fround(x);
  if (from !== 'float32') return wrapScalar(x, to);
  if (Number.isNaN(x)) return 0;
  const t = Math.trunc(x);
  return to === 'int32'
    ? Math.min(2147483647, Math.max(-2147483648, t))
    : Math.min(4294967295, Math.max(0, t));
}
