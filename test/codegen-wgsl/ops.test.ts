/**
 * Every scalar op of the loop IR on every dtype it accepts, on awkward values (zeros of both
 * signs, infinities, NaN, subnormals, INT32_MIN, UINT32_MAX...), against the loop-IR reference:
 * bit-exact for arithmetic, comparisons, integer ops, casts, select and rounding; within the
 * ulp bounds of math.test.ts for the transcendentals.
 */
import { describe, expect, it } from 'vitest';
import { type DType, type TypedArray, allocArray } from '../../ir/dtype.js';
import { type BinaryOp, COMPARE_OPS, type Stmt, type UnaryOp } from '../../ir/loop.js';
import { add, binary, cast, constOf, f32, i32, let_, load, loop, select, singleKernel, store, unary, v } from './build.js';
import { expectExact, maxUlp, runBoth, useGpu } from './harness.js';

const F32_VALUES = [
  0, -0, 1, -1, 0.5, -0.5, 2, -2, 3, -3, 7.5, -7.5, 2.5, -2.5, 1.5, 0.1, 100, -100, 1e-45, -1e-45, 1e-40, 3.4e38, -3.4e38,
  Infinity, -Infinity, NaN, 16777217, 2147483648, -2147483904, 4294967296, 0.49999997, 1e10,
];
const I32_VALUES = [0, 1, -1, 2, -2, 3, -3, 7, -7, 10, -10, 100, 2147483647, -2147483648, 65536, -65536, 46341, 31, 32, 33];
const U32_VALUES = [0, 1, 2, 3, 7, 10, 100, 4294967295, 2147483648, 2147483647, 65536, 46341, 31, 32, 33, 4294967294];
const VALUES: Record<DType, readonly number[]> = { float32: F32_VALUES, int32: I32_VALUES, uint32: U32_VALUES, bool: [0, 1] };

