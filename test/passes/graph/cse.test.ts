/**
 * cse: IR text in, one pass, IR text out, plus the `changed` flag and the interpreter giving
 * bit-identical results before and after on random inputs (NaN, infinities, -0 included).
 * Merged-away nodes disappear; their uses read the earlier node.
 */
import { describe, expect, it } from 'vitest';
import { type Graph, Value, parseGraph, verifyGraph } from '../../../ir/index.js';
import { cse, runPasses } from '../../../passes/index.js';
import { arbGraph } from '../../ir/random-graph.js';
import { type Case, expectSoundOnRandomGraphs, ir, runCase } from './helpers.js';

const CASES: readonly Case[] = [
  {
    name: 'merges identical nodes and rewires their uses and the results',
    input: `
      graph @g(%x: f32[3]) -> (f32[3], f32[3]) {
        %0 = exp %x : f32[3]
        %1 = exp %x : f32[3]
        %2 = add %0, %1 : f32[3]
        return %2, %1
      }`,
    output: `
      graph @g(%x: f32[3]) -> (f32[3], f32[3]) {
        %0 = exp %x : f32[3]
        %1 = add %0, %0 : f32[3]
        return %1, %0
      }`,
  },
  {
    name: 'merges commutative ops with swapped operands, and what they feed, in one sweep',
    input: `
      graph @g(%x: f32[3], %y: f32[3], %b: bool[3], %c: bool[3]) -> (f32[3], f32[3], bool[3], bool[3]) {
        %0 = add %x, %y : f32[3]
        %1 = add %y, %x : f32[3]
        %2 = tanh %0 : f32[3]
        %3 = tanh %1 : f32[3]
        %4 = or %b, %c : bool[3]
        %5 = or %c, %b : bool[3]
        return %2, %3, %4, %5
      }`,
    output: `
      graph @g(%x: f32[3], %y: f32[3], %b: bool[3], %c: bool[3]) -> (f32[3], f32[3], bool[3], bool[3]) {
        %0 = add %x, %y : f32[3]
        %1 = tanh %0 : f32[3]
        %2 = or %b, %c : bool[3]
        return %1, %1, %2, %2
      }`,
  },
  {
    name: 'every commutative op: mul, max, min, eq, ne, and',
    input: `
      graph @g(%x: f32[2], %y: f32[2], %b: bool[2], %c: bool[2]) -> (f32[2], f32[2], f32[2], f32[2], f32[2], f32[2], bool[2], bool[2], bool[2], bool[2], bool[2], bool[2]) {
        %0 = mul %x, %y : f32[2]
        %1 = mul %y, %x : f32[2]
        %2 = max %x, %y : f32[2]
        %3 = max %y, %x : f32[2]
        %4 = min %x, %y : f32[2]
        %5 = min %y, %x : f32[2]
        %6 = eq %x, %y : bool[2]
        %7 = eq %y, %x : bool[2]
        %8 = ne %x, %y : bool[2]
        %9 = ne %y, %x : bool[2]
        %10 = and %b, %c : bool[2]
        %11 = and %c, %b : bool[2]
        return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11
      }`,
    output: `
      graph @g(%x: f32[2], %y: f32[2], %b: bool[2], %c: bool[2]) -> (f32[2], f32[2], f32[2], f32[2], f32[2], f32[2], bool[2], bool[2], bool[2], bool[2], bool[2], bool[2]) {
        %0 = mul %x, %y : f32[2]
        %1 = max %x, %y : f32[2]
        %2 = min %x, %y : f32[2]
        %3 = eq %x, %y : bool[2]
        %4 = ne %x, %y : bool[2]
        %5 = and %b, %c : bool[2]
        return %0, %0, %1, %1, %2, %2, %3, %3, %4, %4, %5, %5
      }`,
  },
  {
    name: 'keeps non-commutative ops with swapped operands apart (sub, div, pow, lt, mod)',
    input: `
      graph @g(%x: f32[2], %y: f32[2]) -> (f32[2], f32[2], f32[2], f32[2], bool[2], bool[2], f32[2], f32[2]) {
        %0 = sub %x, %y : f32[2]
        %1 = sub %y, %x : f32[2]
        %2 = div %x, %y : f32[2]
        %3 = div %y, %x : f32[2]
        %4 = lt %x, %y : bool[2]
        %5 = lt %y, %x : bool[2]
        %6 = mod %x, %y : f32[2]
        %7 = mod %y, %x : f32[2]
        return %0, %1, %2, %3, %4, %5, %6, %7
      }`,
  },
  {
    name: 'merges equal attributes, keeps different ones apart',
    input: `
      graph @g(%x: f32[2,3]) -> (f32[3,2], f32[3,2], f32[2], f32[3]) {
        %0 = transpose %x {perm=[1,0]} : f32[3,2]
        %1 = transpose %x {perm=[1,0]} : f32[3,2]
        %2 = reduce %x {op=sum, axes=[1]} : f32[2]
        %3 = reduce %x {op=max, axes=[1]} : f32[2]
        %4 = reduce %x {op=sum, axes=[0]} : f32[3]
        %5 = add %2, %3 : f32[2]
        return %0, %1, %5, %4
      }`,
    output: `
      graph @g(%x: f32[2,3]) -> (f32[3,2], f32[3,2], f32[2], f32[3]) {
        %0 = transpose %x {perm=[1,0]} : f32[3,2]
        %1 = reduce %x {op=sum, axes=[1]} : f32[2]
        %2 = reduce %x {op=max, axes=[1]} : f32[2]
        %3 = reduce %x {op=sum, axes=[0]} : f32[3]
        %4 = add %1, %2 : f32[2]
        return %0, %0, %4, %3
      }`,
  },
  {
    name: 'keeps nodes with different declared result types apart (reshape, const, iota)',
    input: `
      graph @g(%x: f32[6]) -> (f32[2,3], f32[3,2], f32[2], f32[3], i32[2,2], i32[2,2]) {
        %0 = reshape %x : f32[2,3]
        %1 = reshape %x : f32[3,2]
        %2 = const {value=1} : f32[2]
        %3 = const {value=1} : f32[3]
        %4 = iota {dim=0} : i32[2,2]
        %5 = iota {dim=1} : i32[2,2]
        return %0, %1, %2, %3, %4, %5
      }`,
  },
  {
    name: 'merges constants bit for bit: NaN with NaN, never -0.0 with 0',
    input: `
      graph @g() -> (f32[2], f32[2], f32[2], f32[2], f32[2], f32[2]) {
        %0 = const {value=nan} : f32[2]
        %1 = const {value=nan} : f32[2]
        %2 = const {value=0} : f32[2]
        %3 = const {value=-0.0} : f32[2]
        %4 = const {value=[1,inf]} : f32[2]
        %5 = const {value=[1,inf]} : f32[2]
        return %0, %1, %2, %3, %4, %5
      }`,
    output: `
      graph @g() -> (f32[2], f32[2], f32[2], f32[2], f32[2], f32[2]) {
        %0 = const {value=nan} : f32[2]
        %1 = const {value=0} : f32[2]
        %2 = const {value=-0.0} : f32[2]
        %3 = const {value=[1,inf]} : f32[2]
        return %0, %0, %1, %2, %3, %3
      }`,
  },
  {
    name: 'never merges parameters, even of one type',
    input: `
      graph @g(%x: f32[2], %y: f32[2]) -> (f32[2], f32[2]) {
        %0 = neg %x : f32[2]
        %1 = neg %y : f32[2]
        return %0, %1
      }`,
  },
];

