/**
 * Scalar semantics of Kiln's dtypes, one function per (operation, dtype). Values are plain JS
 * numbers holding a member of the dtype's value set (an f32 value, an i32, a u32, or 0/1 for bool);
 * every function returns a member of the same set: float results are rounded with Math.fround
 * (computing in float64 first is exact or correctly rounded for + - * / sqrt), integers wrap to 32 bits.
 */
import type { DType } from '../dtype.js';
import { OpError } from '../errors.js';

export type Scalar1 = (x: number) => number;
export type Scalar2 = (a: number, b: number) => number;
/** One scalar function per dtype an op accepts; the op registry has already checked the dtype. */
export type PerDType<F> = Partial<Record<DType, F>>;

export function pickForDType<F>(op: string, table: PerDType<F>, dtype: DType): F {
  const f = table[dtype];
  if (!f) throw new OpError(op, `no reference semantics for dtype ${dtype}`);
  return f;
}

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
export const UINT32_MAX = 4294967295;

const f32 = Math.fround;

// ---- addition and multiplication: used by elementwise ops and every accumulation -------------

export const ADD: PerDType<Scalar2> = {
  float32: (a, b) => f32(a + b),
  int32: (a, b) => (a + b) | 0,
  uint32: (a, b) => (a + b) >>> 0,
};

export const MUL: PerDType<Scalar2> = {
  float32: (a, b) => f32(a * b),
  int32: (a, b) => Math.imul(a, b),
  uint32: (a, b) => Math.imul(a, b) >>> 0,
};

/**
 * `acc + a*b` with the product rounded to the dtype before the add (no fused multiply-add): the
 * step of dot_general and conv accumulation.
 */
export const MULTIPLY_ADD: PerDType<(acc: number, a: number, b: number) => number> = {
  float32: (acc, a, b) => f32(acc + f32(a * b)),
  int32: (acc, a, b) => (acc + Math.imul(a, b)) | 0,
  uint32: (acc, a, b) => (acc + Math.imul(a, b)) >>> 0,
};

// ---- division, remainder, power ---------------------------------------------------------------

/** Integer division truncating toward zero; x/0 = 0; INT_MIN/-1 wraps to INT_MIN. */
export function divInt32(a: number, b: number): number {
  return b === 0 ? 0 : Math.trunc(a / b) | 0; // the f64 quotient of 32-bit ints never rounds across an integer
}

export function divUint32(a: number, b: number): number {
  return b === 0 ? 0 : Math.trunc(a / b) >>> 0;
}

/**
 * NumPy's float mod (npy_divmod): fmod, then move a remainder whose sign differs from the
 * divisor's into the divisor's range; a zero remainder takes the divisor's sign. mod(x, 0),
 * mod(±inf, y) are NaN; mod(-1, inf) = inf, as in NumPy.
 */
export function modFloat32(a: number, b: number): number {
  const r = a % b; // fmod: exact
  if (b === 0 || Number.isNaN(r)) return NaN;
  if (r === 0) return b < 0 ? -0 : 0;
  return (b < 0) !== (r < 0) ? f32(r + b) : r;
}

/** Integer mod with the divisor's sign (NumPy); x mod 0 = 0. */
export function modInt32(a: number, b: number): number {
  if (b === 0) return 0;
  const r = a % b;
  return (r !== 0 && (r < 0) !== (b < 0) ? r + b : r) | 0;
}

export function modUint32(a: number, b: number): number {
  return b === 0 ? 0 : a % b;
}

/**
 * C's powf on float32 values: like Math.pow except pow(1, y) = 1 and pow(-1, ±inf) = 1
 * (JavaScript gives NaN for both; NumPy follows C).
 */
export function powFloat32(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && !Number.isFinite(b) && !Number.isNaN(b)) return 1;
  return f32(Math.pow(a, b));
}

/** Exponentiation by squaring, wrapping every product to 32 bits. `e` is a non-negative integer < 2^32. */
function powWrapped(base: number, e: number): number {
  let result = 1;
  let square = base;
  for (let bits = e; bits > 0; bits = Math.floor(bits / 2)) {
    if (bits % 2 === 1) result = Math.imul(result, square);
    square = Math.imul(square, square);
  }
  return result;
}

/** i32 pow; a negative exponent gives 0, except 1^n = 1 and (-1)^n = ±1. */
export function powInt32(a: number, b: number): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b % 2 === 0 ? 1 : -1) : 0;
  return powWrapped(a, b) | 0;
}

export function powUint32(a: number, b: number): number {
  return powWrapped(a, b) >>> 0;
}

// ---- unary float helpers ----------------------------------------------------------------------

/** Round half to even (NumPy's round); keeps the sign of zero (round(-0.4) = -0). */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const down = Math.floor(x);
  const diff = x - down; // exact for float32 inputs
  const r = diff < 0.5 ? down : diff > 0.5 ? down + 1 : down % 2 === 0 ? down : down + 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

/** 1/(1+e^-x) without overflow: for x < 0 it is e^x/(1+e^x). */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e); // NaN falls through here and stays NaN
}

/** -1, 0 or 1; NaN stays NaN and both zeros give +0. */
export function signOf(x: number): number {
  return Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0;
}

// ---- reductions -------------------------------------------------------------------------------

export type FoldKind = 'sum' | 'prod' | 'max' | 'min';

/** The combining step of a reduction; max and min propagate NaN (Math.max/min do). */
export function foldStep(op: string, kind: FoldKind, dtype: DType): Scalar2 {
  switch (kind) {
    case 'sum': return pickForDType(op, ADD, dtype);
    case 'prod': return pickForDType(op, MUL, dtype);
    case 'max': return Math.max;
    case 'min': return Math.min;
  }
}

