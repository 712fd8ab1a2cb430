/** ulp-error measurement of f32 results against float64 reference values. */

const TWO_POW_128 = 2 ** 128;

/** The spacing of f32 numbers at magnitude |x| (subnormal spacing below 2^-126). */
export function f32UlpAt(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -126) return 2 ** -149;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return 2 ** (Math.min(e, 127) - 23);
}

/**
 * |got - exact| in ulps of f32 at `exact`. NaN must match NaN (else Infinity); infinities count
 * as ±2^128 (one ulp above the largest float), so overflow to inf is 0 error when the exact
 * value rounds to inf and ~1 ulp when it is just below.
 */
export function ulpError(got: number, exact: number): number {
  if (Number.isNaN(exact) || Number.isNaN(got)) return Number.isNaN(exact) && Number.isNaN(got) ? 0 : Infinity;
  const clamp = (x: number): number => Math.max(-TWO_POW_128, Math.min(TWO_POW_128, x));
  const g = clamp(got);
  const e = clamp(exact);
  if (g === e) return 0;
  return Math.abs(g - e) / f32UlpAt(e);
}

/** Every `step`-th f32 bit pattern over the whole line (both signs, subnormals, inf, NaN). */
export function bitPatternSweep(step: number): Float32Array {
  const bits = new Uint32Array(Math.floor(0x100000000 / step) + 1);
  for (let i = 0; i < bits.length; i++) bits[i] = Math.min(i * step, 0xffffffff);
  return new Float32Array(bits.buffer);
}

/** n consecutive f32 values starting at `from` (an exhaustive sweep of a range). */
export function consecutiveFloats(from: number, n: number): Float32Array {
  const start = new Uint32Array(new Float32Array([from]).buffer)[0];
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = start + i;
  return new Float32Array(bits.buffer);
}

export function uniform(lo: number, hi: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + ((hi - lo) * i) / (n - 1);
  return out;
}

/** A float32 array padded with zeros to a multiple of `m` elements. */
export function padTo(values: Float32Array, m: number): Float32Array {
  const n = Math.ceil(values.length / m) * m;
  if (n === values.length) return values;
  const out = new Float32Array(n);
  out.set(values);
  return out;
}

export const EDGE_VALUES: readonly number[] = [
  0, -0, Infinity, -Infinity, NaN, 1, -1, 0.5, -0.5, 2, -2, 1e-45, -1e-45, 1e-40, -1e-40, 1.1754943508222875e-38,
  -1.1754943508222875e-38, 3.4028234663852886e38, -3.4028234663852886e38, 1e-30, 1e-10, 1e-7, 1e-5, 1e-3, 0.1, 0.3, 0.55,
  0.625, 0.84, 0.9, 1.5, 3, 3.92, 4, 5, 9, 10, 20, 44.4, 50, 80, 87.3, 88.72, 88.73, 89, 100, -87.3, -100, -103.97, -104, -105,
  Math.PI, -Math.PI, Math.PI / 2, Math.PI / 4, 1e4, -1e4, 1e6, 2 ** 24, 2 ** 28, 1e30,
].map(Math.fround);
