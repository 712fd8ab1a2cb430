/**
 * sin(x) and cos(x) in f32, computed in f64 lanes on |x| and rounded once at the end.
 *
 * Range reduction to r = |x| - k·π/2, |r| ≤ π/4, quadrant k mod 4:
 * - |x| < 2^28 (the fast path): k = nearest(|x|·2/π), r = |x| - k·P1 - k·P2 - k·P3 with π/2
 *   = P1 + P2 + P3 split in 24 + 24 + 53 bits, so k·P1 and k·P2 are exact (|k| < 2^29) and the
 *   subtractions cancel exactly; r is accurate to ~2^-70 absolute.
 * - |x| ≥ 2^28 (Payne-Hanek, only run when some lane needs it): |x|·2/π mod 4 from 2/π in eight
 *   24-bit chunks T_j: each |x|·T_j is exact in f64 (24 × 24 bits) and reduced mod 4 exactly,
 *   and the eight terms are summed in double-double, leaving an absolute error below 2^-61.
 * Polynomials (f64): sin r = r + r·z·S(z), cos r = 1 - z/2 + z²·C(z), z = r², degree 3 in z
 * (errors 2^-37.5 and 2^-42.9). The quadrant picks ±sin/±cos; sin takes the sign of x.
 * Accurate over all finite f32; sin(±0) = ±0, ±inf and NaN give NaN.
 */
import { type Lanes, type Val, horner } from '../lanes.js';

const TWO_OVER_PI = 0.6366197723675814;
const PIO2 = Math.PI / 2;
const PIO2_1 = 1.5707963705062866;
const PIO2_2 = -4.371138828673793e-8;
const PIO2_3 = -1.7151244994428829e-15;
const LARGE = 2 ** 28;
const R_LIMIT = (Math.PI / 4) * 1.001;
/** Bits 24j+1 .. 24j+24 of the binary fraction of 2/π. */
const TWO_OVER_PI_CHUNKS = [0xa2f983, 0x6e4e44, 0x1529fc, 0x2757d1, 0xf534dd, 0xc0db62, 0x95993c, 0x439041];
/** (sin(r)/r - 1)/r² ≈ S(r²) on |r| ≤ π/4·1.001 */
const SIN_S = [-0.16666666640588215, 0.008333329280525444, -0.0001983930441568401, 2.718046472751257e-6];
/** (cos(r) - 1 + r²/2)/r⁴ ≈ C(r²) */
const COS_C = [0.041666666619106604, -0.001388888346724284, 2.47994515473602e-5, -2.720504610705652e-7];

/** p mod 4 for an f64 p ≥ 0, exactly. */
function mod4(L: Lanes, p: Val): Val {
  const v = L.bind(p);
  return L.sub(v, L.mul(L.floor(L.mul(v, L.constD(0.25))), L.constD(4)));
}

/** Payne-Hanek reduction of ax ≥ 0 (f64 lanes holding f32 values): returns r and k. */
function reduceLarge(L: Lanes, ax: Val): { r: Val; k: Val } {
  const term = (j: number): Val => L.bind(mod4(L, L.mul(ax, L.constD(TWO_OVER_PI_CHUNKS[j] * 2 ** (-24 * (j + 1))))));
  let hi = term(0);
  let lo = L.constD(0);
  for (let j = 1; j < TWO_OVER_PI_CHUNKS.length; j++) {
    const t = term(j);
    // TwoSum: s + err = hi + t exactly.
    const s = L.bind(L.add(hi, t));
    const tPart = L.bind(L.sub(s, hi));
    const err = L.add(L.sub(hi, L.sub(s, tPart)), L.sub(t, tPart));
    lo = L.bind(L.add(lo, err));
    hi = s;
  }
  const k = L.bind(L.nearest(hi));
  const f = L.add(L.sub(hi, k), lo);
  return { r: L.mul(f, L.constD(PIO2)), k };
}

export function trigCore(L: Lanes, xIn: Val, which: 'sin' | 'cos'): Val {
  const x = L.bind(xIn);
  const ax = L.bind(L.fToD(L.abs(x)));
  const kFast = L.bind(L.nearest(L.mul(ax, L.constD(TWO_OVER_PI))));
  let rFast = L.sub(L.sub(ax, L.mul(kFast, L.constD(PIO2_1))), L.mul(kFast, L.constD(PIO2_2)));
  rFast = L.sub(rFast, L.mul(kFast, L.constD(PIO2_3)));
  const r = L.bind(rFast);
  const quadrant = L.bind(L.dToI(kFast));
  L.whenAny(L.ge(L.abs(x), L.constF(LARGE)), () => {
    const large = L.bind(L.geD(ax, L.constD(LARGE)));
    const reduced = reduceLarge(L, ax);
    L.assign(r, L.select(large, reduced.r, r));
    L.assign(quadrant, L.dToI(L.select(large, reduced.k, kFast)));
  });
  const rc = L.bind(L.min(L.max(r, L.constD(-R_LIMIT)), L.constD(R_LIMIT)));
  const z = L.bind(L.mul(rc, rc));
  const sinR = L.add(rc, L.mul(L.mul(rc, z), horner(L, z, SIN_S, 'd')));
  const cosR = L.add(L.sub(L.constD(1), L.mul(z, L.constD(0.5))), L.mul(L.mul(z, z), horner(L, z, COS_C, 'd')));
  const s = L.bind(L.dToF(sinR));
  const c = L.bind(L.dToF(cosR));
  // sin(|x|) = [sin r, cos r, -sin r, -cos r][k mod 4]; cos(|x|) is sin(|x|) one quadrant on.
  const q = L.bind(which === 'cos' ? L.add(quadrant, L.constI(1)) : quadrant);
  const v = L.select(L.ne(L.and(q, L.constI(1)), L.constI(0)), c, s);
  let signBit = L.shl(L.and(q, L.constI(2)), 30);
  if (which === 'sin') signBit = L.xor(signBit, L.and(L.asI(x), L.constI(0x80000000 | 0))); // sin(-x) = -sin(x)
  return L.asF(L.xor(L.asI(v), signBit));
}
