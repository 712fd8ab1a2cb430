/**
 * Vectorized folds (codegen-wasm/reduce.ts emitContiguousReduce): reductions over a contiguous
 * innermost variable in scalar code, and rows of a vec=4 loop reduced one lane at a time. max,
 * min and integer sums must equal the sequential reference bit for bit (NaN, ±inf, the sign of
 * zero, wrapping); float sums and products are reassociated, so they are checked against the
 * error bound of any summation order, and bit for bit under `exactReductions`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DType, TypedArray } from '../../ir/dtype.js';
import { evaluateProgram } from '../../ir/loop-eval.js';
import type { Expr, Program, ReduceOp } from '../../ir/loop.js';
import { loadBinaryen } from '../../codegen-wasm/binaryen.js';
import { compileProgram } from '../../codegen-wasm/codegen.js';
import { toWat } from '../../codegen-wasm/wat.js';
import { add, i32, kernel, let_, load, loop, mismatches, mul, reduce, runWasm, singleKernelProgram, store, v } from './build.js';

const runExact = (p: Program, inputs: readonly TypedArray[]): TypedArray[] => runWasm(p, inputs, { exactReductions: true });

beforeAll(async () => {
  await loadBinaryen();
});

const EXTENTS = [1, 3, 4, 5, 7, 8, 9, 31, 1024];
const ROWS = 6; // a vec=4 loop over rows: one vector iteration and a scalar remainder of two

let seed = 7;
const random = (): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};

/** out[row] = reduce over c < n of x[row·n + c], with rows in a grid (scalar code) or a vec=4 loop. */
function rowReduction(op: ReduceOp, dtype: DType, n: number, init: number, rowsIn: 'grid' | 'vec'): Program {
  const body = (row: Expr): Expr => reduce(op, [['c', n]], init, load('x', dtype, add(mul(row, i32(n)), v('c'))));
  const params = [['x', dtype, ROWS * n, 'r'], ['out', dtype, ROWS, 'w']] as const;
  if (rowsIn === 'grid') return singleKernelProgram(kernel(`${op}_${n}_grid`, params, [['r', ROWS]], [store('out', v('r'), body(v('r')))]));
  return singleKernelProgram(kernel(`${op}_${n}_vec`, params, [], [loop('j', ROWS, [let_('row', v('j')), store('out', v('j'), body(v('row')))], 4)]));
}

function expectBitExact(p: Program, inputs: readonly TypedArray[], got: TypedArray[]): void {
  const want = evaluateProgram(p, inputs);
  got.forEach((g, j) => expect(mismatches(g, want[j]), `${p.name} output ${p.outputs[j]}`).toEqual([]));
}

describe('vectorized float sums', () => {
  for (const rowsIn of ['grid', 'vec'] as const) {
    it(`rows in a ${rowsIn}: within n·2^-24·Σ|x| of the exact sum at every extent, bit-exact under exactReductions`, () => {
      for (const n of EXTENTS) {
        const x = Float32Array.from({ length: ROWS * n }, () => (random() - 0.5) * 2 ** Math.floor(random() * 20 - 10));
        const p = rowReduction('sum', 'float32', n, 0, rowsIn);
        const [out] = runWasm(p, [x]);
        for (let r = 0; r < ROWS; r++) {
          const row = x.subarray(r * n, (r + 1) * n);
          const exact = row.reduce((s, xi) => s + xi, 0);
          const bound = n * 2 ** -24 * row.reduce((s, xi) => s + Math.abs(xi), 0);
          expect(Math.abs(out[r] - exact), `n=${n} row ${r}`).toBeLessThanOrEqual(bound);
        }
        expectBitExact(p, [x], runExact(p, [x]));
      }
    });
  }

  it('a product is reassociated within its error bound; the sign of a zero sum is kept', () => {
    for (const n of EXTENTS) {
      const x = Float32Array.from({ length: ROWS * n }, () => 1 + (random() - 0.5) / 8);
      const p = rowReduction('prod', 'float32', n, 1, 'grid');
      const [out] = runWasm(p, [x]);
      const [want] = evaluateProgram(p, [x]);
      for (let r = 0; r < ROWS; r++) expect(Math.abs(out[r] - want[r]), `n=${n}`).toBeLessThanOrEqual(2 * n * 2 ** -24 * Math.abs(want[r]));
    }
    const zeros = Float32Array.from({ length: ROWS * 9 }, (_, i) => (i < 27 ? -0 : 0));
    for (const init of [0, -0]) {
      const p = rowReduction('sum', 'float32', 9, init, 'grid');
      expectBitExact(p, [zeros], runWasm(p, [zeros]));
    }
  });

  it('runs as f32x4 in a kernel without vector loops', async () => {
    const wat = await toWat(compileProgram(rowReduction('sum', 'float32', 1024, 0, 'grid')).bytes);
    expect(wat).toContain('v128.load');
    expect(wat).toContain('f32x4.add');
  });
});

