/**
 * Scalar helper functions for the integer ops and the float mod that have no single wasm
 * instruction with Kiln's semantics (ir/interp/arith.ts): division and remainder never trap
 * (x/0 = 0, x mod 0 = 0, INT_MIN/-1 wraps), mod takes the divisor's sign (NumPy), integer pow
 * is exponentiation by squaring with wrapping, and float mod is NumPy's floor-mod on top of an
 * exact fmod. Each builder returns the body of a function of two params (locals 0 and 1).
 */
import type { Ref } from '../binaryen.js';
import { FunctionBuilder } from '../function-builder.js';

export type IntegerHelper = 'div_i32' | 'div_u32' | 'mod_i32' | 'mod_u32' | 'pow_i32' | 'pow_u32' | 'mod_f32' | 'fmod_f32';

/** Builds the named helper into fb (params: two i32, or two f32 for the float ones); returns the result expression. */
export function buildIntegerHelper(fb: FunctionBuilder, name: IntegerHelper): Ref {
  switch (name) {
    case 'div_i32': return divI32(fb);
    case 'div_u32': return divU32(fb);
    case 'mod_i32': return modI32(fb);
    case 'mod_u32': return modU32(fb);
    case 'pow_i32': return powI32(fb);
    case 'pow_u32': return powU32(fb, 0, 1);
    case 'fmod_f32': return fmodF32(fb);
    case 'mod_f32': return modF32(fb);
  }
}

/** b ∈ {0, -1}: a·b (0, or -a wrapping); else a / b truncating. */
function divI32(fb: FunctionBuilder): Ref {
  const { m, b } = fb;
  const a = (): Ref => m.local.get(0, b.i32);
  const d = (): Ref => m.local.get(1, b.i32);
  const special = (): Ref => m.i32.lt_u(m.i32.add(d(), m.i32.const(1)), m.i32.const(2));
  const safeDivisor = m.select(special(), m.i32.const(1), d());
  return m.select(special(), m.i32.mul(a(), d()), m.i32.div_s(a(), safeDivisor));
}

function divU32(fb: FunctionBuilder): Ref {
  const { m, b } = fb;
  const d = (): Ref => m.local.get(1, b.i32);
  const quotient = m.i32.div_u(m.local.get(0, b.i32), m.i32.or(d(), m.i32.eqz(d())));
  return m.select(d(), quotient, m.i32.const(0));
}

/** r = a rem b (b = 0 → rem by 1 = 0; rem_s(INT_MIN, -1) = 0 does not trap); add b when signs differ. */
function modI32(fb: FunctionBuilder): Ref {
  const { m, b } = fb;
  const d = (): Ref => m.local.get(1, b.i32);
  const safe = fb.addLocal(b.i32);
  const r = fb.addLocal(b.i32);
  const get = (l: number): Ref => m.local.get(l, b.i32);
  fb.emit(m.local.set(safe, m.i32.or(d(), m.i32.eqz(d()))));
  fb.emit(m.local.set(r, m.i32.rem_s(m.local.get(0, b.i32), get(safe))));
  const adjust = m.i32.and(m.i32.ne(get(r), m.i32.const(0)), m.i32.lt_s(m.i32.xor(get(r), get(safe)), m.i32.const(0)));
  return m.i32.add(get(r), m.select(adjust, get(safe), m.i32.const(0)));
}

function modU32(fb: FunctionBuilder): Ref {
  const { m, b } = fb;
  const d = (): Ref => m.local.get(1, b.i32);
  return m.i32.rem_u(m.local.get(0, b.i32), m.i32.or(d(), m.i32.eqz(d())));
}

/** Exponentiation by squaring over the bits of the (unsigned) exponent in local `expLocal`. */
function powU32(fb: FunctionBuilder, baseLocal: number, expLocal: number): Ref {
  const { m, b } = fb;
  const get = (l: number): Ref => m.local.get(l, b.i32);
  const result = fb.addLocal(b.i32);
  const square = fb.addLocal(b.i32);
  const bits = fb.addLocal(b.i32);
  fb.emit(m.local.set(result, m.i32.const(1)));
  fb.emit(m.local.set(square, get(baseLocal)));
  fb.emit(m.local.set(bits, get(expLocal)));
  const done = fb.label('pow_done');
  const loop = fb.label('pow_loop');
  fb.emit(
    m.block(done, [
      m.loop(
        loop,
        m.block(null, [
          m.br(done, m.i32.eqz(get(bits))),
          m.if(m.i32.and(get(bits), m.i32.const(1)), m.local.set(result, m.i32.mul(get(result), get(square)))),
          m.local.set(square, m.i32.mul(get(square), get(square))),
          m.local.set(bits, m.i32.shr_u(get(bits), m.i32.const(1))),
          m.br(loop),
        ]),
      ),
    ]),
  );
  return get(result);
}

/** Negative exponents: 1^n = 1, (-1)^n = ±1, else 0. */
function powI32(fb: FunctionBuilder): Ref {
  const { m, b } = fb;
  const get = (l: number): Ref => m.local.get(l, b.i32);
  const out = fb.addLocal(b.i32);
  const negative = fb.captureBlock(() => {
    const minusOneResult = m.i32.sub(m.i32.const(1), m.i32.shl(m.i32.and(get(1), m.i32.const(1)), m.i32.const(1)));
    const value = m.select(
      m.i32.eq(get(0), m.i32.const(1)),
      m.i32.const(1),
      m.select(m.i32.eq(get(0), m.i32.const(-1)), minusOneResult, m.i32.const(0)),
    );
    fb.emit(m.local.set(out, value));
  });
  const positive = fb.captureBlock(() => {
    const value = powU32(fb, 0, 1);
    fb.emit(m.local.set(out, value));
  });
  fb.emit(m.if(m.i32.lt_s(get(1), m.i32.const(0)), negative, positive));
  return get(out);
}

