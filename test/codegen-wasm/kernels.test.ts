/**
 * Whole kernels through the wasm codegen, in scalar and SIMD form, against the loop-IR reference
 * evaluator (bit for bit) and against expected values computed in the test: guarded loads,
 * reductions, vec=4 loops with every load/store pattern, and multi-dimensional grids.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TypedArray } from '../../ir/dtype.js';
import { evaluateProgram } from '../../ir/loop-eval.js';
import type { Expr, Program } from '../../ir/loop.js';
import { loadBinaryen } from '../../codegen-wasm/binaryen.js';
import { compileProgram } from '../../codegen-wasm/codegen.js';
import { toWat } from '../../codegen-wasm/wat.js';
import {
  add, and, binary, bool, cast, f32, ge, i32, kernel, let_, load, loop, lt, mismatches, mul, reduce, runWasm, select, singleKernelProgram, store, sub, unary, v,
} from './build.js';

beforeAll(async () => {
  await loadBinaryen();
});


/** Runs p as wasm (SIMD on and off) and with the reference evaluator; all three must agree bit for bit. */
function expectMatchesReference(p: Program, inputs: readonly TypedArray[]): TypedArray[] {
  const want = evaluateProgram(p, inputs);
  for (const simd of [true, false]) {
    const got = runWasm(p, inputs, { simd });
    got.forEach((g, j) => expect(mismatches(g, want[j]), `output ${p.outputs[j]} (simd ${simd})`).toEqual([]));
  }
  return want;
}

const range = (n: number, f: (i: number) => number = (i) => i): number[] => Array.from({ length: n }, (_, i) => f(i));

describe('guarded loads', () => {
  // The guard is false exactly where the index points far outside memory: executing the load would trap.
  for (const [lo, hi] of [[4, 12], [3, 11]]) {
    for (const vec of [1, 4]) {
      it(`never read memory where the guard is false (valid ${lo}..${hi - 1}, vec=${vec})`, () => {
        const i = v('i');
        const guard = and(ge(i, i32(lo)), lt(i, i32(hi)));
        const farAway = add(sub(i, i32(lo)), select(guard, i32(0), i32(1 << 28)));
        const k = kernel('pad', [['x', 'float32', 8, 'r'], ['out', 'float32', 16, 'w'], ['neg', 'float32', 16, 'w']], [], [
          loop('i', 16, [
            store('out', i, load('x', 'float32', farAway, guard, -1)),
            store('neg', i, load('x', 'float32', sub(i, i32(lo)), guard, 0.5)), // negative indices below lo
          ], vec),
        ]);
        const x = Float32Array.from(range(8, (j) => j + 10));
        const [out, neg] = expectMatchesReference(singleKernelProgram(k), [x]);
        expect([...out]).toEqual(range(16, (j) => (j >= lo && j < hi ? j - lo + 10 : -1)));
        expect([...neg]).toEqual(range(16, (j) => (j >= lo && j < hi ? j - lo + 10 : 0.5)));
      });
    }
  }

  for (const vec of [1, 4]) {
    it(`a gather whose index is itself loaded only under the guard (vec=${vec})`, () => {
      const i = v('i');
      const valid = load('valid', 'bool', i);
      const k = kernel('gather', [['idx', 'int32', 10, 'r'], ['valid', 'bool', 10, 'r'], ['x', 'float32', 4, 'r'], ['out', 'float32', 10, 'w']], [], [
        loop('i', 10, [store('out', i, load('x', 'float32', load('idx', 'int32', i), valid, 7))], vec),
      ]);
      const idx = Int32Array.from([0, 1 << 29, 3, -1 << 29, 2, 2, 1 << 29, 1, 0, -5]);
      const valid01 = Uint8Array.from([1, 0, 1, 0, 1, 1, 0, 1, 1, 0]);
      const x = Float32Array.from([10, 11, 12, 13]);
      const [out] = expectMatchesReference(singleKernelProgram(k), [idx, valid01, x]);
      expect([...out]).toEqual([10, 7, 13, 7, 12, 12, 7, 11, 10, 7]);
    });
  }

  it('an invariant guard inside a vec loop skips the whole vector read', () => {
    const r = v('r');
    const j = v('j');
    const k = kernel('shift_rows', [['x', 'float32', 24, 'r'], ['out', 'float32', 24, 'w']], [['r', 3]], [
      loop('j', 8, [store('out', add(mul(r, i32(8)), j), load('x', 'float32', add(mul(sub(r, i32(1)), i32(8)), j), ge(r, i32(1)), 0))], 4),
    ]);
    const x = Float32Array.from(range(24, (q) => q + 1));
    const [out] = expectMatchesReference(singleKernelProgram(k), [x]);
    expect([...out]).toEqual([...range(8, () => 0), ...range(16, (q) => q + 1)]);
  });
});

