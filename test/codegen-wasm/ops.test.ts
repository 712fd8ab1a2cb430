/**
 * Every unary/binary op and cast on every dtype, in scalar code and in vec=4 loops, against the
 * loop-IR reference evaluator (ir/loop-eval.ts): bit for bit, except the transcendentals, which
 * must be within 4 ulp of the reference and exact on special values.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type DType, type TypedArray, DTYPES, allocArray, shortDType } from '../../ir/dtype.js';
import { evaluateProgram } from '../../ir/loop-eval.js';
import { binaryScalar, unaryScalar } from '../../ir/loop-eval/scalar.js';
import { type BinaryOp, type Expr, LOOP_BINARY_OPS, LOOP_UNARY_OPS, type Stmt, type UnaryOp } from '../../ir/loop.js';
import { loadBinaryen } from '../../codegen-wasm/binaryen.js';
import {
  type ParamSpec, binary, cast, constOf, kernel, load, loop, mismatches, runWasm, sameValue, singleKernelProgram, store, unary, v,
} from './build.js';
import { ulpError } from './ulp.js';

beforeAll(async () => {
  await loadBinaryen();
});

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export const VALUES: Record<DType, readonly number[]> = {
  float32: [
    0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, -7.25, 1e-40, -1e-40, 1e30, -1e30, 3.4028234663852886e38, -3.4028234663852886e38,
    Infinity, -Infinity, NaN, 2147483648, -2147483648, 4294967296, 4294967040, 2147483520, 0.1, 100.7, -100.7, 7, -7, 1e-7,
  ].map(Math.fround),
  int32: [0, 1, -1, 2, -2, 7, -7, 3, 100, -100, INT32_MAX, INT32_MIN, INT32_MIN + 1, 65536, 31, 32, 33, 12345678, -12345678],
  uint32: [0, 1, 2, 7, 3, 100, 2147483648, 4294967295, 2147483647, 65536, 31, 32, 4000000000, 12345678],
  bool: [0, 1],
};

const TRANSCENDENTAL = new Set<string>(['exp', 'log', 'sin', 'cos', 'tanh', 'sigmoid', 'erf']);

function typed(dtype: DType, values: readonly number[]): TypedArray {
  const out = allocArray(dtype, values.length);
  out.set(values);
  return out;
}

/** A kernel storing `exprs[j](i)` into out_j[i] for i in 0..n, as a plain or vec=4 loop. */
function elementwiseProgram(name: string, inputs: readonly ParamSpec[], outputs: readonly [DType, (i: Expr) => Expr][], n: number, vec: number) {
  const params: ParamSpec[] = [...inputs, ...outputs.map(([dtype], j): ParamSpec => [`out${j}`, dtype, n, 'w'])];
  const body: Stmt[] = [loop('i', n, outputs.map(([, f], j) => store(`out${j}`, v('i'), f(v('i')))), vec)];
  return singleKernelProgram(kernel(name, params, [], body));
}

function compareOutputs(labels: readonly string[], got: TypedArray[], want: TypedArray[], inexact: (j: number) => boolean, describe: (i: number) => string): string[] {
  const problems: string[] = [];
  got.forEach((g, j) => {
    for (let i = 0; i < g.length; i++) {
      const w = want[j][i];
      const ok = inexact(j) && Number.isFinite(w) && w !== 0 ? ulpError(g[i], w) <= 4.5 : sameValue(g[i], w);
      if (!ok && problems.length < 12) problems.push(`${labels[j]} ${describe(i)}: got ${g[i]}, want ${w}`);
    }
  });
  return problems;
}

