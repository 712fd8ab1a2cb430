/** Neural-network functions: activations, normalisation, convolution and pooling (channels last). */
import { formatShape, formatType, isFloat, tensorType } from '../ir/index.js';
import { bind } from './dispatch.js';
import * as np from './numpy/index.js';
import { type TensorLike, cast, fail, full, normAxes, toTensor } from './numpy/core.js';
import type { Tensor } from './tensor.js';

function floatTensor(fn: string, x: TensorLike): Tensor {
  const t = toTensor(fn, x);
  return isFloat(t.dtype) ? t : cast(t, 'float32');
}

export function relu(x: TensorLike): Tensor {
  return np.maximum(x, 0);
}

/** relu6: min(max(x, 0), 6). */
export function relu6(x: TensorLike): Tensor {
  return np.clip(x, 0, 6);
}

export function leakyRelu(x: TensorLike, options: { alpha?: number } = {}): Tensor {
  const t = floatTensor('leakyRelu', x);
  return np.where(np.greaterEqual(t, 0), t, np.multiply(t, options.alpha ?? 0.01));
}

export function sigmoid(x: TensorLike): Tensor {
  return np.sigmoid(x);
}

/** x * sigmoid(x). */
export function silu(x: TensorLike): Tensor {
  const t = floatTensor('silu', x);
  return np.multiply(t, np.sigmoid(t));
}

/** GELU: exact (x·Φ(x), via erf) by default; `approximate: true` uses the tanh form. */
export function gelu(x: TensorLike, options: { approximate?: boolean } = {}): Tensor {
  const t = floatTensor('gelu', x);
  if (options.approximate) {
    const inner = np.multiply(np.add(t, np.multiply(np.multiply(np.multiply(t, t), t), 0.044715)), Math.sqrt(2 / Math.PI));
    return np.multiply(np.multiply(t, 0.5), np.add(np.tanh(inner), 1));
  }
  return np.multiply(np.multiply(t, 0.5), np.add(np.erf(np.multiply(t, Math.SQRT1_2)), 1));
}

/** softmax(x) = exp(x - max) / sum(exp(x - max)) along `axis` (default -1; may be a list). */
export function softmax(x: TensorLike, options: { axis?: number | readonly number[] } = {}): Tensor {
  const t = floatTensor('softmax', x);
  const axis = normAxes('softmax', options.axis ?? -1, t.ndim);
  const e = np.exp(np.subtract(t, np.max(t, { axis, keepdims: true })));
  return np.divide(e, np.sum(e, { axis, keepdims: true }));
}

/** log(softmax(x)), computed stably as x - max - log(sum(exp(x - max))). */
export function logSoftmax(x: TensorLike, options: { axis?: number | readonly number[] } = {}): Tensor {
  const t = floatTensor('logSoftmax', x);
  const axis = normAxes('logSoftmax', options.axis ?? -1, t.ndim);
  const shifted = np.subtract(t, np.max(t, { axis, keepdims: true }));
  return np.subtract(shifted, np.log(np.sum(np.exp(shifted), { axis, keepdims: true })));
}

/** log(sum(exp(x))) along `axis`, computed stably. */
export function logsumexp(x: TensorLike, options: { axis?: number | readonly number[]; keepdims?: boolean } = {}): Tensor {
  const t = floatTensor('logsumexp', x);
  const axis = normAxes('logsumexp', options.axis, t.ndim);
  const m = np.max(t, { axis, keepdims: true });
  // An all -inf slice would give (-inf) - (-inf) = NaN; shift by 0 there instead.
  const safe = np.where(np.isnan(np.subtract(m, m)), 0, m);
  const r = np.add(np.log(np.sum(np.exp(np.subtract(t, safe)), { axis, keepdims: true })), safe);
  return options.keepdims ? r : np.squeeze(r, axis);
}

