// Maps each ONNX op type in the conformance subset to calls of Kiln's public frontend API.
// A mapping only composes public `np` / `nn` calls; ONNX-only conventions (NCHW layouts,
// auto_pad, Reshape's 0, int64 config inputs) are translated here, never inside Kiln.
import { nn, numpy as np, type Tensor } from '../../frontend/index.js';
import { type OnnxAttribute, type OnnxCase, type OnnxTensor, tensorToNumbers } from './load.js';

/** One node's inputs and attributes, as an op mapping sees them while it runs (eager or traced). */
export class NodeArgs {
  constructor(
    readonly onnx: OnnxCase,
    /** Kiln tensors for the dynamic inputs, at their node-input positions. */
    private readonly tensors: readonly (Tensor | undefined)[],
  ) {}

  get outputCount(): number {
    return this.onnx.outputs.length;
  }

  has(i: number): boolean {
    return this.onnx.inputs[i] !== undefined;
  }

  tensor(i: number): Tensor {
    const t = this.tensors[i];
    if (!t) throw new Error(`${this.onnx.name}: input ${i} is not a dynamic tensor input`);
    return t;
  }

  optionalTensor(i: number): Tensor | undefined {
    return this.has(i) ? this.tensor(i) : undefined;
  }

  /** A static int64/int32 input (shape, axes, pads, indices) as JS numbers, or undefined if absent. */
  ints(i: number): number[] | undefined {
    const t = this.onnx.inputs[i];
    return t ? tensorToNumbers(t) : undefined;
  }

  /** A static scalar input (e.g. Pad's constant_value) as a JS number, or undefined if absent. */
  scalar(i: number): number | undefined {
    const t = this.onnx.inputs[i];
    if (!t) return undefined;
    if (t.data.length !== 1) throw new Error(`${this.onnx.name}: input ${i} should be a scalar, has shape [${t.shape}]`);
    return Number(t.data[0]);
  }

  attr(name: string): OnnxAttribute | undefined {
    return this.onnx.attributes[name];
  }

  float(name: string, fallback: number): number {
    const v = this.attr(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'number') throw new Error(`${this.onnx.name}: attribute ${name} is not a number`);
    return v;
  }

  int(name: string, fallback: number): number {
    const v = this.float(name, fallback);
    if (!Number.isInteger(v)) throw new Error(`${this.onnx.name}: attribute ${name} is not an integer`);
    return v;
  }

  intList(name: string): number[] | undefined {
    const v = this.attr(name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw new Error(`${this.onnx.name}: attribute ${name} is not an int list`);
    return v as number[];
  }

  string(name: string, fallback: string): string {
    const v = this.attr(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'string') throw new Error(`${this.onnx.name}: attribute ${name} is not a string`);
    return v;
  }
}

export interface OpMapping {
  run(args: NodeArgs): Tensor | Tensor[];
  /** Non-integer inputs the mapping reads as constants (e.g. Pad's constant_value) rather than tensors. */
  staticInputs?: readonly number[];
}

/** Integer inputs (shapes, axes, pads, indices) are compile-time constants; float/bool ones are tensors. */
export function isDynamicInput(mapping: OpMapping, index: number, t: OnnxTensor): boolean {
  if (mapping.staticInputs?.includes(index)) return false;
  return t.dtype === 'float32' || t.dtype === 'bool';
}

const normalizeAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);
const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);
const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** NCHW ↔ NHWC for any number of spatial dims (ONNX layouts in, Kiln layouts out). */
const channelsLast = (rank: number): number[] => [0, ...range(2, rank), 1];
const channelsFirst = (rank: number): number[] => [0, rank - 1, ...range(1, rank - 1)];
/** OIHW → HWIO. */
const filterToSpatialFirst = (rank: number): number[] => [...range(2, rank), 1, 0];

const unary = (fn: (x: Tensor) => Tensor): OpMapping => ({ run: (a) => fn(a.tensor(0)) });
const binary = (fn: (x: Tensor, y: Tensor) => Tensor): OpMapping => ({ run: (a) => fn(a.tensor(0), a.tensor(1)) });

/** Reduce*: axes from the attribute (older opsets) or the int64 input; empty → all axes or no-op. */
function reduction(fn: (x: Tensor, opts: { axis?: number[]; keepdims: boolean }) => Tensor): OpMapping {
  return {
    run(a) {
      const x = a.tensor(0);
      const axes = a.ints(1) ?? a.intList('axes') ?? [];
      const keepdims = a.int('keepdims', 1) === 1;
      if (axes.length === 0 && a.int('noop_with_empty_axes', 0) === 1) return x;
      return fn(x, { axis: axes.length === 0 ? undefined : axes, keepdims });
    },
  };
}

