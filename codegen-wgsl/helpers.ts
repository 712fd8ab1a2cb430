/**
 * The WGSL helper functions kernels call (the `kiln_*` functions), each emitted once per shader
 * and only when used. They give Kiln's scalar semantics (ir/interp/arith.ts, convertScalar) where
 * WGSL's operators differ or are implementation-defined: NaN-propagating max/min, integer
 * division and modulo by zero, NumPy's float mod, integer pow, saturating float→int casts and
 * correctly rounded int→float casts. NaN tests use the bits (a compiler may assume x == x).
 * Transcendentals live in math.ts; both register into HELPERS.
 *
 * Width-generic helpers exist for f32 (suffix `_f32`) and vec4<f32> (suffix `_v4f32`).
 */
import { type HelperDef, MATH_HELPERS, type Registry, widthGeneric } from './math.js';

export type { HelperDef } from './math.js';

/** Type spellings for one lane width: F float, I int, U uint, B bool, and the name suffix. */

function core(): Registry {
  const reg: Registry = {};
  // A runtime f32 from its bits: WGSL rejects NaN/inf in constant expressions, so special
  // constants go through a function call, which is never a constant expression.
  reg.kiln_bits_f32 = { deps: [], code: 'fn kiln_bits_f32(b: u32) -> f32 { return bitcast<f32>(b); }' };
  widthGeneric(reg, 'kiln_isnan', ({ F, U, B, sfx }) => ({
    deps: [],
    code: `fn kiln_isnan_${sfx}(x: ${F}) -> ${B} { return (bitcast<${U}>(x) & ${U}(0x7fffffffu)) > ${U}(0x7f800000u); }`,
  }));
  widthGeneric(reg, 'kiln_isinf', ({ F, U, B, sfx }) => ({
    deps: [],
    code: `fn kiln_isinf_${sfx}(x: ${F}) -> ${B} { return (bitcast<${U}>(x) & ${U}(0x7fffffffu)) == ${U}(0x7f800000u); }`,
  }));
  // max/min as Math.max/min: NaN if either is NaN; max(-0, +0) = +0 and min(-0, +0) = -0 (equal
  // values combine their bits: AND clears the sign if either is +0, OR sets it if either is -0).
  for (const [op, cmp, bitop] of [['max', '>', '&'], ['min', '<', '|']] as const) {
    widthGeneric(reg, `kiln_${op}`, ({ F, U, sfx }) => ({
      deps: [`kiln_isnan_${sfx}`],
      code: [
        `fn kiln_${op}_${sfx}(a: ${F}, b: ${F}) -> ${F} {`,
        `  let same = bitcast<${F}>(bitcast<${U}>(a) ${bitop} bitcast<${U}>(b));`,
        `  let r = select(select(same, b, b ${cmp} a), a, a ${cmp} b);`,
        `  return select(r, a + b, kiln_isnan_${sfx}(a) | kiln_isnan_${sfx}(b));`,
        '}',
      ].join('\n'),
    }));
  }
  // Float comparisons with IEEE NaN behaviour (false, except ne), NaN tested on the bits: Mesa
  // compiles `a != b` as an ordered comparison, which is false for NaN.
  for (const [op, infix] of [['eq', '=='], ['ne', '!='], ['lt', '<'], ['le', '<='], ['gt', '>'], ['ge', '>=']] as const) {
    widthGeneric(reg, `kiln_${op}`, ({ F, B, sfx }) => ({
      deps: [`kiln_isnan_${sfx}`],
      code: op === 'ne'
        ? `fn kiln_ne_${sfx}(a: ${F}, b: ${F}) -> ${B} { return !(a == b) | kiln_isnan_${sfx}(a) | kiln_isnan_${sfx}(b); }`
        : `fn kiln_${op}_${sfx}(a: ${F}, b: ${F}) -> ${B} { return (a ${infix} b) & !(kiln_isnan_${sfx}(a) | kiln_isnan_${sfx}(b)); }`,
    }));
  }
  widthGeneric(reg, 'kiln_copysign', ({ F, U, sfx }) => ({
    deps: [],
    code: `fn kiln_copysign_${sfx}(x: ${F}, s: ${F}) -> ${F} { return bitcast<${F}>((bitcast<${U}>(x) & ${U}(0x7fffffffu)) | (bitcast<${U}>(s) & ${U}(0x80000000u))); }`,
  }));
  // Built from bits: Mesa's compiler assumes no signed zeros and turned select(0.0, -1.0, c) into -0.0.
  reg.kiln_sign_f32 = {
    deps: ['kiln_isnan_f32'],
    code: [
      'fn kiln_sign_f32(x: f32) -> f32 {',
      '  let bits = bitcast<u32>(x);',
      '  let s = select((bits & 0x80000000u) | 0x3f800000u, 0u, (bits & 0x7fffffffu) == 0u);',
      '  return select(bitcast<f32>(s), x, kiln_isnan_f32(x));',
      '}',
    ].join('\n'),
  };

  // ---- integer division, modulo, power -------------------------------------------------------
  reg.kiln_div_i32 = {
    deps: [],
    code: [
      '// Truncating division; x / 0 = 0 and INT32_MIN / -1 = INT32_MIN (wraps).',
      'fn kiln_div_i32(a: i32, b: i32) -> i32 {',
      '  let special = b == 0i || (b == -1i && a == bitcast<i32>(0x80000000u));',
      '  let q = a / select(b, 1i, special);',
      '  return select(q, select(a, 0i, b == 0i), special);',
      '}',
    ].join('\n'),
  };
  reg.kiln_div_u32 = {
    deps: [],
    code: 'fn kiln_div_u32(a: u32, b: u32) -> u32 { return select(a / select(b, 1u, b == 0u), 0u, b == 0u); }',
  };
  reg.kiln_mod_i32 = {
    deps: [],
    code: [
      '// Remainder with the sign of the divisor (NumPy); x mod 0 = 0.',
      'fn kiln_mod_i32(a: i32, b: i32) -> i32 {',
      '  let special = b == 0i || b == -1i;',
      '  let r = a % select(b, 1i, special);',
      '  let fixed = select(r, r + b, r != 0i && ((r < 0i) != (b < 0i)));',
      '  return select(fixed, 0i, special);',
      '}',
    ].join('\n'),
  };
  reg.kiln_mod_u32 = {
    deps: [],
    code: 'fn kiln_mod_u32(a: u32, b: u32) -> u32 { return select(a % select(b, 1u, b == 0u), 0u, b == 0u); }',
  };
  for (const t of ['i32', 'u32'] as const) {
    const negative = t === 'i32'
      ? '  if (b < 0i) { return select(select(0i, select(-1i, 1i, (b & 1i) == 0i), a == -1i), 1i, a == 1i); }\n'
      : '';
    reg[`kiln_pow_${t}`] = {
      deps: [],
      code: [
        `// Exponentiation by squaring, wrapping to 32 bits${t === 'i32' ? '; a negative exponent gives 0 except for bases 1 and -1' : ''}.`,
        `fn kiln_pow_${t}(a: ${t}, b: ${t}) -> ${t} {`,
        negative + `  var result = 1${t === 'i32' ? 'i' : 'u'};`,
        '  var base = a;',
        '  var e = u32(b);',
        '  loop {',
        '    if (e == 0u) { break; }',
        '    if ((e & 1u) == 1u) { result = result * base; }',
        '    base = base * base;',
        '    e = e >> 1u;',
        '  }',
        '  return result;',
        '}',
      ].join('\n'),
    };
  }
  // floor(log2|x|) for finite nonzero x, subnormals included (frexp may flush them).
  reg.kiln_exponent_f32 = {
    deps: [],
    code: [
      'fn kiln_exponent_f32(x: f32) -> i32 {',
      '  let bits = bitcast<u32>(x) & 0x7fffffffu;',
      '  let e = i32(bits >> 23u);',
      '  return select(e - 127, i32(firstLeadingBit(bits)) - 149, e == 0);',
      '}',
    ].join('\n'),
  };
  reg.kiln_fmod_f32 = {
    deps: ['kiln_exponent_f32'],
    code: [
      '// C fmod for finite a and nonzero b (b may be inf), exactly: subtract the largest |b|·2^k',
      '// not above the remainder; each subtraction is exact (Sterbenz), at most ~280 steps.',
      'fn kiln_fmod_f32(a: f32, b: f32) -> f32 {',
      '  let d = abs(b);',
      '  var r = abs(a);',
      '  if (!(r >= d)) { return a; }',
      '  let ed = kiln_exponent_f32(d);',
      '  for (var i = 0; i < 300; i++) {',
      '    if (r < d) { break; }',
      '    var t = d;',
      '    var k = kiln_exponent_f32(r) - ed;',
      '    loop { if (k <= 120) { break; } t = t * 1.329227995784916e36f; k = k - 120; }',
      '    t = t * bitcast<f32>(u32(k + 127) << 23u);',
      '    if (t > r) { t = t * 0.5f; }',
      '    r = r - t;',
      '  }',
      '  return select(r, -r, a < 0.0f);',
      '}',
    ].join('\n'),
  };
  reg.kiln_mod_f32 = {
    deps: ['kiln_fmod_f32', 'kiln_isnan_f32', 'kiln_isinf_f32', 'kiln_bits_f32'],
    code: [
      "// NumPy's float mod: fmod, then a remainder whose sign differs from the divisor's moves into",
      "// the divisor's range; a zero remainder takes the divisor's sign; mod(x, 0) and mod(±inf, y) are NaN.",
      'fn kiln_mod_f32(a: f32, b: f32) -> f32 {',
      '  if (kiln_isnan_f32(a) || kiln_isnan_f32(b) || b == 0.0f || kiln_isinf_f32(a)) { return kiln_bits_f32(0x7fc00000u); }',
      '  let r = kiln_fmod_f32(a, b);',
      '  if (r == 0.0f) { return bitcast<f32>(select(0u, 0x80000000u, b < 0.0f)); }',
      '  return select(r, r + b, (b < 0.0f) != (r < 0.0f));',
      '}',
    ].join('\n'),
  };

  // ---- casts ---------------------------------------------------------------------------------
  reg.kiln_f32_to_i32 = {
    deps: ['kiln_isnan_f32'],
    code: [
      '// Truncates toward zero, saturating; NaN gives 0.',
      'fn kiln_f32_to_i32(x: f32) -> i32 {',
      '  if (kiln_isnan_f32(x)) { return 0i; }',
      '  if (x >= 2147483648.0f) { return 2147483647i; }',
      '  if (x <= -2147483648.0f) { return bitcast<i32>(0x80000000u); }',
      '  return i32(x);',
      '}',
    ].join('\n'),
  };
  reg.kiln_f32_to_u32 = {
    deps: ['kiln_isnan_f32'],
    code: [
      'fn kiln_f32_to_u32(x: f32) -> u32 {',
      '  if (kiln_isnan_f32(x) || x <= 0.0f) { return 0u; }',
      '  if (x >= 4294967296.0f) { return 4294967295u; }',
      '  return u32(x);',
      '}',
    ].join('\n'),
  };
  // x = hi + lo with hi a multiple of 256 (exact in f32) and 0 <= lo < 256: one correctly
  // rounded addition gives round-to-nearest-even, whatever rounding f32(int) uses.
  reg.kiln_i32_to_f32 = { deps: [], code: 'fn kiln_i32_to_f32(x: i32) -> f32 { return f32(x & (-256i)) + f32(x & 255i); }' };
  reg.kiln_u32_to_f32 = { deps: [], code: 'fn kiln_u32_to_f32(x: u32) -> f32 { return f32(x & 0xffffff00u) + f32(x & 255u); }' };
  // ---- argmax/argmin: does (v, i) beat (bv, bi)? The first NaN wins, then the extreme, then the
  // smaller position: a total order, so partial results combine in any order.
  for (const [op, cmp] of [['argmax', '>'], ['argmin', '<']] as const) {
    reg[`kiln_${op}_beats_f32`] = {
      deps: ['kiln_isnan_f32'],
      code: [
        `fn kiln_${op}_beats_f32(v: f32, i: i32, bv: f32, bi: i32) -> bool {`,
        '  let vn = kiln_isnan_f32(v);',
        '  if (vn != kiln_isnan_f32(bv)) { return vn; }',
        `  if (!vn && v != bv) { return v ${cmp} bv; }`,
        '  return i < bi;',
        '}',
      ].join('\n'),
    };
    for (const t of ['i32', 'u32'] as const) {
      reg[`kiln_${op}_beats_${t}`] = {
        deps: [],
        code: `fn kiln_${op}_beats_${t}(v: ${t}, i: i32, bv: ${t}, bi: i32) -> bool { return v ${cmp} bv || (v == bv && i < bi); }`,
      };
    }
  }
  return reg;
}

export const HELPERS: Readonly<Record<string, HelperDef>> = { ...core(), ...MATH_HELPERS };

/** The helpers one shader uses, emitted in dependency order. */
export class HelperSet {
  private readonly order: string[] = [];
  private readonly seen = new Set<string>();

  /** Marks `name` (and its dependencies) used; returns the name for call sites. */
  use(name: string): string {
    if (this.seen.has(name)) return name;
    const def = HELPERS[name];
    if (!def) throw new Error(`internal: unknown WGSL helper ${name}`);
    this.seen.add(name);
    for (const d of def.deps) this.use(d);
    this.order.push(name);
    return name;
  }

  source(): string {
    return this.order.map((n) => HELPERS[n].code).join('\n');
  }
}