/**
 * C fmodf, exact: with a = mx·2^ex, b = my·2^ey (24-bit integer mantissas, ex ≥ ey), reduce
 * mx modulo my while shifting in the exponent difference up to 40 bits at a time in i64, then
 * rebuild mx·2^ey in f64 (exact) and round to f32 (exact: the remainder is representable).
 */
function fmodF32(fb: FunctionBuilder): Ref {
  const { m, b } = fb;
  const i32 = (l: number): Ref => m.local.get(l, b.i32);
  const i64 = (l: number): Ref => m.local.get(l, b.i64);
  const ua = fb.addLocal(b.i32);
  const ub = fb.addLocal(b.i32);
  const ex = fb.addLocal(b.i32);
  const ey = fb.addLocal(b.i32);
  const mx = fb.addLocal(b.i64);
  const my = fb.addLocal(b.i64);
  const diff = fb.addLocal(b.i32);
  const step = fb.addLocal(b.i32);
  const out = fb.addLocal(b.f32);
  const a = (): Ref => m.local.get(0, b.f32);
  fb.emit(m.local.set(ua, m.i32.and(m.i32.reinterpret(a()), m.i32.const(0x7fffffff))));
  fb.emit(m.local.set(ub, m.i32.and(m.i32.reinterpret(m.local.get(1, b.f32)), m.i32.const(0x7fffffff))));
  const nanCase = m.i32.or(m.i32.or(m.i32.eqz(i32(ub)), m.i32.ge_u(i32(ua), m.i32.const(0x7f800000))), m.i32.gt_u(i32(ub), m.i32.const(0x7f800000)));
  const mantissa = (bits: number, exp: number): Ref =>
    m.i64.extend_u(m.i32.or(m.i32.and(i32(bits), m.i32.const(0x7fffff)), m.select(i32(exp), m.i32.const(0x800000), m.i32.const(0))));
  const reduce = fb.captureBlock(() => {
    fb.emit(m.local.set(ex, m.i32.shr_u(i32(ua), m.i32.const(23))));
    fb.emit(m.local.set(ey, m.i32.shr_u(i32(ub), m.i32.const(23))));
    fb.emit(m.local.set(mx, mantissa(ua, ex)));
    fb.emit(m.local.set(my, mantissa(ub, ey)));
    // subnormals: mantissa without the implicit bit, exponent field 1
    const one = (l: number): Ref => m.local.set(l, m.select(i32(l), i32(l), m.i32.const(1)));
    fb.emit(one(ex));
    fb.emit(one(ey));
    fb.emit(m.local.set(mx, m.i64.rem_u(i64(mx), i64(my))));
    fb.emit(m.local.set(diff, m.i32.sub(i32(ex), i32(ey))));
    const done = fb.label('fmod_done');
    const loop = fb.label('fmod_loop');
    fb.emit(
      m.block(done, [
        m.loop(
          loop,
          m.block(null, [
            m.br(done, m.i32.le_s(i32(diff), m.i32.const(0))),
            m.local.set(step, m.select(m.i32.lt_s(i32(diff), m.i32.const(40)), i32(diff), m.i32.const(40))),
            m.local.set(mx, m.i64.rem_u(m.i64.shl(i64(mx), m.i64.extend_u(i32(step))), i64(my))),
            m.local.set(diff, m.i32.sub(i32(diff), i32(step))),
            m.br(loop),
          ]),
        ),
      ]),
    );
    // mx · 2^(ey - 150): the power of two as f64 bits ((ey - 150 + 1023) << 52)
    const scale = m.f64.reinterpret(m.i64.shl(m.i64.extend_u(m.i32.add(i32(ey), m.i32.const(1023 - 150))), m.i64.const(BigInt(52))));
    const magnitude = m.f32.demote(m.f64.mul(m.f64.convert_u.i64(i64(mx)), scale));
    fb.emit(m.local.set(out, m.f32.copysign(magnitude, a())));
  });
  fb.emit(
    m.if(
      nanCase,
      m.local.set(out, m.f32.const(NaN)),
      m.if(m.i32.lt_u(i32(ua), i32(ub)), m.local.set(out, a()), reduce),
    ),
  );
  return m.local.get(out, b.f32);
}

/** NumPy mod on f32: fmod, NaN stays NaN, a zero remainder takes b's sign, else move into b's range. */
function modF32(fb: FunctionBuilder): Ref {
  const { m, b } = fb;
  const r = fb.addLocal(b.f32);
  const get = (): Ref => m.local.get(r, b.f32);
  const bv = (): Ref => m.local.get(1, b.f32);
  fb.emit(m.local.set(r, m.call('kiln_fmod_f32', [m.local.get(0, b.f32), bv()], b.f32)));
  const signsDiffer = m.i32.ne(m.f32.lt(bv(), m.f32.const(0)), m.f32.lt(get(), m.f32.const(0)));
  const moved = m.select(signsDiffer, m.f32.add(get(), bv()), get());
  const zero = m.f32.copysign(m.f32.const(0), bv());
  return m.select(m.f32.eq(get(), m.f32.const(0)), zero, moved);
}
