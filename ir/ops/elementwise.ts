/** Elementwise ops, select, cast and the value sources (iota, const). */
import type { Attrs } from '../graph.js';
import { type DType, fitsDType, isFloat, isNumeric, shortDType } from '../dtype.js';
import { OpError } from '../errors.js';
import { type TensorType, formatType, shapesEqual, sizeOf, tensorType } from '../types.js';
import { dtypeAttr, intAttr } from './attrs.js';
import { registerOp } from './registry.js';

type DTypeRule = { allowed: (d: DType) => boolean; describe: string };
const FLOAT: DTypeRule = { allowed: isFloat, describe: 'f32' };
const NUMERIC: DTypeRule = { allowed: isNumeric, describe: 'f32, i32 or u32' };
const BOOL: DTypeRule = { allowed: (d) => d === 'bool', describe: 'bool' };
const ANY: DTypeRule = { allowed: () => true, describe: 'any dtype' };

function checkDType(op: string, t: TensorType, rule: DTypeRule): void {
  if (!rule.allowed(t.dtype)) throw new OpError(op, `operand ${formatType(t)} has dtype ${shortDType(t.dtype)}; expected ${rule.describe}`);
}

export const UNARY_OPS: Record<string, { rule: DTypeRule; doc: string }> = {
  neg: { rule: NUMERIC, doc: '-x (integers wrap)' },
  abs: { rule: NUMERIC, doc: '|x| (abs of INT_MIN wraps to INT_MIN)' },
  sign: { rule: NUMERIC, doc: '-1, 0 or 1 (NaN stays NaN)' },
  exp: { rule: FLOAT, doc: 'e to the power x' },
  log: { rule: FLOAT, doc: 'natural log; log(0) = -inf, log(x<0) = NaN' },
  sqrt: { rule: FLOAT, doc: 'square root; NaN for x < 0' },
  rsqrt: { rule: FLOAT, doc: '1/sqrt(x)' },
  sin: { rule: FLOAT, doc: 'sin(x), x in radians' },
  cos: { rule: FLOAT, doc: 'cos(x), x in radians' },
  tanh: { rule: FLOAT, doc: 'hyperbolic tangent' },
  sigmoid: { rule: FLOAT, doc: '1/(1+e^-x)' },
  erf: { rule: FLOAT, doc: 'Gauss error function' },
  floor: { rule: FLOAT, doc: 'round toward -inf' },
  ceil: { rule: FLOAT, doc: 'round toward +inf' },
  round: { rule: FLOAT, doc: 'round half to even (as NumPy)' },
  not: { rule: BOOL, doc: 'logical not' },
};

export const BINARY_OPS: Record<string, { rule: DTypeRule; result?: DType; doc: string }> = {
  add: { rule: NUMERIC, doc: 'a + b (integers wrap)' },
  sub: { rule: NUMERIC, doc: 'a - b (integers wrap)' },
  mul: { rule: NUMERIC, doc: 'a * b (integers wrap)' },
  div: { rule: NUMERIC, doc: 'a / b; integers truncate toward zero and x/0 = 0' },
  pow: { rule: NUMERIC, doc: 'a ** b; integer pow with a negative exponent is 0 unless |a| = 1' },
  max: { rule: NUMERIC, doc: 'larger of a, b; NaN if either is NaN' },
  min: { rule: NUMERIC, doc: 'smaller of a, b; NaN if either is NaN' },
  mod: { rule: NUMERIC, doc: 'remainder with the sign of b (NumPy mod); integer x mod 0 = 0' },
  eq: { rule: ANY, result: 'bool', doc: 'a == b' },
  ne: { rule: ANY, result: 'bool', doc: 'a != b' },
  lt: { rule: ANY, result: 'bool', doc: 'a < b' },
  le: { rule: ANY, result: 'bool', doc: 'a <= b' },
  gt: { rule: ANY, result: 'bool', doc: 'a > b' },
  ge: { rule: ANY, result: 'bool', doc: 'a >= b' },
  and: { rule: BOOL, doc: 'logical and' },
  or: { rule: BOOL, doc: 'logical or' },
};

