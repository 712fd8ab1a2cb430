/** Hand-computed cases for dot_general, conv and reduce_window (exact; larger cases are in the NumPy fixtures). */
import { describe, expect, it } from 'vitest';
import { f32, i32, run, values } from './helpers.js';

const matmul = { batch: [[], []], contract: [[1], [0]] };

describe('dot_general', () => {
  it('matmul', () => {
    // [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]]
    expect(values(run('dot_general', [f32([2, 2], [1, 2, 3, 4]), f32([2, 2], [5, 6, 7, 8])], matmul))).toEqual([19, 22, 43, 50]);
  });
  it('vector dot gives rank 0; matrix-vector', () => {
    const d = run('dot_general', [f32([3], [1, 2, 3]), f32([3], [4, 5, 6])], { batch: [[], []], contract: [[0], [0]] });
    expect(d.type.shape).toEqual([]);
    expect(values(d)).toEqual([32]);
    expect(values(run('dot_general', [f32([2, 3], [1, 0, 0, 0, 1, 1]), f32([3], [4, 5, 6])], { batch: [[], []], contract: [[1], [0]] }))).toEqual([4, 11]);
  });
  it('accumulates in f32 in order: 2^24 + 1 + 1 stays 2^24, 1 + 1 + 2^24 is 2^24 + 2', () => {
    const ones = f32([3], [1, 1, 1]);
    const dot = { batch: [[], []], contract: [[0], [0]] };
    expect(values(run('dot_general', [f32([3], [16777216, 1, 1]), ones], dot))).toEqual([16777216]);
    expect(values(run('dot_general', [f32([3], [1, 1, 16777216]), ones], dot))).toEqual([16777218]);
  });
  it('rounds each product to f32 before adding (no fused multiply-add)', () => {
    // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11 in f32; then - (1 + 2^-11) gives exactly 0.
    const a = 1 + 2 ** -12;
    const got = run('dot_general', [f32([2], [a, 1 + 2 ** -11]), f32([2], [a, -1])], { batch: [[], []], contract: [[0], [0]] });
    expect(values(got)).toEqual([0]);
  });
  it('batch dims come first, then lhs free, then rhs free; multiple contracting dims in the listed order', () => {
    // lhs [b=2, k=2, m=1], rhs [k=2, b=2, n=1]; out[b, m, n] = Σ_k lhs[b,k,0] * rhs[k,b,0]
    const lhs = f32([2, 2, 1], [1, 2, 3, 4]);
    const rhs = f32([2, 2, 1], [10, 20, 30, 40]);
    const out = run('dot_general', [lhs, rhs], { batch: [[0], [1]], contract: [[1], [0]] });
    expect(out.type.shape).toEqual([2, 1, 1]);
    expect(values(out)).toEqual([1 * 10 + 2 * 30, 3 * 20 + 4 * 40]);
    // Full contraction of two [2,2] tensors over both dims, rhs transposed: Σ lhs[i,j] * rhs[j,i].
    const full = run('dot_general', [f32([2, 2], [1, 2, 3, 4]), f32([2, 2], [5, 6, 7, 8])], { batch: [[], []], contract: [[0, 1], [1, 0]] });
    expect(values(full)).toEqual([1 * 5 + 2 * 7 + 3 * 6 + 4 * 8]);
  });
  it('integer dot wraps; empty contraction gives 0', () => {
    expect(values(run('dot_general', [i32([2], [65536, 1]), i32([2], [65536, 5])], { batch: [[], []], contract: [[0], [0]] }))).toEqual([5]);
    expect(values(run('dot_general', [f32([2, 0], []), f32([0, 2], [])], matmul))).toEqual([0, 0, 0, 0]);
  });
});

const conv1d = (overrides: Record<string, number[] | number[][] | number> = {}) => ({
  strides: [1], padding: [[0, 0]], lhs_dilation: [1], rhs_dilation: [1], groups: 1, ...overrides,
});

