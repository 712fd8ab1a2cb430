/** Hand-computed cases for reduce and argmax/argmin (all exact). */
import { describe, expect, it } from 'vitest';
import { f32, i32, INT32_MAX, INT32_MIN, run, u32, UINT32_MAX, values } from './helpers.js';

const reduce = (x: ReturnType<typeof f32>, op: string, axes: number[]) => run('reduce', [x], { op, axes });

describe('reduce', () => {
  const m = f32([2, 3], [1, 2, 3, 4, 5, 6]);
  it('sums rows, columns, everything (rank-0 result)', () => {
    expect(values(reduce(m, 'sum', [1]))).toEqual([6, 15]);
    expect(values(reduce(m, 'sum', [0]))).toEqual([5, 7, 9]);
    const all = reduce(m, 'sum', [0, 1]);
    expect(all.type.shape).toEqual([]);
    expect(values(all)).toEqual([21]);
    expect(values(reduce(m, 'prod', [1]))).toEqual([6, 120]);
    expect(values(reduce(m, 'max', [0]))).toEqual([4, 5, 6]);
    expect(values(reduce(m, 'min', [1]))).toEqual([1, 4]);
  });
  it('accumulates sequentially in f32, in row-major order of the reduced indices', () => {
    // 16777216 + 1 rounds back to 16777216 four times; pairwise or f64 summation would give 16777220.
    expect(values(reduce(f32([5], [16777216, 1, 1, 1, 1]), 'sum', [0]))).toEqual([16777216]);
    // Small values first: 1+1+1+1 = 4, then 16777216 + 4 = 16777220 exactly.
    expect(values(reduce(f32([5], [1, 1, 1, 1, 16777216]), 'sum', [0]))).toEqual([16777220]);
    // Two reduced dims: row-major over (i, j) visits 16777216, 1, 1, 1 → 16777216.
    expect(values(reduce(f32([2, 2], [16777216, 1, 1, 1]), 'sum', [0, 1]))).toEqual([16777216]);
    // Reducing dim 0 of [[1,1],[16777216,1]]: column 0 is 1 + 2^24, which ties to even → 16777216.
    expect(values(reduce(f32([2, 2], [1, 1, 16777216, 1]), 'sum', [0]))).toEqual([16777216, 2]);
  });
  it('products round in f32; integer sums and products wrap', () => {
    expect(values(reduce(f32([3], [0.1, 0.1, 0.1]), 'prod', [0]))).toEqual([Math.fround(Math.fround(Math.fround(0.1) * Math.fround(0.1)) * Math.fround(0.1))]);
    expect(values(reduce(i32([2], [INT32_MAX, 1]), 'sum', [0]))).toEqual([INT32_MIN]);
    expect(values(reduce(i32([2], [65536, 65536]), 'prod', [0]))).toEqual([0]);
    expect(values(reduce(u32([2], [UINT32_MAX, 2]), 'sum', [0]))).toEqual([1]);
  });
  it('empty reductions give the identity', () => {
    const e = f32([2, 0], []);
    expect(values(reduce(e, 'sum', [1]))).toEqual([0, 0]);
    expect(values(reduce(e, 'prod', [1]))).toEqual([1, 1]);
    expect(values(reduce(e, 'max', [1]))).toEqual([-Infinity, -Infinity]);
    expect(values(reduce(e, 'min', [1]))).toEqual([Infinity, Infinity]);
    expect(values(reduce(i32([0], []), 'max', [0]))).toEqual([INT32_MIN]);
    expect(values(reduce(i32([0], []), 'min', [0]))).toEqual([INT32_MAX]);
    expect(values(reduce(u32([0], []), 'max', [0]))).toEqual([0]);
    expect(values(reduce(u32([0], []), 'min', [0]))).toEqual([UINT32_MAX]);
    expect(reduce(f32([0, 3], []), 'sum', [1]).type.shape).toEqual([0]);
  });
  it('no axes: a copy (rank 0 included), except that a sum starts from +0 (-0 becomes +0)', () => {
    expect(values(reduce(m, 'max', []))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(values(reduce(f32([], [2.5]), 'prod', []))).toEqual([2.5]);
    expect(values(reduce(f32([1], [-0]), 'sum', []))).toEqual([0]);
  });
  it('max and min propagate NaN', () => {
    const x = f32([2, 3], [1, NaN, 3, -Infinity, 2, Infinity]);
    expect(values(reduce(x, 'max', [1]))).toEqual([NaN, Infinity]);
    expect(values(reduce(x, 'min', [1]))).toEqual([NaN, -Infinity]);
    expect(values(reduce(x, 'sum', [0]))).toEqual([-Infinity, NaN, Infinity]);
  });
});

describe('argmax / argmin (i32; first wins ties; first NaN wins)', () => {
  it('ties: the first index wins', () => {
    const x = f32([2, 4], [3, 1, 3, 1, 2, 2, 2, 2]);
    expect(values(run('argmax', [x], { axis: 1 }))).toEqual([0, 0]);
    expect(values(run('argmin', [x], { axis: 1 }))).toEqual([1, 0]);
    expect(values(run('argmax', [x], { axis: 0 }))).toEqual([0, 1, 0, 1]);
  });
  it('NaN counts as the extreme for both: the first NaN wins', () => {
    const x = f32([3, 4], [0, NaN, 9, NaN, NaN, NaN, 1, 1, -Infinity, 5, -Infinity, 2]);
    expect(values(run('argmax', [x], { axis: 1 }))).toEqual([1, 0, 1]);
    expect(values(run('argmin', [x], { axis: 1 }))).toEqual([1, 0, 0]);
    expect(values(run('argmin', [x], { axis: 0 }))).toEqual([1, 0, 2, 0]);
  });
  it('result is i32; rank-1 operand gives a rank-0 result; zero-size outer dims work', () => {
    const r = run('argmax', [u32([3], [1, UINT32_MAX, 5])], { axis: 0 });
    expect(r.type).toEqual({ dtype: 'int32', shape: [] });
    expect(values(r)).toEqual([1]);
    expect(run('argmin', [f32([0, 3], [])], { axis: 1 }).type.shape).toEqual([0]);
    expect(values(run('argmin', [i32([1, 3], [INT32_MIN, INT32_MIN, 0])], { axis: 1 }))).toEqual([0]);
  });
});
