import { describe, expect, it } from 'vitest';
import { parseKernel } from '../../../ir/loop-parser.js';
import { reuseRowTermsKernel } from '../../../passes/loop/reuse-row-terms.js';
import { dedent, evalKernel, runOnText } from './helpers.js';

const reuse = (text: string) => runOnText(reuseRowTermsKernel, dedent(text));

const SOFTMAX = `
  kernel @softmax(%out: f32[24] w, %x: f32[24] r) grid(%i: 3) {
    %b = %i * 8
    %m = reduce max(%r0: 8) init -inf { load %x[%b + %r0] }
    %s = reduce sum(%r1: 8) init 0.0 { exp(sub(load %x[%b + %r1], %m)) }
    for %j in 0..8 {
      store %out[%b + %j], div(exp(sub(load %x[%b + %j], %m)), %s)
    }
  }
`;

describe('reuse-row-terms', () => {
  it('stores softmax exponentials once and reads them back for the sum and the division', () => {
    const out = reuse(SOFTMAX);
    expect(out).toContain('kernel @softmax(%out: f32[24] rw, %x: f32[24] r)');
    expect(out).toContain(dedent(`
      for %r1_row in 0..8 {
          store %out[%b + %r1_row], exp(sub(load %x[%b + %r1_row], %m))
        }
        %s = reduce sum(%r1: 8) init 0.0 { load %out[%b + %r1] }
        for %j in 0..8 {
          store %out[%b + %j], div(load %out[%b + %j], %s)
        }`).trim());
    expect(out.match(/exp\(/g)).toHaveLength(1);
  });

  it('gives bit-identical results', () => {
    const before = parseKernel(dedent(SOFTMAX));
    const after = reuseRowTermsKernel(before);
    const x = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7) * 30);
    const buffers = { out: new Float32Array(24), x };
    expect(evalKernel(after, buffers).out).toEqual(evalKernel(before, buffers).out);
  });

  it('leaves cheap terms, arg reductions, mismatched extents, read outputs and late-defined bases alone', () => {
    const cases = [
      // the term is only a load: recomputing it is cheaper than storing and re-reading it
      SOFTMAX.replaceAll('exp(sub(load %x[%b + %r1], %m))', 'load %x[%b + %r1]').replaceAll('exp(sub(load %x[%b + %j], %m))', 'load %x[%b + %j]'),
      // the loop covers another extent than the reduction
      SOFTMAX.replace('for %j in 0..8', 'for %j in 0..4'),
      // the output is also read by the kernel
      SOFTMAX.replace('init -inf { load %x[%b + %r0] }', 'init -inf { load %out[%b + %r0] }').replace('%out: f32[24] w', '%out: f32[24] rw'),
      // the store's base is defined after the reduction
      SOFTMAX.replace('%s = reduce sum(%r1: 8) init 0.0 { exp(sub(load %x[%b + %r1], %m)) }', '%s = reduce sum(%r1: 8) init 0.0 { exp(sub(load %x[%b + %r1], %m)) }\n    %c = %i * 8').replace('store %out[%b + %j]', 'store %out[%c + %j]'),
      // a term the loop does not recompute
      SOFTMAX.replace('div(exp(sub(load %x[%b + %j], %m)), %s)', 'div(exp(load %x[%b + %j]), %s)'),
    ];
    for (const text of cases) expect(reuse(text)).toBe(runOnText((k) => k, dedent(text)));
  });
});