export interface LayerNormOptions {
  /** Axes normalised together (default [-1]). */
  axes?: number | readonly number[];
  epsilon?: number;
  /** Multiplies the normalised value (broadcast against the normalised axes). */
  scale?: TensorLike;
  /** Added after scaling. */
  bias?: TensorLike;
}

/** (x - mean) / sqrt(var + epsilon) * scale + bias over `axes` (population variance). */
export function layerNorm(x: TensorLike, options: LayerNormOptions = {}): Tensor {
  const t = floatTensor('layerNorm', x);
  const axis = normAxes('layerNorm', options.axes ?? -1, t.ndim);
  const mean = np.mean(t, { axis, keepdims: true });
  const centered = np.subtract(t, mean);
  const variance = np.mean(np.multiply(centered, centered), { axis, keepdims: true });
  let y = np.multiply(centered, np.rsqrt(np.add(variance, options.epsilon ?? 1e-5)));
  if (options.scale !== undefined) y = np.multiply(y, options.scale);
  if (options.bias !== undefined) y = np.add(y, options.bias);
  return y;
}

export type Padding = 'same' | 'valid' | readonly (readonly [number, number])[];

export interface ConvOptions {
  /** One per spatial dim, or one number for all (default 1). */
  strides?: number | readonly number[];
  padding?: Padding;
  /** Filter dilation (default 1). */
  dilations?: number | readonly number[];
  groups?: number;
}

function perDim(fn: string, key: string, v: number | readonly number[] | undefined, n: number, dflt: number): number[] {
  const list = v === undefined ? Array(n).fill(dflt) : typeof v === 'number' ? Array(n).fill(v) : [...v];
  if (list.length !== n || !list.every((d) => Number.isInteger(d) && d >= 1)) fail(fn, `${key} ${JSON.stringify(v)} needs ${n} positive integers (one per spatial dim)`);
  return list;
}