describe('vectorized folds that are exact in any order', () => {
  /** Rows of n values where NaN, ±inf and both zeros land in the vector part, the accumulators and the scalar tail. */
  function specials(n: number): Float32Array {
    const pattern = [NaN, -0, 0, Infinity, -Infinity];
    return Float32Array.from({ length: ROWS * n }, (_, i) => {
      const [r, c] = [Math.floor(i / n), i % n];
      if (r === 0) return c % 2 === 0 ? -0 : 0; // only zeros: the sign of the result depends on max/min of ±0
      if (r === 1) return c % 3 === 0 ? 0 : -0;
      if (c === (r * 5) % n) return pattern[r - 1];
      return (random() - 0.5) * 100;
    });
  }

  for (const rowsIn of ['grid', 'vec'] as const) {
    it(`max and min with NaN, ±inf and ±0 equal the reference bit for bit (rows in a ${rowsIn})`, () => {
      for (const n of EXTENTS) {
        const x = specials(n);
        for (const [op, init] of [['max', -Infinity], ['min', Infinity], ['max', -0], ['min', 0]] as const) {
          const p = rowReduction(op, 'float32', n, init, rowsIn);
          expectBitExact(p, [x], runWasm(p, [x]));
        }
      }
    });

    it(`i32 and u32 sums wrap and max/min/prod equal the reference bit for bit (rows in a ${rowsIn})`, () => {
      for (const n of EXTENTS) {
        const xi = Int32Array.from({ length: ROWS * n }, () => (random() * 2 ** 32) | 0);
        const xu = Uint32Array.from(xi, (q) => q >>> 0);
        for (const [op, init] of [['sum', 5], ['prod', 1], ['max', -2147483648], ['min', 2147483647]] as const) {
          const pi = rowReduction(op, 'int32', n, init, rowsIn);
          expectBitExact(pi, [xi], runWasm(pi, [xi]));
          const pu = rowReduction(op, 'uint32', n, op === 'min' ? 4294967295 : op === 'max' ? 0 : init, rowsIn);
          expectBitExact(pu, [xu], runWasm(pu, [xu]));
        }
      }
    });
  }

  it('a reduction over two variables vectorizes the inner one and folds every row', () => {
    for (const n of [3, 5, 8, 31]) {
      const xi = Int32Array.from({ length: ROWS * 3 * n }, () => (random() * 2 ** 32) | 0);
      const k = kernel('sum2', [['x', 'int32', ROWS * 3 * n, 'r'], ['out', 'int32', ROWS, 'w']], [['r', ROWS]], [
        store('out', v('r'), reduce('sum', [['p', 3], ['q', n]], 0, load('x', 'int32', add(mul(v('r'), i32(3 * n)), add(mul(v('p'), i32(n)), v('q')))))),
      ]);
      const p = singleKernelProgram(k);
      expectBitExact(p, [xi], runWasm(p, [xi]));
    }
  });
});
