/**
 * Seeded, reproducible random numbers. Keys are explicit (JAX style): `random.key(seed)`,
 * `random.split(key, n)`. Values come from the counter-based Threefry-2x32 generator, computed
 * on the host in 32-bit integer arithmetic, so the same key gives the same values on every
 * backend and inside or outside `jit` (where they become constants of the traced graph).
 * The stream is Kiln's own: it is not bit-compatible with JAX's.
 */
import { KilnError, isValidShape, sizeOf } from '../ir/index.js';
import { array } from './numpy/core.js';
import type { Tensor } from './tensor.js';

export class PRNGKey {
  constructor(readonly hi: number, readonly lo: number) {}
  toString(): string {
    return `PRNGKey(${this.hi}, ${this.lo})`;
  }
}

const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24];

const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;

/** Threefry-2x32 with 20 rounds: encrypts the counter pair (c0, c1) under the key. */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  let x0 = (c0 + ks[0]) >>> 0;
  let x1 = (c1 + ks[1]) >>> 0;
  for (let block = 0; block < 5; block++) {
    for (let i = 0; i < 4; i++) {
      x0 = (x0 + x1) >>> 0;
      x1 = rotl(x1, ROTATIONS[(block % 2) * 4 + i]) ^ x0;
    }
    x0 = (x0 + ks[(block + 1) % 3]) >>> 0;
    x1 = (x1 + ks[(block + 2) % 3] + block + 1) >>> 0;
  }
  return [x0, x1];
}

/** A key from an integer seed (any safe integer; negative seeds are fine). */
export function key(seed: number): PRNGKey {
  if (!Number.isSafeInteger(seed)) throw new KilnError(`random.key: seed must be a safe integer, got ${seed}`);
  return new PRNGKey(Math.floor(seed / 2 ** 32) >>> 0, seed >>> 0);
}

function asKey(fn: string, k: PRNGKey | number): PRNGKey {
  if (k instanceof PRNGKey) return k;
  if (typeof k === 'number') return key(k);
  throw new KilnError(`random.${fn}: expected a key from random.key(seed) or an integer seed, got ${typeof k}`);
}

/** `num` independent keys derived from `k`. */
export function split(k: PRNGKey | number, num = 2): PRNGKey[] {
  const parent = asKey('split', k);
  return Array.from({ length: num }, (_, i) => {
    const [hi, lo] = threefry2x32(parent.hi, parent.lo, 1, i);
    return new PRNGKey(hi, lo);
  });
}

/** `n` random 32-bit words for `k` (domain 0 of the counter space; split uses domain 1). */
export function bits(k: PRNGKey | number, n: number): Uint32Array {
  const kk = asKey('bits', k);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i += 2) {
    const [a, b] = threefry2x32(kk.hi, kk.lo, 0, i >>> 1);
    out[i] = a;
    if (i + 1 < n) out[i + 1] = b;
  }
  return out;
}

/** A uniform float in [0, 1) from the top 23 bits of a word (exact in float32). */
const unitFloat = (word: number): number => (word >>> 9) / 8388608;

function checkShape(fn: string, shape: readonly number[]): void {
  if (!isValidShape(shape)) throw new KilnError(`random.${fn}: shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
}

export interface UniformOptions {
  minval?: number;
  maxval?: number;
}

/** Uniform values in [minval, maxval) (default [0, 1)). */
export function uniform(k: PRNGKey | number, shape: readonly number[] = [], options: UniformOptions = {}): Tensor {
  checkShape('uniform', shape);
  const { minval = 0, maxval = 1 } = options;
  if (!(maxval >= minval)) throw new KilnError(`random.uniform: maxval (${maxval}) must be >= minval (${minval})`);
  const words = bits(asKey('uniform', k), sizeOf(shape));
  const data = new Float32Array(words.length);
  for (let i = 0; i < words.length; i++) {
    const v = Math.fround(minval + unitFloat(words[i]) * (maxval - minval));
    data[i] = v >= maxval && maxval > minval ? Math.fround(maxval - (maxval - minval) * 2 ** -24) : v;
  }
  return array('random.uniform', data, { shape });
}

/** Standard normal values (Box-Muller on pairs of uniforms), scaled by `std` and shifted by `mean`. */
export function normal(k: PRNGKey | number, shape: readonly number[] = [], options: { mean?: number; std?: number } = {}): Tensor {
  checkShape('normal', shape);
  const n = sizeOf(shape);
  const words = bits(asKey('normal', k), n + (n % 2));
  const data = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - unitFloat(words[i]); // (0, 1]: log stays finite
    const u2 = unitFloat(words[i + 1]);
    const r = Math.sqrt(-2 * Math.log(u1));
    data[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) data[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  const { mean = 0, std = 1 } = options;
  for (let i = 0; i < n; i++) data[i] = data[i] * std + mean;
  return array('random.normal', data, { shape });
}

/** Uniform integers in [low, high) as int32. */
export function randint(k: PRNGKey | number, shape: readonly number[], low: number, high: number): Tensor {
  checkShape('randint', shape);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low || high - low > 2 ** 32) {
    throw new KilnError(`random.randint: need integers low < high with high - low <= 2^32, got [${low}, ${high})`);
  }
  const words = bits(asKey('randint', k), sizeOf(shape));
  const data = new Int32Array(words.length);
  for (let i = 0; i < words.length; i++) data[i] = low + Math.floor((words[i] / 2 ** 32) * (high - low));
  return array('random.randint', data, { shape, dtype: 'int32' });
}

/** True with probability p. */
export function bernoulli(k: PRNGKey | number, shape: readonly number[], p = 0.5): Tensor {
  checkShape('bernoulli', shape);
  const words = bits(asKey('bernoulli', k), sizeOf(shape));
  return array('random.bernoulli', Uint8Array.from(words, (w) => (unitFloat(w) < p ? 1 : 0)), { shape, dtype: 'bool' });
}