for (const vec of [1, 4]) {
  describe(`elementwise ops against the loop evaluator (${vec === 4 ? 'SIMD vec=4' : 'scalar'})`, () => {
    for (const dtype of DTYPES) {
      it(`unary ops on ${shortDType(dtype)}`, () => {
        const ops = LOOP_UNARY_OPS.filter((op) => unaryScalar(op, dtype) !== undefined);
        const values = VALUES[dtype];
        const n = values.length;
        const p = elementwiseProgram(`unary_${dtype}`, [['x', dtype, n, 'r']], ops.map((op) => [dtype, (i: Expr) => unary(op, load('x', dtype, i))]), n, vec);
        const inputs = [typed(dtype, values)];
        const got = runWasm(p, inputs);
        const want = evaluateProgram(p, inputs);
        expect(compareOutputs(ops, got, want, (j) => TRANSCENDENTAL.has(ops[j]), (i) => `(${values[i]})`)).toEqual([]);
      });

      it(`binary ops on ${shortDType(dtype)} (all value pairs)`, () => {
        const ops = LOOP_BINARY_OPS.filter((op) => binaryScalar(op, dtype) !== undefined);
        const values = VALUES[dtype];
        const a = values.flatMap((x) => values.map(() => x));
        const b = values.flatMap(() => values);
        const n = a.length;
        const outputs = ops.map((op): [DType, (i: Expr) => Expr] => {
          const e = (i: Expr): Expr => binary(op, load('a', dtype, i), load('b', dtype, i));
          return [e(v('i')).dtype, e];
        });
        const p = elementwiseProgram(`binary_${dtype}`, [['a', dtype, n, 'r'], ['b', dtype, n, 'r']], outputs, n, vec);
        const inputs = [typed(dtype, a), typed(dtype, b)];
        const got = runWasm(p, inputs);
        const want = evaluateProgram(p, inputs);
        const inexact = (j: number): boolean => ops[j] === 'pow' && dtype === 'float32';
        expect(compareOutputs(ops, got, want, inexact, (i) => `(${a[i]}, ${b[i]})`)).toEqual([]);
      });

      it(`casts from ${shortDType(dtype)} (saturating, NaN → 0, → bool is != 0)`, () => {
        const values = VALUES[dtype];
        const n = values.length;
        const p = elementwiseProgram(`cast_${dtype}`, [['x', dtype, n, 'r']], DTYPES.map((to) => [to, (i: Expr) => cast(load('x', dtype, i), to)]), n, vec);
        const inputs = [typed(dtype, values)];
        expect(compareOutputs(DTYPES, runWasm(p, inputs), evaluateProgram(p, inputs), () => false, (i) => `(${values[i]})`)).toEqual([]);
      });
    }

    it('select on every dtype, and bool values through and/or/not/compare', () => {
      const n = 12;
      const outputs = DTYPES.map((d): [DType, (i: Expr) => Expr] => [
        d,
        (i) => ({ kind: 'select', dtype: d, cond: load('c', 'bool', i), a: load(`a_${d}`, d, i), b: constOf(d, d === 'bool' ? 1 : 3) }),
      ]);
      outputs.push(['bool', (i) => binary('or', binary('and', load('c', 'bool', i), unary('not', load('a_bool', 'bool', i))), binary('lt', load('a_float32', 'float32', i), constOf('float32', 0)))]);
      const inputs: ParamSpec[] = [['c', 'bool', n, 'r'], ...DTYPES.map((d): ParamSpec => [`a_${d}`, d, n, 'r'])];
      const p = elementwiseProgram('select', inputs, outputs, n, vec);
      const data = [
        typed('bool', [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 1]),
        ...DTYPES.map((d) => typed(d, Array.from({ length: n }, (_, i) => VALUES[d][i % VALUES[d].length]))),
      ];
      const got = runWasm(p, data);
      const want = evaluateProgram(p, data);
      got.forEach((g, j) => expect(mismatches(g, want[j])).toEqual([]));
    });

    it('integer div and mod by constants (0, -1, 1, 7, -7, INT_MIN) use the right semantics', () => {
      const divisors: Record<'int32' | 'uint32', number[]> = { int32: [0, -1, 1, 7, -7, INT32_MIN], uint32: [0, 1, 7, 4294967295, 2147483648] };
      for (const dtype of ['int32', 'uint32'] as const) {
        const values = VALUES[dtype];
        const n = values.length;
        const outputs: [DType, (i: Expr) => Expr][] = [];
        const labels: string[] = [];
        for (const d of divisors[dtype]) {
          for (const op of ['div', 'mod'] as BinaryOp[]) {
            outputs.push([dtype, (i) => binary(op, load('x', dtype, i), constOf(dtype, d))]);
            labels.push(`${op} ${d}`);
          }
        }
        const p = elementwiseProgram(`const_div_${dtype}`, [['x', dtype, n, 'r']], outputs, n, vec);
        const inputs = [typed(dtype, values)];
        expect(compareOutputs(labels, runWasm(p, inputs), evaluateProgram(p, inputs), () => false, (i) => `(${values[i]})`)).toEqual([]);
      }
    });
  });
}

it('division by zero and INT_MIN / -1 never trap (scalar and SIMD)', () => {
  const a = [INT32_MIN, INT32_MIN, 5, -5, 0, INT32_MIN, 7, -7];
  const b = [-1, 0, 0, 0, 0, 1, -1, 2];
  for (const vec of [1, 4]) {
    const p = elementwiseProgram('divtrap', [['a', 'int32', 8, 'r'], ['b', 'int32', 8, 'r']], [
      ['int32', (i) => binary('div', load('a', 'int32', i), load('b', 'int32', i))],
      ['int32', (i) => binary('mod', load('a', 'int32', i), load('b', 'int32', i))],
    ], 8, vec);
    const [div, mod] = runWasm(p, [Int32Array.from(a), Int32Array.from(b)]);
    expect([...div]).toEqual([INT32_MIN, 0, 0, 0, 0, INT32_MIN, -7, -3]);
    expect([...mod]).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
  }
});

it('unary ops the registry rejects for a dtype are reported, not miscompiled', () => {
  const p = elementwiseProgram('bad', [['x', 'int32', 4, 'r']], [['int32', (i) => unary('exp' as UnaryOp, load('x', 'int32', i))]], 4, 1);
  expect(() => runWasm(p, [new Int32Array(4)])).toThrow(/exp is not defined for dtype int32/);
});
