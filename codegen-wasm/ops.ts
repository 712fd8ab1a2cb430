/**
 * Kiln's scalar op semantics (the graph ops' `doc` strings; reference ir/interp/arith.ts and
 * convertScalar) as lane-generic wasm: every function works for scalar and SIMD lanes. Where
 * SIMD128 has no instruction (integer division, integer pow, float mod) the vector form applies
 * the scalar code lane by lane.
 */
import type { DType } from '../ir/dtype.js';
import type { BinaryOp, UnaryOp } from '../ir/loop.js';
import { WasmCodegenError } from './errors.js';
import type { ModuleHelpers } from './helpers.js';
import type { Kind, Lanes, Val } from './lanes.js';
import { MATH_FUNCTIONS, type MathFunction, isMathFunction } from './math/index.js';

export function kindOf(d: DType): Kind {
  return d === 'float32' ? 'f' : d === 'bool' ? 'm' : 'i';
}

/** A constant of `dtype` (the number is put into the dtype's value set first). */
export function constVal(L: Lanes, dtype: DType, value: number): Val {
  switch (dtype) {
    case 'float32': return L.constF(value);
    case 'int32': return L.constI(value | 0);
    case 'uint32': return L.constI((value >>> 0) | 0);
    case 'bool': return L.constM(value !== 0);
  }
}

/** The 32-bit pattern of an integer constant's value in `dtype`, for divisor special cases. */
export function integerConstant(dtype: DType, value: number): number {
  return dtype === 'uint32' ? value >>> 0 : value | 0;
}

export interface OpContext {
  readonly L: Lanes;
  readonly helpers: ModuleHelpers;
}

function fail(op: string, dtype: DType): never {
  throw new WasmCodegenError(`op ${op} is not defined for dtype ${dtype}`);
}

/** A transcendental: inline in vector code when it is short (MathDef.inline), else a helper call. */
function callMath(cx: OpContext, fn: MathFunction, args: Val[]): Val {
  const { L } = cx;
  if (L.vector && MATH_FUNCTIONS[fn].inline) return MATH_FUNCTIONS[fn].build(L, args);
  return L.call(cx.helpers.math(fn, L.width), args, 'f');
}

export function emitUnary(cx: OpContext, op: UnaryOp, dtype: DType, x: Val): Val {
  const { L } = cx;
  const isFloat = dtype === 'float32';
  if (isMathFunction(op)) {
    if (!isFloat) fail(op, dtype);
    return callMath(cx, op, [x]);
  }
  switch (op) {
    case 'neg':
      if (dtype === 'bool') fail(op, dtype);
      return L.neg(x);
    case 'abs':
      if (dtype === 'bool') fail(op, dtype);
      return dtype === 'uint32' ? x : L.abs(x);
    case 'sign': return emitSign(L, dtype, x);
    case 'sqrt': return isFloat ? L.sqrt(x) : fail(op, dtype);
    case 'floor': return isFloat ? L.floor(x) : fail(op, dtype);
    case 'ceil': return isFloat ? L.ceil(x) : fail(op, dtype);
    case 'round': return isFloat ? L.nearest(x) : fail(op, dtype); // half to even, keeps -0
    case 'not': return dtype === 'bool' ? L.not(x) : fail(op, dtype);
    default: return fail(op, dtype);
  }
}

/** -1, 0 or 1; NaN stays NaN and both zeros give +0. */
function emitSign(L: Lanes, dtype: DType, xIn: Val): Val {
  const x = L.bind(xIn);
  switch (dtype) {
    case 'float32': {
      const zeroOrNaN = L.select(L.eq(x, x), L.constF(0), x);
      return L.select(L.gt(x, L.constF(0)), L.constF(1), L.select(L.lt(x, L.constF(0)), L.constF(-1), zeroOrNaN));
    }
    case 'int32':
      return L.select(L.gt(x, L.constI(0)), L.constI(1), L.select(L.lt(x, L.constI(0)), L.constI(-1), L.constI(0)));
    case 'uint32':
      return L.select(L.ne(x, L.constI(0)), L.constI(1), L.constI(0));
    case 'bool':
      return fail('sign', dtype);
  }
}

/**
 * a op b for operands of `dtype`. `divisor` is b's value when b is a constant: integer division
 * and mod by a constant other than 0 and -1 then use the plain instruction.
 */
