/** Reference semantics of dot_general, conv and reduce_window. */
import { allocArray } from '../dtype.js';
import { enumAttr, intAttr, intListsAttr, intsAttr } from '../ops/attrs.js';
import { WINDOW_KINDS, dimPairs, freeDims, reduceIdentity } from '../ops/index.js';
import { type Shape, sizeOf, stridesOf, unravel } from '../types.js';
import type { OpImpl } from './host-tensor.js';
import { MULTIPLY_ADD, foldStep, pickForDType } from './arith.js';
import { stridedOffsets } from './strided.js';

/**
 * result[batch, lhsFree, rhsFree] = Σ over the contracting index tuple (row-major, in the order the
 * `contract` attribute lists the dims) of lhs[...] * rhs[...], accumulated from 0 one rounded
 * (f32) or wrapped (integer) step at a time; each product is rounded before it is added.
 */
const dotGeneral: OpImpl = ([lhs, rhs], attrs, outType) => {
  const [lhsBatch, rhsBatch] = dimPairs(attrs, 'batch');
  const [lhsContract, rhsContract] = dimPairs(attrs, 'contract');
  const lhsStrides = stridesOf(lhs.type.shape);
  const rhsStrides = stridesOf(rhs.type.shape);
  const lhsFree = freeDims(lhs.type.shape.length, lhsBatch, lhsContract);
  const rhsFree = freeDims(rhs.type.shape.length, rhsBatch, rhsContract);
  // Where each result element's lhs and rhs "rows" start: result dims are batch, lhs free, rhs free.
  const lhsStart = stridedOffsets(outType.shape, [
    ...lhsBatch.map((d) => lhsStrides[d]), ...lhsFree.map((d) => lhsStrides[d]), ...rhsFree.map(() => 0),
  ]);
  const rhsStart = stridedOffsets(outType.shape, [
    ...rhsBatch.map((d) => rhsStrides[d]), ...lhsFree.map(() => 0), ...rhsFree.map((d) => rhsStrides[d]),
  ]);
  const contractShape = lhsContract.map((d) => lhs.type.shape[d]);
  const lhsStep = stridedOffsets(contractShape, lhsContract.map((d) => lhsStrides[d]));
  const rhsStep = stridedOffsets(contractShape, rhsContract.map((d) => rhsStrides[d]));
  const multiplyAdd = pickForDType('dot_general', MULTIPLY_ADD, lhs.type.dtype);
  const out = allocArray(outType.dtype, sizeOf(outType.shape));
  for (let o = 0; o < out.length; o++) {
    let acc = 0;
    for (let k = 0; k < lhsStep.length; k++) acc = multiplyAdd(acc, lhs.data[lhsStart[o] + lhsStep[k]], rhs.data[rhsStart[o] + rhsStep[k]]);
    out[o] = acc;
  }
  return out;
};

/**
 * For one windowed dim: the operand index that (output position p, window position q) reads, at
 * [p * window + q], or -1 where it reads padding or a hole between lhs-dilated elements.
 * Position in the dilated, padded operand: p*stride + q*windowDilation - padLow.
 */
function windowSourceTable(inSize: number, outSize: number, window: number, stride: number, padLow: number, inDilation: number, windowDilation: number): Int32Array {
  const dilatedSize = inSize === 0 ? 0 : (inSize - 1) * inDilation + 1;
  const table = new Int32Array(outSize * window);
  for (let p = 0; p < outSize; p++) {
    for (let q = 0; q < window; q++) {
      const pos = p * stride + q * windowDilation - padLow;
      table[p * window + q] = pos >= 0 && pos < dilatedSize && pos % inDilation === 0 ? pos / inDilation : -1;
    }
  }
  return table;
}

/**
 * For every window position (row-major over `window`), the operand offset it reads from the
 * output position `outCoord`: `base + Σ source[i] * strides[i]`, or -1 when any dim reads padding.
 */
function windowOffsets(tables: readonly Int32Array[], window: Shape, outCoord: readonly number[], strides: readonly number[], base: number, into: Float64Array): void {
  const rank = window.length;
  const q = new Array<number>(rank).fill(0);
  for (let w = 0; w < into.length; w++) {
    unravel(w, window, q);
    let offset = base;
    for (let i = 0; i < rank; i++) {
      const s = tables[i][outCoord[i] * window[i] + q[i]];
      if (s < 0) {
        offset = -1;
        break;
      }
      offset += s * strides[i];
    }
    into[w] = offset;
  }
}

