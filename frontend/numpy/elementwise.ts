/** Elementwise NumPy functions: math, arithmetic, comparisons, logic, where, clip, astype. */
import { type DType, isFloat, shortDType } from '../../ir/index.js';
import { bind } from '../dispatch.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, broadcastTensors, cast, fail, operands, resultDType, toTensor } from './core.js';

/** Float math: integer and bool inputs are computed in float32, as NumPy promotes them. */
function floatUnary(op: string, fn: string) {
  return (x: TensorLike): Tensor => {
    const t = toTensor(fn, x);
    return bind(op, [isFloat(t.dtype) ? t : cast(t, 'float32')]);
  };
}

/** Sign-aware ops on numbers; bool has no sign. */
function numericUnary(op: string, fn: string) {
  return (x: TensorLike): Tensor => {
    const t = toTensor(fn, x);
    if (t.dtype === 'bool') fail(fn, `not defined for bool tensors (${shortDType(t.dtype)}[${t.shape.join(',')}]); use logicalNot or astype first`);
    return bind(op, [t]);
  };
}

export const exp = floatUnary('exp', 'exp');
export const log = floatUnary('log', 'log');
export const sqrt = floatUnary('sqrt', 'sqrt');
export const rsqrt = floatUnary('rsqrt', 'rsqrt');
export const sin = floatUnary('sin', 'sin');
export const cos = floatUnary('cos', 'cos');
export const tanh = floatUnary('tanh', 'tanh');
export const sigmoid = floatUnary('sigmoid', 'sigmoid');
export const erf = floatUnary('erf', 'erf');
export const floor = floatUnary('floor', 'floor');
export const ceil = floatUnary('ceil', 'ceil');
export const round = floatUnary('round', 'round');
export const negative = numericUnary('neg', 'negative');
export const abs = numericUnary('abs', 'abs');
export const sign = numericUnary('sign', 'sign');

export function square(x: TensorLike): Tensor {
  const t = arithmeticOperands('square', [x])[0];
  return bind('mul', [t, t]);
}

export function reciprocal(x: TensorLike): Tensor {
  return divide(1, x);
}

/** Arithmetic promotes bool to int32 (NumPy would treat bool + bool as logical or). */
function arithmeticOperands(fn: string, args: readonly TensorLike[], dtype?: DType): Tensor[] {
  const d = dtype ?? resultDType(args);
  return operands(fn, args, d === 'bool' ? 'int32' : d);
}

function arithmetic(op: string, fn: string) {
  return (a: TensorLike, b: TensorLike): Tensor => bind(op, arithmeticOperands(fn, [a, b]));
}

export const add = arithmetic('add', 'add');
export const subtract = arithmetic('sub', 'subtract');
export const multiply = arithmetic('mul', 'multiply');
export const maximum = arithmetic('max', 'maximum');
export const minimum = arithmetic('min', 'minimum');
/** NumPy mod: the result has the sign of the divisor. Integer x mod 0 is 0. */
export const mod = arithmetic('mod', 'mod');
export const power = arithmetic('pow', 'power');

/** True division: integers are divided in float32. */
export function divide(a: TensorLike, b: TensorLike): Tensor {
  const d = resultDType([a, b]);
  return bind('div', operands('divide', [a, b], isFloat(d) ? d : 'float32'));
}

/** Floor division (NumPy //): floors floats; for integers rounds toward -inf. x // 0 is 0 for integers. */
export function floorDivide(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = arithmeticOperands('floorDivide', [a, b]);
  if (isFloat(x.dtype)) return bind('floor', [bind('div', [x, y])]);
  const q = bind('div', [x, y]);
  if (x.dtype === 'uint32') return q;
  // Truncated quotient is one too large when the remainder is non-zero and the signs differ.
  const zero = operands('floorDivide', [0, x], x.dtype)[0];
  const r = bind('sub', [x, bind('mul', [q, y])]);
  const signsDiffer = bind('ne', [bind('lt', [x, zero]), bind('lt', [y, zero])]);
  const adjust = bind('and', [bind('ne', [r, zero]), signsDiffer]);
  return bind('sub', [q, cast(adjust, x.dtype)]);
}

function comparison(op: string, fn: string) {
  return (a: TensorLike, b: TensorLike): Tensor => bind(op, operands(fn, [a, b]));
}

export const equal = comparison('eq', 'equal');
export const notEqual = comparison('ne', 'notEqual');
export const less = comparison('lt', 'less');
export const lessEqual = comparison('le', 'lessEqual');
export const greater = comparison('gt', 'greater');
export const greaterEqual = comparison('ge', 'greaterEqual');

export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return bind('and', operands('logicalAnd', [a, b], 'bool'));
}

export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return bind('or', operands('logicalOr', [a, b], 'bool'));
}

export function logicalXor(a: TensorLike, b: TensorLike): Tensor {
  return bind('ne', operands('logicalXor', [a, b], 'bool'));
}

export function logicalNot(x: TensorLike): Tensor {
  return bind('not', [toTensor('logicalNot', x, 'bool')]);
}

/** Elementwise choice: `cond ? a : b`, with all three broadcast together. */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  return bind('select', broadcastTensors('where', [toTensor('where', cond, 'bool'), ...operands('where', [a, b])]));
}

/** Limits values to [lo, hi]; either bound may be null. Like NumPy, min(max(x, lo), hi). */
export function clip(x: TensorLike, lo: TensorLike | null, hi: TensorLike | null): Tensor {
  if (lo === null && hi === null) fail('clip', 'needs at least one of lo and hi');
  let t = toTensor('clip', x);
  if (lo !== null) t = maximum(t, lo);
  if (hi !== null) t = minimum(t, hi);
  return t;
}

/** Converts to `dtype` (float to int truncates toward zero and saturates; NaN becomes 0). */
export function astype(x: TensorLike, dtype: DType): Tensor {
  if (!['float32', 'int32', 'uint32', 'bool'].includes(dtype)) fail('astype', `unknown dtype ${JSON.stringify(dtype)}; expected float32, int32, uint32 or bool`);
  return cast(toTensor('astype', x), dtype);
}

export function isnan(x: TensorLike): Tensor {
  const t = toTensor('isnan', x);
  return isFloat(t.dtype) ? bind('ne', [t, t]) : operands('isnan', [false, t], 'bool')[0];
}
