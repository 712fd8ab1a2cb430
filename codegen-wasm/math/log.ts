/**
 * log(x) in f32.
 *
 * x = 2^e·m with m in [√½, √2) (subnormals are scaled by 2^23 first), f = m - 1 (exact), and
 * log(1+f) = 2·atanh(s) with s = f/(2+f), |s| ≤ 0.1716. Written as
 *   log(1+f) = f - hfsq + s·(hfsq + R(z)),   hfsq = f²/2, z = s², R(z) = (2·atanh(s) - 2s)/s = z·P(z)
 * (an identity, since 2s = f - s·f), which keeps the leading term f exact; P is a degree-2
 * minimax polynomial (error 2^-30.2, weighted by its share of the result). e·ln2 is added as a 15-bit exact head plus a tail.
 * Specials: log(±0) = -inf, log(x<0) = NaN, log(inf) = inf, NaN stays NaN.
 */
import { type Lanes, type Val, horner } from '../lanes.js';
import { splitExponent } from './common.js';

const LN2_HI = 0.693145751953125;
const LN2_LO = 1.428606765330187e-6;
/** R(z)/z ≈ P(z) on [0, 0.02944] */
const LOG_P = [0.6666677594184875, 0.39977535605430603, 0.2987186312675476];

export function logCore(L: Lanes, xIn: Val): Val {
  const x = L.bind(xIn);
  const { e, m } = splitExponent(L, x);
  const f = L.bind(L.sub(m, L.constF(1)));
  const s = L.bind(L.div(f, L.add(L.constF(2), f)));
  const z = L.bind(L.mul(s, s));
  const R = L.mul(z, horner(L, z, LOG_P, 'f'));
  const hfsq = L.bind(L.mul(L.constF(0.5), L.mul(f, f)));
  const ef = L.bind(L.iToF(e));
  const tail = L.add(L.mul(s, L.add(hfsq, R)), L.mul(ef, L.constF(LN2_LO)));
  const core = L.sub(L.mul(ef, L.constF(LN2_HI)), L.sub(L.sub(hfsq, tail), f));
  // Specials: 0 → -inf, +inf → +inf, negatives and NaN → NaN.
  const special = L.select(L.eq(x, L.constF(Infinity)), L.constF(Infinity), L.select(L.eq(x, L.constF(0)), L.constF(-Infinity), L.constF(NaN)));
  const regular = L.and(L.gt(x, L.constF(0)), L.lt(x, L.constF(Infinity)));
  return L.select(regular, core, special);
}
