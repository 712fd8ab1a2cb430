/**
 * pow(a, b) in f32 with C powf semantics (the reference is ir/interp/arith.ts powFloat32).
 *
 * Core, for finite nonzero a: |a|^b = 2^t with t = b·log2|a| computed in f64 lanes:
 *   |a| = 2^e·m, m in [√½, √2), f = m - 1, log(1+f) = 2s + s·z·P(z) with s = f/(2+f), z = s²
 *   (P: degree-5 minimax, relative error 2^-52 in f64), log2|a| = e + log(1+f)·log2(e);
 *   t is clamped to [-160, 130] (beyond, the f32 result is 0 or inf anyway), t = n + r with
 *   n = nearest(t), 2^r = 1 + r·Q(r) (Q: degree 7, error 2^-39.7); 2^r is rounded to f32 and
 *   scaled by 2^n (exactly, or once into the subnormal range / to inf).
 * The f64 intermediate keeps t accurate to ~2^-44 absolute, so the result is within ~0.5 ulp.
 *
 * Specials, in increasing priority: a < 0 and b an odd integer negates; a = ±0 or ±inf gives 0
 * or inf by the sign of b (negated for odd b); a < 0 finite with b finite non-integer → NaN; NaN
 * in either → NaN; pow(-1, ±inf) = 1; pow(1, b) = 1 and pow(a, ±0) = 1 (even for NaN).
 */
import { type Lanes, type Val, horner } from '../lanes.js';
import { scaleByPowerOfTwo, splitExponent } from './common.js';

const LOG2E = 1.4426950408889634;
/** (2·atanh(s) - 2s)/(s·z) ≈ P(z), z = s² ∈ [0, 0.02944] */
const LOG1P_P = [0.6666666666658716, 0.40000000052301604, 0.28571417124898973, 0.22223372053063087, 0.18123630002524757, 0.16819979467424107];
/** (2^r - 1)/r ≈ Q(r) on [-0.5, 0.5] */
const EXP2_Q = [
  0.6931471805412016, 0.24022650694740647, 0.05550410959344454, 0.009618129559402354, 0.0013333434054563467,
  0.00015403097926251042, 1.5314234737562317e-5, 1.3344237465278244e-6,
];
const TWO_POW_24 = 16777216;

function powMagnitude(L: Lanes, ax: Val, b: Val): Val {
  const { e, m } = splitExponent(L, ax);
  const f = L.bind(L.fToD(L.sub(m, L.constF(1))));
  const s = L.bind(L.div(f, L.add(L.constD(2), f)));
  const z = L.bind(L.mul(s, s));
  const log1p = L.add(L.add(s, s), L.mul(L.mul(s, z), horner(L, z, LOG1P_P, 'd')));
  const log2a = L.add(L.iToD(e), L.mul(log1p, L.constD(LOG2E)));
  const t = L.bind(L.min(L.max(L.mul(L.fToD(b), log2a), L.constD(-160)), L.constD(130)));
  const n = L.bind(L.nearest(t));
  const r = L.bind(L.sub(t, n));
  const p = L.add(L.constD(1), L.mul(r, horner(L, r, EXP2_Q, 'd')));
  return scaleByPowerOfTwo(L, L.dToF(p), L.dToI(n));
}

export function powCore(L: Lanes, aIn: Val, bIn: Val): Val {
  const a = L.bind(aIn);
  const b = L.bind(bIn);
  const ax = L.bind(L.abs(a));
  const bAbs = L.bind(L.abs(b));
  const inf = (): Val => L.constF(Infinity);
  const bIsInteger = L.bind(L.eq(L.trunc(b), b));
  const bFinite = L.bind(L.lt(bAbs, inf()));
  const bIsOdd = L.and(L.and(bIsInteger, L.lt(bAbs, L.constF(TWO_POW_24))), L.ne(L.and(L.fToI(b), L.constI(1)), L.constI(0)));
  const negate = L.bind(L.and(L.lt(L.asI(a), L.constI(0)), bIsOdd)); // sign bit of a set, b odd

  const aIsInf = L.bind(L.eq(ax, inf()));
  const zeroOrInf = L.or(L.eq(ax, L.constF(0)), aIsInf);
  const extreme = L.select(L.xor(aIsInf, L.lt(b, L.constF(0))), inf(), L.constF(0));
  const magnitude = L.bind(L.select(zeroOrInf, extreme, powMagnitude(L, ax, b)));
  let r = L.select(negate, L.neg(magnitude), magnitude);

  const negativeFinite = L.and(L.lt(a, L.constF(0)), L.gt(a, L.constF(-Infinity)));
  const nan = L.or(L.or(L.isNaN(a), L.isNaN(b)), L.and(negativeFinite, L.and(bFinite, L.not(bIsInteger))));
  r = L.select(nan, L.constF(NaN), r);
  r = L.select(L.and(L.eq(a, L.constF(-1)), L.eq(bAbs, inf())), L.constF(1), r); // C: pow(-1, ±inf) = 1
  return L.select(L.or(L.eq(a, L.constF(1)), L.eq(b, L.constF(0))), L.constF(1), r);
}

/** 1/sqrt(x), computed in f64 and rounded once: identical to the reference Math.fround(1/Math.sqrt(x)). */
export function rsqrtCore(L: Lanes, x: Val): Val {
  return L.dToF(L.div(L.constD(1), L.sqrt(L.fToD(x))));
}