const BINARY: Record<DType, BinaryOp[]> = {
  float32: ['add', 'sub', 'mul', 'div', 'max', 'min', 'mod', 'pow'],
  int32: ['add', 'sub', 'mul', 'div', 'max', 'min', 'mod', 'pow'],
  uint32: ['add', 'sub', 'mul', 'div', 'max', 'min', 'mod', 'pow'],
  bool: ['and', 'or'],
};
const UNARY: Record<DType, UnaryOp[]> = {
  float32: ['neg', 'abs', 'sign', 'sqrt', 'floor', 'ceil', 'round', 'exp', 'log', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf'],
  int32: ['neg', 'abs', 'sign'],
  uint32: ['neg', 'abs', 'sign'],
  bool: ['not'],
};
/** ulp bounds of the inexact f32 ops (see math.test.ts); everything else must be exact. */
const ULP_BOUND: Partial<Record<string, number>> = { exp: 1, log: 1, rsqrt: 1, sin: 2, cos: 2, tanh: 2, sigmoid: 2, erf: 2, pow: 8 };

const DTYPES: DType[] = ['float32', 'int32', 'uint32', 'bool'];

function pairs(d: DType): [TypedArray, TypedArray] {
  const vals = VALUES[d];
  const a = allocArray(d, vals.length * vals.length);
  const b = allocArray(d, vals.length * vals.length);
  vals.forEach((x, i) => vals.forEach((y, j) => { a[i * vals.length + j] = x; b[i * vals.length + j] = y; }));
  return [a, b];
}

/** Column k of a row-major [n, cols] array. */
function column(arr: TypedArray, cols: number, k: number): TypedArray {
  const out = allocArray(arr instanceof Uint8Array ? 'bool' : arr instanceof Float32Array ? 'float32' : arr instanceof Int32Array ? 'int32' : 'uint32', arr.length / cols);
  for (let i = 0; i < out.length; i++) out[i] = arr[i * cols + k];
  return out;
}

function checkColumn(op: string, got: TypedArray, want: TypedArray, what: string): void {
  const bound = got instanceof Float32Array ? ULP_BOUND[op] : undefined;
  if (bound === undefined) expectExact(got, want, what);
  else expect(maxUlp(got, want).ulp, what).toBeLessThanOrEqual(bound);
}

describe('elementwise ops on the GPU match the reference', { timeout: 120_000 }, () => {
  useGpu();

  for (const d of DTYPES) {
    it(`binary ops and comparisons on ${d}`, async () => {
      const [a, b] = pairs(d);
      const n = a.length;
      const ops = BINARY[d];
      const cmps = COMPARE_OPS;
      const x = load('a', d, v('j'));
      const y = load('b', d, v('j'));
      const body: Stmt[] = [
        ...ops.map((op, k) => store('out', add(binary('mul', v('j'), i32(ops.length)), i32(k)), binary(op, x, y))),
        ...cmps.map((op, k) => store('cmp', add(binary('mul', v('j'), i32(cmps.length)), i32(k)), binary(op, x, y))),
      ];
      const p = singleKernel(`binary_${d}`, [['a', d, n, 'input'], ['b', d, n, 'input'], ['out', d, n * ops.length, 'output'], ['cmp', 'bool', n * cmps.length, 'output']], [], [loop('j', n, body)]);
      const { got, want, wgsl } = await runBoth(p, [a, b]);
      expect(wgsl.kernels[0].mapping).toBe('thread-per-element'); // the loop runs in parallel
      ops.forEach((op, k) => checkColumn(op, column(got[0], ops.length, k), column(want[0], ops.length, k), `${op} on ${d}`));
      cmps.forEach((op, k) => expectExact(column(got[1], cmps.length, k), column(want[1], cmps.length, k), `${op} on ${d}`));
    });

    it(`unary ops on ${d}`, async () => {
      const a = allocArray(d, VALUES[d].length);
      a.set(VALUES[d]);
      const n = a.length;
      const ops = UNARY[d];
      const body = ops.map((op, k) => store('out', add(binary('mul', v('j'), i32(ops.length)), i32(k)), unary(op, load('a', d, v('j')))));
      const p = singleKernel(`unary_${d}`, [['a', d, n, 'input'], ['out', d, n * ops.length, 'output']], [], [loop('j', n, body)]);
      const { got, want } = await runBoth(p, [a]);
      ops.forEach((op, k) => checkColumn(op, column(got[0], ops.length, k), column(want[0], ops.length, k), `${op} on ${d}`));
    });

    it(`casts from ${d} to every dtype, and select`, async () => {
      const a = allocArray(d, VALUES[d].length);
      a.set(VALUES[d]);
      const n = a.length;
      const x = load('a', d, v('j'));
      const body: Stmt[] = DTYPES.map((to) => store(`to_${to}`, v('j'), cast(x, to)));
      body.push(store('sel', v('j'), select(binary('eq', binary('mod', v('j'), i32(3)), i32(0)), x, load('a', d, binary('sub', i32(n - 1), v('j'))))));
      const p = singleKernel(`cast_${d}`, [['a', d, n, 'input'], ...DTYPES.map((to): [string, DType, number, 'output'] => [`to_${to}`, to, n, 'output']), ['sel', d, n, 'output']], [], [loop('j', n, body)]);
      const { got, want } = await runBoth(p, [a]);
      DTYPES.forEach((to, k) => expectExact(got[k], want[k], `cast ${d} → ${to}`));
      expectExact(got[4], want[4], `select on ${d}`);
    });
  }

  it('vec4 lanes compute the same as scalar code (binary f32 ops, compares, select, lets)', async () => {
    const [a, b] = pairs('float32');
    const n = Math.floor(a.length / 4) * 4;
    const x = load('a', 'float32', v('j'));
    const y = load('b', 'float32', v('j'));
    const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max'];
    const body: Stmt[] = [
      let_('m', binary('min', x, y)),
      ...ops.map((op) => store(op, v('j'), binary(op, x, y))),
      store('sel', v('j'), select(binary('and', binary('lt', x, y), unary('not', binary('ne', x, f32(0)))), v('m', 'float32'), unary('neg', y))),
    ];
    const outs = [...ops, 'sel'];
    const p = singleKernel('vec4_binary', [['a', 'float32', n, 'input'], ['b', 'float32', n, 'input'], ...outs.map((o): [string, DType, number, 'output'] => [o, 'float32', n, 'output'])], [], [loop('j', n, body, 4)]);
    const { got, want, wgsl } = await runBoth(p, [a.subarray(0, n), b.subarray(0, n)]);
    expect(wgsl.kernels[0].code).toContain('array<vec4<f32>>');
    outs.forEach((o, k) => expectExact(got[k], want[k], o));
  });

  it('integer division and modulo by zero and INT32_MIN / -1 give the reference results', async () => {
    const a = Int32Array.from([7, -7, 0, -2147483648, -2147483648, 5, -5, 2147483647]);
    const b = Int32Array.from([0, 0, 0, -1, 0, -3, 3, -1]);
    const n = a.length;
    const x = load('a', 'int32', v('j'));
    const y = load('b', 'int32', v('j'));
    const p = singleKernel('divmod', [['a', 'int32', n, 'input'], ['b', 'int32', n, 'input'], ['q', 'int32', n, 'output'], ['r', 'int32', n, 'output']], [], [
      loop('j', n, [store('q', v('j'), binary('div', x, y)), store('r', v('j'), binary('mod', x, y))]),
    ]);
    const { got, want } = await runBoth(p, [a, b]);
    expectExact(got[0], want[0], 'div');
    expectExact(got[1], want[1], 'mod');
    expect(Array.from(got[0])).toEqual([0, 0, 0, -2147483648, 0, -1, -1, -2147483647]);
    expect(Array.from(got[1])).toEqual([0, 0, 0, 0, 0, -1, 1, 0]);
  });

  it('constants: NaN, ±inf, -0, subnormals, INT32_MIN, and ops on constants only (no shader-creation errors)', async () => {
    const consts = [NaN, Infinity, -Infinity, -0, 1e-45, 3.4028234663852886e38];
    const body: Stmt[] = [
      ...consts.map((c, k) => store('f', i32(k), f32(c))),
      store('f', i32(6), unary('exp', f32(100))),
      store('f', i32(7), binary('div', f32(1), f32(0))),
      store('f', i32(8), binary('mul', f32(3.4e38), f32(10))),
      store('f', i32(9), unary('sqrt', f32(-1))),
      store('f', i32(10), binary('add', f32(NaN), f32(1))),
      store('f', i32(11), cast(f32(1e20), 'float32')),
      store('i', i32(0), constOf('int32', -2147483648)),
      store('i', i32(1), binary('add', i32(2147483647), i32(1))),
      store('i', i32(2), binary('div', i32(1), i32(0))),
      store('i', i32(3), cast(f32(1e20), 'int32')),
      store('i', i32(4), cast(f32(NaN), 'int32')),
      store('i', i32(5), unary('neg', constOf('int32', -2147483648))),
      store('i', i32(6), load('x', 'int32', i32(-1), constOf('bool', 0), 42)),
    ];
    const p = singleKernel('consts', [['x', 'int32', 4, 'input'], ['f', 'float32', 12, 'output'], ['i', 'int32', 7, 'output']], [], body);
    const { got, want } = await runBoth(p, [Int32Array.from([1, 2, 3, 4])]);
    expectExact(got[0], want[0], 'f32 constants');
    expectExact(got[1], want[1], 'i32 constants');
  });

  it('guarded loads read only where the guard holds (padding), out-of-range indices elsewhere', async () => {
    const n = 10;
    const x = Float32Array.from({ length: n }, (_, i) => i + 0.5);
    const j = v('j');
    const shifted = binary('sub', j, i32(3));
    const inRange = binary('and', binary('ge', shifted, i32(0)), binary('lt', shifted, i32(n)));
    const p = singleKernel('pad', [['x', 'float32', n, 'input'], ['y', 'float32', n + 6, 'output']], [], [
      loop('j', n + 6, [store('y', j, load('x', 'float32', shifted, inRange, -1))], 4),
    ]);
    const { got, want } = await runBoth(p, [x]);
    expectExact(got[0], want[0]);
  });

  it('bool buffers: loads, stores and logic on one u32 per element', async () => {
    const n = 37;
    const a = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const b = Uint8Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const x = load('a', 'bool', v('j'));
    const y = load('b', 'bool', v('j'));
    const p = singleKernel('bools', [['a', 'bool', n, 'input'], ['b', 'bool', n, 'input'], ['o', 'bool', n * 3, 'output']], [], [
      loop('j', n, [
        store('o', binary('mul', v('j'), i32(3)), binary('or', x, unary('not', y))),
        store('o', add(binary('mul', v('j'), i32(3)), i32(1)), binary('lt', x, y)),
        store('o', add(binary('mul', v('j'), i32(3)), i32(2)), select(x, y, binary('ne', x, y))),
      ]),
    ]);
    const { got, want } = await runBoth(p, [a, b]);
    expect(got[0]).toBeInstanceOf(Uint8Array);
    expectExact(got[0], want[0]);
  });
});
