import { describe, expect, it } from 'vitest';
import { describeMismatch } from './compare.js';
import type { OnnxTensor } from './load.js';

const expected = (dtype: OnnxTensor['dtype'], shape: number[], data: OnnxTensor['data']): OnnxTensor => ({ name: 'y', dtype, shape, data });

describe('describeMismatch (ONNX tolerance comparison)', () => {
  it('accepts values within atol + rtol * |expected|, and matching NaN and infinities', () => {
    const want = expected('float32', [4], Float32Array.from([1000, 0, NaN, -Infinity]));
    expect(describeMismatch({ dtype: 'float32', shape: [4], data: [1000.9, 5e-8, NaN, -Infinity] }, want)).toBeUndefined();
  });

  it('rejects values just outside the tolerance and reports the element', () => {
    const want = expected('float32', [2], Float32Array.from([1000, 0]));
    expect(describeMismatch({ dtype: 'float32', shape: [2], data: [1001.1, 0] }, want)).toMatch(/1\/2 elements differ.*\[0\] got 1001.1/);
    expect(describeMismatch({ dtype: 'float32', shape: [2], data: [1000, 2e-7] }, want)).toMatch(/\[1\]/);
    expect(describeMismatch({ dtype: 'float32', shape: [2], data: [1000, NaN] }, want)).toMatch(/\[1\] got NaN/);
  });

  it('checks shape and dtype, expecting int64 outputs back as int32', () => {
    const want = expected('int64', [1, 2], BigInt64Array.from([0n, 1n]));
    expect(describeMismatch({ dtype: 'int32', shape: [1, 2], data: [0, 1] }, want)).toBeUndefined();
    expect(describeMismatch({ dtype: 'int32', shape: [2], data: [0, 1] }, want)).toMatch(/shape \[2\], expected \[1,2\]/);
    expect(describeMismatch({ dtype: 'float32', shape: [1, 2], data: [0, 1] }, want)).toMatch(/dtype float32, expected int32/);
  });

  it('compares bools exactly', () => {
    const want = expected('bool', [2], Uint8Array.from([1, 0]));
    expect(describeMismatch({ dtype: 'bool', shape: [2], data: [1, 0] }, want)).toBeUndefined();
    expect(describeMismatch({ dtype: 'bool', shape: [2], data: [1, 1] }, want)).toMatch(/\[1\] got 1, expected 0/);
  });
});
