/**
 * Shared by the graph pass tests: IR text in, one pass, IR text out (XLA/MLIR style), plus the
 * `changed` flag and the interpreter giving bit-identical results before and after on random
 * inputs that include NaN, infinities, -0 and integer extremes.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { type Graph, evaluateGraph, parseGraph, printGraph } from '../../../ir/index.js';
import { type Pass, runPasses } from '../../../passes/index.js';
import { randomTensor, rng } from '../random-inputs.js';

/** Strips the common indentation of a template literal so IR texts can be indented in the test. */
export function ir(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\n\s*$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n') + '\n';
}

/** The interpreter gives identical results (NaN = NaN, -0 != +0) for `before` and `after` on random inputs. */
export function expectSameResults(before: Graph, after: Graph, trials = 8): void {
  const random = rng(1234);
  for (let i = 0; i < trials; i++) {
    const inputs = before.params.map((p) => randomTensor(p.type, random, { extremes: true }));
    const want = evaluateGraph(before, inputs);
    const got = evaluateGraph(after, inputs);
    got.forEach((t, r) => expect(Array.from(t.data), `result ${r}`).toEqual(Array.from(want[r].data)));
  }
}

export interface Case {
  readonly name: string;
  /** The rule the case is about (canonicalize: every rule needs a case that rewrites). */
  readonly rule?: string;
  readonly input: string;
  /** Expected text; absent when the pass must leave the graph alone. */
  readonly output?: string;
}

/** One pass on the input text (verifier and changed check on): output text, flag, numbers, and a second run is a no-op. */
export function runCase(pass: Pass<Graph>, c: Case): void {
  const before = parseGraph(ir(c.input));
  const { ir: after, changed } = runPasses(pass, before, { checkChanged: true });
  expect(printGraph(after)).toBe(c.output === undefined ? printGraph(before) : ir(c.output));
  expect(changed).toBe(c.output !== undefined);
  if (!changed) expect(after).toBe(before);
  expectSameResults(before, after);
  expect(runPasses(pass, after, { checkChanged: true }).changed).toBe(false);
}

/**
 * `pass` on 200 random graphs of `graphs` (verifier and changed check on): results stay
 * bit-identical, a second run changes nothing, and `check` holds for the result.
 */
export function expectSoundOnRandomGraphs(pass: Pass<Graph>, graphs: fc.Arbitrary<Graph>, check?: (once: Graph) => void): void {
  fc.assert(
    fc.property(graphs, (g) => {
      const { ir: once } = runPasses(pass, g, { checkChanged: true });
      expectSameResults(g, once, 3);
      expect(runPasses(pass, once, { checkChanged: true }).changed).toBe(false);
      check?.(once);
    }),
    { numRuns: 200 },
  );
}
