/**
 * Scalar functions for the loop evaluator, one per (op, operand dtype). They are the graph
 * interpreter's scalar semantics, the very tables of ir/interp/elementwise.ts, so both
 * evaluators agree bit for bit. A test checks every entry against the graph interpreter on a
 * set of awkward values.
 */
import type { DType } from '../dtype.js';
import type { PerDType, Scalar1, Scalar2 } from '../interp/arith.js';
import { BINARY_SCALARS, COMPARE_SCALARS, UNARY_SCALARS } from '../interp/elementwise.js';
import type { BinaryOp, UnaryOp } from '../loop.js';

export const UNARY_SCALAR: Record<UnaryOp, PerDType<Scalar1>> = UNARY_SCALARS;

export const BINARY_SCALAR: Record<BinaryOp, PerDType<Scalar2>> = { ...BINARY_SCALARS, ...COMPARE_SCALARS };

/** The scalar function of unary `op` on operands of `dtype`, or undefined when the op has none for it. */
export function unaryScalar(op: UnaryOp, dtype: DType): Scalar1 | undefined {
  return Object.hasOwn(UNARY_SCALAR, op) ? UNARY_SCALAR[op][dtype] : undefined;
}

/** The scalar function of binary `op` on operands of `dtype`, or undefined when the op has none for it. */
export function binaryScalar(op: BinaryOp, dtype: DType): Scalar2 | undefined {
  return Object.hasOwn(BINARY_SCALAR, op) ? BINARY_SCALAR[op][dtype] : undefined;
}