/** ArgMax: select_last_index flips the axis, takes argmax, and maps the index back. */
const argMax: OpMapping = {
  run(a) {
    const x = a.tensor(0);
    const axis = normalizeAxis(a.int('axis', 0), x.ndim);
    const keepdims = a.int('keepdims', 1) === 1;
    if (a.int('select_last_index', 0) === 0) return np.argmax(x, { axis, keepdims });
    const lastIndex = x.shape[axis]! - 1;
    return np.subtract(lastIndex, np.argmax(np.flip(x, axis), { axis, keepdims }));
  },
};

/** Explicit [begin, end] pads per spatial dim from ONNX pads / auto_pad (SAME_UPPER puts the extra at the end). */
function spatialPads(a: NodeArgs, spatial: readonly number[], kernel: readonly number[], strides: readonly number[], dilations: readonly number[]): [number, number][] {
  const autoPad = a.string('auto_pad', 'NOTSET');
  const k = spatial.length;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    return spatial.map((d, i) => {
      const effective = (kernel[i]! - 1) * dilations[i]! + 1;
      const total = Math.max(0, (Math.ceil(d / strides[i]!) - 1) * strides[i]! + effective - d);
      const small = Math.floor(total / 2);
      return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
    });
  }
  if (autoPad === 'VALID') return spatial.map(() => [0, 0]);
  const pads = a.intList('pads') ?? new Array(2 * k).fill(0);
  return range(0, k).map((i) => [pads[i]!, pads[i + k]!]);
}

/**
 * ceil_mode: the extra end padding that makes floor-mode pooling produce ceil-mode's output size
 * (ONNX drops a last window that would start past the input and its begin padding). Exact for
 * max pooling and for average pooling that excludes padding from the count.
 */
function ceilModeExtraPad(d: number, k: number, s: number, dil: number, [lo, hi]: [number, number]): number {
  const effective = (k - 1) * dil + 1;
  let out = Math.ceil((d + lo + hi - effective) / s) + 1;
  if ((out - 1) * s >= d + lo) out -= 1;
  return Math.max(0, (out - 1) * s + effective - (d + lo + hi));
}

function pool(kind: 'max' | 'avg'): OpMapping {
  return {
    run(a) {
      const x = a.tensor(0);
      const spatial = x.shape.slice(2);
      const kernel = a.intList('kernel_shape')!;
      const strides = a.intList('strides') ?? kernel.map(() => 1);
      const dilations = a.intList('dilations') ?? kernel.map(() => 1);
      if (dilations.some((d) => d !== 1)) throw new Error('pooling with dilations is not exposed by nn.maxPool2d/avgPool2d');
      let padding = spatialPads(a, spatial, kernel, strides, dilations);
      const countIncludePad = a.int('count_include_pad', 0) === 1;
      if (a.int('ceil_mode', 0) === 1) {
        const extra = spatial.map((d, i) => ceilModeExtraPad(d, kernel[i]!, strides[i]!, dilations[i]!, padding[i]!));
        if (kind === 'avg' && countIncludePad && extra.some((e) => e > 0)) {
          throw new Error('ceil_mode average pooling with count_include_pad needs a divisor clipped to the padded input');
        }
        padding = padding.map(([lo, hi], i) => [lo, hi + extra[i]!]);
      }
      if (spatial.length !== 2) throw new Error(`${spatial.length}-d pooling: only 2-d pooling is exposed`);
      const nhwc = np.transpose(x, channelsLast(x.ndim));
      const options = { window: kernel, strides, padding };
      const y = kind === 'max' ? nn.maxPool2d(nhwc, options) : nn.avgPool2d(nhwc, { ...options, countIncludePad });
      return np.transpose(y, channelsFirst(x.ndim));
    },
  };
}

