/**
 * Transcendental functions in WGSL f32 with bounded error. WGSL's builtins are not used for
 * these because their accuracy is loose (exp: 3 + 2|x| ulp) and, on real drivers, worse at the
 * edges: Mesa's lavapipe flushes subnormal inputs of log, returns 3e-8 for tanh(1e-45) and has
 * no range reduction for sin/cos of large arguments. The algorithms follow the wasm backend's
 * (codegen-wasm/math; same coefficients) without its f64 steps:
 * - exp: Cody-Waite reduction by ln2, degree-4 polynomial, scaling by 2^k in two exact steps
 *   (correct subnormal results, 0 below e^-104, inf above e^89).
 * - log: x = 2^e·m, m in [√½, √2) (subnormals scaled first), log(1+f) via atanh series.
 * - tanh, sigmoid, erf: polynomials near 0, exp-based elsewhere (saturating cleanly).
 * - sin, cos: exact Payne-Hanek reduction of |x| by π/2 in 32-bit integer arithmetic (2/π to 256
 *   bits), then the cephes single-precision polynomials on [-π/4, π/4].
 * - pow: C powf special cases; small integer exponents by multiplication; otherwise 2^t with
 *   t = b·log2|a| split so the integer part is exact.
 * Measured maximum errors (test/codegen-wgsl/math.test.ts, Mesa lavapipe): exp 1 ulp, log 1,
 * tanh 1, sigmoid 2, erf 1, sin/cos 2 over all finite f32, pow 5 for |b·log2 a| up to ~60
 * (growing slowly beyond); sqrt is the builtin (correctly rounded there), rsqrt is 1/sqrt (1 ulp).
 * Caveat: WGSL lets drivers assume no NaN/inf inside expressions, and Mesa rewrites e.g.
 * sqrt(x)·sqrt(x) to x, so a NaN made *inside* a kernel (sqrt of a negative) may not reach the
 * output; NaN and inf read from buffers propagate as in the reference.
 */

export interface HelperDef {
  readonly deps: readonly string[];
  readonly code: string;
}

export type Registry = Record<string, HelperDef>;

/** Type spellings for one lane width: F float, I int, U uint, B bool, and the name suffix. */
export interface Lanes {
  readonly F: string;
  readonly I: string;
  readonly U: string;
  readonly B: string;
  readonly sfx: string;
}

export const SCALAR_LANES: Lanes = { F: 'f32', I: 'i32', U: 'u32', B: 'bool', sfx: 'f32' };
export const VEC4_LANES: Lanes = { F: 'vec4<f32>', I: 'vec4<i32>', U: 'vec4<u32>', B: 'vec4<bool>', sfx: 'v4f32' };

/** Registers `${base}_f32` and `${base}_v4f32`. */
export function widthGeneric(reg: Registry, base: string, make: (l: Lanes) => HelperDef): void {
  reg[`${base}_f32`] = make(SCALAR_LANES);
  reg[`${base}_v4f32`] = make(VEC4_LANES);
}

/** c[0] + x·(c[1] + x·(…)) as WGSL. */
export function horner(x: string, coeffs: readonly number[]): string {
  let s = String(coeffs[coeffs.length - 1]);
  for (let i = coeffs.length - 2; i >= 0; i--) s = `(${String(coeffs[i])} + ${x} * ${s})`;
  return s;
}

