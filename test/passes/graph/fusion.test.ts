import { describe, expect, it } from 'vitest';
import { useBackend } from '../../helpers.js';
import { type Tensor, jit, nn, numpy as np } from '../../../frontend/index.js';
import { FUSION_OP, type Graph, evaluateGraph, parseGraph, printGraph, verifyGraph } from '../../../ir/index.js';
import { fuseGraph } from '../../../passes/graph/fusion.js';
import { compileToProgram } from '../../../passes/pipeline.js';
import { firstMismatch, randomInputs } from '../random-inputs.js';

/** Kernels after the whole pipeline (graph cleanup, fusion, lowering). */
function kernels(fn: (...xs: Tensor[]) => Tensor | Tensor[], ...shapes: number[][]): number {
  const g = jit(fn).lower(...shapes.map((s) => np.zeros(s))).graph;
  return compileToProgram(g).program.kernels.length;
}

function fusedOf(text: string): Graph {
  const g = parseGraph(text);
  const fused = verifyGraph(fuseGraph(g).graph);
  // Fusion never changes values.
  const inputs = randomInputs(g, 7);
  const before = evaluateGraph(g, inputs);
  const after = evaluateGraph(fused, inputs);
  before.forEach((b, k) => expect(firstMismatch(after[k].data, b.data)).toBe(-1));
  return fused;
}

describe('fusion: kernel counts', () => {
  useBackend('interp'); // tensors only carry shapes here
  it('exp(-(2x+1)^2)*0.5 + tanh(x) is one kernel', () => {
    expect(kernels((x) => np.add(np.multiply(np.exp(np.negative(np.square(np.add(np.multiply(x, 2), 1)))), 0.5), np.tanh(x)), [1024])).toBe(1);
  });

  it('matmul + bias + relu is one kernel', () => {
    expect(kernels((x, w, b) => nn.relu(np.add(np.matmul(x, w), b)), [64, 784], [784, 512], [512])).toBe(1);
  });

  it('softmax over the last axis is one kernel (max, sum and output in one row loop)', () => {
    expect(kernels((x) => nn.softmax(x), [4096, 1024])).toBe(1);
  });

  it('layerNorm is one kernel', () => {
    expect(kernels((x, s, b) => nn.layerNorm(x, { scale: s, bias: b }), [64, 512], [512], [512])).toBe(1);
  });

  it('a transpose feeding an elementwise op gets no kernel of its own', () => {
    expect(kernels((x, y) => np.add(np.transpose(x), y), [8, 16], [16, 8])).toBe(1);
  });

  it('the 784-512-512-10 MLP is three kernels, one per layer', () => {
    const mlp = (x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, w3: Tensor, b3: Tensor) =>
      np.add(np.matmul(nn.relu(np.add(np.matmul(nn.relu(np.add(np.matmul(x, w1), b1)), w2), b2)), w3), b3);
    expect(kernels(mlp, [64, 784], [784, 512], [512], [512, 512], [512], [512, 10], [10])).toBe(3);
  });

  it('merges sibling reductions of one input into a multi-output kernel', () => {
    expect(kernels((x) => [np.sum(x, { axis: -1 }), np.max(x, { axis: -1 })], [32, 64])).toBe(1);
  });

  it('keeps two matmuls apart: the second would recompute the first', () => {
    expect(kernels((x, w, v) => np.matmul(np.matmul(x, w), v), [4, 8], [8, 8], [8, 2])).toBe(2);
  });
});

