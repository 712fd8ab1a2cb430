/**
 * exp(x) in f32.
 *
 * Range reduction: x = k·ln2 + r with k = nearest(x·log2 e) and |r| ≤ ln2/2, using ln2 split in
 * a 15-bit head (k·LN2_HI is exact for |k| < 2^9) and a tail (Cody-Waite). Then
 * e^r ≈ 1 + r + r²·Q(r) with Q a degree-4 minimax polynomial (relative error 2^-28.3 on
 * [-ln2/2, ln2/2]; coefficients from fit-coefficients.py), and the result is scaled by 2^k in two
 * exact-or-once-rounded steps, which gives correctly placed subnormal results, 0 below
 * e^-104 and +inf above e^89. NaN stays NaN.
 */
import { type Lanes, type Val, horner } from '../lanes.js';
import { scaleByPowerOfTwo } from './common.js';

const LOG2E = 1.4426950216293335;
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.428606765330187e-6;
/** (e^r - 1 - r)/r² ≈ Q(r) */
const EXP_Q = [0.4999999403953552, 0.1666652113199234, 0.04166838899254799, 0.008368730545043945, 0.0013814570847898722];

export function expCore(L: Lanes, x: Val): Val {
  // Clamping keeps k in [-150, 129] (so the scaling is exact) and still over/underflows; NaN passes.
  const xc = L.bind(L.min(L.max(x, L.constF(-104)), L.constF(89)));
  const k = L.bind(L.nearest(L.mul(xc, L.constF(LOG2E))));
  const r = L.bind(L.sub(L.sub(xc, L.mul(k, L.constF(LN2_HI))), L.mul(k, L.constF(LN2_LO))));
  const q = horner(L, r, EXP_Q, 'f');
  const p = L.add(L.constF(1), L.add(r, L.mul(L.mul(r, r), q)));
  return scaleByPowerOfTwo(L, p, L.fToI(k));
}
