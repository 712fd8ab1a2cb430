import { describe, expect, it } from 'vitest';
import { evaluateGraph, evaluateProgram, parseGraph } from '../../ir/index.js';
import { printProgram } from '../../ir/loop-printer.js';
import { verifyProgram } from '../../ir/loop-verify.js';
import { fuseGraph } from '../../passes/graph/fusion.js';
import { lowerToProgram } from '../../passes/lower/index.js';
import { firstMismatch, randomInputs } from './random-inputs.js';

function lower(text: string) {
  const g = parseGraph(text);
  const p = verifyProgram(lowerToProgram(fuseGraph(g).graph));
  const inputs = randomInputs(g, 11);
  const expected = evaluateGraph(g, inputs);
  const got = evaluateProgram(p, inputs.map((t) => t.data));
  expected.forEach((e, k) => expect(firstMismatch(got[k], e.data), `result ${k}`).toBe(-1));
  return printProgram(p);
}

describe('lower (fused graph → loop IR)', () => {
  it('turns views into index arithmetic and a fused chain into one store', () => {
    const text = lower(`graph @f(%x: f32[2,3], %b: f32[2]) -> (f32[3,2]) {
  %0 = transpose %x {perm=[1,0]} : f32[3,2]
  %1 = broadcast %b {dims=[1]} : f32[3,2]
  %2 = add %0, %1 : f32[3,2]
  return %2
}`);
    expect(text).toContain('kernel @transpose_add_3x2(%out0: f32[6] w, %x: f32[6] r, %b: f32[2] r) grid(%i0: 3) {');
    expect(text).toContain('store %out0[%i0 * 2 + %j], add(load %x[%j * 3 + %i0], load %b[%j])');
  });

  it('turns padding into guarded loads and reductions into reduce expressions', () => {
    const text = lower(`graph @f(%x: f32[3]) -> (f32[5], f32[]) {
  %0 = pad %x {low=[1], high=[1], value=7} : f32[5]
  %1 = reduce %x {op=max, axes=[0]} : f32[]
  return %0, %1
}`);
    expect(text).toContain('store %out0[%j], select(and(ge(%j - 1, 0), lt(%j - 1, 3)), load %x[%j - 1] if and(ge(%j - 1, 0), lt(%j - 1, 3)) else 0.0, 7.0)');
    expect(text).toContain('store %out1[0], reduce max(%r0: 3) init -inf { load %x[%r0] }');
  });

  it('declares dense constants as constant buffers and copies results that alias', () => {
    const text = lower(`graph @f(%x: f32[3]) -> (f32[3], f32[3], f32[3]) {
  %0 = const {value=[1,2,3]} : f32[3]
  %1 = add %x, %0 : f32[3]
  return %1, %x, %1
}`);
    expect(text).toContain('buffer %c0: f32[3] constant data=[1.0, 2.0, 3.0]');
    expect(text).toContain('kernel @copy_out1(%out1: f32[3] w, %x: f32[3] r)');
    expect(text).toContain('kernel @copy_out2(%out2: f32[3] w, %out0: f32[3] r)');
    expect(text).toContain('outputs %out0, %out1, %out2');
  });

  it('lowers conv with padding, dilation and groups, gather with clamping, and concat', () => {
    lower(`graph @f(%x: f32[1,5,5,4], %w: f32[3,3,2,6], %t: f32[4,3], %i: i32[5], %a: f32[2,3], %b: f32[1,3]) -> (f32[1,4,3,6], f32[5,3], f32[3,3]) {
  %0 = conv %x, %w {strides=[1,2], padding=[[2,1],[1,1]], lhs_dilation=[1,1], rhs_dilation=[2,1], groups=2} : f32[1,4,3,6]
  %1 = gather %t, %i {axis=0} : f32[5,3]
  %2 = concat %a, %b {axis=0} : f32[3,3]
  return %0, %1, %2
}`);
  });

  it('lowers reduce_window with padding, argmax, and reshapes that are not unit-dim changes', () => {
    lower(`graph @f(%x: f32[1,4,4,1], %y: f32[6]) -> (f32[1,2,2,1], i32[2], f32[2,3]) {
  %0 = reduce_window %x {op=max, window=[1,3,3,1], strides=[1,2,2,1], padding=[[0,0],[1,1],[1,1],[0,0]]} : f32[1,2,2,1]
  %1 = reshape %y : f32[2,3]
  %2 = argmax %1 {axis=1} : i32[2]
  return %0, %2, %1
}`);
  });
});

describe('lower: buffer names', () => {
  it('never lets a parameter hint clash with the names it generates (c0, t0, out0, in0)', () => {
    const text = lower(`graph @f(%c0: f32[3], %out0: f32[3], %t0: f32[3], %in1: f32[3]) -> (f32[3]) {
  %0 = const {value=[1,2,3]} : f32[3]
  %1 = add %c0, %0 : f32[3]
  %2 = mul %1, %out0 : f32[3]
  %3 = sub %2, %t0 : f32[3]
  %4 = add %3, %in1 : f32[3]
  return %4
}`);
    expect(text).toContain('inputs %in0, %in1, %in2, %in3');
    expect(text).toContain('buffer %c0: f32[3] constant');
  });
});
