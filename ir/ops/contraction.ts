/** dot_general, conv and reduce_window: the ops with windows or contractions. */
import type { Attrs } from '../graph.js';
import { isNumeric } from '../dtype.js';
import { OpError } from '../errors.js';
import { formatType, tensorType } from '../types.js';
import { checkAxes, enumAttr, intAttr, intListsAttr, intsAttr } from './attrs.js';
import { registerOp } from './registry.js';

/** Reads dot_general's `batch` / `contract` attrs: `[[lhs dims], [rhs dims]]`. */
export function dimPairs(attrs: Attrs, key: 'batch' | 'contract'): [number[], number[]] {
  const v = intListsAttr('dot_general', attrs, key);
  if (v.length !== 2 || v[0].length !== v[1].length) {
    throw new OpError('dot_general', `attribute '${key}' must be [[lhs dims], [rhs dims]] of equal length, got ${JSON.stringify(v)}`);
  }
  return [v[0], v[1]];
}

/** Free (non-batch, non-contracting) dims of one side, in order. */
export function freeDims(rank: number, batch: readonly number[], contract: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < rank; i++) if (!batch.includes(i) && !contract.includes(i)) out.push(i);
  return out;
}

registerOp({
  name: 'dot_general', category: 'contraction', arity: 2, attrs: ['batch', 'contract'],
  doc: 'sum over contracting dims; result = batch dims, lhs free dims, rhs free dims',
  infer([a, b], attrs) {
    const [lb, rb] = dimPairs(attrs, 'batch');
    const [lc, rc] = dimPairs(attrs, 'contract');
    if (a.dtype !== b.dtype || !isNumeric(a.dtype)) {
      throw new OpError('dot_general', `operands ${formatType(a)} and ${formatType(b)} must share one numeric dtype`);
    }
    checkAxes('dot_general', 'lhs dims', [...lb, ...lc], a.shape.length, false);
    checkAxes('dot_general', 'rhs dims', [...rb, ...rc], b.shape.length, false);
    const mismatch = (l: number[], r: number[], what: string): void => {
      l.forEach((d, i) => {
        if (a.shape[d] !== b.shape[r[i]]) {
          throw new OpError('dot_general', `${what} dim ${d} of ${formatType(a)} (${a.shape[d]}) does not match dim ${r[i]} of ${formatType(b)} (${b.shape[r[i]]})`);
        }
      });
    };
    mismatch(lb, rb, 'batch');
    mismatch(lc, rc, 'contracting');
    const shape = [
      ...lb.map((d) => a.shape[d]),
      ...freeDims(a.shape.length, lb, lc).map((d) => a.shape[d]),
      ...freeDims(b.shape.length, rb, rc).map((d) => b.shape[d]),
    ];
    return tensorType(a.dtype, shape);
  },
});

/** Output extent of one windowed dimension; undefined when the window does not fit. */
export function windowOutSize(inSize: number, window: number, stride: number, lo: number, hi: number, inDilation = 1, winDilation = 1): number | undefined {
  const dilatedIn = inSize === 0 ? 0 : (inSize - 1) * inDilation + 1;
  const padded = dilatedIn + lo + hi;
  const span = (window - 1) * winDilation + 1;
  if (padded < span) return undefined;
  return Math.floor((padded - span) / stride) + 1;
}

function checkPositive(op: string, key: string, list: readonly number[], n: number, what: string): void {
  if (list.length !== n || list.some((v) => v < 1)) {
    throw new OpError(op, `${key} ${JSON.stringify(list)} needs ${n} entries >= 1 (one per ${what})`);
  }
}

function checkPadding(op: string, padding: readonly (readonly number[])[], n: number, what: string): void {
  if (padding.length !== n || padding.some((p) => p.length !== 2)) {
    throw new OpError(op, `padding ${JSON.stringify(padding)} needs ${n} [low, high] pairs (one per ${what})`);
  }
}

/**
 * N-d convolution, channels last: lhs [N, spatial..., C], rhs [window..., C/groups, O],
 * result [N, out spatial..., O]. `lhs_dilation` > 1 inserts holes in the input (transposed conv).
 */
