/**
 * erf(x) in f32.
 *
 * |x| < 0.84: x + x·P(x²), P a degree-5 minimax polynomial for erf(x)/x - 1 (relative error
 * 2^-27.5); odd, so ±0 and subnormals come out right.
 * |x| ≥ 0.84: 1 - erfc(|x|) with the sign of x, where erfc(a) = e^{-a²}·R(a) and R (smooth,
 * between 0.47 and 0.14) is a degree-8 polynomial in a - 0.84 on [0.84, 4] whose error, weighted
 * by e^{-a²}/erf(a), is 2^-26.9. Errors of erfc only enter erf scaled by erfc/erf ≤ 0.3, so
 * rounding the exponent a² costs nothing visible. Beyond 4, erf rounds to ±1 (R is evaluated at
 * 4, which only makes the already invisible erfc smaller). NaN stays NaN.
 */
import { type Lanes, type Val, horner } from '../lanes.js';
import { expCore } from './exp.js';

const ERF_CUT = 0.84;
/** erf(x)/x - 1 ≈ P(x²) on [0, 0.84²] */
const ERF_SMALL_P = [
  0.12837916612625122, -0.3761257827281952, 0.1128280907869339, -0.026806598529219627, 0.005058301612734795,
  -0.0006359560647979379,
];
/** erfc(a)·e^{a²} ≈ R(a - 0.84) on [0.84, 4] */
const ERFC_R = [
  0.4756004214286804, -0.3293686509132385, 0.19888925552368164, -0.10785627365112305, 0.05275838449597359,
  -0.022353528067469597, 0.007378724869340658, -0.001586299971677363, 0.0001582702825544402,
];

export function erfCore(L: Lanes, xIn: Val): Val {
  const x = L.bind(xIn);
  const a = L.bind(L.abs(x));
  const z = L.bind(L.mul(x, x));
  const small = L.add(x, L.mul(x, horner(L, z, ERF_SMALL_P, 'f')));
  const t = L.bind(L.sub(L.min(a, L.constF(4)), L.constF(ERF_CUT)));
  const erfc = L.mul(expCore(L, L.neg(z)), horner(L, t, ERFC_R, 'f'));
  const large = L.copysign(L.sub(L.constF(1), erfc), x);
  return L.select(L.lt(a, L.constF(ERF_CUT)), small, large);
}
