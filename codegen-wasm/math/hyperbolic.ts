/**
 * tanh and sigmoid in f32, both built on expCore.
 *
 * tanh: for |x| < 0.625, x + x·z·P(z) with z = x² and P a degree-4 minimax polynomial
 * (relative error 2^-27.8), so it is accurate near 0 (tanh(x) = x for tiny x, ±0 kept);
 * otherwise 1 - 2/(e^{2|x|} + 1) with the sign of x, which saturates to ±1 (e^{2|x|} overflows
 * to inf for |x| > 44.5 and 2/inf = 0). NaN stays NaN.
 *
 * sigmoid: with e = e^{-|x|} (never overflows), 1/(1+e) for x ≥ 0 and e/(1+e) for x < 0, one
 * division for both, corrected for the rounding of 1 + e; it saturates to 1 and to 0 (through subnormal results, like the reference).
 */
import { type Lanes, type Val, horner } from '../lanes.js';
import { expCore } from './exp.js';

const TANH_CUT = 0.625;
/** (tanh(x)/x - 1)/x² ≈ P(x²) on [0, 0.625²] */
const TANH_P = [-0.3333328068256378, 0.13331441581249237, -0.05373971536755562, 0.0206390880048275, -0.005704986862838268];

export function tanhCore(L: Lanes, xIn: Val): Val {
  const x = L.bind(xIn);
  const a = L.bind(L.abs(x));
  const z = L.bind(L.mul(a, a));
  const small = L.add(a, L.mul(a, L.mul(z, horner(L, z, TANH_P, 'f'))));
  const e = expCore(L, L.add(a, a));
  const large = L.sub(L.constF(1), L.div(L.constF(2), L.add(e, L.constF(1))));
  // Computed on |x| and given x's sign at the end, so tanh(-0) = -0.
  return L.copysign(L.select(L.lt(a, L.constF(TANH_CUT)), small, large), x);
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
