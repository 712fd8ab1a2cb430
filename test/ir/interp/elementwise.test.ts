/** Hand-computed cases for the elementwise ops, select, cast, iota and const. All exact unless a test says otherwise. */
import { describe, expect, it } from 'vitest';
import { tensorType } from '../../../ir/index.js';
import { INT32_MAX, INT32_MIN, UINT32_MAX, bool, f32, i32, run, u32, values } from './helpers.js';

const unary = (op: string, x: ReturnType<typeof f32>): number[] => values(run(op, [x]));
const binary = (op: string, a: ReturnType<typeof f32>, b: ReturnType<typeof f32>): number[] => values(run(op, [a, b]));

describe('float32 rounding of every op result (exact)', () => {
  it('16777216 + 1 stays 16777216', () => {
    expect(binary('add', f32([1], [16777216]), f32([1], [1]))).toEqual([16777216]);
  });
  it('0.1 + 0.2 rounds to the float32 0.3', () => {
    expect(binary('add', f32([1], [0.1]), f32([1], [0.2]))).toEqual([Math.fround(Math.fround(0.1) + Math.fround(0.2))]);
    expect(binary('add', f32([1], [0.1]), f32([1], [0.2]))).toEqual([0.30000001192092896]);
  });
  it('mul and div round; overflow gives inf', () => {
    expect(binary('div', f32([2], [1, 1]), f32([2], [3, 0]))).toEqual([Math.fround(1 / 3), Infinity]);
    expect(binary('mul', f32([1], [1e30]), f32([1], [1e30]))).toEqual([Infinity]);
  });
  it('exp of a large value overflows to inf in f32, not in f64 (89 > ln(FLT_MAX))', () => {
    expect(unary('exp', f32([1], [89]))).toEqual([Infinity]);
  });
  it('works on rank-0 and zero-size tensors', () => {
    expect(binary('add', f32([], [1.5]), f32([], [2])).length).toBe(1);
    expect(run('add', [f32([], [1.5]), f32([], [2])]).type).toEqual(tensorType('float32', []));
    expect(run('exp', [f32([0, 4], [])]).type).toEqual(tensorType('float32', [0, 4]));
  });
});

describe('integer arithmetic wraps to 32 bits (exact)', () => {
  it('add, sub, mul, neg, abs', () => {
    expect(binary('add', i32([1], [INT32_MAX]), i32([1], [1]))).toEqual([INT32_MIN]);
    expect(binary('sub', i32([1], [INT32_MIN]), i32([1], [1]))).toEqual([INT32_MAX]);
    expect(binary('mul', i32([2], [65536, 46341]), i32([2], [65536, 46341]))).toEqual([0, -2147479015]);
    expect(binary('sub', u32([1], [0]), u32([1], [1]))).toEqual([UINT32_MAX]);
    expect(binary('mul', u32([1], [UINT32_MAX]), u32([1], [UINT32_MAX]))).toEqual([1]);
    expect(unary('neg', i32([2], [INT32_MIN, 5]))).toEqual([INT32_MIN, -5]);
    expect(unary('abs', i32([2], [INT32_MIN, -5]))).toEqual([INT32_MIN, 5]);
    expect(unary('neg', u32([2], [1, 0]))).toEqual([UINT32_MAX, 0]);
  });
  it('div truncates toward zero, x/0 = 0, INT_MIN/-1 = INT_MIN', () => {
    expect(binary('div', i32([6], [7, -7, 7, -7, 5, INT32_MIN]), i32([6], [2, 2, -2, -2, 0, -1]))).toEqual([3, -3, -3, 3, 0, INT32_MIN]);
    expect(binary('div', u32([3], [7, UINT32_MAX, 9]), u32([3], [0, 2, 10]))).toEqual([0, 2147483647, 0]);
  });
  it('mod takes the sign of the divisor, x mod 0 = 0, INT_MIN mod -1 = 0', () => {
    expect(binary('mod', i32([6], [-7, 7, -7, 7, 5, INT32_MIN]), i32([6], [3, -3, -3, 3, 0, -1]))).toEqual([2, -2, -1, 1, 0, 0]);
    expect(binary('mod', u32([2], [UINT32_MAX, 5]), u32([2], [10, 0]))).toEqual([5, 0]);
  });
  it('pow by squaring wraps; negative exponents give 0 unless |base| = 1', () => {
    expect(binary('pow', i32([7], [2, 3, 0, 2, 1, -1, -1]), i32([7], [31, -1, 0, 32, -5, -3, -4]))).toEqual([INT32_MIN, 0, 1, 0, 1, -1, 1]);
    expect(binary('pow', u32([2], [2, 3]), u32([2], [31, 2]))).toEqual([2147483648, 9]);
  });
  it('sign of integers', () => {
    expect(unary('sign', i32([4], [INT32_MIN, -3, 0, 9]))).toEqual([-1, -1, 0, 1]);
    expect(unary('sign', u32([2], [0, UINT32_MAX]))).toEqual([0, 1]);
  });
});