/** (e^r - 1 - r)/r² on [-ln2/2, ln2/2] */
const EXP_Q = [0.4999999403953552, 0.1666652113199234, 0.04166838899254799, 0.008368730545043945, 0.0013814570847898722];
/** (2·atanh(s) - 2s)/(s·z) */
const LOG_P = [0.6666677594184875, 0.39977535605430603, 0.2987186312675476];
const TANH_P = [-0.3333328068256378, 0.13331441581249237, -0.05373971536755562, 0.0206390880048275, -0.005704986862838268];
const ERF_SMALL_P = [0.12837916612625122, -0.3761257827281952, 0.1128280907869339, -0.026806598529219627, 0.005058301612734795, -0.0006359560647979379];
const ERFC_R = [
  0.4756004214286804, -0.3293686509132385, 0.19888925552368164, -0.10785627365112305, 0.05275838449597359,
  -0.022353528067469597, 0.007378724869340658, -0.001586299971677363, 0.0001582702825544402,
];
/** cephes sinf/cosf on [-π/4, π/4]: sin r = r + r·z·S(z), cos r = 1 - z/2 + z²·C(z). */
const SIN_S = [-0.16666654611, 0.0083321608736, -0.00019515295891];
const COS_C = [0.04166664568298827, -0.001388731625493765, 0.00002443315711809948];
/** 2/π in 32-bit words after one zero word (bit 0 of the table is the bit of weight 2^31). */
const TWO_OVER_PI_WORDS = [0, 0xa2f9836e, 0x4e441529, 0xfc2757d1, 0xf534ddc0, 0xdb629599, 0x3c439041, 0xfe5163ab, 0xdebbc561];

function widthGenericMath(reg: Registry): void {
  widthGeneric(reg, 'kiln_scale2', ({ F, I, U, sfx }) => ({
    deps: [],
    code: [
      '// p·2^n for n in [-252, 254] with one rounding: two normal power-of-two factors.',
      `fn kiln_scale2_${sfx}(p: ${F}, n: ${I}) -> ${F} {`,
      `  let half = n >> ${U}(1u);`,
      `  let s1 = bitcast<${F}>((half + ${I}(127)) << ${U}(23u));`,
      `  let s2 = bitcast<${F}>((n - half + ${I}(127)) << ${U}(23u));`,
      '  return (p * s1) * s2;',
      '}',
    ].join('\n'),
  }));
  widthGeneric(reg, 'kiln_exp', ({ F, I, sfx }) => ({
    deps: [`kiln_isnan_${sfx}`, `kiln_scale2_${sfx}`],
    code: [
      `fn kiln_exp_${sfx}(x: ${F}) -> ${F} {`,
      `  let xc = clamp(x, ${F}(-104.0f), ${F}(89.0f));`,
      '  let k = round(xc * 1.4426950216293335f);',
      '  let r = (xc - k * 0.693145751953125f) - k * 1.428606765330187e-6f;',
      `  let p = 1.0f + (r + (r * r) * ${horner('r', EXP_Q)});`,
      `  return select(kiln_scale2_${sfx}(p, ${I}(k)), x, kiln_isnan_${sfx}(x));`,
      '}',
    ].join('\n'),
  }));
  widthGeneric(reg, 'kiln_log', ({ F, I, U, sfx }) => ({
    deps: ['kiln_bits_f32'],
    code: [
      `fn kiln_log_${sfx}(x: ${F}) -> ${F} {`,
      `  let sub = x < ${F}(1.1754943508222875e-38f);`,
      `  let bits = bitcast<${I}>(select(x, x * 8388608.0f, sub));`,
      `  let mbits = (bits & ${I}(0x7fffff)) | ${I}(0x3f800000);`,
      `  let above = mbits >= ${I}(0x3fb504f3);`,
      `  let m = bitcast<${F}>(mbits - select(${I}(0), ${I}(0x00800000), above));`,
      `  let e = (bits >> ${U}(23u)) - ${I}(127) - select(${I}(0), ${I}(23), sub) + select(${I}(0), ${I}(1), above);`,
      '  let f = m - 1.0f;',
      '  let s = f / (2.0f + f);',
      '  let z = s * s;',
      `  let big_r = z * ${horner('z', LOG_P)};`,
      '  let hfsq = 0.5f * (f * f);',
      `  let ef = ${F}(e);`,
      '  let tail = s * (hfsq + big_r) + ef * 1.428606765330187e-6f;',
      '  let core = ef * 0.693145751953125f - ((hfsq - tail) - f);',
      `  let inf = ${F}(kiln_bits_f32(0x7f800000u));`,
      `  let special = select(select(${F}(kiln_bits_f32(0x7fc00000u)), -inf, x == ${F}(0.0f)), inf, x == inf);`,
      `  return select(special, core, (x > ${F}(0.0f)) & (x < inf));`,
      '}',
    ].join('\n'),
  }));
  widthGeneric(reg, 'kiln_tanh', ({ F, sfx }) => ({
    deps: [`kiln_exp_${sfx}`, `kiln_copysign_${sfx}`],
    code: [
      `fn kiln_tanh_${sfx}(x: ${F}) -> ${F} {`,
      '  let a = abs(x);',
      '  let z = a * a;',
      `  let small = a + a * (z * ${horner('z', TANH_P)});`,
      `  let large = 1.0f - 2.0f / (kiln_exp_${sfx}(a + a) + 1.0f);`,
      `  return kiln_copysign_${sfx}(select(large, small, a < ${F}(0.625f)), x);`,
      '}',
    ].join('\n'),
  }));
  widthGeneric(reg, 'kiln_sigmoid', ({ F, sfx }) => ({
    deps: [`kiln_exp_${sfx}`],
    code: [
      '// n/(1 + e) with e = exp(-|x|), corrected for the rounding of 1 + e.',
      `fn kiln_sigmoid_${sfx}(x: ${F}) -> ${F} {`,
      `  let e = kiln_exp_${sfx}(-abs(x));`,
      `  let n = select(e, ${F}(1.0f), x >= ${F}(0.0f));`,
      '  let d = 1.0f + e;',
      '  let err = e - (d - 1.0f);',
      '  let q = n / d;',
      '  return q - (q * err) / d;',
      '}',
    ].join('\n'),
  }));
  widthGeneric(reg, 'kiln_erf', ({ F, sfx }) => ({
    deps: [`kiln_exp_${sfx}`, `kiln_copysign_${sfx}`],
    code: [
      `fn kiln_erf_${sfx}(x: ${F}) -> ${F} {`,
      '  let a = abs(x);',
      '  let z = x * x;',
      `  let small = x + x * ${horner('z', ERF_SMALL_P)};`,
      `  let t = min(a, ${F}(4.0f)) - 0.84f;`,
      `  let erfc = kiln_exp_${sfx}(-z) * ${horner('t', ERFC_R)};`,
      `  let large = kiln_copysign_${sfx}(1.0f - erfc, x);`,
      `  return select(large, small, a < ${F}(0.84f));`,
      '}',
    ].join('\n'),
  }));
}

