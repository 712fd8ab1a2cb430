/**
 * exp(x) in f32, and the e^x - 1 that tanh uses.
 *
 * Range reduction: x = k·ln2 + r with k = nearest(x·log2 e) and |r| ≤ ln2/2, using ln2 split in
 * a 15-bit head (k·LN2_HI is exact for |k| < 2^9) and a tail (Cody-Waite). k is rounded by
 * adding 1.5·2^23, which leaves k in the low mantissa bits of the sum: those bits, shifted into
 * the exponent field, give 2^k without a float → int conversion. Then
 * e^r ≈ 1 + r + r²·Q(r) with Q a degree-4 minimax polynomial (relative error 2^-28.3 on
 * [-ln2/2, ln2/2]; coefficients from fit-coefficients.py), and the result is scaled by 2^k in two
 * exact-or-once-rounded steps, which gives correctly placed subnormal results, 0 below
 * e^-104 and +inf above e^89. NaN stays NaN. The clamps are pseudo-min/max (one SIMD
 * instruction each), which pass NaN through.
 */
import { type Lanes, type Val, horner } from '../lanes.js';
import { powerOfTwo, scaleByPowerOfTwo } from './common.js';

const LOG2E = 1.4426950216293335;
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.428606765330187e-6;
/** Adding 1.5·2^23 rounds an f32 of magnitude below 2^22 to an integer (half to even). */
const ROUNDER = 12582912;
/** (e^r - 1 - r)/r² ≈ Q(r) */
const EXP_Q = [0.4999999403953552, 0.1666652113199234, 0.04166838899254799, 0.008368730545043945, 0.0013814570847898722];

/** x = k·ln2 + r for x in [-104, 89] (or NaN): r, and integer lanes n ≡ k modulo 2^22. */
function reduce(L: Lanes, x: Val): { r: Val; n: Val } {
  const xc = L.bind(x);
  const t = L.bind(L.add(L.mul(xc, L.constF(LOG2E)), L.constF(ROUNDER)));
  const k = L.bind(L.sub(t, L.constF(ROUNDER)));
  const r = L.bind(L.sub(L.sub(xc, L.mul(k, L.constF(LN2_HI))), L.mul(k, L.constF(LN2_LO))));
  return { r, n: L.asI(t) };
}

/** e^r - 1 for reduced r. */
const expm1Reduced = (L: Lanes, r: Val): Val => L.add(r, L.mul(L.mul(r, r), horner(L, r, EXP_Q, 'f')));

export function expCore(L: Lanes, x: Val): Val {
  // Clamping keeps k in [-150, 129] (so the scaling is exact) and still over/underflows.
  const { r, n } = reduce(L, L.pmin(L.pmax(x, L.constF(-104)), L.constF(89)));
  return scaleByPowerOfTwo(L, L.add(L.constF(1), expm1Reduced(L, r)), n);
}

/**
 * e^x - 1 for x in [0, 88] (or NaN), as (2^k - 1) + 2^k·(e^r - 1): exact terms but the last
 * sum, so it keeps full relative accuracy as x → 0 (k = 0 gives e^r - 1 itself).
 */
export function expm1NonNegative(L: Lanes, x: Val): Val {
  const { r, n } = reduce(L, x);
  const scale = L.bind(powerOfTwo(L, n));
  return L.add(L.sub(scale, L.constF(1)), L.mul(scale, expm1Reduced(L, r)));
}
