/** The interpreter's entry points: op table coverage, evaluateOp validation, evaluateGraph on a small MLP. */
import { describe, expect, it } from 'vitest';
import { GraphBuilder, KilnError, OpError, allOps, evaluateGraph, evaluateOp, tensorType } from '../../../ir/index.js';
import { OP_IMPLS, hostTensor } from '../../../ir/interp/index.js';
import { f32, i32, values } from './helpers.js';

describe('op table', () => {
  it('has a reference implementation for every registered op, and nothing else', () => {
    const registered = allOps().map((d) => d.name).sort();
    expect(Object.keys(OP_IMPLS).sort()).toEqual(registered);
  });
});

describe('evaluateOp', () => {
  it('evaluates one op and returns fresh storage', () => {
    const x = f32([2], [1, 2]);
    const r = evaluateOp('neg', [x], {}, tensorType('float32', [2]));
    expect(values(r)).toEqual([-1, -2]);
    expect(r.data).not.toBe(x.data);
    const s = evaluateOp('reshape', [x], {}, tensorType('float32', [1, 2]));
    expect(s.data).not.toBe(x.data);
  });
  it('throws the op rule\'s OpError for bad operands or attributes', () => {
    expect(() => evaluateOp('add', [f32([2], [1, 2]), f32([3], [1, 2, 3])], {}, tensorType('float32', [2]))).toThrow(OpError);
    expect(() => evaluateOp('add', [f32([2], [1, 2]), f32([3], [1, 2, 3])], {}, tensorType('float32', [2]))).toThrow(/f32\[2\] and f32\[3\]/);
    expect(() => evaluateOp('exp', [i32([1], [1])], {}, tensorType('int32', [1]))).toThrow(/expected f32/);
    expect(() => evaluateOp('transpose', [f32([1], [1])], {}, tensorType('float32', [1]))).toThrow(/missing attribute 'perm'/);
    expect(() => evaluateOp('frobnicate', [], {}, tensorType('float32', []))).toThrow(/unknown op/);
  });
  it('rejects a result type that is not the one the op gives', () => {
    expect(() => evaluateOp('neg', [f32([2], [1, 2])], {}, tensorType('float32', [3]))).toThrow(/result type f32\[3\].*f32\[2\]/);
    expect(() => evaluateOp('eq', [f32([1], [1]), f32([1], [1])], {}, tensorType('float32', [1]))).toThrow(OpError);
  });
  it('rejects storage that does not fit the operand type', () => {
    const wrongKind = { type: tensorType('float32', [2]), data: new Int32Array(2) };
    expect(() => evaluateOp('neg', [wrongKind], {}, tensorType('float32', [2]))).toThrow(/operand 0: f32\[2\] needs a Float32Array, got a Int32Array/);
    const wrongLength = { type: tensorType('float32', [2]), data: new Float32Array(3) };
    expect(() => evaluateOp('neg', [wrongLength], {}, tensorType('float32', [2]))).toThrow(/needs 2 elements, got 3/);
    expect(() => hostTensor(tensorType('bool', [1]), new Float32Array(1))).toThrow(KilnError);
  });
});

/** relu(x @ w + b) with x [2,3], w [3,2], b [2], all values small integers so the result is exact. */
function mlpLayer() {
  const b = new GraphBuilder('mlp_layer');
  const x = b.param(tensorType('float32', [2, 3]), 'x');
  const w = b.param(tensorType('float32', [3, 2]), 'w');
  const bias = b.param(tensorType('float32', [2]), 'b');
  const mm = b.op('dot_general', [x, w], { batch: [[], []], contract: [[1], [0]] });
  const bb = b.op('broadcast', [bias], { dims: [1] }, tensorType('float32', [2, 2]));
  const sum = b.op('add', [mm, bb]);
  const zero = b.op('const', [], { value: 0 }, tensorType('float32', [2, 2]));
  const relu = b.op('max', [sum, zero]);
  const rowMax = b.op('argmax', [relu], { axis: 1 });
  return { graph: b.build([relu, rowMax]), x, w, bias };
}

