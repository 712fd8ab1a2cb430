import { describe, expect, it } from 'vitest';
import { parseKernel } from '../../../ir/loop-parser.js';
import { hoistKernel } from '../../../passes/loop/hoist.js';
import { dedent, evalKernel, runOnText } from './helpers.js';

const hoist = (text: string) => runOnText(hoistKernel, dedent(text));

describe('hoist (loop-invariant code motion and shared values)', () => {
  it('moves a row reduction out of the column loop and names it once (softmax)', () => {
    const out = hoist(`
      kernel @softmax(%out: f32[32] w, %x: f32[32] r) grid(%i: 4) {
        for %j in 0..8 {
          store %out[%i * 8 + %j], div(exp(sub(load %x[%i * 8 + %j], reduce max(%r0: 8) init -inf { load %x[%i * 8 + %r0] })), reduce sum(%r1: 8) init 0.0 { exp(sub(load %x[%i * 8 + %r1], reduce max(%r2: 8) init -inf { load %x[%i * 8 + %r2] })) })
        }
      }
    `);
    expect(out).toBe(dedent(`
      kernel @softmax(%out: f32[32] w, %x: f32[32] r) grid(%i: 4) {
        %h0 = %i * 8
        %h1 = reduce max(%r0: 8) init -inf { load %x[%h0 + %r0] }
        %h2 = reduce sum(%r1: 8) init 0.0 { exp(sub(load %x[%h0 + %r1], %h1)) }
        for %j in 0..8 {
          store %out[%h0 + %j], div(exp(sub(load %x[%h0 + %j], %h1)), %h2)
        }
      }
    `));
  });

  it('hoists invariant loads and math out of reductions, but keeps what uses the reduction variable', () => {
    const out = hoist(`
      kernel @k(%out: f32[4] w, %x: f32[16] r, %s: f32[4] r) {
        for %j in 0..4 {
          store %out[%j], reduce sum(%r: 4) init 0.0 { mul(load %x[%j * 4 + %r], exp(load %s[%j])) }
        }
      }
    `);
    expect(out).toContain('%h1 = exp(load %s[%j])');
    expect(out).toContain('reduce sum(%r: 4) init 0.0 { mul(load %x[%h0 + %r], %h1) }');
  });

  it('does not hoist out of empty loops', () => {
    const text = dedent(`
      kernel @k(%out: f32[0] w, %x: f32[0] r) {
        for %j in 0..0 {
          store %out[%j], load %x[0]
        }
      }
    `);
    expect(hoist(text)).toBe(text);
  });

  it('preserves values', () => {
    const k = parseKernel(dedent(`
      kernel @k(%out: f32[12] w, %x: f32[12] r, %b: f32[4] r) grid(%i: 3) {
        for %j in 0..4 {
          store %out[%i * 4 + %j], add(mul(load %x[%i * 4 + %j], reduce max(%r: 4) init -inf { load %x[%i * 4 + %r] }), exp(load %b[%i]))
        }
      }
    `));
    const x = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: 4 }, (_, i) => i / 3);
    const before = evalKernel(k, { out: new Float32Array(12), x, b });
    const after = evalKernel(hoistKernel(k), { out: new Float32Array(12), x, b });
    expect(after.out).toEqual(before.out);
  });
});
