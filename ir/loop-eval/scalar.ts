/**
 * Scalar functions for the loop evaluator, one per (op, operand dtype). They are the graph
 * interpreter's scalar semantics: everything here is imported from ir/interp/arith.ts and
 * ir/interp/erf.ts, and the tables mirror the (unexported) UNARY/BINARY/COMPARE tables of
 * ir/interp/elementwise.ts entry for entry, so both evaluators agree bit for bit. A test checks
 * every entry against the graph interpreter on a set of awkward values.
 */
import type { DType } from '../dtype.js';
import {
  ADD, MUL, type PerDType, type Scalar1, type Scalar2, divInt32, divUint32, modFloat32, modInt32, modUint32,
  powFloat32, powInt32, powUint32, roundHalfEven, sigmoid, signOf,
} from '../interp/arith.js';
import { erf } from '../interp/erf.js';
import type { BinaryOp, UnaryOp } from '../loop.js';

const f32 = Math.fround;
const identity: Scalar1 = (x) => x;
const floatOnly = (f: Scalar1): PerDType<Scalar1> => ({ float32: (x) => f32(f(x)) });

export const UNARY_SCALAR: Record<UnaryOp, PerDType<Scalar1>> = {
  neg: { float32: (x) => -x, int32: (x) => -x | 0, uint32: (x) => -x >>> 0 },
  abs: { float32: Math.abs, int32: (x) => Math.abs(x) | 0, uint32: identity },
  sign: { float32: signOf, int32: signOf, uint32: signOf },
  exp: floatOnly(Math.exp),
  log: floatOnly(Math.log),
  sqrt: floatOnly(Math.sqrt),
  rsqrt: floatOnly((x) => 1 / Math.sqrt(x)),
  sin: floatOnly(Math.sin),
  cos: floatOnly(Math.cos),
  tanh: floatOnly(Math.tanh),
  sigmoid: floatOnly(sigmoid),
  erf: floatOnly(erf),
  floor: floatOnly(Math.floor),
  ceil: floatOnly(Math.ceil),
  round: floatOnly(roundHalfEven),
  not: { bool: (x) => (x ? 0 : 1) },
};

/** Comparisons: the same for every dtype; any comparison with NaN is false except `ne`. */
const COMPARE: Record<'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', Scalar2> = {
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

const allDTypes = (f: Scalar2): PerDType<Scalar2> => ({ float32: f, int32: f, uint32: f, bool: f });

export const BINARY_SCALAR: Record<BinaryOp, PerDType<Scalar2>> = {
  add: ADD,
  sub: { float32: (a, b) => f32(a - b), int32: (a, b) => (a - b) | 0, uint32: (a, b) => (a - b) >>> 0 },
  mul: MUL,
  div: { float32: (a, b) => f32(a / b), int32: divInt32, uint32: divUint32 },
  pow: { float32: powFloat32, int32: powInt32, uint32: powUint32 },
  max: { float32: Math.max, int32: Math.max, uint32: Math.max },
  min: { float32: Math.min, int32: Math.min, uint32: Math.min },
  mod: { float32: modFloat32, int32: modInt32, uint32: modUint32 },
  and: { bool: (a, b) => (a && b ? 1 : 0) },
  or: { bool: (a, b) => (a || b ? 1 : 0) },
  eq: allDTypes(COMPARE.eq),
  ne: allDTypes(COMPARE.ne),
  lt: allDTypes(COMPARE.lt),
  le: allDTypes(COMPARE.le),
  gt: allDTypes(COMPARE.gt),
  ge: allDTypes(COMPARE.ge),
};

/** The scalar function of unary `op` on operands of `dtype`, or undefined when the op has none for it. */
export function unaryScalar(op: UnaryOp, dtype: DType): Scalar1 | undefined {
  return Object.hasOwn(UNARY_SCALAR, op) ? UNARY_SCALAR[op][dtype] : undefined;
}

/** The scalar function of binary `op` on operands of `dtype`, or undefined when the op has none for it. */
export function binaryScalar(op: BinaryOp, dtype: DType): Scalar2 | undefined {
  return Object.hasOwn(BINARY_SCALAR, op) ? BINARY_SCALAR[op][dtype] : undefined;
}
