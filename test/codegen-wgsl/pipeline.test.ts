/**
 * Whole pipeline programs on the GPU: random valid graphs (every op of the registry: layout,
 * gather, pad, conv, pooling, dot_general, reductions, arg reductions...) compiled with
 * compileToProgram, run with WGSL and compared with the loop-IR reference. Integer and bool
 * graphs must match exactly; float graphs (without transcendentals, whose bounds math.test.ts
 * states) must match up to the reassociation of cooperative float sums.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { compileProgramToWgsl } from '../../codegen-wgsl/codegen.js';
import { WgslProgramRunner } from '../../codegen-wgsl/runtime.js';
import type { TypedArray } from '../../ir/dtype.js';
import { evaluateProgram } from '../../ir/loop-eval.js';
import { printProgram } from '../../ir/loop-printer.js';
import { printGraph } from '../../ir/printer.js';
import { compileToProgram } from '../../passes/pipeline.js';
import { RANDOM_GRAPH_OPS, arbGraph } from '../ir/random-graph.js';
import { randomInputs } from '../passes/random-inputs.js';
import { gpu, useGpu } from './harness.js';

const TRANSCENDENTAL = new Set(['exp', 'log', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf', 'pow']);
const FLOAT_ONLY = new Set([...TRANSCENDENTAL, 'floor', 'ceil', 'round']);

/** Index of the first element that differs beyond `rtol` (relative, for floats), or -1. */
function mismatch(got: TypedArray, want: TypedArray, rtol: number): number {
  if (got.length !== want.length) return 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    if (rtol > 0 && Number.isFinite(w) && Math.abs(g - w) <= rtol * Math.max(1, Math.abs(w))) continue;
    return i;
  }
  return -1;
}

async function checkGraphOnGpu(g: Parameters<typeof compileToProgram>[0], seed: number, rtol: number): Promise<void> {
  const { program } = compileToProgram(g);
  const inputs = randomInputs(g, seed, { specials: rtol === 0 }).map((t) => t.data);
  const want = evaluateProgram(program, inputs);
  const runner = await WgslProgramRunner.create(gpu(), compileProgramToWgsl(program, gpu().limits));
  try {
    const got = await runner.runAndRead(inputs);
    want.forEach((w, k) => {
      const bad = mismatch(got[k], w, rtol);
      if (bad >= 0) {
        throw new Error(`output ${k} differs at ${bad}: got ${got[k][bad]}, expected ${w[bad]}\n${printGraph(g)}\n${printProgram(program)}`);
      }
    });
  } finally {
    runner.destroy();
  }
}

describe('random pipeline programs on the GPU', { timeout: 120_000 }, () => {
  useGpu();

  it('integer and bool graphs match the reference exactly', async () => {
    await fc.assert(
      fc.asyncProperty(arbGraph({ ops: RANDOM_GRAPH_OPS.filter((op) => !FLOAT_ONLY.has(op)), dtypes: ['int32', 'uint32', 'bool'], maxNodes: 6 }), fc.integer({ min: 1, max: 1e9 }), (g, seed) => checkGraphOnGpu(g, seed, 0)),
      { numRuns: 25, seed: 20240601 },
    );
  });

  it('float graphs match up to reassociated sums', async () => {
    await fc.assert(
      fc.asyncProperty(arbGraph({ ops: RANDOM_GRAPH_OPS.filter((op) => !TRANSCENDENTAL.has(op)), dtypes: ['float32', 'int32', 'bool'], maxNodes: 6, maxDim: 24, maxRank: 2 }), fc.integer({ min: 1, max: 1e9 }), (g, seed) => checkGraphOnGpu(g, seed, 1e-5)),
      { numRuns: 25, seed: 20240602 },
    );
  });
});
