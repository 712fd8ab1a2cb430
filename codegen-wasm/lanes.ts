/**
 * Lane-generic wasm arithmetic: one API that emits scalar instructions (width 1) or SIMD128
 * instructions (width 4), so each piece of math (the transcendentals, the elementwise op table,
 * reductions) is written once and used for both the scalar and the vectorized code.
 *
 * Value kinds: 'f' f32 lanes, 'i' 32-bit integer lanes, 'd' f64 lanes, 'm' a condition on
 * 32-bit lanes, 'md' a condition on f64 lanes. A condition is an i32 0/1 in scalar code and a
 * lane mask (all ones / all zeros per lane) in vector code, which is also how Kiln's bool values
 * live in registers. In vector code 'd' and 'md' values are pairs of v128 (lanes 0-1, 2-3).
 *
 * A Val is single-use unless bound: binaryen expressions form a tree, so a value needed twice is
 * first stored in a local with `bind` (using an unbound value twice throws).
 */
import type { Binaryen, Module, Ref, WasmType } from './binaryen.js';
import type { Emitter } from './function-builder.js';

export type Kind = 'f' | 'i' | 'd' | 'm' | 'md';

export class Val {
  private taken = false;

  constructor(
    readonly kind: Kind,
    private readonly produce: () => readonly Ref[],
    /** Reusable values (locals, constants) may be read any number of times. */
    readonly reusable: boolean,
    /** The locals holding the value, when it lives in locals (see Lanes.assign). */
    readonly locals?: readonly number[],
  ) {}

  parts(): readonly Ref[] {
    if (!this.reusable) {
      if (this.taken) throw new Error('internal: a single-use wasm value was used twice (bind it first)');
      this.taken = true;
    }
    return this.produce();
  }

  one(): Ref {
    const parts = this.parts();
    if (parts.length !== 1) throw new Error(`internal: expected a one-part value, got kind ${this.kind} with ${parts.length} parts`);
    return parts[0];
  }
}

type Op1 = (x: Ref) => Ref;
type Op2 = (x: Ref, y: Ref) => Ref;
/** Scalar and vector implementations of one operation. */
type Pair<F> = readonly [scalar: F, vector: F];

const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const JOIN_LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

function bytesOf(kind: 'f' | 'i' | 'd', values: readonly number[]): number[] {
  const view = new DataView(new ArrayBuffer(16));
  values.forEach((v, i) => {
    if (kind === 'f') view.setFloat32(i * 4, v, true);
    else if (kind === 'i') view.setInt32(i * 4, v | 0, true);
    else view.setFloat64(i * 8, v, true);
  });
  return [...new Uint8Array(view.buffer)];
}

export class Lanes {
  readonly b: Binaryen;
  readonly m: Module;
  readonly vector: boolean;
  private scalarLanes?: Lanes;

  constructor(
    readonly em: Emitter,
    readonly width: 1 | 4,
  ) {
    this.b = em.b;
    this.m = em.m;
    this.vector = width === 4;
  }

  /** Scalar lanes on the same function (for per-lane work inside vector code). */
  get scalar(): Lanes {
    if (!this.vector) return this;
    this.scalarLanes ??= new Lanes(this.em, 1);
    return this.scalarLanes;
  }

  // ---- values -----------------------------------------------------------------------------------

  /** The wasm type of one part of a value of this kind. */
  typeOf(kind: Kind): WasmType {
    const b = this.b;
    if (this.vector) return b.v128;
    return kind === 'f' ? b.f32 : kind === 'd' ? b.f64 : b.i32;
  }

  partCount(kind: Kind): number {
    return this.vector && (kind === 'd' || kind === 'md') ? 2 : 1;
  }

  /** Wraps freshly built expression(s) as a single-use value. */
  wrap(kind: Kind, ...parts: Ref[]): Val {
    if (parts.length !== this.partCount(kind)) throw new Error(`internal: kind ${kind} needs ${this.partCount(kind)} parts`);
    return new Val(kind, () => parts, false);
  }

  /** A value read from local(s) (reusable). */
  fromLocals(kind: Kind, locals: readonly number[]): Val {
    const type = this.typeOf(kind);
    return new Val(kind, () => locals.map((l) => this.m.local.get(l, type)), true, locals);
  }

  /** Overwrites the locals of `target` (a value from bind/fromLocals) with `value`. */
  assign(target: Val, value: Val): void {
    if (!target.locals || target.kind !== value.kind) throw new Error('internal: assign needs a local-backed target of the same kind');
    const parts = value.parts();
    target.locals.forEach((local, i) => this.em.emit(this.m.local.set(local, parts[i])));
  }

