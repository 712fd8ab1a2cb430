/**
 * Constructors for loop-IR expressions. Index helpers (`iadd`, `imul`, ...) fold constants and
 * identities as they build, so lowered index arithmetic starts out readable.
 */
import type { BinaryOp, DType, Expr, IndexVar, ReduceOp, UnaryOp } from '../../ir/index.js';
import { COMPARE_OPS } from '../../ir/index.js';

export const constant = (value: number, dtype: DType): Expr => ({ kind: 'const', dtype, value });
export const int = (value: number): Expr => constant(value, 'int32');
export const indexVar = (name: string): Expr => ({ kind: 'var', dtype: 'int32', name });
export const scalarVar = (name: string, dtype: DType): Expr => ({ kind: 'var', dtype, name });

export function unary(op: UnaryOp, x: Expr): Expr {
  return { kind: 'unary', dtype: x.dtype, op, x };
}

export function binary(op: BinaryOp, a: Expr, b: Expr): Expr {
  const dtype = COMPARE_OPS.includes(op) ? 'bool' : a.dtype;
  return { kind: 'binary', dtype, op, a, b };
}

export function cast(x: Expr, dtype: DType): Expr {
  if (x.dtype === dtype) return x;
  return { kind: 'cast', dtype, x };
}

export function select(cond: Expr, a: Expr, b: Expr): Expr {
  if (cond.kind === 'const') return cond.value ? a : b;
  return { kind: 'select', dtype: a.dtype, cond, a, b };
}

export function load(buffer: string, dtype: DType, index: Expr, guard?: Expr, other = 0): Expr {
  if (!guard || (guard.kind === 'const' && guard.value)) return { kind: 'load', dtype, buffer, index };
  return { kind: 'load', dtype, buffer, index, guard, other };
}

export function reduce(op: ReduceOp, vars: readonly IndexVar[], init: number, body: Expr): Expr {
  const dtype = op === 'argmax' || op === 'argmin' ? 'int32' : body.dtype;
  return { kind: 'reduce', dtype, op, vars, init, body };
}

const isInt = (e: Expr, v: number) => e.kind === 'const' && e.value === v;

export function iadd(a: Expr, b: Expr): Expr {
  if (a.kind === 'const' && b.kind === 'const') return int((a.value + b.value) | 0);
  if (isInt(a, 0)) return b;
  if (isInt(b, 0)) return a;
  if (a.kind === 'const') return iadd(b, a); // constants to the right
  if (b.kind === 'const' && b.value < 0 && b.value !== -2147483648) return binary('sub', a, int(-b.value));
  return binary('add', a, b);
}

export function isub(a: Expr, b: Expr): Expr {
  if (b.kind === 'const') return iadd(a, int(-b.value | 0));
  return binary('sub', a, b);
}

export function imul(a: Expr, b: Expr): Expr {
  if (a.kind === 'const' && b.kind === 'const') return int(Math.imul(a.value, b.value));
  if (isInt(a, 0) || isInt(b, 0)) return int(0);
  if (isInt(a, 1)) return b;
  if (isInt(b, 1)) return a;
  if (a.kind === 'const') return imul(b, a);
  return binary('mul', a, b);
}

/** Floor division by a positive constant of a non-negative index. */
export function idiv(a: Expr, d: number): Expr {
  if (d === 1) return a;
  if (a.kind === 'const') return int(Math.floor(a.value / d));
  return binary('div', a, int(d));
}

export function imod(a: Expr, d: number): Expr {
  if (d === 1) return int(0);
  if (a.kind === 'const') return int(((a.value % d) + d) % d);
  return binary('mod', a, int(d));
}

export const ilt = (a: Expr, b: Expr): Expr => binary('lt', a, b);
export const ige = (a: Expr, b: Expr): Expr => binary('ge', a, b);

/** Logical and that drops constant-true operands. */
export function and(a: Expr | undefined, b: Expr | undefined): Expr | undefined {
  if (!a || (a.kind === 'const' && a.value)) return b;
  if (!b || (b.kind === 'const' && b.value)) return a;
  return binary('and', a, b);
}

/** `0 <= e < n` as a bool expression (constant-folded where possible). */
export function inRange(e: Expr, n: number): Expr {
  if (e.kind === 'const') return constant(e.value >= 0 && e.value < n ? 1 : 0, 'bool');
  return and(ige(e, int(0)), ilt(e, int(n)))!;
}

/** Row-major flat index of `idx` in `shape`. */
export function ravel(idx: readonly Expr[], shape: readonly number[]): Expr {
  let flat: Expr = int(0);
  for (let k = 0; k < shape.length; k++) flat = iadd(imul(flat, int(shape[k])), idx[k]);
  return flat;
}

/** Inverse of ravel for a non-negative flat index. */
export function unravelIndex(flat: Expr, shape: readonly number[]): Expr[] {
  const out: Expr[] = new Array(shape.length);
  let stride = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    out[k] = shape[k] === 1 ? int(0) : imod(idiv(flat, stride), shape[k]);
    stride *= shape[k];
  }
  if (shape.length) {
    // The outermost dim needs no modulo: the flat index is in range.
    let outer = 1;
    for (let k = 1; k < shape.length; k++) outer *= shape[k];
    out[0] = shape[0] === 1 ? int(0) : idiv(flat, outer);
  }
  return out;
}
