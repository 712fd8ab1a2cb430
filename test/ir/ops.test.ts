import { describe, expect, it } from 'vitest';
import { GraphBuilder, Value, allOps, getOp, inferResultType, tensorType, verifyGraph, type Graph } from '../../ir/index.js';

const f32 = (...shape: number[]) => tensorType('float32', shape);
const i32 = (...shape: number[]) => tensorType('int32', shape);
const infer = (op: string, inputs: ReturnType<typeof f32>[], attrs = {}, declared?: ReturnType<typeof f32>) => inferResultType(op, inputs, attrs, declared);

describe('op registry', () => {
  it('registers the whole ARCHITECTURE op set, each with a doc line', () => {
    const names = allOps().map((o) => o.name).sort();
    for (const op of ['neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf', 'floor', 'ceil', 'round', 'sign', 'not', 'cast',
      'add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'mod', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'select', 'iota', 'const',
      'reshape', 'transpose', 'broadcast', 'slice', 'pad', 'concat', 'reverse', 'gather', 'reduce', 'argmax', 'argmin', 'dot_general', 'conv', 'reduce_window']) {
      expect(names).toContain(op);
    }
    for (const def of allOps()) expect(def.doc.length, def.name).toBeGreaterThan(0);
    expect(() => getOp('frobnicate')).toThrow(/frobnicate: unknown op; known ops are neg, abs/);
  });

  it('checks arity and attribute names for every op', () => {
    expect(() => infer('add', [f32(2)])).toThrow(/add: takes 2 operand\(s\), got 1/);
    expect(() => infer('exp', [f32(2)], { axis: 1 })).toThrow(/exp: unknown attribute 'axis' \(attributes: none\)/);
    expect(() => infer('transpose', [f32(2)])).toThrow(/transpose: missing attribute 'perm'/);
    expect(() => infer('concat', [], { axis: 0 })).toThrow(/concat: takes at least 1 operand/);
    expect(() => infer('reshape', [f32(2)])).toThrow(/reshape: needs a declared result type/);
  });

  it('types elementwise ops strictly: same shape and dtype, float-only math, bool logic', () => {
    expect(infer('add', [f32(2, 3), f32(2, 3)])).toEqual(f32(2, 3));
    expect(infer('lt', [i32(4), i32(4)]).dtype).toBe('bool');
    expect(() => infer('add', [f32(2), f32(3)])).toThrow(/add: operands f32\[2\] and f32\[3\] must have the same shape and dtype/);
    expect(() => infer('add', [f32(2), i32(2)])).toThrow(/same shape and dtype/);
    expect(() => infer('exp', [i32(2)])).toThrow(/exp: operand i32\[2\] has dtype i32; expected f32/);
    expect(() => infer('and', [f32(2), f32(2)])).toThrow(/and: operand f32\[2\] has dtype f32; expected bool/);
    expect(() => infer('select', [f32(2), f32(2), f32(2)])).toThrow(/select: condition f32\[2\] must be bool/);
    expect(infer('cast', [f32(2)], { to: 'i32' })).toEqual(i32(2));
    expect(() => infer('cast', [f32(2)], { to: 'f64' })).toThrow(/cast: attribute 'to' must be a dtype/);
  });

  it('types layout ops', () => {
    expect(infer('transpose', [f32(2, 3, 4)], { perm: [2, 0, 1] }).shape).toEqual([4, 2, 3]);
    expect(() => infer('transpose', [f32(2, 3)], { perm: [0, 0] })).toThrow(/perm \[0,0\]: axis 0 appears twice/);
    expect(infer('broadcast', [f32(3)], { dims: [1] }, f32(2, 3))).toEqual(f32(2, 3));
    expect(() => infer('broadcast', [f32(3)], { dims: [0] }, f32(2, 3))).toThrow(/operand dim 0 \(3\) does not match result dim 0 \(2\)/);
    expect(infer('slice', [f32(10)], { start: [1], limit: [8], stride: [3] }).shape).toEqual([3]);
    expect(() => infer('slice', [f32(10)], { start: [5], limit: [11], stride: [1] })).toThrow(/need 0 <= start \(5\) <= limit \(11\) <= 10/);
    expect(infer('pad', [f32(3)], { low: [-1], high: [2], value: 0 }).shape).toEqual([4]);
    expect(() => infer('pad', [f32(1)], { low: [-2], high: [0], value: 0 })).toThrow(/negative size -1/);
    expect(infer('concat', [f32(2, 1), f32(2, 3)], { axis: 1 }).shape).toEqual([2, 4]);
    expect(() => infer('concat', [f32(2, 1), f32(3, 1)], { axis: 1 })).toThrow(/concat: operands f32\[2,1\], f32\[3,1\] must share dtype and all dims but axis 1/);
    expect(infer('gather', [f32(5, 6), i32(2, 3)], { axis: 1 }).shape).toEqual([5, 2, 3]);
    expect(() => infer('gather', [f32(5), f32(2)], { axis: 0 })).toThrow(/gather: indices f32\[2\] must be i32 or u32/);
    expect(() => infer('reshape', [f32(6)], {}, f32(4))).toThrow(/cannot reshape f32\[6\] \(6 elements\) to f32\[4\] \(4 elements\)/);
    expect(() => infer('iota', [], { dim: 1 }, i32(3))).toThrow(/iota: dim 1 is out of range for i32\[3\]/);
    expect(() => infer('const', [], { value: [1, 2] }, f32(3))).toThrow(/const: f32\[3\] needs 3 values, got 2/);
  });

  it('types reductions and contractions', () => {
    expect(infer('reduce', [f32(2, 3, 4)], { op: 'sum', axes: [0, 2] }).shape).toEqual([3]);
    expect(() => infer('reduce', [f32(2)], { op: 'mean', axes: [0] })).toThrow(/reduce: attribute 'op' must be one of sum\|max\|min\|prod, got "mean"/);
    expect(() => infer('reduce', [f32(2, 2)], { op: 'sum', axes: [1, 0] })).toThrow(/must be sorted ascending/);
    expect(infer('argmax', [f32(2, 3)], { axis: 1 })).toEqual(i32(2));
    expect(() => infer('argmin', [f32(0)], { axis: 0 })).toThrow(/argmin: axis 0 of f32\[0\] is empty/);
    expect(infer('dot_general', [f32(7, 2, 3), f32(7, 3, 5)], { batch: [[0], [0]], contract: [[2], [1]] }).shape).toEqual([7, 2, 5]);
    expect(() => infer('dot_general', [f32(2, 3), f32(4, 5)], { batch: [[], []], contract: [[1], [0]] })).toThrow(/contracting dim 1 of f32\[2,3\] \(3\) does not match dim 0 of f32\[4,5\] \(4\)/);
    const conv = { strides: [2, 2], padding: [[1, 1], [1, 1]], lhs_dilation: [1, 1], rhs_dilation: [1, 1], groups: 1 };
    expect(infer('conv', [f32(1, 8, 8, 3), f32(3, 3, 3, 16)], conv).shape).toEqual([1, 4, 4, 16]);
    expect(() => infer('conv', [f32(1, 8, 8, 3), f32(3, 3, 3, 16)], { ...conv, groups: 3 })).toThrow(/groups=3/);
    expect(infer('reduce_window', [f32(1, 5, 5, 1)], { op: 'max', window: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: [[0, 0], [0, 1], [0, 1], [0, 0]] }).shape).toEqual([1, 3, 3, 1]);
  });
});