describe('conv (channels last, cross-correlation)', () => {
  const x = f32([1, 5, 1], [1, 2, 3, 4, 5]);
  const w = f32([2, 1, 1], [1, 10]); // out[i] = x[i] + 10 x[i+1]
  it('1-d valid: no filter flip', () => {
    expect(values(run('conv', [x, w], conv1d()))).toEqual([21, 32, 43, 54]);
  });
  it('1-d padding, stride, negative padding', () => {
    expect(values(run('conv', [x, w], conv1d({ padding: [[1, 1]] })))).toEqual([10, 21, 32, 43, 54, 5]);
    expect(values(run('conv', [x, w], conv1d({ strides: [2], padding: [[1, 0]] })))).toEqual([10, 32, 54]);
    expect(values(run('conv', [x, w], conv1d({ padding: [[-1, -1]] })))).toEqual([32, 43]);
  });
  it('1-d rhs_dilation spreads the filter; lhs_dilation spreads the input (transposed conv)', () => {
    expect(values(run('conv', [x, w], conv1d({ rhs_dilation: [2] })))).toEqual([31, 42, 53]);
    // dilated input [1,0,2,0,3,0,4,0,5]
    expect(values(run('conv', [x, w], conv1d({ lhs_dilation: [2] })))).toEqual([1, 20, 2, 30, 3, 40, 4, 50]);
  });
  it('2-d with two channels and two output channels', () => {
    // x [1,2,2,2]: pixel (i,j) has channels [p, 10p] for p = 1..4; w [1,1,2,2] mixes channels.
    const x2 = f32([1, 2, 2, 2], [1, 10, 2, 20, 3, 30, 4, 40]);
    const w2 = f32([1, 1, 2, 2], [1, 0, 0, 1]); // out channel 0 = in channel 0, out channel 1 = in channel 1
    const attrs = { strides: [1, 1], padding: [[0, 0], [0, 0]], lhs_dilation: [1, 1], rhs_dilation: [1, 1], groups: 1 };
    expect(values(run('conv', [x2, w2], attrs))).toEqual([1, 10, 2, 20, 3, 30, 4, 40]);
  });
  it('groups: output channel o reads input channels of group floor(o / (O/groups)) (depthwise)', () => {
    // 2 channels, groups 2, 2 output channels per group: filter [1, 1, 2... ] → w [k=1, cin/g=1, O=4]
    const xg = f32([1, 2, 2], [1, 100, 2, 200]);
    const wg = f32([1, 1, 4], [1, 2, 3, 4]);
    expect(values(run('conv', [xg, wg], conv1d({ groups: 2 })))).toEqual([1, 2, 300, 400, 2, 4, 600, 800]);
  });
  it('padding zeros are really multiplied: an infinite filter tap over padding gives NaN', () => {
    const wi = f32([2, 1, 1], [Infinity, 0]);
    expect(values(run('conv', [f32([1, 1, 1], [1]), wi], conv1d({ padding: [[0, 1]] })))).toEqual([Infinity]);
    expect(values(run('conv', [f32([1, 1, 1], [1]), wi], conv1d({ padding: [[1, 0]] })))).toEqual([NaN]);
  });
  it('integer conv wraps; zero-size batch', () => {
    expect(values(run('conv', [i32([1, 2, 1], [65536, 1]), i32([2, 1, 1], [65536, 7])], conv1d()))).toEqual([7]);
    expect(run('conv', [f32([0, 5, 1], []), w], conv1d()).type.shape).toEqual([0, 4, 1]);
  });
});

describe('reduce_window (padding holds the identity)', () => {
  const x = f32([4], [1, 2, 3, 4]);
  const attrs = (op: string, window: number, stride: number, lo: number, hi: number) => ({ op, window: [window], strides: [stride], padding: [[lo, hi]] });
  it('sum with padding (0) and stride', () => {
    expect(values(run('reduce_window', [x], attrs('sum', 2, 1, 1, 1)))).toEqual([1, 3, 5, 7, 4]);
    expect(values(run('reduce_window', [x], attrs('sum', 3, 2, 1, 1)))).toEqual([3, 9]);
  });
  it('max with padding (-inf) never picks the padding', () => {
    expect(values(run('reduce_window', [f32([2], [-1, -2])], attrs('max', 2, 1, 1, 1)))).toEqual([-1, -1, -2]);
    expect(values(run('reduce_window', [f32([2], [1, 2])], attrs('min', 3, 1, 1, 1)))).toEqual([1, 1]);
  });
  it('negative padding crops; NaN propagates', () => {
    expect(values(run('reduce_window', [x], attrs('max', 2, 1, -1, 0)))).toEqual([3, 4]);
    expect(values(run('reduce_window', [f32([3], [1, NaN, 0])], attrs('max', 2, 1, 0, 0)))).toEqual([NaN, NaN]);
  });
  it('2-d max pool 2x2 stride 2', () => {
    const img = f32([4, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(values(run('reduce_window', [img], { op: 'max', window: [2, 2], strides: [2, 2], padding: [[0, 0], [0, 0]] }))).toEqual([6, 8, 14, 16]);
  });
  it('rank 0 is a copy; a window over nothing but padding gives the identity', () => {
    expect(values(run('reduce_window', [f32([], [5])], { op: 'sum', window: [], strides: [], padding: [] }))).toEqual([5]);
    expect(values(run('reduce_window', [f32([0], [])], attrs('max', 1, 1, 1, 0)))).toEqual([-Infinity]);
    expect(values(run('reduce_window', [i32([0], [])], attrs('sum', 2, 1, 1, 1)))).toEqual([0]);
  });
});