describe('fusion: regions and remarks', () => {
  useBackend('interp'); // tensors only carry shapes here
  it('wraps matmul + bias + relu into one output fusion', () => {
    const fused = fusedOf(`graph @mlp(%x: f32[4,3], %w: f32[3,2], %b: f32[2]) -> (f32[4,2]) {
  %0 = dot_general %x, %w {batch=[[],[]], contract=[[1],[0]]} : f32[4,2]
  %1 = broadcast %b {dims=[1]} : f32[4,2]
  %2 = add %0, %1 : f32[4,2]
  %3 = const {value=0} : f32[4,2]
  %4 = max %2, %3 : f32[4,2]
  return %4
}`);
    expect(fused.nodes.map((n) => n.op)).toEqual([FUSION_OP]);
    expect(fused.nodes[0].attrs.kind).toBe('output');
    expect(fused.nodes[0].body!.name).toBe('matmul_add_max_4x2');
    expect(printGraph(fused)).toContain('%0 = fusion %x, %w, %b {kind=output} : f32[4,2] graph @matmul_add_max_4x2(');
  });

  it('refuses an elementwise producer of a matmul operand, with a remark saying why', () => {
    const g = parseGraph(`graph @f(%x: f32[4,3], %w: f32[3,2]) -> (f32[4,2]) {
  %0 = exp %x : f32[4,3]
  %1 = dot_general %0, %w {batch=[[],[]], contract=[[1],[0]]} : f32[4,2]
  return %1
}`);
    const { graph, remarks } = fuseGraph(g);
    expect(graph.nodes.length).toBe(2);
    expect(remarks.join('\n')).toMatch(/exp f32\[4,3\] kept apart .*recomputed for every output of the contraction/);
    expect(printGraph(graph)).toContain('// remark: exp f32[4,3] kept apart');
  });

  it('materialises a value two kernels read, and a reduce over a non-last axis feeding a broadcast', () => {
    const { graph, remarks } = fuseGraph(parseGraph(`graph @f(%x: f32[4,3]) -> (f32[4,3]) {
  %0 = reduce %x {op=sum, axes=[0]} : f32[3]
  %1 = broadcast %0 {dims=[1]} : f32[4,3]
  %2 = div %x, %1 : f32[4,3]
  return %2
}`));
    expect(graph.nodes.length).toBe(2);
    expect(remarks.join('\n')).toMatch(/reduce f32\[3\] kept apart .*shape is neither/);
  });

  it('keeps dense constants at top level as shared buffers', () => {
    const fused = fusedOf(`graph @f(%x: f32[3]) -> (f32[3], f32[3]) {
  %0 = const {value=[1,2,3]} : f32[3]
  %1 = add %x, %0 : f32[3]
  %2 = mul %x, %0 : f32[3]
  %3 = exp %1 : f32[3]
  return %3, %2
}`);
    expect(fused.nodes.map((n) => n.op)).toEqual(['const', FUSION_OP, FUSION_OP]);
  });

  it('leaves dead nodes out and handles results that are params', () => {
    const fused = fusedOf(`graph @f(%x: f32[3]) -> (f32[3]) {
  %0 = exp %x : f32[3]
  return %x
}`);
    expect(fused.nodes.length).toBe(0);
  });
});

describe('fusion: device buffer limits', () => {
  it('never builds a kernel that binds more buffers than allowed, and says why', () => {
    const g = parseGraph(`graph @f(%a: f32[4], %b: f32[4], %c: f32[4], %d: f32[4], %e: f32[4]) -> (f32[4]) {
  %0 = add %a, %b : f32[4]
  %1 = add %0, %c : f32[4]
  %2 = add %1, %d : f32[4]
  %3 = add %2, %e : f32[4]
  return %3
}`);
    expect(fuseGraph(g).graph.nodes.length).toBe(1);
    const { graph, remarks } = fuseGraph(g, { maxBuffers: 4 });
    for (const n of graph.nodes) expect(n.inputs.length + n.outputs.length).toBeLessThanOrEqual(4);
    expect(graph.nodes.length).toBe(2);
    expect(remarks.join('\n')).toMatch(/the kernel would bind 5 buffers, more than the device allows \(4\)/);
    const inputs = randomInputs(g, 5);
    expect(firstMismatch(evaluateGraph(graph, inputs)[0].data, evaluateGraph(g, inputs)[0].data)).toBe(-1);
  });
});
