/**
 * Strided index arithmetic shared by the layout, reduce and window ops: every layout op is
 * "walk the result in row-major order and read the operand at base + Σ index[i] * stride[i]".
 */
import type { TypedArray } from '../dtype.js';
import { type Shape, sizeOf } from '../types.js';

/**
 * For every index of `shape`, in row-major order, the offset `base + Σ index[i] * strides[i]`.
 * Strides may be 0 (broadcast) or negative (reverse).
 */
export function stridedOffsets(shape: Shape, strides: readonly number[], base = 0): Float64Array {
  const n = sizeOf(shape);
  const out = new Float64Array(n);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let offset = base;
  for (let i = 0; i < n; i++) {
    out[i] = offset;
    for (let k = rank - 1; k >= 0; k--) {
      offset += strides[k];
      if (++index[k] < shape[k]) break;
      offset -= strides[k] * shape[k];
      index[k] = 0;
    }
  }
  return out;
}

/** `dst[i] = src[srcOffsets[i]]` for every i: a strided read into contiguous storage. */
export function gatherInto(dst: TypedArray, src: TypedArray, srcOffsets: Float64Array): void {
  for (let i = 0; i < srcOffsets.length; i++) dst[i] = src[srcOffsets[i]];
}

/** `dst[dstOffsets[i]] = src[srcOffsets[i]]` for every i: a strided copy between two layouts. */
export function copyInto(dst: TypedArray, dstOffsets: Float64Array, src: TypedArray, srcOffsets: Float64Array): void {
  for (let i = 0; i < srcOffsets.length; i++) dst[dstOffsets[i]] = src[srcOffsets[i]];
}

/** Splits `shape` around `axis` into (outer, extent, inner) element counts. */
export function aroundAxis(shape: Shape, axis: number): { outer: number; extent: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), extent: shape[axis], inner: sizeOf(shape.slice(axis + 1)) };
}