const conv: OpMapping = {
  run(a) {
    const x = a.tensor(0);
    const w = a.tensor(1);
    const spatial = x.shape.slice(2);
    const kernel = a.intList('kernel_shape') ?? w.shape.slice(2);
    const strides = a.intList('strides') ?? kernel.map(() => 1);
    const dilations = a.intList('dilations') ?? kernel.map(() => 1);
    const padding = spatialPads(a, spatial, kernel, strides, dilations);
    const options = { strides, padding, dilations, groups: a.int('group', 1) };
    const [xLast, wLast] = [np.transpose(x, channelsLast(x.ndim)), np.transpose(w, filterToSpatialFirst(w.ndim))];
    const y = spatial.length === 2 ? nn.conv2d(xLast, wLast, options) : nn.conv(xLast, wLast, options);
    const out = np.transpose(y, channelsFirst(x.ndim));
    const bias = a.optionalTensor(2);
    return bias ? np.add(out, np.reshape(bias, [1, -1, ...spatial.map(() => 1)])) : out;
  },
};

/** Per-channel parameter [C] → [1, C, 1, ...] so it broadcasts against NCHW. */
const perChannel = (p: Tensor, rank: number): Tensor => np.reshape(p, [1, -1, ...range(2, rank).map(() => 1)]);

const batchNormalization: OpMapping = {
  run(a) {
    const x = a.tensor(0);
    const [scale, bias, inputMean, inputVar] = [1, 2, 3, 4].map((i) => perChannel(a.tensor(i), x.ndim)) as [Tensor, Tensor, Tensor, Tensor];
    const epsilon = a.float('epsilon', 1e-5);
    const normalize = (mean: Tensor, variance: Tensor): Tensor =>
      np.add(np.multiply(np.divide(np.subtract(x, mean), np.sqrt(np.add(variance, epsilon))), scale), bias);
    if (a.int('training_mode', 0) === 0) return normalize(inputMean, inputVar);
    // Training mode: normalize with batch statistics, and blend them into the running ones.
    const reduceAxes = [0, ...range(2, x.ndim)];
    const batchMean = np.mean(x, { axis: reduceAxes, keepdims: true });
    const batchVar = np.var(x, { axis: reduceAxes, keepdims: true });
    const momentum = a.float('momentum', 0.9);
    const blend = (running: Tensor, batch: Tensor): Tensor =>
      np.reshape(np.add(np.multiply(running, momentum), np.multiply(batch, 1 - momentum)), [-1]);
    return [normalize(batchMean, batchVar), blend(inputMean, batchMean), blend(inputVar, batchVar)].slice(0, a.outputCount);
  },
};

const layerNormalization: OpMapping = {
  run(a) {
    const x = a.tensor(0);
    const axes = range(normalizeAxis(a.int('axis', -1), x.ndim), x.ndim);
    const epsilon = a.float('epsilon', 1e-5);
    const y = nn.layerNorm(x, { axes, epsilon, scale: a.tensor(1), bias: a.optionalTensor(2) });
    if (a.outputCount === 1) return y;
    const mean = np.mean(x, { axis: axes, keepdims: true });
    const invStdDev = np.rsqrt(np.add(np.var(x, { axis: axes, keepdims: true }), epsilon));
    return [y, mean, invStdDev].slice(0, a.outputCount);
  },
};

const gemm: OpMapping = {
  run(a) {
    const lhs = a.int('transA', 0) ? np.transpose(a.tensor(0)) : a.tensor(0);
    const rhs = a.int('transB', 0) ? np.transpose(a.tensor(1)) : a.tensor(1);
    const alpha = a.float('alpha', 1);
    const beta = a.float('beta', 1);
    const product = np.matmul(lhs, rhs);
    const scaled = alpha === 1 ? product : np.multiply(product, alpha);
    const c = a.optionalTensor(2);
    if (!c) return scaled;
    return np.add(scaled, beta === 1 ? c : np.multiply(c, beta));
  },
};

/** Reshape: ONNX's 0 copies the input dim (unless allowzero); -1 is left to Kiln. */
const reshape: OpMapping = {
  run(a) {
    const x = a.tensor(0);
    const allowZero = a.int('allowzero', 0) === 1;
    const shape = a.ints(1)!.map((d, i) => (d === 0 && !allowZero ? x.shape[i]! : d));
    return np.reshape(x, shape);
  },
};

/** Expand broadcasts both ways: the result shape is broadcast(x.shape, shape). */
function bidirectionalBroadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return range(0, rank).map((i) => {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    return da === 1 ? db : da;
  });
}

const pad: OpMapping = {
  staticInputs: [2],
  run(a) {
    const x = a.tensor(0);
    const mode = a.string('mode', 'constant');
    if (mode !== 'constant') throw new Error(`Pad mode '${mode}' is not exposed (np.pad pads with a constant)`);
    const pads = a.ints(1)!;
    const axes = (a.ints(3) ?? range(0, x.ndim)).map((ax) => normalizeAxis(ax, x.ndim));
    const widths: [number, number][] = x.shape.map(() => [0, 0]);
    axes.forEach((ax, i) => (widths[ax] = [pads[i]!, pads[i + axes.length]!]));
    return np.pad(x, widths, { value: a.scalar(2) ?? 0 });
  },
};

