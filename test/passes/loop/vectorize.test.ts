import { describe, expect, it } from 'vitest';
import { vectorizeKernel } from '../../../passes/loop/vectorize.js';
import { dedent, runOnText } from './helpers.js';

const vectorize = (text: string) => runOnText(vectorizeKernel, dedent(text));

describe('vectorize', () => {
  it('marks innermost loops with contiguous stores vec=4', () => {
    const out = vectorize(`
      kernel @k(%out: f32[64] w, %x: f32[64] r) grid(%i: 8) {
        for %j in 0..8 {
          store %out[%i * 8 + %j], exp(load %x[%i * 8 + %j])
        }
      }
    `);
    expect(out).toContain('for %j in 0..8 vec=4 {');
  });

  it('leaves strided stores, bool stores and short loops scalar', () => {
    for (const text of [
      `kernel @k(%out: f32[16] w) {
        for %j in 0..8 {
          store %out[%j * 2], 1.0
        }
      }`,
      `kernel @k(%out: bool[8] w) {
        for %j in 0..8 {
          store %out[%j], true
        }
      }`,
      `kernel @k(%out: f32[3] w) {
        for %j in 0..3 {
          store %out[%j], 1.0
        }
      }`,
    ]) {
      expect(vectorize(text)).not.toContain('vec=');
    }
  });
});
