/**
 * Kiln's scalar ops as WGSL expressions (semantics: ir/interp/arith.ts and convertScalar). A
 * value is WGSL code plus its dtype and lane count: 1, or 4 inside a vectorized loop (vec4<f32>
 * and vec4<bool> only; VECTOR_UNARY/VECTOR_BINARY list what has a vector form).
 *
 * WGSL evaluates expressions whose operands are all constants at shader-creation time and
 * rejects overflow, NaN and infinity there; an op on constants therefore first binds one operand
 * with `let` (OpContext.materialize), which makes it a runtime value.
 */
import type { DType } from '../ir/dtype.js';
import type { BinaryOp, UnaryOp } from '../ir/loop.js';
import { WgslCodegenError } from './errors.js';
import type { HelperSet } from './helpers.js';
import { valueType } from './wgsl.js';

export interface WValue {
  readonly code: string;
  readonly dtype: DType;
  readonly width: number;
  /** A WGSL constant expression (a literal, or an op on literals). */
  readonly isConst: boolean;
}

export interface OpContext {
  readonly helpers: HelperSet;
  /** Binds `v` to a fresh `let` and returns the name (a runtime value). */
  materialize(v: WValue): WValue;
}

export const runtime = (code: string, dtype: DType, width: number): WValue => ({ code, dtype, width, isConst: false });

