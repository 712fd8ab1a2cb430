/**
 * dce: IR text in, one pass, IR text out, plus the `changed` flag and the interpreter giving
 * bit-identical results before and after on random inputs.
 */
import { describe, expect, it } from 'vitest';
import { type Graph, Value, parseGraph, verifyGraph } from '../../../ir/index.js';
import { dce, runPasses } from '../../../passes/index.js';
import { arbGraph } from '../../ir/random-graph.js';
import { type Case, expectSoundOnRandomGraphs, ir, runCase } from './helpers.js';

const CASES: readonly Case[] = [
  {
    name: 'removes unused nodes and chains that only feed them',
    input: `
      graph @g(%x: f32[3]) -> (f32[3]) {
        %0 = exp %x : f32[3]
        %1 = log %0 : f32[3]
        %2 = neg %x : f32[3]
        %3 = const {value=1} : f32[3]
        %4 = add %1, %3 : f32[3]
        return %2
      }`,
    output: `
      graph @g(%x: f32[3]) -> (f32[3]) {
        %0 = neg %x : f32[3]
        return %0
      }`,
  },
  {
    name: 'keeps everything a result needs, results used twice and the order of what stays',
    input: `
      graph @g(%x: f32[3], %y: f32[3]) -> (f32[3], f32[3], f32[3]) {
        %0 = mul %x, %y : f32[3]
        %1 = sqrt %y : f32[3]
        %2 = add %0, %x : f32[3]
        %3 = abs %1 : f32[3]
        return %2, %0, %2
      }`,
    output: `
      graph @g(%x: f32[3], %y: f32[3]) -> (f32[3], f32[3], f32[3]) {
        %0 = mul %x, %y : f32[3]
        %1 = add %0, %x : f32[3]
        return %1, %0, %1
      }`,
  },
  {
    name: 'keeps unused parameters (they are the signature)',
    input: `
      graph @g(%x: f32[3], %unused: i32[2]) -> (f32[3]) {
        %0 = neg %x : f32[3]
        return %0
      }`,
  },
  {
    name: 'a graph returning only a parameter, or nothing, keeps no nodes',
    input: `
      graph @g(%x: f32[3]) -> (f32[3]) {
        %0 = neg %x : f32[3]
        %1 = neg %0 : f32[3]
        return %x
      }`,
    output: `
      graph @g(%x: f32[3]) -> (f32[3]) {
        return %x
      }`,
  },
  {
    name: 'a graph with no results keeps no nodes',
    input: `
      graph @g(%x: f32[3]) -> () {
        %0 = neg %x : f32[3]
        return
      }`,
    output: `
      graph @g(%x: f32[3]) -> () {
        return
      }`,
  },
];

/**
 * @g(%x) -> (f0): fusion f0 (two results, only the first returned) is fed by `exp`; fusion f1 is
 * unused and fed by `neg`, which is used by nothing else.
 */
function graphWithFusions(): { g: Graph; body: Graph } {
  const body = parseGraph(ir(`
    graph @fused(%a: f32[2]) -> (f32[2], f32[2]) {
      %0 = neg %a : f32[2]
      %1 = exp %a : f32[2]
      %2 = log %a : f32[2]
      return %0, %1
    }`));
  const x = new Value({ dtype: 'float32', shape: [2] }, 'x');
  const [e, n, f0a, f0b, f1a, f1b] = [0, 1, 2, 3, 4, 5].map(() => new Value(x.type));
  const g = verifyGraph({
    name: 'g', params: [x], results: [f0a],
    nodes: [
      { op: 'exp', inputs: [x], attrs: {}, outputs: [e] },
      { op: 'neg', inputs: [x], attrs: {}, outputs: [n] },
      { op: 'fusion', inputs: [e], attrs: { kind: 'loop' }, outputs: [f0a, f0b], body },
      { op: 'fusion', inputs: [n], attrs: { kind: 'loop' }, outputs: [f1a, f1b], body },
    ],
  });
  return { g, body };
}

describe('dce', () => {
  for (const c of CASES) it(c.name, () => runCase(dce, c));

  it('keeps a fusion when any of its results is used, drops it when none is, and leaves bodies alone', () => {
    const { g, body } = graphWithFusions();
    const { ir: out, changed } = runPasses(dce, g, { checkChanged: true });
    expect(changed).toBe(true);
    expect(out.nodes.map((n) => n.op)).toEqual(['exp', 'fusion']);
    expect(out.nodes[1]).toBe(g.nodes[2]);
    expect(out.nodes[1].body).toBe(body);
    expect(body.nodes).toHaveLength(3);
  });

  it('keeps random graphs valid and their results bit-identical, and is idempotent', () => {
    expectSoundOnRandomGraphs(dce, arbGraph({ maxNodes: 12 }), (once) => {
      const used = new Set([...once.results, ...once.nodes.flatMap((n) => n.inputs)]);
      expect(once.nodes.every((n) => n.outputs.some((v) => used.has(v)))).toBe(true);
    });
  });
});
