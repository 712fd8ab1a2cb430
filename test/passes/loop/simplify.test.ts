import { describe, expect, it } from 'vitest';
import { parseKernel } from '../../../ir/loop-parser.js';
import { simplifyKernel } from '../../../passes/loop/simplify.js';
import { dedent, evalKernel, runOnText } from './helpers.js';

const simplify = (text: string) => runOnText(simplifyKernel, dedent(text));

describe('simplify (index arithmetic)', () => {
  it('undoes ravel/unravel round trips when the remainder is in range', () => {
    const out = simplify(`
      kernel @k(%out: f32[24] w, %x: f32[24] r) grid(%i: 4) {
        for %j in 0..6 {
          store %out[%i * 6 + %j], load %x[(%i * 6 + %j) / 6 * 6 + (%i * 6 + %j) % 6]
        }
      }
    `);
    expect(out).toContain('store %out[%i * 6 + %j], load %x[%i * 6 + %j]');
  });

  it('keeps division when the remainder may reach the divisor', () => {
    const out = simplify(`
      kernel @k(%out: f32[8] w, %x: f32[8] r) {
        for %j in 0..8 {
          store %out[%j], load %x[(%j + 1) / 2]
        }
      }
    `);
    expect(out).toContain('load %x[(%j + 1) / 2]');
  });

  it('folds comparisons and min/max that the loop ranges decide, and the selects they feed', () => {
    const out = simplify(`
      kernel @k(%out: f32[8] w, %x: f32[8] r) {
        for %j in 0..8 {
          store %out[min(%j, 100)], select(lt(%j, 8), load %x[max(%j, 0)], 0.0)
        }
      }
    `);
    expect(out).toContain('store %out[%j], load %x[%j]');
  });

  it('collects constants and cancels terms', () => {
    const out = simplify(`
      kernel @k(%out: f32[10] w, %x: f32[10] r) {
        for %j in 0..8 {
          store %out[%j + 1 + 1 - 2], load %x[%j * 3 - %j * 2 + 2] if lt(%j, 8) else 0.0
        }
      }
    `);
    expect(out).toContain('store %out[%j], load %x[%j + 2]');
  });

  it('never touches float arithmetic', () => {
    const text = dedent(`
      kernel @k(%out: f32[4] w, %x: f32[4] r) {
        for %j in 0..4 {
          store %out[%j], sub(add(load %x[%j], 1.0), 1.0)
        }
      }
    `);
    expect(simplify(text)).toContain('sub(add(load %x[%j], 1.0), 1.0)');
  });

  it('preserves values (evaluated before and after)', () => {
    const k = parseKernel(dedent(`
      kernel @k(%out: f32[12] w, %x: f32[12] r) grid(%i: 3) {
        for %j in 0..4 {
          store %out[(%i * 4 + %j) % 12], load %x[(%i * 4 + %j) / 4 * 4 + %j % 4]
        }
      }
    `));
    const x = Float32Array.from({ length: 12 }, (_, i) => i * 1.5);
    const before = evalKernel(k, { out: new Float32Array(12), x });
    const after = evalKernel(simplifyKernel(k), { out: new Float32Array(12), x });
    expect(after.out).toEqual(before.out);
  });
});
