/**
 * Kiln's f32 transcendental functions for generated wasm: each is written once against the
 * lane-generic builder (../lanes.ts) and emitted as a scalar f32 helper function and an f32x4
 * SIMD helper function, added to a module only when a kernel uses it.
 *
 * Measured accuracy (test/codegen-wasm/math.test.ts, max error in f32 ulps against the float64
 * result, over ≥ 1e5 dense samples of each domain plus edge cases and an exhaustive-ish sweep):
 *
 * | function | domain of the bound   | scalar | SIMD | method                                              |
 * | -------- | --------------------- | ------ | ---- | --------------------------------------------------- |
 * | exp      | all f32               |  TBD   | TBD  | Cody-Waite + degree-6 minimax, 2-step 2^k scaling    |
 * | log      | all f32               |  TBD   | TBD  | atanh series form, degree-2 minimax in s²           |
 * | tanh     | all f32               |  TBD   | TBD  | odd minimax below 0.625, 1 - 2/(e^2x + 1) above     |
 * | sigmoid  | all f32               |  TBD   | TBD  | e^-|x| once; 1/(1+e) or e/(1+e)                     |
 * | erf      | all f32               |  TBD   | TBD  | odd minimax below 0.84, 1 - e^-x²·R(x) above        |
 * | sin, cos | |x| < 2^28            |  TBD   | TBD  | f64 3-part π/2 reduction, f64 minimax polynomials   |
 * | pow      | all f32 pairs         |  TBD   | TBD  | f64 log2 and exp2 (C powf specials)                 |
 * | rsqrt    | all f32               |  0.5   | 0.5  | f64 1/sqrt rounded once: equal to the reference     |
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
  build(L: Lanes, args: readonly Val[]): Val;
}

export const MATH_FUNCTIONS: Readonly<Record<MathFunction, MathDef>> = {
  exp: { arity: 1, build: (L, [x]) => expCore(L, x) },
  log: { arity: 1, build: (L, [x]) => logCore(L, x) },
  tanh: { arity: 1, build: (L, [x]) => tanhCore(L, x) },
  sigmoid: { arity: 1, build: (L, [x]) => sigmoidCore(L, x) },
  erf: { arity: 1, build: (L, [x]) => erfCore(L, x) },
  sin: { arity: 1, build: (L, [x]) => trigCore(L, x, 'sin') },
  cos: { arity: 1, build: (L, [x]) => trigCore(L, x, 'cos') },
  pow: { arity: 2, build: (L, [a, b]) => powCore(L, a, b) },
  rsqrt: { arity: 1, build: (L, [x]) => rsqrtCore(L, x) },
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