describe('verifyGraph', () => {
  it('accepts a well-formed graph and rejects use-before-def, foreign values and wrong result types', () => {
    const b = new GraphBuilder('f');
    const x = b.param(f32(2), 'x');
    const y = b.op('exp', [x]);
    const g = b.build([y]);
    expect(verifyGraph(g)).toBe(g);

    const stray = new Value(f32(2));
    const bad: Graph = { ...g, nodes: [{ op: 'exp', inputs: [stray], attrs: {}, outputs: [new Value(f32(2))] }] };
    expect(() => verifyGraph(bad)).toThrow(/@f: node 0 \(exp\): operand 0 is used before it is defined/);

    const wrongType: Graph = { ...g, nodes: [{ op: 'exp', inputs: [x], attrs: {}, outputs: [new Value(f32(3))] }], results: [] };
    expect(() => verifyGraph(wrongType)).toThrow(/result is declared f32\[3\] but the op gives f32\[2\]/);

    const badResult: Graph = { ...g, results: [stray] };
    expect(() => verifyGraph(badResult)).toThrow(/result 0: is not defined in the graph/);

    const badOp: Graph = { ...g, nodes: [{ op: 'add', inputs: [x], attrs: {}, outputs: [new Value(f32(2))] }], results: [] };
    expect(() => verifyGraph(badOp)).toThrow(/node 0 \(add\): add: takes 2 operand\(s\), got 1/);
  });

  it('builder errors name the op and shapes', () => {
    const b = new GraphBuilder('g');
    const x = b.param(f32(2, 3));
    expect(() => b.op('dot_general', [x, x], { batch: [[], []], contract: [[1], [0]] })).toThrow(/dot_general: contracting dim 1 of f32\[2,3\] \(3\) does not match dim 0 of f32\[2,3\] \(2\)/);
  });
});
