/** Reference semantics of the elementwise ops, select, cast and the value sources (iota, const). */
import { allocArray, convertScalar, wrapScalar } from '../dtype.js';
import { constValue } from '../ops/index.js';
import { dtypeAttr, intAttr } from '../ops/attrs.js';
import { sizeOf, stridesOf } from '../types.js';
import type { OpImpl } from './host-tensor.js';
import {
  ADD, MUL, type PerDType, type Scalar1, type Scalar2, divInt32, divUint32, modFloat32, modInt32, modUint32,
  pickForDType, powFloat32, powInt32, powUint32, roundHalfEven, sigmoid, signOf,
} from './arith.js';
import { erf } from './erf.js';

const f32 = Math.fround;
const identity: Scalar1 = (x) => x;

/** A float-only unary op: the float64 function, rounded to f32. */
const floatOnly = (f: Scalar1): PerDType<Scalar1> => ({ float32: (x) => f32(f(x)) });
/** An op that means the same on every dtype. */
const everyDType = (f: Scalar2): PerDType<Scalar2> => ({ float32: f, int32: f, uint32: f, bool: f });

/**
 * The scalar semantics of the unary elementwise ops, one function per operand dtype: the one
 * source for every evaluator (the loop evaluator uses these tables too).
 */
export const UNARY_SCALARS = {
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
} satisfies Record<string, PerDType<Scalar1>>;

/** The scalar semantics of the arithmetic and logical binary ops, one function per operand dtype. */
export const BINARY_SCALARS = {
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
} satisfies Record<string, PerDType<Scalar2>>;

/** Comparisons: the same for every dtype; any comparison with NaN is false except `ne`. */
export const COMPARE_SCALARS = {
  eq: everyDType((a, b) => (a === b ? 1 : 0)),
  ne: everyDType((a, b) => (a !== b ? 1 : 0)),
  lt: everyDType((a, b) => (a < b ? 1 : 0)),
  le: everyDType((a, b) => (a <= b ? 1 : 0)),
  gt: everyDType((a, b) => (a > b ? 1 : 0)),
  ge: everyDType((a, b) => (a >= b ? 1 : 0)),
} satisfies Record<string, PerDType<Scalar2>>;

function unaryImpl(name: string, table: PerDType<Scalar1>): OpImpl {
  return ([x], _attrs, outType) => {
    const f = pickForDType(name, table, x.type.dtype);
    const out = allocArray(outType.dtype, x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = f(x.data[i]);
    return out;
  };
}

function binaryImpl(name: string, table: PerDType<Scalar2>): OpImpl {
  return ([a, b], _attrs, outType) => {
    const g = pickForDType(name, table, a.type.dtype);
    const out = allocArray(outType.dtype, a.data.length);
    for (let i = 0; i < out.length; i++) out[i] = g(a.data[i], b.data[i]);
    return out;
  };
}

const select: OpImpl = ([cond, a, b], _attrs, outType) => {
  const out = allocArray(outType.dtype, a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = cond.data[i] ? a.data[i] : b.data[i];
  return out;
};

const cast: OpImpl = ([x], attrs, outType) => {
  const from = x.type.dtype;
  const to = dtypeAttr('cast', attrs, 'to');
  const out = allocArray(outType.dtype, x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = convertScalar(x.data[i], from, to);
  return out;
};

/** iota{dim}: every element holds its own index along `dim`. */
const iota: OpImpl = (_inputs, attrs, outType) => {
  const dim = intAttr('iota', attrs, 'dim');
  const stride = stridesOf(outType.shape)[dim];
  const extent = outType.shape[dim];
  const out = allocArray(outType.dtype, sizeOf(outType.shape));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(i / stride) % extent;
  return out;
};

/** const{value}: a splat or a flat row-major list, each value put into the dtype with wrapScalar. */
const constant: OpImpl = (_inputs, attrs, outType) => {
  const value = constValue(attrs, outType);
  const out = allocArray(outType.dtype, sizeOf(outType.shape));
  if (typeof value === 'number') out.fill(wrapScalar(value, outType.dtype));
  else for (let i = 0; i < out.length; i++) out[i] = wrapScalar(value[i], outType.dtype);
  return out;
};

function buildTable(): Record<string, OpImpl> {
  const table: Record<string, OpImpl> = { select, cast, iota, const: constant };
  for (const [name, perDType] of Object.entries(UNARY_SCALARS)) table[name] = unaryImpl(name, perDType);
  for (const [name, perDType] of Object.entries({ ...BINARY_SCALARS, ...COMPARE_SCALARS })) table[name] = binaryImpl(name, perDType);
  return table;
}

export const ELEMENTWISE_IMPLS: Record<string, OpImpl> = buildTable();