export function emitBinary(cx: OpContext, op: BinaryOp, dtype: DType, a: Val, b: Val, divisor?: number): Val {
  const { L } = cx;
  const isFloat = dtype === 'float32';
  const unsigned = dtype === 'uint32' || dtype === 'bool';
  const numeric = (): void => {
    if (dtype === 'bool') fail(op, dtype);
  };
  switch (op) {
    case 'add': numeric(); return L.add(a, b);
    case 'sub': numeric(); return L.sub(a, b);
    case 'mul': numeric(); return L.mul(a, b);
    case 'max': numeric(); return unsigned ? L.maxU(a, b) : L.max(a, b);
    case 'min': numeric(); return unsigned ? L.minU(a, b) : L.min(a, b);
    case 'div':
    case 'mod':
    case 'pow':
      numeric();
      if (isFloat && op === 'div') return L.div(a, b);
      if (isFloat && op === 'pow') return callMath(cx, 'pow', [a, b]);
      return L.lanewise(isFloat ? 'f' : 'i', [a, b], (S, [x, y]) => emitScalarDivModPow({ L: S, helpers: cx.helpers }, op, dtype, x, y, divisor));
    case 'eq': return L.eq(a, b);
    case 'ne': return L.ne(a, b);
    case 'lt': return isFloat ? L.lt(a, b) : unsigned ? L.ltU(a, b) : L.lt(a, b);
    case 'le': return isFloat ? L.le(a, b) : unsigned ? L.leU(a, b) : L.le(a, b);
    case 'gt': return isFloat ? L.gt(a, b) : unsigned ? L.gtU(a, b) : L.gt(a, b);
    case 'ge': return isFloat ? L.ge(a, b) : unsigned ? L.geU(a, b) : L.ge(a, b);
    case 'and': return dtype === 'bool' ? L.and(a, b) : fail(op, dtype);
    case 'or': return dtype === 'bool' ? L.or(a, b) : fail(op, dtype);
  }
}

/** Scalar lanes only: integer div/mod/pow and float mod. */
function emitScalarDivModPow(cx: OpContext, op: 'div' | 'mod' | 'pow', dtype: DType, a: Val, b: Val, divisor?: number): Val {
  const { L, helpers } = cx;
  const signed = dtype === 'int32';
  if (dtype === 'float32') return L.call(helpers.scalar('mod_f32'), [a, b], 'f'); // div and pow handled above
  if (op === 'pow') return L.call(helpers.scalar(signed ? 'pow_i32' : 'pow_u32'), [a, b], 'i');
  if (divisor !== undefined) {
    const d = integerConstant(dtype, divisor);
    if (d === 0) return L.constI(0);
    if (op === 'div') {
      if (signed && d === -1) return L.neg(a); // wraps for INT_MIN instead of trapping
      return signed ? L.divS(a, b) : L.divU(a, b);
    }
    if (!signed) return L.remU(a, b);
    const r = L.bind(L.remS(a, b));
    const wrongSide = d > 0 ? L.lt(r, L.constI(0)) : L.gt(r, L.constI(0));
    return L.add(r, L.select(wrongSide, L.constI(d), L.constI(0)));
  }
  const helper = op === 'div' ? (signed ? 'div_i32' : 'div_u32') : signed ? 'mod_i32' : 'mod_u32';
  return L.call(helpers.scalar(helper), [a, b], 'i');
}

/**
 * cast with convertScalar semantics: f32 → int truncates and saturates (NaN → 0), int → f32
 * rounds (u32 as unsigned), i32 ↔ u32 keeps the bits, anything → bool is x != 0 (NaN → true).
 */
export function emitCast(L: Lanes, from: DType, to: DType, x: Val): Val {
  if (from === to) return x;
  if (to === 'bool') {
    return from === 'float32' ? L.ne(x, L.constF(0)) : L.ne(x, L.constI(0));
  }
  if (from === 'bool') {
    return to === 'float32' ? L.select(x, L.constF(1), L.constF(0)) : L.select(x, L.constI(1), L.constI(0));
  }
  if (to === 'float32') return from === 'uint32' ? L.uToF(x) : L.iToF(x);
  if (from === 'float32') return to === 'uint32' ? L.fToU(x) : L.fToI(x);
  return x; // int32 ↔ uint32: same bits
}
