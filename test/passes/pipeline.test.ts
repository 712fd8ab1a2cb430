import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateGraph, evaluateProgram, printGraph } from '../../ir/index.js';
import { printProgram } from '../../ir/loop-printer.js';
import { compileToProgram } from '../../passes/pipeline.js';
import { arbGraph } from '../ir/random-graph.js';
import { firstMismatch, randomInputs } from './random-inputs.js';

describe('graph → loop pipeline', () => {
  it('computes exactly what the reference interpreter computes, on random graphs (arena mode)', () => {
    fc.assert(
      fc.property(arbGraph({ maxNodes: 10 }), fc.integer({ min: 1, max: 1e9 }), (g, seed) => {
        const inputs = randomInputs(g, seed);
        const expected = evaluateGraph(g, inputs);
        const compiled = compileToProgram(g, { checkChanged: true });
        const got = evaluateProgram(compiled.program, inputs.map((t) => t.data), { arena: true });
        expected.forEach((e, k) => {
          const bad = firstMismatch(got[k], e.data);
          if (bad >= 0) {
            throw new Error(`result ${k} differs at ${bad}: got ${got[k][bad]}, expected ${e.data[bad]}\n${printGraph(g)}\n${printProgram(compiled.program)}`);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it('compiles an empty-result graph and a graph returning its inputs', () => {
    fc.assert(
      fc.property(arbGraph({ maxNodes: 2, maxResults: 3 }), (g) => {
        const compiled = compileToProgram(g);
        expect(compiled.program.outputs.length).toBe(g.results.length);
      }),
      { numRuns: 50 },
    );
  });
});
