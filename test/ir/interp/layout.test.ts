/** Hand-computed cases for the layout ops (all exact: layout ops only move elements). */
import { describe, expect, it } from 'vitest';
import { tensorType } from '../../../ir/index.js';
import { bool, f32, i32, run, u32, values } from './helpers.js';

const m23 = f32([2, 3], [1, 2, 3, 4, 5, 6]); // [[1,2,3],[4,5,6]]

describe('reshape and transpose', () => {
  it('reshape keeps row-major order, including rank 0 and zero-size', () => {
    const r = run('reshape', [m23], {}, tensorType('float32', [3, 2]));
    expect(r.type.shape).toEqual([3, 2]);
    expect(values(r)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(values(run('reshape', [f32([], [7])], {}, tensorType('float32', [1, 1])))).toEqual([7]);
    expect(run('reshape', [f32([0, 3], [])], {}, tensorType('float32', [3, 0, 5])).type.shape).toEqual([3, 0, 5]);
  });
  it('transpose: result dim i is operand dim perm[i]', () => {
    expect(values(run('transpose', [m23], { perm: [1, 0] }))).toEqual([1, 4, 2, 5, 3, 6]);
    const x = i32([1, 2, 3], [1, 2, 3, 4, 5, 6]);
    const t = run('transpose', [x], { perm: [2, 0, 1] });
    expect(t.type.shape).toEqual([3, 1, 2]);
    expect(values(t)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(values(run('transpose', [f32([], [3])], { perm: [] }))).toEqual([3]);
    expect(run('transpose', [f32([2, 0], [])], { perm: [1, 0] }).type.shape).toEqual([0, 2]);
  });
});

describe('broadcast', () => {
  it('a rank-0 tensor fills the result', () => {
    expect(values(run('broadcast', [f32([], [5])], { dims: [] }, tensorType('float32', [2, 2])))).toEqual([5, 5, 5, 5]);
  });
  it('a row repeats down the rows (dims [1]) and a column across the columns (dims [0])', () => {
    const v = i32([3], [1, 2, 3]);
    expect(values(run('broadcast', [v], { dims: [1] }, tensorType('int32', [2, 3])))).toEqual([1, 2, 3, 1, 2, 3]);
    const c = i32([2], [7, 8]);
    expect(values(run('broadcast', [c], { dims: [0] }, tensorType('int32', [2, 3])))).toEqual([7, 7, 7, 8, 8, 8]);
  });
  it('size-1 dims stretch; zero-size results are fine', () => {
    const x = f32([1, 3], [1, 2, 3]);
    expect(values(run('broadcast', [x], { dims: [0, 1] }, tensorType('float32', [2, 3])))).toEqual([1, 2, 3, 1, 2, 3]);
    expect(values(run('broadcast', [x], { dims: [1, 2] }, tensorType('float32', [2, 0, 3])))).toEqual([]);
    expect(values(run('broadcast', [bool([2, 1], [1, 0])], { dims: [0, 1] }, tensorType('bool', [2, 2])))).toEqual([1, 1, 0, 0]);
  });
});

describe('slice, reverse, concat', () => {
  it('slice with start, limit and stride', () => {
    const x = f32([6], [0, 1, 2, 3, 4, 5]);
    expect(values(run('slice', [x], { start: [1], limit: [6], stride: [2] }))).toEqual([1, 3, 5]);
    expect(values(run('slice', [x], { start: [1], limit: [5], stride: [2] }))).toEqual([1, 3]);
    expect(values(run('slice', [m23], { start: [1, 1], limit: [2, 3], stride: [1, 1] }))).toEqual([5, 6]);
    expect(values(run('slice', [x], { start: [3], limit: [3], stride: [1] }))).toEqual([]);
    expect(values(run('slice', [f32([], [9])], { start: [], limit: [], stride: [] }))).toEqual([9]);
  });
  it('reverse the listed axes', () => {
    expect(values(run('reverse', [m23], { axes: [1] }))).toEqual([3, 2, 1, 6, 5, 4]);
    expect(values(run('reverse', [m23], { axes: [0, 1] }))).toEqual([6, 5, 4, 3, 2, 1]);
    expect(values(run('reverse', [m23], { axes: [] }))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(values(run('reverse', [f32([0, 3], [])], { axes: [0, 1] }))).toEqual([]);
  });
  it('concat along an axis, variadic, with an empty operand', () => {
    const a = i32([2, 1], [1, 2]);
    const b = i32([2, 2], [3, 4, 5, 6]);
    const e = i32([2, 0], []);
    expect(values(run('concat', [a, e, b], { axis: 1 }))).toEqual([1, 3, 4, 2, 5, 6]);
    expect(values(run('concat', [i32([1], [1]), i32([2], [2, 3])], { axis: 0 }))).toEqual([1, 2, 3]);
    expect(values(run('concat', [e], { axis: 1 }))).toEqual([]);
  });
});

describe('pad (low/high may be negative: crop)', () => {
  const x = f32([3], [1, 2, 3]);
  it('pads with the value', () => {
    expect(values(run('pad', [x], { low: [2], high: [1], value: 9 }))).toEqual([9, 9, 1, 2, 3, 9]);
  });
  it('negative low crops the front, negative high crops the back', () => {
    expect(values(run('pad', [x], { low: [-1], high: [2], value: 0 }))).toEqual([2, 3, 0, 0]);
    expect(values(run('pad', [x], { low: [2], high: [-1], value: 0 }))).toEqual([0, 0, 1, 2]);
    expect(values(run('pad', [x], { low: [-1], high: [-1], value: 0 }))).toEqual([2]);
    expect(values(run('pad', [x], { low: [-3], high: [1], value: 4 }))).toEqual([4]);
  });
  it('pads and crops in two dims at once', () => {
    // [[1,2,3],[4,5,6]] → drop the first row, add a row below; one column of 0 in front, drop the last column.
    expect(values(run('pad', [m23], { low: [-1, 1], high: [1, -1], value: 0 }))).toEqual([0, 4, 5, 0, 0, 0]);
  });
  it('pads rank-0 and zero-size tensors; the value must be representable in the dtype', () => {
    expect(values(run('pad', [f32([], [3])], { low: [], high: [], value: 1 }))).toEqual([3]);
    expect(values(run('pad', [u32([0], [])], { low: [1], high: [1], value: 4294967295 }))).toEqual([4294967295, 4294967295]);
    expect(() => run('pad', [u32([0], [])], { low: [1], high: [1], value: -1 })).toThrow(/pad: value -1 is not representable in u32\[0\]/);
    expect(values(run('pad', [f32([1], [1])], { low: [0], high: [1], value: 0.1 }))).toEqual([1, Math.fround(0.1)]);
  });
});

describe('gather (NumPy take; negative indices count from the end, then clamp)', () => {
  const x = f32([3], [10, 20, 30]);
  it('negative and out-of-range indices', () => {
    expect(values(run('gather', [x, i32([6], [-1, 3, -4, 0, 100, -3])], { axis: 0 }))).toEqual([30, 30, 10, 10, 30, 10]);
    expect(values(run('gather', [x, u32([2], [4294967295, 1])], { axis: 0 }))).toEqual([30, 20]);
  });
  it('result shape is x.shape[:axis] + indices.shape + x.shape[axis+1:]', () => {
    const y = i32([2, 3], [1, 2, 3, 4, 5, 6]);
    const g = run('gather', [y, i32([2, 2], [2, 0, -1, 1])], { axis: 1 });
    expect(g.type.shape).toEqual([2, 2, 2]);
    expect(values(g)).toEqual([3, 1, 3, 2, 6, 4, 6, 5]);
  });
  it('a rank-0 index drops the axis; zero indices give a zero-size result', () => {
    const y = i32([2, 3], [1, 2, 3, 4, 5, 6]);
    const row = run('gather', [y, i32([], [-1])], { axis: 0 });
    expect(row.type.shape).toEqual([3]);
    expect(values(row)).toEqual([4, 5, 6]);
    expect(run('gather', [y, i32([0], [])], { axis: 1 }).type.shape).toEqual([2, 0]);
    expect(values(run('gather', [i32([0, 2], []), i32([1], [1])], { axis: 1 }))).toEqual([]);
  });
});