/** Clip's bounds are optional scalar tensors; ONNX and np.clip agree on lo > hi (all hi). */
const clip: OpMapping = {
  run(a) {
    const [x, lo, hi] = [a.tensor(0), a.optionalTensor(1), a.optionalTensor(2)];
    return lo || hi ? np.clip(x, lo ?? null, hi ?? null) : x;
  },
};

export const ONNX_OPS: Readonly<Record<string, OpMapping>> = {
  Abs: unary(np.abs),
  Neg: unary(np.negative),
  Exp: unary(np.exp),
  Log: unary(np.log),
  Sqrt: unary(np.sqrt),
  Tanh: unary(np.tanh),
  Sigmoid: unary(np.sigmoid),
  Erf: unary(np.erf),
  Relu: unary(nn.relu),
  LeakyRelu: { run: (a) => nn.leakyRelu(a.tensor(0), { alpha: a.float('alpha', 0.01) }) },
  Gelu: { run: (a) => nn.gelu(a.tensor(0), { approximate: a.string('approximate', 'none') === 'tanh' }) },
  Add: binary(np.add),
  Sub: binary(np.subtract),
  Mul: binary(np.multiply),
  Div: binary(np.divide),
  Pow: binary(np.power),
  Greater: binary(np.greater),
  GreaterOrEqual: binary(np.greaterEqual),
  Less: binary(np.less),
  LessOrEqual: binary(np.lessEqual),
  Where: { run: (a) => np.where(a.tensor(0), a.tensor(1), a.tensor(2)) },
  Clip: clip,
  ArgMax: argMax,
  ReduceSum: reduction(np.sum),
  ReduceMean: reduction(np.mean),
  ReduceMax: reduction(np.max),
  ReduceMin: reduction(np.min),
  ReduceProd: reduction(np.prod),
  MatMul: binary(np.matmul),
  Gemm: gemm,
  Softmax: { run: (a) => nn.softmax(a.tensor(0), { axis: a.int('axis', -1) }) },
  LogSoftmax: { run: (a) => nn.logSoftmax(a.tensor(0), { axis: a.int('axis', -1) }) },
  LayerNormalization: layerNormalization,
  BatchNormalization: batchNormalization,
  Conv: conv,
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: {
    run(a) {
      const x = a.tensor(0);
      if (x.ndim !== 4) throw new Error(`GlobalAveragePool on rank ${x.ndim}: only nn.globalAvgPool2d (NHWC) is exposed`);
      return np.transpose(nn.globalAvgPool2d(np.transpose(x, channelsLast(4)), { keepdims: true }), channelsFirst(4));
    },
  },
  Reshape: reshape,
  Transpose: { run: (a) => np.transpose(a.tensor(0), a.intList('perm')) },
  Flatten: {
    run(a) {
      const x = a.tensor(0);
      const axis = normalizeAxis(a.int('axis', 1), x.ndim);
      return np.reshape(x, [product(x.shape.slice(0, axis)), product(x.shape.slice(axis))]);
    },
  },
  Squeeze: { run: (a) => np.squeeze(a.tensor(0), a.ints(1) ?? a.intList('axes')) },
  Unsqueeze: { run: (a) => np.expandDims(a.tensor(0), (a.ints(1) ?? a.intList('axes'))!) },
  Concat: { run: (a) => np.concatenate(a.onnx.inputs.map((_, i) => a.tensor(i)), a.int('axis', 0)) },
  Slice: {
    run(a) {
      const x = a.tensor(0);
      const starts = a.ints(1)!;
      return np.slice(x, starts, a.ints(2)!, { axes: a.ints(3), steps: a.ints(4) });
    },
  },
  Gather: {
    run(a) {
      const indices = a.onnx.inputs[1]!;
      const indexTensor = np.array(Int32Array.from(a.ints(1)!), { dtype: 'int32', shape: indices.shape });
      return np.take(a.tensor(0), indexTensor, { axis: a.int('axis', 0) });
    },
  },
  Expand: { run: (a) => np.broadcastTo(a.tensor(0), bidirectionalBroadcastShape(a.tensor(0).shape, a.ints(1)!)) },
  Pad: pad,
};