describe('reductions', () => {
  it('prod, max, min on i32 and f32, max/min propagate NaN, empty extents give init', () => {
    const body = (d: 'float32' | 'int32'): Expr => load(d === 'float32' ? 'xf' : 'xi', d, add(mul(v('r'), i32(5)), v('k')));
    const k = kernel('folds', [
      ['xf', 'float32', 15, 'r'], ['xi', 'int32', 15, 'r'],
      ['pf', 'float32', 3, 'w'], ['maxf', 'float32', 3, 'w'], ['minf', 'float32', 3, 'w'],
      ['pi', 'int32', 3, 'w'], ['maxi', 'int32', 3, 'w'], ['mini', 'int32', 3, 'w'], ['empty', 'float32', 3, 'w'],
    ], [['r', 3]], [
      store('pf', v('r'), reduce('prod', [['k', 5]], 1, body('float32'))),
      store('maxf', v('r'), reduce('max', [['k', 5]], -Infinity, body('float32'))),
      store('minf', v('r'), reduce('min', [['k', 5]], Infinity, body('float32'))),
      store('pi', v('r'), reduce('prod', [['k', 5]], 1, body('int32'))),
      store('maxi', v('r'), reduce('max', [['k', 5]], -2147483648, body('int32'))),
      store('mini', v('r'), reduce('min', [['k', 5]], 2147483647, body('int32'))),
      store('empty', v('r'), reduce('sum', [['k', 5], ['e', 0]], 42, body('float32'))),
    ]);
    const xf = Float32Array.from([1, 2, 3, 4, 5, -1, NaN, 7, 0.5, -0, 1e30, 1e30, -2, 3, 1]);
    const xi = Int32Array.from([1, 2, 3, 4, 5, 65536, 65536, 3, -1, 7, -7, 0, 100, 2, 1]);
    const [pf, maxf, minf, pi, maxi, mini, empty] = expectMatchesReference(singleKernelProgram(k), [xf, xi]);
    expect([...pf]).toEqual([120, NaN, -Infinity]); // 1e30·1e30 overflows, then ·(-2)
    expect([...maxf]).toEqual([5, NaN, 1e30].map(Math.fround));
    expect([...minf]).toEqual([1, NaN, -2]);
    expect([...pi]).toEqual([120, 0, 0]); // 65536² wraps to 0
    expect([...maxi]).toEqual([5, 65536, 100]);
    expect([...mini]).toEqual([1, -1, -7]);
    expect([...empty]).toEqual([42, 42, 42]);
  });

  it('argmax/argmin: the first extreme wins ties, the first NaN wins, no points give init', () => {
    const rows = [
      [1, 5, 5, 2, 5],
      [1, NaN, 9, NaN, 0],
      [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
      [3, 3, 1, 1, 2],
    ];
    const x = Float32Array.from(rows.flat());
    const xi = Int32Array.from([4, -2147483648, 4, 9, 9, -2147483648, -2147483648, 0, 0, 0, 7, 7, 7, 7, 7, 1, 0, 2, 0, 2]);
    const at = (buf: string, d: 'float32' | 'int32'): Expr => load(buf, d, add(mul(v('r'), i32(5)), v('k')));
    const k = kernel('args', [
      ['x', 'float32', 20, 'r'], ['xi', 'int32', 20, 'r'],
      ['amax', 'int32', 4, 'w'], ['amin', 'int32', 4, 'w'], ['amaxi', 'int32', 4, 'w'], ['amini', 'int32', 4, 'w'], ['none', 'int32', 4, 'w'],
    ], [['r', 4]], [
      store('amax', v('r'), reduce('argmax', [['k', 5]], 0, at('x', 'float32'))),
      store('amin', v('r'), reduce('argmin', [['k', 5]], 0, at('x', 'float32'))),
      store('amaxi', v('r'), reduce('argmax', [['k', 5]], 0, at('xi', 'int32'))),
      store('amini', v('r'), reduce('argmin', [['k', 5]], 0, at('xi', 'int32'))),
      store('none', v('r'), reduce('argmax', [['k', 0]], -1, at('x', 'float32'))),
    ]);
    const [amax, amin, amaxi, amini, none] = expectMatchesReference(singleKernelProgram(k), [x, xi]);
    expect([...amax]).toEqual([1, 1, 0, 0]);
    expect([...amin]).toEqual([0, 1, 0, 2]);
    expect([...amaxi]).toEqual([3, 2, 0, 2]);
    expect([...amini]).toEqual([1, 0, 0, 1]);
    expect([...none]).toEqual([-1, -1, -1, -1]);
  });

  it('argmax over two vars gives the flattened position', () => {
    const k = kernel('argmax2', [['x', 'float32', 12, 'r'], ['out', 'int32', 1, 'w']], [], [
      store('out', i32(0), reduce('argmax', [['p', 3], ['q', 4]], 0, load('x', 'float32', add(mul(v('p'), i32(4)), v('q'))))),
    ]);
    const x = Float32Array.from([0, 1, 2, 3, 4, 5, 11, 7, 8, 11, 10, 9]);
    const [out] = expectMatchesReference(singleKernelProgram(k), [x]);
    expect(out[0]).toBe(6);
  });
});

describe('vectorized loops', () => {
  it('extent not divisible by 4 runs the scalar remainder (and extents below 4; vec=2 is scalar, vec=8 uses 4 lanes)', () => {
    for (const [n, vec] of [[1, 4], [3, 4], [4, 4], [10, 4], [17, 4], [10, 2], [17, 8]]) {
      const k = kernel('scale', [['x', 'float32', n, 'r'], ['out', 'float32', n, 'w']], [], [
        loop('i', n, [store('out', v('i'), mul(load('x', 'float32', v('i')), f32(3)))], vec),
      ]);
      const x = Float32Array.from(range(n, (q) => q - 2.5));
      const [out] = expectMatchesReference(singleKernelProgram(k), [x]);
      expect([...out]).toEqual(range(n, (q) => (q - 2.5) * 3));
    }
  });

  it('invariant, unit-stride, strided and reversed loads; strided (transposing) stores', () => {
    const M = 3;
    const N = 10;
    const r = v('r');
    const j = v('j');
    const k = kernel('patterns', [
      ['x', 'float32', M * N, 'r'], ['s', 'float32', M, 'r'], ['w', 'float32', 3 * N, 'r'],
      ['out', 'float32', M * N, 'w'], ['outT', 'float32', M * N, 'w'],
    ], [['r', M]], [
      loop('j', N, [
        let_('row', mul(r, i32(N))), // invariant let
        let_('val', add(mul(load('x', 'float32', add(v('row'), j)), load('s', 'float32', r)), load('w', 'float32', mul(j, i32(3))))), // varying let
        store('out', add(v('row'), j), sub(v('val', 'float32'), load('x', 'float32', add(v('row'), sub(i32(N - 1), j))))),
        store('outT', add(mul(j, i32(M)), r), v('val', 'float32')),
      ], 4),
    ]);
    const x = Float32Array.from(range(M * N, (q) => q * 0.25));
    const s = Float32Array.from([2, -1, 0.5]);
    const w = Float32Array.from(range(3 * N, (q) => 100 + q));
    const [out, outT] = expectMatchesReference(singleKernelProgram(k), [x, s, w]);
    for (let ri = 0; ri < M; ri++) {
      for (let ji = 0; ji < N; ji++) {
        const val = Math.fround(Math.fround(x[ri * N + ji] * s[ri]) + w[ji * 3]);
        expect(out[ri * N + ji]).toBe(Math.fround(val - x[ri * N + N - 1 - ji]));
        expect(outT[ji * M + ri]).toBe(val);
      }
    }
  });

  it('bool, i32 and u32 data, integer division (per lane) and casts in a vec loop', () => {
    const n = 11;
    const i = v('i');
    const k = kernel('ints', [
      ['a', 'int32', n, 'r'], ['b', 'int32', n, 'r'], ['m', 'bool', n, 'r'],
      ['q', 'int32', n, 'w'], ['mask', 'bool', n, 'w'], ['every2', 'bool', 2 * n, 'w'], ['f', 'float32', n, 'w'], ['u', 'uint32', n, 'w'],
    ], [], [
      loop('i', n, [
        store('q', i, select(load('m', 'bool', i), binary('div', load('a', 'int32', i), load('b', 'int32', i)), binary('mod', load('a', 'int32', i), i32(3)))),
        store('mask', i, binary('ne', load('m', 'bool', i), binary('gt', load('a', 'int32', i), i32(0)))),
        store('every2', mul(i, i32(2)), load('m', 'bool', i)),
        store('f', i, cast(load('a', 'int32', i), 'float32')),
        store('u', i, binary('max', cast(load('a', 'int32', i), 'uint32'), cast(load('b', 'int32', i), 'uint32'))),
      ], 4),
    ]);
    const a = Int32Array.from([7, -7, 2147483647, -2147483648, 0, 5, -5, 100, 3, -1, 9]);
    const b = Int32Array.from([2, 2, -1, -1, 0, 0, 3, -7, 3, 1, -2]);
    const m = Uint8Array.from([1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1]);
    const [q, mask, every2] = expectMatchesReference(singleKernelProgram(k), [a, b, m]);
    expect([...q]).toEqual([3, -3, -2147483647, -2147483648, 0, 2, 1, -14, 0, -1, -4]);
    expect([...mask]).toEqual([0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0]);
    expect([...every2]).toEqual(range(2 * n, (t) => (t % 2 === 0 ? m[t / 2] : 0)));
  });

  it('a store to the same element from every lane keeps the last iteration', () => {
    const k = kernel('last', [['x', 'float32', 10, 'r'], ['out', 'float32', 1, 'w']], [], [
      loop('i', 10, [store('out', i32(0), load('x', 'float32', v('i')))], 4),
    ]);
    const [out] = expectMatchesReference(singleKernelProgram(k), [Float32Array.from(range(10, (q) => q * 2))]);
    expect(out[0]).toBe(18);
  });

  it('a matmul vectorized over columns, with the reduction inside the vec loop (vector accumulators)', () => {
    const [M, K, N] = [5, 7, 10];
    const k = kernel('matmul_relu', [['a', 'float32', M * K, 'r'], ['b', 'float32', K * N, 'r'], ['bias', 'float32', N, 'r'], ['out', 'float32', M * N, 'w']], [['i', M]], [
      loop('j', N, [
        let_('acc', reduce('sum', [['k', K]], 0, mul(load('a', 'float32', add(mul(v('i'), i32(K)), v('k'))), load('b', 'float32', add(mul(v('k'), i32(N)), v('j')))))),
        store('out', add(mul(v('i'), i32(N)), v('j')), binary('max', add(v('acc', 'float32'), load('bias', 'float32', v('j'))), f32(0))),
      ], 4),
    ]);
    const a = Float32Array.from(range(M * K, (q) => Math.sin(q) * 3));
    const b = Float32Array.from(range(K * N, (q) => Math.cos(q * 0.7)));
    const bias = Float32Array.from(range(N, (q) => q * 0.1 - 0.4));
    const [out] = expectMatchesReference(singleKernelProgram(k), [a, b, bias]);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let kk = 0; kk < K; kk++) acc = Math.fround(acc + Math.fround(a[i * K + kk] * b[kk * N + j]));
        expect(out[i * N + j]).toBe(Math.max(Math.fround(acc + bias[j]), 0));
      }
    }
  });

  it('argmax and max reductions over rows inside a vec loop over columns (per-lane NaN and ties)', () => {
    const [R, C] = [4, 9];
    const col = (r: Expr): Expr => load('x', 'float32', add(mul(r, i32(C)), v('j')));
    const k = kernel('colargmax', [['x', 'float32', R * C, 'r'], ['arg', 'int32', C, 'w'], ['mx', 'float32', C, 'w']], [], [
      loop('j', C, [store('arg', v('j'), reduce('argmax', [['r', R]], 0, col(v('r')))), store('mx', v('j'), reduce('max', [['r', R]], -Infinity, col(v('r'))))], 4),
    ]);
    const x = Float32Array.from(range(R * C, (q) => [1, 2, NaN, 2, -1, 5, 0, 5, 3][(q * 7 + Math.floor(q / C)) % 9]));
    expectMatchesReference(singleKernelProgram(k), [x]);
  });

  it('a nested loop and transcendentals inside a vec loop (softmax rows)', () => {
    const [R, C] = [3, 13];
    const x = (j: Expr): Expr => load('x', 'float32', add(mul(v('r'), i32(C)), j));
    const k = kernel('softmax', [['x', 'float32', R * C, 'r'], ['out', 'float32', R * C, 'w']], [['r', R]], [
      let_('m', reduce('max', [['c', C]], -Infinity, x(v('c')))),
      let_('s', reduce('sum', [['c', C]], 0, unary('exp', sub(x(v('c')), v('m', 'float32'))))),
      loop('j', C, [store('out', add(mul(v('r'), i32(C)), v('j')), binary('div', unary('exp', sub(x(v('j')), v('m', 'float32'))), v('s', 'float32')))], 4),
    ]);
    const data = Float32Array.from(range(R * C, (q) => Math.sin(q) * 4));
    const want = evaluateProgram(singleKernelProgram(k), [data])[0];
    for (const simd of [true, false]) {
      const [got] = runWasm(singleKernelProgram(k), [data], { simd });
      for (let q = 0; q < got.length; q++) expect(Math.abs(got[q] - want[q])).toBeLessThan(4e-7);
    }
  });

  it('nested for inside a vec body keeps the body vectorized', () => {
    const k = kernel('outer_sum', [['x', 'float32', 4 * 6, 'r'], ['out', 'float32', 6 * 4, 'w']], [], [
      loop('j', 6, [loop('t', 4, [store('out', add(mul(v('j'), i32(4)), v('t')), add(load('x', 'float32', add(mul(v('t'), i32(6)), v('j'))), cast(v('t'), 'float32')))])], 4),
    ]);
    expectMatchesReference(singleKernelProgram(k), [Float32Array.from(range(24, (q) => q * 1.5))]);
  });

  it('bool constants and not in a vec loop', () => {
    const k = kernel('notb', [['m', 'bool', 9, 'r'], ['out', 'bool', 9, 'w']], [], [
      loop('i', 9, [store('out', v('i'), binary('and', unary('not', load('m', 'bool', v('i'))), bool(true)))], 4),
    ]);
    const [out] = expectMatchesReference(singleKernelProgram(k), [Uint8Array.from([1, 0, 0, 1, 1, 1, 0, 0, 1])]);
    expect([...out]).toEqual([0, 1, 1, 0, 0, 0, 1, 1, 0]);
  });

  it('the loop variable as a value, and a per-lane let used as a unit-stride index', () => {
    const k = kernel('iota', [['x', 'float32', 13, 'r'], ['out', 'float32', 12, 'w']], [], [
      loop('j', 12, [let_('t', add(v('j'), i32(1))), store('out', v('j'), add(mul(cast(v('j'), 'float32'), f32(0.5)), load('x', 'float32', v('t'))))], 4),
    ]);
    const x = Float32Array.from(range(13, (q) => q * 10));
    const [out] = expectMatchesReference(singleKernelProgram(k), [x]);
    expect([...out]).toEqual(range(12, (q) => q * 0.5 + (q + 1) * 10));
  });
});