function trig(reg: Registry): void {
  reg.kiln_mul_wide = {
    deps: [],
    code: [
      '// The 64-bit product of two u32 as (high word, low word).',
      'fn kiln_mul_wide(a: u32, b: u32) -> vec2<u32> {',
      '  let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;',
      '  let ll = al * bl; let lh = al * bh; let hl = ah * bl;',
      '  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);',
      '  return vec2<u32>(ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), (mid << 16u) | (ll & 0xffffu));',
      '}',
    ].join('\n'),
  };
  const words = TWO_OVER_PI_WORDS.map((w) => `0x${w.toString(16)}u`).join(', ');
  reg.kiln_trig_reduce = {
    deps: ['kiln_mul_wide'],
    code: [
      `const KILN_TWO_OVER_PI = array<u32, ${TWO_OVER_PI_WORDS.length}>(${words});`,
      'struct KilnReduced { r: f32, q: u32 }',
      'fn kiln_two_over_pi_window(i: u32, shift: u32) -> u32 {',
      '  return (KILN_TWO_OVER_PI[i] << shift) | select(0u, KILN_TWO_OVER_PI[i + 1u] >> (32u - shift), shift != 0u);',
      '}',
      '// |x| = k·π/2 + r with |r| <= π/4 for finite ax >= 0 (Payne-Hanek): ax = M·2^E with M a 24-bit',
      '// integer; ax·2/π mod 4 = M·W·2^-94 mod 4 where W is the 96-bit window of 2/π starting at bit',
      '// E-1 (earlier bits only add multiples of 4). The top 2 bits of the product are k mod 4.',
      'fn kiln_trig_reduce(ax: f32) -> KilnReduced {',
      '  if (ax <= 0.78539816f) { return KilnReduced(ax, 0u); }',
      '  let bits = bitcast<u32>(ax);',
      '  let m = (bits & 0x7fffffu) | 0x800000u;',
      '  let pos = (bits >> 23u) - 120u; // (E - 1) + 31 with E = exponent - 150',
      '  let wi = pos >> 5u;',
      '  let sh = pos & 31u;',
      '  let w0 = kiln_two_over_pi_window(wi, sh);',
      '  let w1 = kiln_two_over_pi_window(wi + 1u, sh);',
      '  let w2 = kiln_two_over_pi_window(wi + 2u, sh);',
      '  let p2 = kiln_mul_wide(m, w2);',
      '  let p1 = kiln_mul_wide(m, w1);',
      '  let mid = p1.y + p2.x;',
      '  let top = m * w0 + p1.x + select(0u, 1u, mid < p1.y);',
      '  var q = top >> 30u;',
      '  var hi = (top << 2u) | (mid >> 30u);',
      '  var lo = (mid << 2u) | (p2.y >> 30u);',
      '  let negative = hi >= 0x80000000u;',
      '  if (negative) {',
      '    q = q + 1u;',
      '    hi = ~hi;',
      '    lo = ~lo + 1u;',
      '    if (lo == 0u) { hi = hi + 1u; }',
      '  }',
      '  let f = f32(hi) * 2.3283064365386963e-10f + f32(lo) * 5.421010862427522e-20f;',
      '  let r = f * 1.5707963705062866f + f * (-4.371139000186243e-8f);',
      '  return KilnReduced(select(r, -r, negative), q & 3u);',
      '}',
    ].join('\n'),
  };
  for (const which of ['sin', 'cos'] as const) {
    reg[`kiln_${which}_f32`] = {
      deps: ['kiln_trig_reduce', 'kiln_isnan_f32', 'kiln_isinf_f32', 'kiln_bits_f32'],
      code: [
        `fn kiln_${which}_f32(x: f32) -> f32 {`,
        '  if (kiln_isnan_f32(x) || kiln_isinf_f32(x)) { return kiln_bits_f32(0x7fc00000u); }',
        '  let red = kiln_trig_reduce(abs(x));',
        '  let r = red.r;',
        '  let z = r * r;',
        `  let s = r + r * (z * ${horner('z', SIN_S)});`,
        `  let c = (1.0f - 0.5f * z) + (z * z) * ${horner('z', COS_C)};`,
        `  let q = red.q${which === 'cos' ? ' + 1u' : ''};`,
        '  let v = select(s, c, (q & 1u) != 0u);',
        '  let neg = (q & 2u) != 0u;',
        which === 'sin'
          ? '  return select(v, -v, neg != (bitcast<u32>(x) >= 0x80000000u));'
          : '  return select(v, -v, neg);',
        '}',
      ].join('\n'),
    };
  }
}