/**
 * Channels-last N-d cross-correlation: input [N, spatial..., C], filter [window..., C/groups, O],
 * result [N, out spatial..., O]. Output channel o is in group g = floor(o / (O/groups)) and reads
 * input channels g*C/groups ... (g+1)*C/groups - 1. Padding and lhs-dilation holes are zeros that
 * really are multiplied (so 0 * inf gives NaN, as for an explicitly padded input). Each result
 * accumulates from 0 over (window position, channel) in the filter's row-major order.
 */
const conv: OpImpl = ([x, w], attrs, outType) => {
  const strides = intsAttr('conv', attrs, 'strides');
  const padding = intListsAttr('conv', attrs, 'padding');
  const lhsDilation = intsAttr('conv', attrs, 'lhs_dilation');
  const rhsDilation = intsAttr('conv', attrs, 'rhs_dilation');
  const groups = intAttr('conv', attrs, 'groups');
  const k = x.type.shape.length - 2;
  const batch = x.type.shape[0];
  const xStrides = stridesOf(x.type.shape);
  const window = w.type.shape.slice(0, k);
  const groupInChannels = w.type.shape[k];
  const outChannels = w.type.shape[k + 1];
  const groupOutChannels = outChannels / groups;
  const outSpatial = outType.shape.slice(1, k + 1);
  const outPixels = sizeOf(outSpatial);
  const tables = outSpatial.map((outSize, i) =>
    windowSourceTable(x.type.shape[i + 1], outSize, window[i], strides[i], padding[i][0], lhsDilation[i], rhsDilation[i]));
  const multiplyAdd = pickForDType('conv', MULTIPLY_ADD, x.type.dtype);
  const pixelOffsets = new Float64Array(sizeOf(window));
  const outCoord = new Array<number>(k).fill(0);
  const out = allocArray(outType.dtype, sizeOf(outType.shape));
  let flat = 0;
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < outPixels; p++) {
      unravel(p, outSpatial, outCoord);
      windowOffsets(tables, window, outCoord, xStrides.slice(1, k + 1), n * xStrides[0], pixelOffsets);
      for (let o = 0; o < outChannels; o++) {
        const channelBase = Math.floor(o / groupOutChannels) * groupInChannels;
        let acc = 0;
        for (let q = 0; q < pixelOffsets.length; q++) {
          const pixel = pixelOffsets[q];
          const filterBase = q * groupInChannels * outChannels + o;
          for (let c = 0; c < groupInChannels; c++) {
            const xv = pixel < 0 ? 0 : x.data[pixel + channelBase + c];
            acc = multiplyAdd(acc, xv, w.data[filterBase + c * outChannels]);
          }
        }
        out[flat++] = acc;
      }
    }
  }
  return out;
};

/**
 * Pooling: each result element folds its window (one extent per operand dim, row-major order)
 * starting from the identity; padded positions hold the identity, so they are skipped.
 */
const reduceWindow: OpImpl = ([x], attrs, outType) => {
  const kind = enumAttr('reduce_window', attrs, 'op', WINDOW_KINDS);
  const window = intsAttr('reduce_window', attrs, 'window');
  const strides = intsAttr('reduce_window', attrs, 'strides');
  const padding = intListsAttr('reduce_window', attrs, 'padding');
  const dtype = x.type.dtype;
  const step = foldStep('reduce_window', kind, dtype);
  const identity = reduceIdentity(kind, dtype);
  const tables = outType.shape.map((outSize, i) => windowSourceTable(x.type.shape[i], outSize, window[i], strides[i], padding[i][0], 1, 1));
  const xStrides = stridesOf(x.type.shape);
  const offsets = new Float64Array(sizeOf(window));
  const outCoord = new Array<number>(window.length).fill(0);
  const out = allocArray(outType.dtype, sizeOf(outType.shape));
  for (let o = 0; o < out.length; o++) {
    unravel(o, outType.shape, outCoord);
    windowOffsets(tables, window, outCoord, xStrides, 0, offsets);
    let acc = identity;
    for (const offset of offsets) if (offset >= 0) acc = step(acc, x.data[offset]);
    out[o] = acc;
  }
  return out;
};

export const CONTRACTION_IMPLS: Record<string, OpImpl> = { dot_general: dotGeneral, conv, reduce_window: reduceWindow };