  /** Runs `body` (which emits statements) only when the condition holds in some lane. */
  whenAny(cond: Val, body: () => void): void {
    const m = this.m;
    let test: Ref;
    if (!this.vector) test = cond.one();
    else if (cond.kind === 'md') {
      const [lo, hi] = cond.parts();
      test = m.v128.any_true(m.v128.or(lo, hi));
    } else test = m.v128.any_true(cond.one());
    this.em.emit(m.if(test, this.em.captureBlock(body)));
  }

  /** Stores a value in fresh local(s) (unless it is already reusable) and returns the reusable value. */
  bind(v: Val): Val {
    if (v.reusable) return v;
    const type = this.typeOf(v.kind);
    const parts = v.parts();
    const locals = parts.map((part) => {
      const local = this.em.addLocal(type);
      this.em.emit(this.m.local.set(local, part));
      return local;
    });
    return this.fromLocals(v.kind, locals);
  }

  private constant(kind: Kind, make: () => Ref[]): Val {
    return new Val(kind, make, true);
  }

  constF(x: number): Val {
    const m = this.m;
    return this.constant('f', () => [this.vector ? m.v128.const(bytesOf('f', [x, x, x, x])) : m.f32.const(Math.fround(x))]);
  }

  constI(x: number): Val {
    const m = this.m;
    return this.constant('i', () => [this.vector ? m.v128.const(bytesOf('i', [x, x, x, x])) : m.i32.const(x | 0)]);
  }

  constD(x: number): Val {
    const m = this.m;
    return this.constant('d', () =>
      this.vector ? [m.v128.const(bytesOf('d', [x, x])), m.v128.const(bytesOf('d', [x, x]))] : [m.f64.const(x)],
    );
  }

  constM(x: boolean): Val {
    const m = this.m;
    return this.constant('m', () => [this.vector ? m.v128.const(bytesOf('i', x ? [-1, -1, -1, -1] : [0, 0, 0, 0])) : m.i32.const(x ? 1 : 0)]);
  }

  /** Vector only: four different i32 lanes. */
  constLanesI(values: readonly [number, number, number, number]): Val {
    if (!this.vector) throw new Error('internal: constLanesI needs vector lanes');
    return this.constant('i', () => [this.m.v128.const(bytesOf('i', values))]);
  }

  // ---- generic dispatch -------------------------------------------------------------------------

  private unary(x: Val, table: Partial<Record<Kind, Pair<Op1>>>, out: Kind = x.kind): Val {
    const impl = table[x.kind];
    if (!impl) throw new Error(`internal: operation not defined for kind ${x.kind}`);
    const f = impl[this.vector ? 1 : 0];
    return this.wrap(out, ...x.parts().map((p) => f(p)));
  }

  private binary(x: Val, y: Val, table: Partial<Record<Kind, Pair<Op2>>>, out: Kind = x.kind): Val {
    if (x.kind !== y.kind) throw new Error(`internal: operand kinds differ (${x.kind}, ${y.kind})`);
    const impl = table[x.kind];
    if (!impl) throw new Error(`internal: operation not defined for kind ${x.kind}`);
    const f = impl[this.vector ? 1 : 0];
    const xs = x.parts();
    const ys = y.parts();
    return this.wrap(out, ...xs.map((p, i) => f(p, ys[i])));
  }

  // ---- arithmetic -------------------------------------------------------------------------------

