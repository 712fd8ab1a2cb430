/** Reference semantics of the layout ops: each is a strided read of its operand(s). */
import { allocArray, wrapScalar } from '../dtype.js';
import { intAttr, intsAttr, numberAttr } from '../ops/attrs.js';
import { sizeOf, stridesOf } from '../types.js';
import type { OpImpl } from './host-tensor.js';
import { aroundAxis, copyInto, gatherInto, stridedOffsets } from './strided.js';

/** Same elements, same row-major order. */
const reshape: OpImpl = ([x]) => x.data.slice();

/** Result dim i is operand dim perm[i]. */
const transpose: OpImpl = ([x], attrs, outType) => {
  const perm = intsAttr('transpose', attrs, 'perm');
  const strides = stridesOf(x.type.shape);
  const out = allocArray(outType.dtype, sizeOf(outType.shape));
  gatherInto(out, x.data, stridedOffsets(outType.shape, perm.map((p) => strides[p])));
  return out;
};

/** Operand dim i becomes result dim dims[i]; result dims with no operand dim, or from a size-1 dim, read stride 0. */
const broadcast: OpImpl = ([x], attrs, outType) => {
  const dims = intsAttr('broadcast', attrs, 'dims');
  const operandStrides = stridesOf(x.type.shape);
  const strides = outType.shape.map(() => 0);
  dims.forEach((d, i) => {
    if (x.type.shape[i] !== 1) strides[d] = operandStrides[i];
  });
  const out = allocArray(outType.dtype, sizeOf(outType.shape));
  gatherInto(out, x.data, stridedOffsets(outType.shape, strides));
  return out;
};

const slice: OpImpl = ([x], attrs, outType) => {
  const start = intsAttr('slice', attrs, 'start');
  const step = intsAttr('slice', attrs, 'stride');
  const strides = stridesOf(x.type.shape);
  const base = start.reduce((acc, s, i) => acc + s * strides[i], 0);
  const out = allocArray(outType.dtype, sizeOf(outType.shape));
  gatherInto(out, x.data, stridedOffsets(outType.shape, strides.map((s, i) => s * step[i]), base));
  return out;
};

const reverse: OpImpl = ([x], attrs, outType) => {
  const axes = intsAttr('reverse', attrs, 'axes');
  const shape = x.type.shape;
  const strides = stridesOf(shape);
  let base = 0;
  for (const a of axes) {
    base += (shape[a] - 1) * strides[a];
    strides[a] = -strides[a];
  }
  const out = allocArray(outType.dtype, sizeOf(outType.shape));
  gatherInto(out, x.data, stridedOffsets(shape, strides, base));
  return out;
};

/**
 * Fills the result with `value`, then copies the part of the operand that lands inside it:
 * operand index i goes to result index low + i, and a negative low/high crops.
 */
const pad: OpImpl = ([x], attrs, outType) => {
  const low = intsAttr('pad', attrs, 'low');
  const value = numberAttr('pad', attrs, 'value');
  const inShape = x.type.shape;
  const inStrides = stridesOf(inShape);
  const outStrides = stridesOf(outType.shape);
  const out = allocArray(outType.dtype, sizeOf(outType.shape));
  out.fill(wrapScalar(value, outType.dtype));
  let srcBase = 0;
  let dstBase = 0;
  const kept = inShape.map((d, i) => {
    const first = Math.max(0, -low[i]);
    const end = Math.min(d, outType.shape[i] - low[i]);
    srcBase += first * inStrides[i];
    dstBase += (low[i] + first) * outStrides[i];
    return Math.max(0, end - first);
  });
  if (sizeOf(kept) > 0) {
    copyInto(out, stridedOffsets(kept, outStrides, dstBase), x.data, stridedOffsets(kept, inStrides, srcBase));
  }
  return out;
};

const concat: OpImpl = (xs, attrs, outType) => {
  const axis = intAttr('concat', attrs, 'axis');
  const outStrides = stridesOf(outType.shape);
  const out = allocArray(outType.dtype, sizeOf(outType.shape));
  let position = 0;
  for (const x of xs) {
    const shape = x.type.shape;
    copyInto(out, stridedOffsets(shape, outStrides, position * outStrides[axis]), x.data, stridedOffsets(shape, stridesOf(shape)));
    position += shape[axis];
  }
  return out;
};

/**
 * NumPy take along `axis`: result[o, j..., i] = x[o, k(idx[j...]), i] where a negative index
 * counts from the end (k += n) and the result is then clamped into [0, n-1].
 */
const gather: OpImpl = ([x, indices], attrs, outType) => {
  const axis = intAttr('gather', attrs, 'axis');
  const { outer, extent, inner } = aroundAxis(x.type.shape, axis);
  const count = indices.data.length;
  const out = allocArray(outType.dtype, sizeOf(outType.shape));
  for (let j = 0; j < count; j++) {
    const raw = indices.data[j];
    const k = Math.min(extent - 1, Math.max(0, raw < 0 ? raw + extent : raw));
    for (let o = 0; o < outer; o++) {
      const src = (o * extent + k) * inner;
      const dst = (o * count + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = x.data[src + i];
    }
  }
  return out;
};

export const LAYOUT_IMPLS: Record<string, OpImpl> = { reshape, transpose, broadcast, slice, pad, concat, reverse, gather };
