/** Building blocks shared by the transcendental functions (written once for scalar and SIMD lanes). */
import type { Lanes, Val } from '../lanes.js';

export const F32_INFINITY = Infinity;
/** 2^-126, the smallest normal f32. */
export const F32_MIN_NORMAL = 1.1754943508222875e-38;
export const TWO_POW_23 = 8388608;

/**
 * 2^e as f32 lanes for e in [-126, 127], from integer lanes n ≡ e modulo 2^9 (only the low 9 bits
 * of n reach the exponent field).
 */
export function powerOfTwo(L: Lanes, n: Val): Val {
  return fromExponentField(L, L.shl(n, 23));
}

/** 2^e from integer lanes holding e·2^23, e in [-126, 127]: e + 127 is the biased exponent. */
const fromExponentField = (L: Lanes, field: Val): Val => L.asF(L.add(field, L.constI(0x3f800000)));

/**
 * p · 2^k with one rounding, for integer lanes n ≡ k modulo 2^10, k in [-252, 254]: the scale is
 * split in two factors 2^⌊k/2⌋ · 2^⌈k/2⌉ that are each normal f32 numbers, so the first product
 * is exact and only the second rounds (into the subnormal range or to infinity when the result
 * leaves f32). n may carry a multiple of 2^10 on top of k: exp passes the bits of k + 1.5·2^23.
 */
export function scaleByPowerOfTwo(L: Lanes, p: Val, n: Val): Val {
  const k = L.bind(n);
  const half = L.bind(L.shl(L.shrS(k, 1), 23)); // ⌊k/2⌋ in the exponent field
  const rest = L.sub(L.shl(k, 23), half);
  return L.mul(L.mul(p, fromExponentField(L, half)), fromExponentField(L, rest));
}

/**
 * Splits positive finite f32 lanes x (normal or subnormal) into x = 2^e · m with m in
 * [√½, √2): returns e (i32 lanes) and m (f32 lanes). Lanes holding 0, inf, NaN or negative
 * numbers give meaningless results that the callers replace.
 */
export function splitExponent(L: Lanes, x: Val): { e: Val; m: Val } {
  const v = L.bind(x);
  const subnormal = L.bind(L.lt(v, L.constF(F32_MIN_NORMAL)));
  const scaled = L.select(subnormal, L.mul(v, L.constF(TWO_POW_23)), v);
  const bits = L.bind(L.asI(scaled));
  const mantissaBits = L.bind(L.or(L.and(bits, L.constI(0x7fffff)), L.constI(0x3f800000))); // m in [1, 2)
  const aboveSqrt2 = L.bind(L.geU(mantissaBits, L.constI(0x3fb504f3)));
  // m ≥ √2: halve m (one less in the exponent field) and add one to e.
  const m = L.asF(L.sub(mantissaBits, L.select(aboveSqrt2, L.constI(0x00800000), L.constI(0))));
  let e = L.sub(L.shrU(bits, 23), L.constI(127));
  e = L.sub(e, L.select(subnormal, L.constI(23), L.constI(0)));
  e = L.add(e, L.select(aboveSqrt2, L.constI(1), L.constI(0)));
  return { e, m };
}