function pow(reg: Registry): void {
  reg.kiln_pow_magnitude_f32 = {
    deps: ['kiln_log_f32', 'kiln_exp_f32', 'kiln_scale2_f32', 'kiln_bits_f32'],
    code: [
      '// |a|^b for finite ax > 0 and finite b: 2^t, t = b·(e + log2 m) with ax = 2^e·m, m in [√½, √2).',
      '// b is split in two 12-bit halves so b·e is exact; integer parts are taken out before summing.',
      'fn kiln_pow_magnitude_f32(ax: f32, b: f32) -> f32 {',
      '  let sub = ax < 1.1754943508222875e-38f;',
      '  let bits = bitcast<i32>(select(ax, ax * 8388608.0f, sub));',
      '  let mbits = (bits & 0x7fffff) | 0x3f800000;',
      '  let above = mbits >= 0x3fb504f3;',
      '  let m = bitcast<f32>(mbits - select(0, 0x00800000, above));',
      '  let ef = f32((bits >> 23u) - 127 - select(0, 23, sub) + select(0, 1, above));',
      '  let lm = kiln_log_f32(m) * 1.4426950408889634f;',
      '  let rough = b * (ef + lm);',
      '  if (rough > 140.0f) { return kiln_bits_f32(0x7f800000u); }',
      '  if (rough < -170.0f) { return 0.0f; }',
      '  let bh = bitcast<f32>(bitcast<u32>(b) & 0xfffff000u);',
      '  let bl = b - bh;',
      '  let ta = bh * ef; let tb = bl * ef; let tc = b * lm;',
      '  let na = round(ta); let nb = round(tb); let nc = round(tc);',
      '  let frac = ((ta - na) + (tb - nb)) + (tc - nc);',
      '  let nf = round(frac);',
      '  let n = i32(na) + i32(nb) + i32(nc) + i32(nf);',
      '  let p = kiln_exp_f32((frac - nf) * 0.6931471805599453f);',
      '  return kiln_scale2_f32(p, clamp(n, -252, 254));',
      '}',
    ].join('\n'),
  };
  reg.kiln_pow_f32 = {
    deps: ['kiln_pow_magnitude_f32', 'kiln_isnan_f32', 'kiln_isinf_f32', 'kiln_bits_f32'],
    code: [
      "// C powf (the reference's powFloat32): pow(a, ±0) = 1 and pow(1, b) = 1 even for NaN,",
      '// pow(-1, ±inf) = 1, a negative base needs an integer exponent (odd ones keep the sign).',
      'fn kiln_pow_f32(a: f32, b: f32) -> f32 {',
      '  if (b == 0.0f || a == 1.0f) { return 1.0f; }',
      '  let nan = kiln_bits_f32(0x7fc00000u);',
      '  let inf = kiln_bits_f32(0x7f800000u);',
      '  if (kiln_isnan_f32(a) || kiln_isnan_f32(b)) { return nan; }',
      '  let ax = abs(a);',
      '  let bx = abs(b);',
      '  if (a == -1.0f && kiln_isinf_f32(b)) { return 1.0f; }',
      '  let b_int = trunc(b) == b;',
      '  let b_odd = b_int && bx < 16777216.0f && (u32(bx) & 1u) == 1u;',
      '  let negate = bitcast<u32>(a) >= 0x80000000u && b_odd;',
      '  var mag: f32;',
      '  if (ax == 0.0f || kiln_isinf_f32(a)) {',
      '    mag = select(0.0f, inf, kiln_isinf_f32(a) != (b < 0.0f));',
      '  } else if (kiln_isinf_f32(b)) {',
      '    mag = select(0.0f, inf, (ax > 1.0f) == (b > 0.0f));',
      '  } else if (a < 0.0f && !b_int) {',
      '    return nan;',
      '  } else if (b == 1.0f) {',
      '    mag = ax;',
      '  } else if (b == 2.0f) {',
      '    mag = ax * ax;',
      '  } else if (b == 3.0f) {',
      '    mag = (ax * ax) * ax;',
      '  } else if (b == 4.0f) {',
      '    let sq = ax * ax;',
      '    mag = sq * sq;',
      '  } else if (b == -1.0f) {',
      '    mag = 1.0f / ax;',
      '  } else if (b == 0.5f) {',
      '    mag = sqrt(ax);',
      '  } else {',
      '    mag = kiln_pow_magnitude_f32(ax, b);',
      '  }',
      '  return select(mag, -mag, negate);',
      '}',
    ].join('\n'),
  };
}

function build(): Registry {
  const reg: Registry = {};
  widthGenericMath(reg);
  trig(reg);
  pow(reg);
  return reg;
}

export const MATH_HELPERS: Readonly<Registry> = build();