describe('float special values (exact)', () => {
  it('mod follows NumPy: remainder has the sign of b; mod(x,0) and mod(inf,y) are NaN', () => {
    const got = binary('mod', f32([7], [-7.5, 7.5, -0, 0, 1, Infinity, -1]), f32([7], [2, -2, 3, -3, 0, 2, Infinity]));
    expect(got).toEqual([0.5, -0.5, 0, -0, NaN, NaN, Infinity]);
  });
  it('pow follows C powf: pow(1, NaN) = 1, pow(-1, ±inf) = 1, pow(NaN, 0) = 1', () => {
    const got = binary('pow', f32([5], [1, -1, NaN, 2, -8]), f32([5], [NaN, -Infinity, 0, 0.5, 1 / 3]));
    expect(got).toEqual([1, 1, 1, Math.fround(Math.SQRT2), NaN]);
  });
  it('max and min propagate NaN; max(+0,-0) = +0, min = -0', () => {
    expect(binary('max', f32([3], [NaN, 1, 0]), f32([3], [1, NaN, -0]))).toEqual([NaN, NaN, 0]);
    expect(binary('min', f32([3], [NaN, 1, 0]), f32([3], [1, NaN, -0]))).toEqual([NaN, NaN, -0]);
  });
  it('comparisons with NaN are false except ne', () => {
    const a = f32([2], [NaN, NaN]);
    const b = f32([2], [NaN, 1]);
    for (const op of ['eq', 'lt', 'le', 'gt', 'ge']) expect(binary(op, a, b)).toEqual([0, 0]);
    expect(binary('ne', a, b)).toEqual([1, 1]);
    expect(binary('eq', f32([1], [0]), f32([1], [-0]))).toEqual([1]);
  });
  it('comparisons on u32 are unsigned, on bool compare 0/1', () => {
    expect(binary('gt', u32([1], [2147483648]), u32([1], [1]))).toEqual([1]);
    expect(binary('lt', bool([2], [0, 1]), bool([2], [1, 1]))).toEqual([1, 0]);
  });
  it('sign: NaN stays NaN, both zeros give +0', () => {
    expect(unary('sign', f32([5], [NaN, -0, 0, -3, Infinity]))).toEqual([NaN, 0, 0, -1, 1]);
  });
  it('round is half to even and keeps -0; floor/ceil', () => {
    expect(unary('round', f32([8], [0.5, 1.5, 2.5, -2.5, -0.4, 0.6, -Infinity, NaN]))).toEqual([0, 2, 2, -2, -0, 1, -Infinity, NaN]);
    expect(unary('floor', f32([3], [-0.5, 0.5, -0]))).toEqual([-1, 0, -0]);
    expect(unary('ceil', f32([3], [-0.5, 0.5, 1]))).toEqual([-0, 1, 1]);
  });
  it('rsqrt = 1/sqrt: rsqrt(0) = inf, rsqrt(-1) = NaN; log(0) = -inf', () => {
    expect(unary('rsqrt', f32([4], [4, 0.25, 0, -1]))).toEqual([0.5, 2, Infinity, NaN]);
    expect(unary('log', f32([3], [0, -1, 1]))).toEqual([-Infinity, NaN, 0]);
    expect(unary('sqrt', f32([2], [-0, -1]))).toEqual([-0, NaN]);
  });
  it('sigmoid is stable at the extremes (exact: no NaN, f32-rounded tiny values)', () => {
    const got = unary('sigmoid', f32([6], [0, 100, -100, -1000, Infinity, -Infinity]));
    expect(got).toEqual([0.5, 1, Math.fround(Math.exp(-100)), 0, 1, 0]);
    expect(unary('sigmoid', f32([1], [NaN]))).toEqual([NaN]);
  });
  it('erf is rounded to f32 (exact vs Math.fround of the float64 value)', () => {
    expect(unary('erf', f32([3], [0.5, -3, 10]))).toEqual([Math.fround(0.5204998778130465), Math.fround(-0.9999779095030014), 1]);
  });
  it('neg and abs of floats are exact and flip/clear the sign of zero', () => {
    expect(unary('neg', f32([2], [0, -Infinity]))).toEqual([-0, Infinity]);
    expect(unary('abs', f32([2], [-0, -NaN]))).toEqual([0, NaN]);
  });
});