  add(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, {
      f: [m.f32.add, m.f32x4.add], i: [m.i32.add, m.i32x4.add], d: [m.f64.add, m.f64x2.add],
    });
  }

  sub(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, {
      f: [m.f32.sub, m.f32x4.sub], i: [m.i32.sub, m.i32x4.sub], d: [m.f64.sub, m.f64x2.sub],
    });
  }

  mul(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, {
      f: [m.f32.mul, m.f32x4.mul], i: [m.i32.mul, m.i32x4.mul], d: [m.f64.mul, m.f64x2.mul],
    });
  }

  /** Float division (integer division has no SIMD instruction: see divS/divU, scalar only). */
  div(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { f: [m.f32.div, m.f32x4.div], d: [m.f64.div, m.f64x2.div] });
  }

  /** IEEE minimum/maximum for floats (NaN wins, -0 < +0); signed for integers. */
  min(x: Val, y: Val): Val {
    if (x.kind === 'i') return this.intMinMax(x, y, 'min', true);
    const m = this.m;
    return this.binary(x, y, { f: [m.f32.min, m.f32x4.min], d: [m.f64.min, m.f64x2.min] });
  }

  max(x: Val, y: Val): Val {
    if (x.kind === 'i') return this.intMinMax(x, y, 'max', true);
    const m = this.m;
    return this.binary(x, y, { f: [m.f32.max, m.f32x4.max], d: [m.f64.max, m.f64x2.max] });
  }

  /**
   * wasm's pseudo-minimum `y < x ? y : x` of f32 lanes: a NaN in x stays, and in SIMD it is one
   * instruction where the IEEE min (NaN and -0 handling) costs several. For clamping to constants.
   */
  pmin(x: Val, y: Val): Val {
    if (this.vector) return this.wrap('f', this.m.f32x4.pmin(x.one(), y.one()));
    const [a, c] = [this.bind(x), this.bind(y)];
    return this.select(this.lt(c, a), c, a);
  }

  /** wasm's pseudo-maximum `x < y ? y : x` of f32 lanes (see pmin). */
  pmax(x: Val, y: Val): Val {
    if (this.vector) return this.wrap('f', this.m.f32x4.pmax(x.one(), y.one()));
    const [a, c] = [this.bind(x), this.bind(y)];
    return this.select(this.lt(a, c), c, a);
  }

  /** Unsigned integer (or condition) min/max. */
  minU(x: Val, y: Val): Val {
    return this.intMinMax(x, y, 'min', false);
  }

  maxU(x: Val, y: Val): Val {
    return this.intMinMax(x, y, 'max', false);
  }

  private intMinMax(x: Val, y: Val, which: 'min' | 'max', signed: boolean): Val {
    const m = this.m;
    if (this.vector) {
      const f = which === 'min' ? (signed ? m.i32x4.min_s : m.i32x4.min_u) : signed ? m.i32x4.max_s : m.i32x4.max_u;
      return this.wrap(x.kind, f(x.one(), y.one()));
    }
    const a = this.bind(x);
    const c = this.bind(y);
    const less = signed ? m.i32.lt_s(a.one(), c.one()) : m.i32.lt_u(a.one(), c.one());
    return which === 'min' ? this.wrap(x.kind, m.select(less, a.one(), c.one())) : this.wrap(x.kind, m.select(less, c.one(), a.one()));
  }

  neg(x: Val): Val {
    const m = this.m;
    return this.unary(x, {
      f: [m.f32.neg, m.f32x4.neg],
      i: [(v) => m.i32.sub(m.i32.const(0), v), m.i32x4.neg],
      d: [m.f64.neg, m.f64x2.neg],
    });
  }

  /** |x|; for integers abs(INT_MIN) wraps to INT_MIN. */
  abs(x: Val): Val {
    const m = this.m;
    if (x.kind === 'i' && !this.vector) {
      const v = this.bind(x);
      return this.wrap('i', m.select(m.i32.lt_s(v.one(), m.i32.const(0)), m.i32.sub(m.i32.const(0), v.one()), v.one()));
    }
    return this.unary(x, { f: [m.f32.abs, m.f32x4.abs], i: [() => { throw new Error('internal: scalar i32 abs is built above'); }, m.i32x4.abs], d: [m.f64.abs, m.f64x2.abs] });
  }

  sqrt(x: Val): Val {
    const m = this.m;
    return this.unary(x, { f: [m.f32.sqrt, m.f32x4.sqrt], d: [m.f64.sqrt, m.f64x2.sqrt] });
  }

  floor(x: Val): Val {
    const m = this.m;
    return this.unary(x, { f: [m.f32.floor, m.f32x4.floor], d: [m.f64.floor, m.f64x2.floor] });
  }

  ceil(x: Val): Val {
    const m = this.m;
    return this.unary(x, { f: [m.f32.ceil, m.f32x4.ceil], d: [m.f64.ceil, m.f64x2.ceil] });
  }

  /** Round half to even. */
  nearest(x: Val): Val {
    const m = this.m;
    return this.unary(x, { f: [m.f32.nearest, m.f32x4.nearest], d: [m.f64.nearest, m.f64x2.nearest] });
  }

  trunc(x: Val): Val {
    const m = this.m;
    return this.unary(x, { f: [m.f32.trunc, m.f32x4.trunc], d: [m.f64.trunc, m.f64x2.trunc] });
  }

  // ---- bits and conditions ----------------------------------------------------------------------

  and(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { i: [m.i32.and, m.v128.and], m: [m.i32.and, m.v128.and] });
  }

  or(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { i: [m.i32.or, m.v128.or], m: [m.i32.or, m.v128.or] });
  }

  xor(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { i: [m.i32.xor, m.v128.xor], m: [m.i32.xor, m.v128.xor] });
  }

  not(c: Val): Val {
    const m = this.m;
    return this.unary(c, { m: [m.i32.eqz, m.v128.not] });
  }

  shl(x: Val, n: number): Val {
    const m = this.m;
    return this.unary(x, { i: [(v) => m.i32.shl(v, m.i32.const(n)), (v) => m.i32x4.shl(v, m.i32.const(n))] });
  }

  shrS(x: Val, n: number): Val {
    const m = this.m;
    return this.unary(x, { i: [(v) => m.i32.shr_s(v, m.i32.const(n)), (v) => m.i32x4.shr_s(v, m.i32.const(n))] });
  }

  shrU(x: Val, n: number): Val {
    const m = this.m;
    return this.unary(x, { i: [(v) => m.i32.shr_u(v, m.i32.const(n)), (v) => m.i32x4.shr_u(v, m.i32.const(n))] });
  }

  /** Reinterprets f32 lanes as i32 bits and back. */
  asI(x: Val): Val {
    const m = this.m;
    return this.unary(x, { f: [m.i32.reinterpret, (v) => v] }, 'i');
  }

  asF(x: Val): Val {
    const m = this.m;
    return this.unary(x, { i: [m.f32.reinterpret, (v) => v] }, 'f');
  }

  // ---- comparisons (results are conditions) -----------------------------------------------------

  eq(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { f: [m.f32.eq, m.f32x4.eq], i: [m.i32.eq, m.i32x4.eq], m: [m.i32.eq, m.i32x4.eq] }, 'm');
  }

  ne(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { f: [m.f32.ne, m.f32x4.ne], i: [m.i32.ne, m.i32x4.ne], m: [m.i32.ne, m.i32x4.ne] }, 'm');
  }

  lt(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { f: [m.f32.lt, m.f32x4.lt], i: [m.i32.lt_s, m.i32x4.lt_s] }, 'm');
  }

  le(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { f: [m.f32.le, m.f32x4.le], i: [m.i32.le_s, m.i32x4.le_s] }, 'm');
  }

  gt(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { f: [m.f32.gt, m.f32x4.gt], i: [m.i32.gt_s, m.i32x4.gt_s] }, 'm');
  }

  ge(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { f: [m.f32.ge, m.f32x4.ge], i: [m.i32.ge_s, m.i32x4.ge_s] }, 'm');
  }

  /** Comparisons of f64 lanes (conditions on f64 lanes). */
  geD(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { d: [m.f64.ge, m.f64x2.ge] }, 'md');
  }

  /** Unsigned comparisons of integer lanes or conditions (a true mask, -1, compares above 0). */
  ltU(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { i: [m.i32.lt_u, m.i32x4.lt_u], m: [m.i32.lt_u, m.i32x4.lt_u] }, 'm');
  }

  leU(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { i: [m.i32.le_u, m.i32x4.le_u], m: [m.i32.le_u, m.i32x4.le_u] }, 'm');
  }

  gtU(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { i: [m.i32.gt_u, m.i32x4.gt_u], m: [m.i32.gt_u, m.i32x4.gt_u] }, 'm');
  }

  geU(x: Val, y: Val): Val {
    const m = this.m;
    return this.binary(x, y, { i: [m.i32.ge_u, m.i32x4.ge_u], m: [m.i32.ge_u, m.i32x4.ge_u] }, 'm');
  }

  isNaN(x: Val): Val {
    const v = this.bind(x);
    return this.ne(v, v);
  }

  /** cond ? a : b, lane by lane (both sides are evaluated). */
  select(cond: Val, a: Val, b: Val): Val {
    const m = this.m;
    if (cond.kind === 'md' && a.kind === 'd' && b.kind === 'd') {
      const [c, x, y] = [cond.parts(), a.parts(), b.parts()];
      return this.wrap('d', ...c.map((ci, i) => (this.vector ? m.v128.bitselect(x[i], y[i], ci) : m.select(ci, x[i], y[i]))));
    }
    if (cond.kind !== 'm') throw new Error('internal: select needs a condition');
    if (a.kind !== b.kind || a.kind === 'd') throw new Error(`internal: cannot select kinds ${a.kind}/${b.kind}`);
    if (this.vector) {
      const [x, y, c] = [a.one(), b.one(), cond.one()];
      return this.wrap(a.kind, m.v128.bitselect(x, y, c));
    }
    const [x, y, c] = [a.one(), b.one(), cond.one()];
    return this.wrap(a.kind, m.select(c, x, y));
  }

  /** Magnitude of `mag` with the sign bit of `sign` (f32 lanes). */
  copysign(mag: Val, sign: Val): Val {
    const bits = this.or(this.and(this.asI(mag), this.constI(0x7fffffff)), this.and(this.asI(sign), this.constI(0x80000000 | 0)));
    return this.asF(bits);
  }

  // ---- conversions ------------------------------------------------------------------------------

  /** f32 → i32, truncating and saturating (NaN → 0). */
  fToI(x: Val): Val {
    const m = this.m;
    return this.unary(x, { f: [m.i32.trunc_s_sat.f32, m.i32x4.trunc_sat_f32x4_s] }, 'i');
  }

  /** f32 → u32, truncating and saturating (NaN and negatives → 0). */
  fToU(x: Val): Val {
    const m = this.m;
    return this.unary(x, { f: [m.i32.trunc_u_sat.f32, m.i32x4.trunc_sat_f32x4_u] }, 'i');
  }

  iToF(x: Val): Val {
    const m = this.m;
    return this.unary(x, { i: [m.f32.convert_s.i32, m.f32x4.convert_i32x4_s] }, 'f');
  }

  uToF(x: Val): Val {
    const m = this.m;
    return this.unary(x, { i: [m.f32.convert_u.i32, m.f32x4.convert_i32x4_u] }, 'f');
  }

  /** f32 → f64 (exact). */
  fToD(x: Val): Val {
    const m = this.m;
    if (x.kind !== 'f') throw new Error('internal: fToD needs f32 lanes');
    if (!this.vector) return this.wrap('d', m.f64.promote(x.one()));
    const v = this.bind(x);
    return this.wrap('d', m.f64x2.promote_low_f32x4(v.one()), m.f64x2.promote_low_f32x4(m.i8x16.shuffle(v.one(), v.one(), HIGH_TO_LOW)));
  }

  /** f64 → f32 (rounded to nearest). */
  dToF(x: Val): Val {
    const m = this.m;
    if (x.kind !== 'd') throw new Error('internal: dToF needs f64 lanes');
    if (!this.vector) return this.wrap('f', m.f32.demote(x.one()));
    const [lo, hi] = x.parts();
    return this.wrap('f', m.i8x16.shuffle(m.f32x4.demote_f64x2_zero(lo), m.f32x4.demote_f64x2_zero(hi), JOIN_LOW_HALVES));
  }

  /** f64 → i32, truncating and saturating. */
  dToI(x: Val): Val {
    const m = this.m;
    if (x.kind !== 'd') throw new Error('internal: dToI needs f64 lanes');
    if (!this.vector) return this.wrap('i', m.i32.trunc_s_sat.f64(x.one()));
    const [lo, hi] = x.parts();
    return this.wrap('i', m.i8x16.shuffle(m.i32x4.trunc_sat_f64x2_s_zero(lo), m.i32x4.trunc_sat_f64x2_s_zero(hi), JOIN_LOW_HALVES));
  }

  /** i32 → f64 (exact). */
  iToD(x: Val): Val {
    const m = this.m;
    if (x.kind !== 'i') throw new Error('internal: iToD needs i32 lanes');
    if (!this.vector) return this.wrap('d', m.f64.convert_s.i32(x.one()));
    const v = this.bind(x);
    return this.wrap('d', m.f64x2.convert_low_i32x4_s(v.one()), m.f64x2.convert_low_i32x4_s(m.i8x16.shuffle(v.one(), v.one(), HIGH_TO_LOW)));
  }

  // ---- lanes ------------------------------------------------------------------------------------

  /** A scalar value (from `this.scalar`) copied to every lane; identity for scalar lanes. */
  broadcast(x: Val): Val {
    if (!this.vector) return x;
    const m = this.m;
    switch (x.kind) {
      case 'f': return this.wrap('f', m.f32x4.splat(x.one()));
      case 'i': return this.wrap('i', m.i32x4.splat(x.one()));
      case 'm': return this.wrap('m', m.i32x4.splat(m.i32.sub(m.i32.const(0), x.one())));
      case 'd': {
        const v = this.scalar.bind(x);
        return this.wrap('d', m.f64x2.splat(v.one()), m.f64x2.splat(v.one()));
      }
      case 'md': throw new Error('internal: broadcast of an f64-lane condition');
    }
  }

  /** One lane of a vector value, as a scalar value (a condition lane becomes 0/1). */
  extract(x: Val, lane: number): Val {
    if (!this.vector) throw new Error('internal: extract needs vector lanes');
    const m = this.m;
    const S = this.scalar;
    switch (x.kind) {
      case 'f': return S.wrap('f', m.f32x4.extract_lane(x.one(), lane));
      case 'i': return S.wrap('i', m.i32x4.extract_lane(x.one(), lane));
      case 'm': return S.wrap('m', m.i32.and(m.i32x4.extract_lane(x.one(), lane), m.i32.const(1)));
      case 'd': {
        const part = x.parts()[lane >> 1];
        return S.wrap('d', m.f64x2.extract_lane(part, lane & 1));
      }
      case 'md': throw new Error('internal: extract of an f64-lane condition');
    }
  }

  /** A vector built from four scalar values. */
  fromLanes(kind: Kind, lanes: readonly Val[]): Val {
    if (!this.vector || lanes.length !== 4) throw new Error('internal: fromLanes needs vector lanes and 4 values');
    const m = this.m;
    if (kind === 'd') throw new Error('internal: fromLanes of f64 lanes is not supported');
    const isF = kind === 'f';
    let v = isF ? m.f32x4.splat(lanes[0].one()) : m.i32x4.splat(lanes[0].one());
    for (let l = 1; l < 4; l++) v = isF ? m.f32x4.replace_lane(v, l, lanes[l].one()) : m.i32x4.replace_lane(v, l, lanes[l].one());
    return this.wrap(kind, kind === 'm' ? m.i32x4.neg(v) : v); // conditions: 0/1 → 0/-1
  }

  /** Applies scalar code to each lane of vector arguments (for operations SIMD128 lacks). */
  lanewise(kind: Kind, args: readonly Val[], f: (S: Lanes, lanes: Val[]) => Val): Val {
    if (!this.vector) return f(this, [...args]);
    const bound = args.map((a) => this.bind(a));
    const S = this.scalar;
    const results = [0, 1, 2, 3].map((l) => S.bind(f(S, bound.map((a) => this.extract(a, l)))));
    return this.fromLanes(kind, results);
  }

  /** Vector only: whether every lane of a condition is true (a scalar i32). */
  allTrue(c: Val): Ref {
    return this.m.i32x4.all_true(c.one());
  }

  call(name: string, args: readonly Val[], kind: Kind): Val {
    const operands = args.flatMap((a) => [...a.parts()]);
    return this.wrap(kind, this.m.call(name, operands, this.typeOf(kind)));
  }

  // ---- scalar-only integer division ---------------------------------------------------------------

  private scalarOnly(name: string): void {
    if (this.vector) throw new Error(`internal: ${name} has no SIMD128 form (use lanewise)`);
  }

  divS(x: Val, y: Val): Val {
    this.scalarOnly('i32.div_s');
    return this.wrap('i', this.m.i32.div_s(x.one(), y.one()));
  }

  divU(x: Val, y: Val): Val {
    this.scalarOnly('i32.div_u');
    return this.wrap('i', this.m.i32.div_u(x.one(), y.one()));
  }

  remS(x: Val, y: Val): Val {
    this.scalarOnly('i32.rem_s');
    return this.wrap('i', this.m.i32.rem_s(x.one(), y.one()));
  }

  remU(x: Val, y: Val): Val {
    this.scalarOnly('i32.rem_u');
    return this.wrap('i', this.m.i32.rem_u(x.one(), y.one()));
  }
}

/** Horner evaluation of c[0] + c[1] t + c[2] t² + ... in the lanes of `t` (which must be reusable). */
export function horner(L: Lanes, t: Val, coefficients: readonly number[], kind: 'f' | 'd'): Val {
  const c = (x: number): Val => (kind === 'f' ? L.constF(x) : L.constD(x));
  let acc = c(coefficients[coefficients.length - 1]);
  for (let i = coefficients.length - 2; i >= 0; i--) acc = L.add(L.mul(acc, t), c(coefficients[i]));
  return acc;
}
