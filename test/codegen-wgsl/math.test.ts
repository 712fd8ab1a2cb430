/**
 * Accuracy of the WGSL transcendentals (codegen-wgsl/math.ts) against the float64 reference,
 * in ulps of the f32 result, over random bit patterns (all magnitudes, subnormals, inf, NaN)
 * and dense ranges where the functions are interesting. Each function runs both as scalar code
 * and in vec4 lanes (vec=4 loops) where it has a vector form.
 */
import { describe, expect, it } from 'vitest';
import { type UnaryOp } from '../../ir/loop.js';
import { maxUlp, rng, runBoth, useGpu } from './harness.js';

const N = 1 << 15;

function sweep(seed: number, lo: number, hi: number): Float32Array {
  const r = rng(seed);
  const bits = new Uint32Array(N);
  const out = new Float32Array(bits.buffer);
  for (let i = 0; i < N; i++) {
    if (i % 2 === 0) bits[i] = Math.floor(r() * 2 ** 32) >>> 0;
    else out[i] = lo + (hi - lo) * r();
  }
  out.set([0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 1e-40, 1, -1, 0.5, 88.7, -88.7, 89, -104, 1e30, -1e30], 0);
  return out;
}

function unaryProgram(op: UnaryOp, vec: number): string {
  return `program @math {
  buffer %x: f32[${N}] input
  buffer %y: f32[${N}] output
  inputs %x
  outputs %y
  kernel @${op}(%y: f32[${N}] w, %x: f32[${N}] r) {
    for %j in 0..${N}${vec === 4 ? ' vec=4' : ''} {
      store %y[%j], ${op}(load %x[%j])
    }
  }
  launch @${op}(%y, %x)
}
`;
}

/**
 * The bound each test asserts (ulp); measured maxima on Mesa lavapipe over these sweeps: exp 1,
 * log 1, tanh 1, sigmoid 2, erf 1, sin 2 (Payne-Hanek: all finite x, up to 3e38), cos 2,
 * rsqrt 1, sqrt 0 (correctly rounded), pow 5 (|b·log2 a| up to ~60).
 */
const UNARY_BOUNDS: [UnaryOp, number, number, number][] = [
  // op, bound (ulp), dense range lo, hi
  ['exp', 1, -90, 90],
  ['log', 1, 0, 100],
  ['tanh', 2, -10, 10],
  ['sigmoid', 2, -20, 20],
  ['erf', 2, -5, 5],
  ['sin', 2, -100, 100],
  ['cos', 2, -100, 100],
  ['rsqrt', 1, 0, 100],
  ['sqrt', 0, 0, 100],
];

describe('WGSL transcendentals: ulp error against the reference', { timeout: 120_000 }, () => {
  useGpu();
  for (const [op, bound, lo, hi] of UNARY_BOUNDS) {
    for (const vec of op === 'sin' || op === 'cos' ? [1] : [1, 4]) {
      it(`${op}${vec === 4 ? ' (vec4 lanes)' : ''} is within ${bound} ulp`, async () => {
        const x = sweep(op.length * 7 + vec, lo, hi);
        const { got, want, wgsl } = await runBoth(unaryProgram(op, vec), [x]);
        if (vec === 4) expect(wgsl.kernels[0].code).toContain('vec4<f32>');
        const worst = maxUlp(got[0], want[0]);
        expect(worst.ulp, `${op} at x=${x[worst.at]}: got ${got[0][worst.at]}, want ${want[0][worst.at]}`).toBeLessThanOrEqual(bound);
      });
    }
  }

  it('pow is within 8 ulp, and its special cases are exact', async () => {
    const n = N;
    const r = rng(99);
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = i % 3 === 0 ? (r() - 0.5) * 8 : r() * 30;
      b[i] = i % 4 === 0 ? Math.round((r() - 0.5) * 12) : (r() - 0.5) * 12;
    }
    const specials = [0, -0, 1, -1, 2, -2, 0.5, -0.5, Infinity, -Infinity, NaN, 3, 1e-40];
    let k = 0;
    for (const x of specials) for (const y of specials) { a[k] = x; b[k] = y; k++; }
    const text = `program @pow {
  buffer %a: f32[${n}] input
  buffer %b: f32[${n}] input
  buffer %y: f32[${n}] output
  inputs %a, %b
  outputs %y
  kernel @pow(%y: f32[${n}] w, %a: f32[${n}] r, %b: f32[${n}] r) {
    for %j in 0..${n} { store %y[%j], pow(load %a[%j], load %b[%j]) }
  }
  launch @pow(%y, %a, %b)
}
`;
    const { got, want } = await runBoth(text, [a, b]);
    const worst = maxUlp(got[0], want[0]);
    for (let i = 0; i < k; i++) expect(Object.is(got[0][i], want[0][i]) || Math.abs(got[0][i] - want[0][i]) <= 1e-6 * Math.abs(want[0][i]), `pow(${a[i]}, ${b[i]})`).toBe(true);
    expect(worst.ulp, `pow(${a[worst.at]}, ${b[worst.at]}): got ${got[0][worst.at]}, want ${want[0][worst.at]}`).toBeLessThanOrEqual(8);
  });
});