/** @g(%x) with two identical fusion nodes, both fed by one of two identical `exp` nodes. */
function graphWithFusions(): { g: Graph; body: Graph } {
  const body = parseGraph(ir(`
    graph @fused(%a: f32[2]) -> (f32[2]) {
      %0 = neg %a : f32[2]
      %1 = neg %a : f32[2]
      %2 = add %0, %1 : f32[2]
      return %2
    }`));
  const x = new Value({ dtype: 'float32', shape: [2] }, 'x');
  const [e0, e1, f0, f1] = [0, 1, 2, 3].map(() => new Value(x.type));
  const g = verifyGraph({
    name: 'g', params: [x], results: [f0, f1],
    nodes: [
      { op: 'exp', inputs: [x], attrs: {}, outputs: [e0] },
      { op: 'exp', inputs: [x], attrs: {}, outputs: [e1] },
      { op: 'fusion', inputs: [e0], attrs: { kind: 'loop' }, outputs: [f0], body },
      { op: 'fusion', inputs: [e1], attrs: { kind: 'loop' }, outputs: [f1], body },
    ],
  });
  return { g, body };
}

describe('cse', () => {
  for (const c of CASES) it(c.name, () => runCase(cse, c));

  it('rewires fusion operands but neither merges fusion nodes nor looks into their bodies', () => {
    const { g, body } = graphWithFusions();
    const { ir: out, changed } = runPasses(cse, g, { checkChanged: true });
    expect(changed).toBe(true);
    expect(out.nodes.map((n) => n.op)).toEqual(['exp', 'fusion', 'fusion']);
    expect(out.nodes[2].inputs).toEqual([out.nodes[0].outputs[0]]);
    expect(out.nodes[1].body).toBe(body);
    expect(out.nodes[2].body).toBe(body);
  });

  it('keeps random graphs valid and their results bit-identical, and is idempotent', () => {
    // Few ops, one small parameter and tiny shapes, so that duplicates are common.
    const ops = ['const', 'add', 'mul', 'max', 'neg', 'exp', 'transpose', 'eq', 'and', 'reshape', 'cast'];
    expectSoundOnRandomGraphs(cse, arbGraph({ ops, maxNodes: 12, maxInitialParams: 1, maxRank: 1, maxDim: 2, dtypes: ['float32'] }));
  });
});