describe('SIMD classification (checked in the WAT of loops with no scalar remainder)', () => {
  const watOf = async (index: Expr, storeIndex: Expr = v('j')): Promise<string> => {
    const k = kernel('pattern', [['x', 'float32', 64, 'r'], ['s', 'float32', 4, 'r'], ['out', 'float32', 64, 'w']], [['r', 2]], [
      loop('j', 8, [store('out', storeIndex, add(load('x', 'float32', index), load('s', 'float32', v('r'))))], 4),
    ]);
    return toWat(compileProgram(singleKernelProgram(k)).bytes);
  };
  const count = (wat: string, instr: string): number => wat.split('\n').filter((line) => line.trim().startsWith(instr)).length;

  it('unit-stride loads and stores are single v128 accesses; invariant loads are scalar + splat', async () => {
    const wat = await watOf(add(mul(v('r'), i32(8)), v('j')), add(mul(v('r'), i32(8)), v('j')));
    expect(count(wat, 'v128.load')).toBe(1);
    expect(count(wat, 'f32.load')).toBe(1); // s[r]
    expect(count(wat, 'f32x4.splat')).toBe(1);
    expect(count(wat, 'v128.store')).toBe(1);
    expect(count(wat, 'f32.store')).toBe(0);
  });

  it('strided loads gather four scalar loads; strided stores scatter four scalar stores', async () => {
    const wat = await watOf(mul(v('j'), i32(3)), add(mul(v('j'), i32(2)), v('r')));
    expect(count(wat, 'v128.load')).toBe(0);
    expect(count(wat, 'f32.load')).toBe(5);
    expect(count(wat, 'f32x4.replace_lane')).toBe(3);
    expect(count(wat, 'f32.store')).toBe(4);
    expect(count(wat, 'v128.store')).toBe(0);
  });
});