/** TF/Keras 'same': output = ceil(in / stride), the extra padding going after. */
function resolvePadding(fn: string, padding: Padding | undefined, spatial: readonly number[], window: readonly number[], strides: readonly number[], dilations: readonly number[]): [number, number][] {
  if (padding === undefined || padding === 'valid') return spatial.map(() => [0, 0]);
  if (padding === 'same') {
    return spatial.map((size, i) => {
      const out = Math.ceil(size / strides[i]);
      const span = (window[i] - 1) * dilations[i] + 1;
      const total = Math.max((out - 1) * strides[i] + span - size, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  if (!Array.isArray(padding) || padding.length !== spatial.length || !padding.every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isInteger))) {
    fail(fn, `padding must be 'same', 'valid' or ${spatial.length} [before, after] integer pairs, got ${JSON.stringify(padding)}`);
  }
  return padding.map((p) => [p[0], p[1]]);
}

/**
 * N-d convolution (cross-correlation), channels last: input [N, spatial..., C], filter
 * [spatial..., C/groups, O] → [N, out spatial..., O].
 */
export function conv(x: TensorLike, w: TensorLike, options: ConvOptions = {}): Tensor {
  const input = floatTensor('conv', x);
  const filter = floatTensor('conv', w);
  const k = input.ndim - 2;
  if (k < 1) fail('conv', `input ${formatType(input.type)} must be [N, spatial..., C] (rank >= 3)`);
  if (filter.ndim !== k + 2) fail('conv', `filter ${formatType(filter.type)} must have rank ${k + 2} ([spatial..., C/groups, O]) for input ${formatType(input.type)}`);
  const groups = options.groups ?? 1;
  const c = input.shape[k + 1];
  const [cin, cout] = filter.shape.slice(k);
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0 || cout % groups !== 0 || cin * groups !== c) {
    fail('conv', `input ${formatType(input.type)} has ${c} channels and filter ${formatType(filter.type)} expects ${cin} per group with groups=${groups}: need C = C_in_filter * groups and O divisible by groups`);
  }
  const strides = perDim('conv', 'strides', options.strides, k, 1);
  const dilations = perDim('conv', 'dilations', options.dilations, k, 1);
  const padding = resolvePadding('conv', options.padding, input.shape.slice(1, k + 1), filter.shape.slice(0, k), strides, dilations);
  return bind('conv', [input, filter], { strides, padding, lhs_dilation: strides.map(() => 1), rhs_dilation: dilations, groups });
}

/** 2-d convolution: input NHWC, filter HWIO. */
export function conv2d(x: TensorLike, w: TensorLike, options: ConvOptions = {}): Tensor {
  const input = toTensor('conv2d', x);
  const filter = toTensor('conv2d', w);
  if (input.ndim !== 4 || filter.ndim !== 4) fail('conv2d', `expects input [N,H,W,C] and filter [H,W,C_in,C_out], got ${formatType(input.type)} and ${formatType(filter.type)}`);
  return conv(input, filter, options);
}

export interface PoolOptions {
  /** Window [h, w] (or one number). */
  window: number | readonly number[];
  /** Default: the window. */
  strides?: number | readonly number[];
  padding?: Padding;
}

function pool2dSetup(fn: string, x: TensorLike, options: PoolOptions) {
  const t = floatTensor(fn, x);
  if (t.ndim !== 4) fail(fn, `expects input [N,H,W,C], got ${formatShape(t.shape)}`);
  if (!options || options.window === undefined) fail(fn, 'needs options.window');
  const window = perDim(fn, 'window', options.window, 2, 1);
  const strides = perDim(fn, 'strides', options.strides ?? window, 2, 1);
  const padding = resolvePadding(fn, options.padding, t.shape.slice(1, 3), window, strides, [1, 1]);
  const attrs = { window: [1, ...window, 1], strides: [1, ...strides, 1], padding: [[0, 0], ...padding, [0, 0]] };
  return { t, attrs };
}

/** Max pooling over [h, w] windows of an NHWC tensor; padding never wins. */
export function maxPool2d(x: TensorLike, options: PoolOptions): Tensor {
  const { t, attrs } = pool2dSetup('maxPool2d', x, options);
  return bind('reduce_window', [t], { op: 'max', ...attrs });
}

/**
 * Average pooling over [h, w] windows of an NHWC tensor. Padded positions are not counted
 * (TensorFlow's behaviour) unless `countIncludePad` is set.
 */
export function avgPool2d(x: TensorLike, options: PoolOptions & { countIncludePad?: boolean }): Tensor {
  const { t, attrs } = pool2dSetup('avgPool2d', x, options);
  const sums = bind('reduce_window', [t], { op: 'sum', ...attrs });
  if (options.countIncludePad) return np.divide(sums, attrs.window[1] * attrs.window[2]);
  const ones = full([1, t.shape[1], t.shape[2], 1], 1, 'float32');
  const counts = bind('reduce_window', [ones], { op: 'sum', ...attrs });
  return np.divide(sums, counts);
}

/** Mean over the spatial dims of an NHWC tensor → [N, C] (keepdims: [N, 1, 1, C]). */
export function globalAvgPool2d(x: TensorLike, options: { keepdims?: boolean } = {}): Tensor {
  const t = floatTensor('globalAvgPool2d', x);
  if (t.ndim !== 4) fail('globalAvgPool2d', `expects input [N,H,W,C], got ${formatShape(t.shape)}`);
  return np.mean(t, { axis: [1, 2], keepdims: options.keepdims });
}

/** One-hot encoding of integer labels along a new last axis. */
export function oneHot(labels: TensorLike, numClasses: number, options: { dtype?: 'float32' | 'int32' } = {}): Tensor {
  const l = toTensor('oneHot', labels, 'int32');
  const classes = bind('iota', [], { dim: l.ndim }, tensorType('int32', [...l.shape, numClasses]));
  return cast(np.equal(np.expandDims(l, -1), classes), options.dtype ?? 'float32');
}
