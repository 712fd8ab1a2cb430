/**
 * Kiln's f32 transcendental functions for generated wasm: each is written once against the
 * lane-generic builder (../lanes.ts) and emitted as a scalar f32 helper function, added to a
 * module only when a kernel uses it, and in vector code inline (the short ones, MathDef.inline)
 * or as an f32x4 helper function.
 *
 * Measured accuracy (test/codegen-wasm/math.test.ts: max error in f32 ulps against the float64
 * result, over 0.4M-2M points per function: edge cases, every 8192nd f32 bit pattern, dense
 * uniform and log-uniform samples and sweeps of consecutive floats). Scalar and SIMD versions
 * run the same code and give identical results.
 *
 * | function | bound holds for  | scalar | SIMD  | method                                                  |
 * | -------- | ---------------- | ------ | ----- | ------------------------------------------------------- |
 * | exp      | all f32          | 0.93   | 0.93  | Cody-Waite ln2 reduction, e^r = 1+r+r²Q(r) (deg 4)      |
 * | log      | all f32          | 0.74   | 0.74  | 2^e·m, m in [√½,√2); atanh form, deg-2 minimax in s²    |
 * | tanh     | all f32          | 2.15   | 2.15  | m/(m + 2), m = e^2|x| - 1 from the exp reduction        |
 * | sigmoid  | all f32          | 1.74   | 1.74  | one e^-|x|; 1/(1+e) or e/(1+e), corrected for 1+e       |
 * | erf      | all f32          | 1.09   | 1.09  | odd minimax below 0.84, 1 - e^-x²·R(x) (deg 8) above    |
 * | sin, cos | all f32          | 0.50   | 0.50  | f64: 3-part π/2 (Payne-Hanek ≥ 2^28), f64 minimax       |
 * | pow      | all f32 pairs    | 0.74   | 0.74  | f64 log2 and 2^r, C powf specials                       |
 * | rsqrt    | all f32          | 0.50   | 0.50  | f64 1/sqrt rounded once: equal to the reference         |
 *
 * Bound asserted by the tests: 4 ulp (0.5 for rsqrt). Specials (NaN, ±inf, ±0 and the sign of
 * zero, overflow to inf, underflow through subnormals to 0) match the reference exactly.
 *
 * Coefficients were fitted with codegen-wasm/math/fit-coefficients.py (Remez exchange, mpmath).
 */
import type { Binaryen, Module } from '../binaryen.js';
import { FunctionBuilder } from '../function-builder.js';
import { Lanes, type Val } from '../lanes.js';
import { erfCore } from './erf.js';
import { expCore } from './exp.js';
import { sigmoidCore, tanhCore } from './hyperbolic.js';
import { logCore } from './log.js';
import { powCore, rsqrtCore } from './pow.js';
import { trigCore } from './trig.js';

export type MathFunction = 'exp' | 'log' | 'tanh' | 'sigmoid' | 'erf' | 'sin' | 'cos' | 'pow' | 'rsqrt';

interface MathDef {
  readonly arity: 1 | 2;
  /**
   * Emitted inline in vector code rather than called: short straight-line code, whose constants
   * the engine then keeps in registers across the loop instead of re-creating them per call.
   */
  readonly inline: boolean;
  build(L: Lanes, args: readonly Val[]): Val;
}

export const MATH_FUNCTIONS: Readonly<Record<MathFunction, MathDef>> = {
  exp: { arity: 1, inline: true, build: (L, [x]) => expCore(L, x) },
  log: { arity: 1, inline: true, build: (L, [x]) => logCore(L, x) },
  tanh: { arity: 1, inline: true, build: (L, [x]) => tanhCore(L, x) },
  sigmoid: { arity: 1, inline: true, build: (L, [x]) => sigmoidCore(L, x) },
  erf: { arity: 1, inline: true, build: (L, [x]) => erfCore(L, x) },
  sin: { arity: 1, inline: false, build: (L, [x]) => trigCore(L, x, 'sin') },
  cos: { arity: 1, inline: false, build: (L, [x]) => trigCore(L, x, 'cos') },
  pow: { arity: 2, inline: false, build: (L, [a, b]) => powCore(L, a, b) },
  rsqrt: { arity: 1, inline: true, build: (L, [x]) => rsqrtCore(L, x) },
};

export const MATH_FUNCTION_NAMES = Object.keys(MATH_FUNCTIONS) as MathFunction[];

export function isMathFunction(name: string): name is MathFunction {
  return name in MATH_FUNCTIONS;
}

export function mathHelperName(fn: MathFunction, width: 1 | 4): string {
  return `kiln_${fn}_${width === 4 ? 'f32x4' : 'f32'}`;
}

/** Adds the helper function for `fn` at the given lane width to `m` and returns its name. */
export function addMathHelper(b: Binaryen, m: Module, fn: MathFunction, width: 1 | 4): string {
  const name = mathHelperName(fn, width);
  const def = MATH_FUNCTIONS[fn];
  const type = width === 4 ? b.v128 : b.f32;
  const params = Array.from({ length: def.arity }, () => type);
  const fb = new FunctionBuilder(b, m, params);
  const L = new Lanes(fb, width);
  const args = params.map((_, i) => L.fromLocals('f', [i]));
  const result = def.build(L, args).one();
  const { vars, body } = fb.finish();
  m.addFunction(name, b.createType(params), type, vars, m.block(null, [body, result], type));
  return name;
}
