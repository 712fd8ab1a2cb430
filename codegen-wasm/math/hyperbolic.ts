/**
 * tanh and sigmoid in f32, both built on exp.ts.
 *
 * tanh: with a = min(|x|, 10) and m = e^{2a} - 1 (expm1NonNegative, accurate as a → 0),
 * tanh(a) = m/(m + 2), given the sign bit of x (so tanh(-0) = -0). One formula for the whole
 * range: no polynomial for small |x| next to the exp path. Beyond 10, m/(m + 2) rounds to 1 like
 * tanh itself. NaN stays NaN.
 *
 * sigmoid: with e = e^{-|x|} (never overflows), 1/(1+e) for x ≥ 0 and e/(1+e) for x < 0, one
 * division for both, corrected for the rounding of 1 + e; it saturates to 1 and to 0 (through subnormal results, like the reference).
 */
import type { Lanes, Val } from '../lanes.js';
import { expCore, expm1NonNegative } from './exp.js';

const SIGN_BIT = 0x80000000 | 0;

export function tanhCore(L: Lanes, xIn: Val): Val {
  const x = L.bind(xIn);
  const a = L.bind(L.pmin(L.abs(x), L.constF(10)));
  const m = L.bind(expm1NonNegative(L, L.add(a, a)));
  const magnitude = L.div(m, L.add(m, L.constF(2)));
  return L.asF(L.or(L.asI(magnitude), L.and(L.asI(x), L.constI(SIGN_BIT))));
}

export function sigmoidCore(L: Lanes, xIn: Val): Val {
  const x = L.bind(xIn);
  const e = L.bind(expCore(L, L.neg(L.abs(x))));
  const numerator = L.select(L.ge(x, L.constF(0)), L.constF(1), e); // NaN takes e (NaN)
  // d = fl(1 + e) and its exact rounding error (e ≤ 1, so d - 1 and e - (d - 1) are exact);
  // q = n/d corrected to first order: n/(d + err) ≈ q - q·err/d.
  const d = L.bind(L.add(L.constF(1), e));
  const err = L.bind(L.sub(e, L.sub(d, L.constF(1))));
  const q = L.bind(L.div(numerator, d));
  return L.sub(q, L.div(L.mul(q, err), d));
}