describe('evaluateGraph', () => {
  const x = f32([2, 3], [1, 2, 3, -1, -2, -3]);
  const w = f32([3, 2], [1, -1, 0, 1, 2, 0]);
  const b = f32([2], [0.5, -4]);
  it('runs an MLP layer: relu(x @ w + b) and its row argmax', () => {
    // x @ w = [[1+0+6, -1+2+0], [-1+0-6, 1-2+0]] = [[7, 1], [-7, -1]]; + b = [[7.5, -3], [-6.5, -5]]; relu → [[7.5, 0], [0, 0]]
    const [relu, argmax] = evaluateGraph(mlpLayer().graph, [x, w, b]);
    expect(relu.type).toEqual(tensorType('float32', [2, 2]));
    expect(values(relu)).toEqual([7.5, 0, 0, 0]);
    expect(argmax.type).toEqual(tensorType('int32', [2]));
    expect(values(argmax)).toEqual([0, 0]);
  });
  it('names the count when the number of inputs is wrong', () => {
    expect(() => evaluateGraph(mlpLayer().graph, [x, w])).toThrow(/@mlp_layer: expected 3 input\(s\) \(f32\[2,3\], f32\[3,2\], f32\[2\]\), got 2/);
  });
  it('names the parameter index and both types when an input type is wrong', () => {
    const badW = f32([3, 3], new Array(9).fill(0));
    expect(() => evaluateGraph(mlpLayer().graph, [x, badW, b])).toThrow(/input 1 \(%w\) has type f32\[3,3\] but parameter 1 is f32\[3,2\]/);
    expect(() => evaluateGraph(mlpLayer().graph, [x, w, i32([2], [0, 0])])).toThrow(/input 2 \(%b\) has type i32\[2\] but parameter 2 is f32\[2\]/);
  });
  it('rejects input storage that does not match the input type', () => {
    const bad = { type: tensorType('float32', [2]), data: new Float32Array(5) };
    expect(() => evaluateGraph(mlpLayer().graph, [x, w, bad])).toThrow(/input 2 \(%b\): f32\[2\] needs 2 elements, got 5/);
  });
  it('returns results that alias neither the inputs nor each other', () => {
    const g = new GraphBuilder('pass');
    const p = g.param(tensorType('int32', [2]), 'p');
    const n = g.op('neg', [p]);
    const input = i32([2], [1, 2]);
    const [r0, r1, r2, r3] = evaluateGraph(g.build([p, p, n, n]), [input]);
    expect(values(r0)).toEqual([1, 2]);
    expect(values(r3)).toEqual([-1, -2]);
    expect(new Set([input.data, r0.data, r1.data, r2.data, r3.data]).size).toBe(5);
  });
  it('evaluates graphs with rank-0 and zero-size values and no nodes', () => {
    const g = new GraphBuilder('scalars');
    const s = g.param(tensorType('float32', []), 's');
    const e = g.param(tensorType('float32', [0, 2]), 'e');
    const total = g.op('reduce', [e], { op: 'sum', axes: [0, 1] });
    const out = g.op('add', [s, total]);
    const [r] = evaluateGraph(g.build([out]), [f32([], [2.5]), f32([0, 2], [])]);
    expect(values(r)).toEqual([2.5]);
    expect(evaluateGraph(new GraphBuilder('empty').build([]), [])).toEqual([]);
  });
  it('handles ~100k-element tensors (loose bound: 5 s) (conv 1x64x64x8 * 3x3x8x8, then pooling)', () => {
    const g = new GraphBuilder('cnn');
    const img = g.param(tensorType('float32', [1, 64, 64, 8]), 'img');
    const filt = g.param(tensorType('float32', [3, 3, 8, 8]), 'filt');
    const c = g.op('conv', [img, filt], { strides: [1, 1], padding: [[1, 1], [1, 1]], lhs_dilation: [1, 1], rhs_dilation: [1, 1], groups: 1 });
    const p = g.op('reduce_window', [c], { op: 'max', window: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: [[0, 0], [0, 0], [0, 0], [0, 0]] });
    const s = g.op('reduce', [p], { op: 'sum', axes: [0, 1, 2, 3] });
    const ones = (n: number) => new Array<number>(n).fill(1);
    const start = performance.now();
    const [r] = evaluateGraph(g.build([s]), [f32([1, 64, 64, 8], ones(32768)), f32([3, 3, 8, 8], ones(576))]);
    const ms = performance.now() - start;
    // With all-ones data each conv output is 8 × (taps inside the image): 72 inside, less on the border.
    // Every 2x2 pool window (conv rows 2i, 2i+1 and cols 2j, 2j+1) holds one pixel off the border, so its max is 72.
    expect(values(r)).toEqual([32 * 32 * 8 * 72]);
    expect(ms).toBeLessThan(5000);
  });
});