/** Unary ops with a vec4<f32> (or vec4<bool> for `not`) form. */
export const VECTOR_UNARY: ReadonlySet<UnaryOp> = new Set([
  'neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'tanh', 'sigmoid', 'erf', 'floor', 'ceil', 'round', 'not',
]);
/** Binary ops with a vector form on f32 operands (and/or/eq/ne also on bool). */
export const VECTOR_BINARY: ReadonlySet<BinaryOp> = new Set(['add', 'sub', 'mul', 'div', 'max', 'min', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or']);

function unsupported(what: string, dtype: DType, width: number): never {
  throw new WgslCodegenError(`${what} is not defined for ${valueType(dtype, width)}`);
}

/** `v` with `width` lanes (a scalar is splatted). */
export function widen(v: WValue, width: number): WValue {
  if (v.width === width) return v;
  if (v.width !== 1) throw new Error(`internal: cannot widen a ${v.width}-lane value to ${width}`);
  return { code: `${valueType(v.dtype, width)}(${v.code})`, dtype: v.dtype, width, isConst: v.isConst };
}

/** Binds the first operand when every operand is a constant (see the file comment). */
function unconst(cx: OpContext, operands: WValue[]): WValue[] {
  if (operands.every((v) => v.isConst)) operands[0] = cx.materialize(operands[0]);
  return operands;
}

const suffix = (width: number): string => (width === 1 ? 'f32' : 'v4f32');

export function emitUnary(cx: OpContext, op: UnaryOp, xIn: WValue): WValue {
  const [x] = unconst(cx, [xIn]);
  const { dtype: d, width: w } = x;
  const out = (code: string): WValue => runtime(code, d, w);
  const call = (name: string): WValue => out(`${cx.helpers.use(name)}(${x.code})`);
  const float = d === 'float32';
  if (w !== 1 && !VECTOR_UNARY.has(op)) unsupported(op, d, w);
  switch (op) {
    case 'neg':
      if (d === 'uint32') return out(`(0u - ${x.code})`);
      return d === 'bool' ? unsupported(op, d, w) : out(`(-${x.code})`);
    case 'abs':
      if (d === 'uint32') return x;
      return d === 'bool' ? unsupported(op, d, w) : out(`abs(${x.code})`);
    case 'sign':
      if (float) return call('kiln_sign_f32');
      if (d === 'int32') return out(`sign(${x.code})`);
      return d === 'uint32' ? out(`select(0u, 1u, ${x.code} != 0u)`) : unsupported(op, d, w);
    case 'exp': case 'log': case 'tanh': case 'sigmoid': case 'erf':
      return float ? call(`kiln_${op}_${suffix(w)}`) : unsupported(op, d, w);
    case 'sin': case 'cos':
      return float ? call(`kiln_${op}_f32`) : unsupported(op, d, w);
    case 'sqrt': case 'floor': case 'ceil': case 'round':
      return float ? out(`${op}(${x.code})`) : unsupported(op, d, w);
    case 'rsqrt':
      return float ? out(`(1.0f / sqrt(${x.code}))`) : unsupported(op, d, w);
    case 'not':
      return d === 'bool' ? out(`(!${x.code})`) : unsupported(op, d, w);
  }
}

const INFIX: Partial<Record<BinaryOp, string>> = {
  add: '+', sub: '-', mul: '*', eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=', and: '&', or: '|',
};

export function emitBinary(cx: OpContext, op: BinaryOp, aIn: WValue, bIn: WValue): WValue {
  const width = Math.max(aIn.width, bIn.width);
  const [a, b] = unconst(cx, [widen(aIn, width), widen(bIn, width)]);
  const d = a.dtype;
  if (width !== 1 && !VECTOR_BINARY.has(op)) unsupported(op, d, width);
  const call = (name: string): WValue => runtime(`${cx.helpers.use(name)}(${a.code}, ${b.code})`, d, width);
  const short = d === 'float32' ? 'f32' : d === 'int32' ? 'i32' : 'u32';
  switch (op) {
    case 'add': case 'sub': case 'mul':
      if (d === 'bool') unsupported(op, d, width);
      return runtime(`(${a.code} ${INFIX[op]} ${b.code})`, d, width);
    case 'div':
      if (d === 'float32') return runtime(`(${a.code} / ${b.code})`, d, width);
      return d === 'bool' ? unsupported(op, d, width) : call(`kiln_div_${short}`);
    case 'mod':
    case 'pow':
      return d === 'bool' ? unsupported(op, d, width) : call(`kiln_${op}_${short}`);
    case 'max': case 'min':
      if (d === 'float32') return call(`kiln_${op}_${suffix(width)}`);
      return d === 'bool' ? unsupported(op, d, width) : runtime(`${op}(${a.code}, ${b.code})`, d, width);
    case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge':
      if (d === 'bool' && op !== 'eq' && op !== 'ne') {
        if (width !== 1) unsupported(op, d, width);
        return runtime(`(u32(${a.code}) ${INFIX[op]} u32(${b.code}))`, 'bool', width);
      }
      if (d === 'float32') return runtime(`${cx.helpers.use(`kiln_${op}_${suffix(width)}`)}(${a.code}, ${b.code})`, 'bool', width);
      return runtime(`(${a.code} ${INFIX[op]} ${b.code})`, 'bool', width);
    case 'and': case 'or':
      return d === 'bool' ? runtime(`(${a.code} ${INFIX[op]} ${b.code})`, d, width) : unsupported(op, d, width);
  }
}

export function emitSelect(cx: OpContext, condIn: WValue, aIn: WValue, bIn: WValue): WValue {
  const width = Math.max(condIn.width, aIn.width, bIn.width);
  const [a, b, cond] = unconst(cx, [widen(aIn, width), widen(bIn, width), condIn.width === 1 ? condIn : widen(condIn, width)]);
  return runtime(`select(${b.code}, ${a.code}, ${cond.code})`, a.dtype, width);
}

/** cast with convertScalar semantics (saturating float→int, NaN→0; int→float rounds to nearest even). */
export function emitCast(cx: OpContext, to: DType, xIn: WValue): WValue {
  const from = xIn.dtype;
  if (from === to) return xIn;
  if (xIn.width !== 1) unsupported(`cast to ${to}`, from, xIn.width);
  const [x] = unconst(cx, [xIn]);
  const out = (code: string): WValue => runtime(code, to, 1);
  const call = (name: string): WValue => out(`${cx.helpers.use(name)}(${x.code})`);
  // NaN is true: tested on the bits (Mesa folded `NaN != 0.0` to false).
  if (to === 'bool') return out(from === 'float32' ? `((bitcast<u32>(${x.code}) & 0x7fffffffu) != 0u)` : `(${x.code} != ${from === 'int32' ? '0i' : '0u'})`);
  if (from === 'bool') return out(`select(${to === 'float32' ? '0.0f, 1.0f' : to === 'int32' ? '0i, 1i' : '0u, 1u'}, ${x.code})`);
  if (to === 'float32') return call(from === 'int32' ? 'kiln_i32_to_f32' : 'kiln_u32_to_f32');
  if (from === 'float32') return call(to === 'int32' ? 'kiln_f32_to_i32' : 'kiln_f32_to_u32');
  return out(`bitcast<${to === 'int32' ? 'i32' : 'u32'}>(${x.code})`);
}
