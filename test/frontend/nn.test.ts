import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jit, nn, numpy as np, type Tensor } from '../../frontend/index.js';
import { BACKENDS, expectClose, useBackend } from '../helpers.js';

interface Arr { shape: number[]; data: number[] }
type Case = Record<string, any>;
const fixtures: { numpy: string; cases: Record<string, Case> } = JSON.parse(readFileSync(new URL('./fixtures/nn.json', import.meta.url), 'utf8'));
const t = (a: Arr): Tensor => np.array(new Float32Array(a.data), { shape: a.shape });
const c = (name: string): Case => fixtures.cases[name];

/** Expected values come from NumPy in float64 (fixtures/gen_nn.py); Kiln computes in float32. */
const TOL = { rtol: 1e-5, atol: 1e-6 };

describe.each(BACKENDS)('nn on %s', (backend) => {
  useBackend(backend);

  it('relu, relu6, leakyRelu, silu, sigmoid', async () => {
    const x = np.array([-2, -0.5, 0, 3, 7]);
    expect(await nn.relu(x).array()).toEqual([0, 0, 0, 3, 7]);
    expect(await nn.relu6(x).array()).toEqual([0, 0, 0, 3, 6]);
    expectClose(await nn.leakyRelu(x, { alpha: 0.1 }).data(), [-0.2, -0.05, 0, 3, 7]);
    expectClose(await nn.silu(np.array([0, 1])).data(), [0, 1 / (1 + Math.exp(-1))]);
    expectClose(await nn.sigmoid(np.array([0])).data(), [0.5]);
  });

  it.each(['gelu_exact', 'gelu_tanh'])('%s matches NumPy', async (name) => {
    const k = c(name);
    expectClose(await nn.gelu(t(k.x), { approximate: name === 'gelu_tanh' }).data(), k.out.data, TOL);
  });

  it.each(['softmax', 'softmax_axis0'])('%s matches NumPy and sums to 1', async (name) => {
    const k = c(name);
    const y = nn.softmax(t(k.x), { axis: k.axis });
    expectClose(await y.data(), k.out.data, TOL);
    expectClose(await np.sum(y, { axis: k.axis }).data(), Array(k.x.shape[k.axis === 0 ? 1 : 0]).fill(1), TOL);
  });

  it('logSoftmax matches NumPy and stays finite for large inputs', async () => {
    const k = c('log_softmax');
    expectClose(await nn.logSoftmax(t(k.x)).data(), k.out.data, TOL);
    expectClose(await nn.logSoftmax(np.array([1000, 0])).data(), [0, -1000], TOL);
    expectClose(await nn.softmax(np.array([1000, 1000])).data(), [0.5, 0.5], TOL);
  });

  it('logsumexp handles -inf rows', async () => {
    expectClose(await nn.logsumexp(np.array([[0, 0], [-Infinity, -Infinity]]), { axis: 1 }).data(), [Math.LN2, -Infinity], TOL);
  });

  it('layerNorm with scale and bias matches NumPy', async () => {
    const k = c('layer_norm');
    const y = nn.layerNorm(t(k.x), { scale: t(k.scale), bias: t(k.bias), epsilon: k.eps });
    expectClose(await y.data(), k.out.data, { rtol: 1e-4, atol: 1e-5 });
  });

  it.each(['conv_valid', 'conv_same_stride2', 'conv_explicit_dilated', 'conv_groups2', 'conv_depthwise'])('conv2d %s matches direct NumPy loops', async (name) => {
    const k = c(name);
    const y = nn.conv2d(t(k.x), t(k.w), { strides: k.strides, padding: k.padding, dilations: k.dilations, groups: k.groups });
    expect(y.shape).toEqual(k.out.shape);
    expectClose(await y.data(), k.out.data, { rtol: 1e-4, atol: 1e-5 });
  });

  it.each(['max_pool_valid', 'max_pool_same', 'avg_pool_same', 'avg_pool_same_include_pad', 'avg_pool_explicit'])('pooling %s matches NumPy', async (name) => {
    const k = c(name);
    const opts = { window: k.window, strides: k.strides, padding: k.padding, countIncludePad: k.countIncludePad };
    const y = k.kind === 'max' ? nn.maxPool2d(t(k.x), opts) : nn.avgPool2d(t(k.x), opts);
    expect(y.shape).toEqual(k.out.shape);
    expectClose(await y.data(), k.out.data, TOL);
  });

  it('runs a small CNN the same under jit as eagerly', async () => {
    const k = c('conv_same_stride2');
    const model = (x: Tensor, w: Tensor) => nn.globalAvgPool2d(nn.maxPool2d(nn.relu(nn.conv2d(x, w, { padding: 'same' })), { window: 2 }));
    const eager = model(t(k.x), t(k.w));
    const traced = jit(model)(t(k.x), t(k.w));
    expect(traced.shape).toEqual([2, 6]);
    expectClose(await traced.data(), await eager.data(), { rtol: 0, atol: 0 });
  });

  it('oneHot encodes labels', async () => {
    expect(await nn.oneHot(np.array([2, 0], { dtype: 'int32' }), 3).array()).toEqual([[0, 0, 1], [1, 0, 0]]);
  });

  it('names the function, shapes and expectation on bad input', () => {
    expect(() => nn.conv2d(np.zeros([1, 4, 4, 3]), np.zeros([3, 3, 2, 8]))).toThrow(/conv: input f32\[1,4,4,3\] has 3 channels and filter f32\[3,3,2,8\] expects 2 per group with groups=1/);
    expect(() => nn.conv2d(np.zeros([4, 4, 3]), np.zeros([3, 3, 3, 8]))).toThrow(/conv2d: expects input \[N,H,W,C\]/);
    expect(() => nn.conv2d(np.zeros([1, 2, 2, 1]), np.zeros([3, 3, 1, 1]))).toThrow(/conv: spatial dim 0: filter f32\[3,3,1,1\]/);
    expect(() => nn.maxPool2d(np.zeros([1, 4, 4, 1]), { window: [2, 2], padding: 'full' as never })).toThrow(/maxPool2d: padding must be 'same', 'valid'/);
    expect(() => nn.softmax(np.zeros([2]), { axis: 1 })).toThrow(/softmax: axis 1 is out of range/);
  });
});
