/**
 * dce: IR text in, one pass, IR text out, plus the `changed` flag and the interpreter giving
 * bit-identical results before and after on random inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Graph, type HostTensor, type TensorType, Value, evaluateGraph, parseGraph, printGraph, sizeOf, verifyGraph,
} from '../../../ir/index.js';
import { hostTensorFrom } from '../../../ir/interp/index.js';
import { type Pass, dce, runPasses } from '../../../passes/index.js';
import { arbGraph } from '../../ir/random-graph.js';

// ---------------------------------------------------------------------------------------------
// Helpers (each graph pass test file carries its own copy).

/** Strips the common indentation of a template literal so IR texts can be indented in the test. */
function ir(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\n\s*$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n') + '\n';
}

const SPECIAL: Record<string, readonly number[]> = {
  float32: [NaN, Infinity, -Infinity, -0, 0, 1, -1, 0.5, 3.4028234663852886e38, 1e-45],
  int32: [-2147483648, 2147483647, 0, 1, -1],
  uint32: [0, 1, 4294967295],
  bool: [0, 1],
};

/** mulberry32: a small seeded generator, so failures replay. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomTensor(t: TensorType, random: () => number): HostTensor {
  const special = SPECIAL[t.dtype];
  const values = Array.from({ length: sizeOf(t.shape) }, () => {
    if (random() < 0.3) return special[Math.floor(random() * special.length)];
    if (t.dtype === 'float32') return (random() - 0.5) * 20;
    if (t.dtype === 'bool') return random() < 0.5 ? 0 : 1;
    return Math.floor(random() * 100) - (t.dtype === 'int32' ? 50 : 0);
  });
  return hostTensorFrom(t.dtype, t.shape, values);
}

/** The interpreter gives identical results (NaN = NaN, -0 != +0) for `before` and `after` on random inputs. */
function expectSameResults(before: Graph, after: Graph, trials = 8): void {
  const random = rng(1234);
  for (let i = 0; i < trials; i++) {
    const inputs = before.params.map((p) => randomTensor(p.type, random));
    const want = evaluateGraph(before, inputs);
    const got = evaluateGraph(after, inputs);
    got.forEach((t, r) => expect(Array.from(t.data), `result ${r}`).toEqual(Array.from(want[r].data)));
  }
}

interface Case {
  readonly name: string;
  /** The rule the case is about (canonicalize: every rule needs a case that rewrites). */
  readonly rule?: string;
  readonly input: string;
  /** Expected text; absent when the pass must leave the graph alone. */
  readonly output?: string;
}

/** One pass on the input text (verifier and changed check on): output text, flag, numbers, and a second run is a no-op. */
function runCase(pass: Pass<Graph>, c: Case): void {
  const before = parseGraph(ir(c.input));
  const { ir: after, changed } = runPasses(pass, before, { checkChanged: true });
  expect(printGraph(after)).toBe(c.output === undefined ? printGraph(before) : ir(c.output));
  expect(changed).toBe(c.output !== undefined);
  if (!changed) expect(after).toBe(before);
  expectSameResults(before, after);
  expect(runPasses(pass, after, { checkChanged: true }).changed).toBe(false);
}

// ---------------------------------------------------------------------------------------------
// Cases.

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
    fc.assert(
      fc.property(arbGraph({ maxNodes: 12 }), (g) => {
        const { ir: once } = runPasses(dce, g, { checkChanged: true });
        expectSameResults(g, once, 3);
        expect(runPasses(dce, once, { checkChanged: true }).changed).toBe(false);
        const used = new Set([...once.results, ...once.nodes.flatMap((n) => n.inputs)]);
        expect(once.nodes.every((n) => n.outputs.some((v) => used.has(v)))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