for (const [name, { rule, doc }] of Object.entries(UNARY_OPS)) {
  registerOp({
    name, category: name === 'not' ? 'logical' : 'unary', arity: 1, attrs: [], doc,
    infer([x]) {
      checkDType(name, x, rule);
      return x;
    },
  });
}

for (const [name, { rule, result, doc }] of Object.entries(BINARY_OPS)) {
  registerOp({
    name, category: result ? 'compare' : rule === BOOL ? 'logical' : 'binary', arity: 2, attrs: [], doc,
    infer([a, b]) {
      if (!shapesEqual(a.shape, b.shape) || a.dtype !== b.dtype) {
        throw new OpError(name, `operands ${formatType(a)} and ${formatType(b)} must have the same shape and dtype (broadcast them first)`);
      }
      checkDType(name, a, rule);
      return result ? tensorType(result, a.shape) : a;
    },
  });
}

registerOp({
  name: 'select', category: 'select', arity: 3, attrs: [], doc: 'cond ? a : b, elementwise',
  infer([c, a, b]) {
    if (c.dtype !== 'bool') throw new OpError('select', `condition ${formatType(c)} must be bool`);
    if (!shapesEqual(c.shape, a.shape) || !shapesEqual(a.shape, b.shape) || a.dtype !== b.dtype) {
      throw new OpError('select', `condition ${formatType(c)} and branches ${formatType(a)}, ${formatType(b)} must have one shape, and the branches one dtype`);
    }
    return a;
  },
});

registerOp({
  name: 'cast', category: 'cast', arity: 1, attrs: ['to'],
  doc: 'convert dtype: float to int truncates and saturates (NaN to 0); int to int keeps the low 32 bits; to bool is x != 0',
  infer([x], attrs) {
    return tensorType(dtypeAttr('cast', attrs, 'to'), x.shape);
  },
});

function checkDeclared(op: string, declared: TensorType | undefined): TensorType {
  if (!declared) throw new OpError(op, 'needs a declared result type');
  return declared;
}

registerOp({
  name: 'iota', category: 'source', arity: 0, attrs: ['dim'], declaredType: true,
  doc: 'the index along dimension `dim`, at every position of the declared shape',
  infer(_inputs, attrs, declared) {
    const t = checkDeclared('iota', declared);
    const dim = intAttr('iota', attrs, 'dim');
    if (dim < 0 || dim >= t.shape.length) throw new OpError('iota', `dim ${dim} is out of range for ${formatType(t)}`);
    if (t.dtype === 'bool') throw new OpError('iota', 'result dtype must be numeric, got bool');
    return t;
  },
});

/** Checks a const's value attr: a number (splat) or a flat row-major list with one value per element. */
export function constValue(attrs: Attrs, t: TensorType): number | readonly number[] {
  const v = attrs.value;
  const checkFits = (x: number): void => {
    if (!fitsDType(x, t.dtype)) throw new OpError('const', `value ${x} is not representable in ${formatType(t)}`);
  };
  if (typeof v === 'number') {
    checkFits(v);
    return v;
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
    if (v.length !== sizeOf(t.shape)) throw new OpError('const', `${formatType(t)} needs ${sizeOf(t.shape)} values, got ${v.length}`);
    (v as number[]).forEach(checkFits);
    return v as readonly number[];
  }
  throw new OpError('const', `value must be a number or a flat list of numbers, got ${JSON.stringify(v)}`);
}

registerOp({
  name: 'const', category: 'source', arity: 0, attrs: ['value'], declaredType: true,
  doc: 'a literal: one number splatted over the declared shape, or a flat row-major list',
  infer(_inputs, attrs, declared) {
    const t = checkDeclared('const', declared);
    constValue(attrs, t);
    return t;
  },
});
