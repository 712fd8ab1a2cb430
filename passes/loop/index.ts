/** Loop-level passes and the registration of the loop IR level (printer, verifier, dumps). */
import type { Program } from '../../ir/index.js';
import { programDiff } from '../../ir/loop-equal.js';
import { printProgram } from '../../ir/loop-printer.js';
import { verifyProgram } from '../../ir/loop-verify.js';
import { fixpoint, pipeline } from '../manager.js';
import { type Pass, registerIRLevel } from '../pass.js';
import { hoistProgram } from './hoist.js';
import { reuseRowTermsProgram } from './reuse-row-terms.js';
import { simplifyProgram } from './simplify.js';
import { vectorizeProgram } from './vectorize.js';

registerIRLevel<Program>('loop', { ext: 'kloop', print: printProgram, verify: verifyProgram, diff: programDiff, comment: '//' });

/** Wraps a pure Program → Program function as a pass that reports change structurally. */
export function loopPass(name: string, f: (p: Program) => Program): Pass<Program> {
  return {
    name,
    level: 'loop',
    run(ir) {
      const out = f(ir);
      return { ir: out, changed: programDiff(ir, out) !== undefined };
    },
  };
}

export const simplify = loopPass('simplify', simplifyProgram);
export const hoist = loopPass('hoist', hoistProgram);
export const reuseRowTerms = loopPass('reuse-row-terms', reuseRowTermsProgram);
export const vectorize = loopPass('vectorize', vectorizeProgram);

/**
 * simplify to a fixpoint, hoist invariant work and name shared values, compute reduced row
 * terms once, then mark SIMD loops.
 */
export function loopOptimize(): Pass<Program> {
  return pipeline<Program>('loop-optimize', [fixpoint(simplify, 8), hoist, simplify, reuseRowTerms, vectorize]);
}

export { hoistKernel, hoistProgram } from './hoist.js';
export { reuseRowTermsKernel, reuseRowTermsProgram } from './reuse-row-terms.js';
export { simplifyKernel, simplifyProgram } from './simplify.js';
export { VECTOR_WIDTH, isUnitStride, vectorizeKernel, vectorizeProgram } from './vectorize.js';