describe('logical ops, select', () => {
  it('not, and, or truth tables', () => {
    expect(unary('not', bool([2], [0, 1]))).toEqual([1, 0]);
    const a = bool([4], [0, 0, 1, 1]);
    const b = bool([4], [0, 1, 0, 1]);
    expect(binary('and', a, b)).toEqual([0, 0, 0, 1]);
    expect(binary('or', a, b)).toEqual([0, 1, 1, 1]);
  });
  it('select picks elementwise, NaN included', () => {
    expect(values(run('select', [bool([3], [1, 0, 1]), f32([3], [NaN, 2, 3]), f32([3], [4, NaN, 6])]))).toEqual([NaN, NaN, 3]);
    expect(values(run('select', [bool([], [0]), i32([], [1]), i32([], [2])]))).toEqual([2]);
  });
});

describe('cast (convertScalar semantics, exact)', () => {
  const cast = (x: ReturnType<typeof f32>, to: string): number[] => values(run('cast', [x], { to }));
  it('f32 to i32 truncates and saturates; NaN gives 0', () => {
    expect(cast(f32([7], [3.9, -3.9, 1e10, -1e10, Infinity, -Infinity, NaN]), 'i32')).toEqual([3, -3, INT32_MAX, INT32_MIN, INT32_MAX, INT32_MIN, 0]);
  });
  it('f32 to u32 saturates at 0 and UINT_MAX', () => {
    expect(cast(f32([4], [-5, 5e9, 7.7, NaN]), 'u32')).toEqual([0, UINT32_MAX, 7, 0]);
  });
  it('integer to integer keeps the low 32 bits', () => {
    expect(cast(i32([2], [-1, INT32_MIN]), 'u32')).toEqual([UINT32_MAX, 2147483648]);
    expect(cast(u32([2], [UINT32_MAX, 2147483648]), 'i32')).toEqual([-1, INT32_MIN]);
  });
  it('integers to f32 round to nearest', () => {
    expect(cast(i32([2], [16777217, -16777219]), 'f32')).toEqual([16777216, -16777220]);
    expect(cast(u32([1], [UINT32_MAX]), 'f32')).toEqual([4294967296]);
  });
  it('to bool is x != 0 (so NaN gives true, as NumPy)', () => {
    expect(cast(f32([5], [0, -0, 0.5, -Infinity, NaN]), 'bool')).toEqual([0, 0, 1, 1, 1]);
    expect(cast(i32([2], [0, INT32_MIN]), 'bool')).toEqual([0, 1]);
    expect(cast(bool([2], [1, 0]), 'f32')).toEqual([1, 0]);
  });
});

describe('iota and const', () => {
  it('iota counts along dim', () => {
    expect(values(run('iota', [], { dim: 0 }, tensorType('int32', [2, 3])))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(values(run('iota', [], { dim: 1 }, tensorType('float32', [2, 3])))).toEqual([0, 1, 2, 0, 1, 2]);
    expect(values(run('iota', [], { dim: 1 }, tensorType('uint32', [2, 1, 2])))).toEqual([0, 0, 0, 0]);
    expect(values(run('iota', [], { dim: 0 }, tensorType('int32', [0, 3])))).toEqual([]);
  });
  it('const splats a number or takes a flat list of values representable in the dtype', () => {
    expect(values(run('const', [], { value: 0.1 }, tensorType('float32', [2])))).toEqual([Math.fround(0.1), Math.fround(0.1)]);
    expect(values(run('const', [], { value: [1, -2, 3, 4] }, tensorType('int32', [2, 2])))).toEqual([1, -2, 3, 4]);
    expect(values(run('const', [], { value: 7 }, tensorType('uint32', [])))).toEqual([7]);
    expect(values(run('const', [], { value: UINT32_MAX }, tensorType('uint32', [1])))).toEqual([UINT32_MAX]);
    expect(values(run('const', [], { value: [0, 1] }, tensorType('bool', [2])))).toEqual([0, 1]);
    expect(() => run('const', [], { value: -1 }, tensorType('uint32', [1]))).toThrow(/const: value -1 is not representable in u32\[1\]/);
    expect(() => run('const', [], { value: [0, 2] }, tensorType('bool', [2]))).toThrow(/value 2 is not representable in bool\[2\]/);
    expect(() => run('const', [], { value: 2.5 }, tensorType('int32', []))).toThrow(/value 2.5 is not representable in i32\[\]/);
    expect(values(run('const', [], { value: 5 }, tensorType('float32', [0])))).toEqual([]);
  });
});