registerOp({
  name: 'conv', category: 'contraction', arity: 2,
  attrs: ['strides', 'padding', 'lhs_dilation', 'rhs_dilation', 'groups'],
  doc: 'N-d convolution (cross-correlation), input [N, spatial..., C], filter [spatial..., C/groups, O]',
  infer([x, w], attrs) {
    const op = 'conv';
    const k = x.shape.length - 2;
    if (k < 1) throw new OpError(op, `input ${formatType(x)} must have rank >= 3 ([N, spatial..., C])`);
    if (w.shape.length !== k + 2) throw new OpError(op, `filter ${formatType(w)} must have rank ${k + 2} ([spatial..., C/groups, O]) for input ${formatType(x)}`);
    if (x.dtype !== w.dtype || !isNumeric(x.dtype)) throw new OpError(op, `input ${formatType(x)} and filter ${formatType(w)} must share one numeric dtype`);
    const strides = intsAttr(op, attrs, 'strides');
    const lhsDil = intsAttr(op, attrs, 'lhs_dilation');
    const rhsDil = intsAttr(op, attrs, 'rhs_dilation');
    const padding = intListsAttr(op, attrs, 'padding');
    const groups = intAttr(op, attrs, 'groups');
    checkPositive(op, 'strides', strides, k, 'spatial dim');
    checkPositive(op, 'lhs_dilation', lhsDil, k, 'spatial dim');
    checkPositive(op, 'rhs_dilation', rhsDil, k, 'spatial dim');
    checkPadding(op, padding, k, 'spatial dim');
    const c = x.shape[k + 1];
    const cin = w.shape[k];
    const cout = w.shape[k + 1];
    if (groups < 1 || c % groups !== 0 || cout % groups !== 0 || cin * groups !== c) {
      throw new OpError(op, `groups=${groups}: input channels (${c}) and output channels (${cout}) must divide by groups, and filter in-channels (${cin}) must be ${c}/${groups}; input ${formatType(x)}, filter ${formatType(w)}`);
    }
    const spatial = [];
    for (let i = 0; i < k; i++) {
      const o = windowOutSize(x.shape[i + 1], w.shape[i], strides[i], padding[i][0], padding[i][1], lhsDil[i], rhsDil[i]);
      if (o === undefined) throw new OpError(op, `spatial dim ${i}: filter ${formatType(w)} (dilation ${rhsDil[i]}) is larger than the padded input ${formatType(x)} (padding ${JSON.stringify(padding[i])})`);
      spatial.push(o);
    }
    return tensorType(x.dtype, [x.shape[0], ...spatial, cout]);
  },
});

export const WINDOW_KINDS = ['sum', 'max', 'min'] as const;

registerOp({
  name: 'reduce_window', category: 'window', arity: 1, attrs: ['op', 'window', 'strides', 'padding'],
  doc: 'pooling: folds each window (one extent per dim) with sum|max|min; padding holds the identity',
  infer([x], attrs) {
    const op = 'reduce_window';
    enumAttr(op, attrs, 'op', WINDOW_KINDS);
    const rank = x.shape.length;
    const window = intsAttr(op, attrs, 'window');
    const strides = intsAttr(op, attrs, 'strides');
    const padding = intListsAttr(op, attrs, 'padding');
    checkPositive(op, 'window', window, rank, 'dim');
    checkPositive(op, 'strides', strides, rank, 'dim');
    checkPadding(op, padding, rank, 'dim');
    if (!isNumeric(x.dtype)) throw new OpError(op, `operand ${formatType(x)} must be numeric`);
    const shape = x.shape.map((d, i) => {
      const o = windowOutSize(d, window[i], strides[i], padding[i][0], padding[i][1]);
      if (o === undefined) throw new OpError(op, `dim ${i}: window ${window[i]} is larger than the padded operand ${formatType(x)} (padding ${JSON.stringify(padding[i])})`);
      return o;
    });
    return tensorType(x.dtype, shape);
  },
});
