import { describe, expect, it } from 'vitest';
import { KilnError, Tensor, getBackend, numpy as np, setBackend } from '../../frontend/index.js';
import { BACKENDS, useBackend } from '../helpers.js';

describe.each(BACKENDS)('tensors on %s', (backend) => {
  useBackend(backend);

  it('creates float32 tensors from nested arrays by default', () => {
    const t = np.array([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.dataSync()).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('infers dtypes from typed arrays and booleans, and honours dtype and shape options', () => {
    expect(np.array(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(np.array(new Uint32Array([1, 2])).dtype).toBe('uint32');
    expect(np.array([true, false]).dtype).toBe('bool');
    expect(np.array([true, false]).toArray()).toEqual([true, false]);
    const t = np.array(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2], dtype: 'int32' });
    expect(t.shape).toEqual([3, 2]);
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('handles rank-0 and zero-size tensors', () => {
    const s = np.array(3.5);
    expect(s.shape).toEqual([]);
    expect(s.toArray()).toBe(3.5);
    expect(s.item()).toBe(3.5);
    const z = np.zeros([0, 3]);
    expect(z.shape).toEqual([0, 3]);
    expect(z.size).toBe(0);
    expect(z.toArray()).toEqual([]);
    expect(np.array([]).shape).toEqual([0]);
  });

  it('reads asynchronously with data()', async () => {
    expect(await np.array([1, 2]).data()).toEqual(new Float32Array([1, 2]));
  });

  it('rejects ragged arrays, bad shapes and non-numbers with the function name', () => {
    expect(() => np.array([[1, 2], [3]])).toThrow(/array: nested array is ragged/);
    expect(() => np.array([1, 2, 3], { shape: [2, 2] })).toThrow(/shape \[2,2\] holds 4 elements but the data has 3/);
    expect(() => np.array(['a' as unknown as number])).toThrow(/non-number/);
    expect(() => np.zeros([-1])).toThrow(/zeros: shape \[-1\]/);
  });

  it('disposes deterministically and reports use after dispose', () => {
    const t = np.ones([2]);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.dataSync()).toThrow(/was disposed/);
    expect(() => np.add(t, 1)).toThrow(/was disposed/);
  });

  it('supports `using` through Symbol.dispose', () => {
    let escaped: Tensor;
    {
      using t = np.ones([2]);
      escaped = t;
    }
    expect(escaped.isDisposed).toBe(true);
  });

  it('converts size-1 concrete tensors to JS numbers and strings', () => {
    const t = np.array([2]);
    expect(Number(t)).toBe(2);
    expect((t as unknown as number) > 1).toBe(true);
    expect(`${np.array([1, 2])}`).toBe('Tensor(f32[2]) [1,2]');
    expect(() => Number(np.array([1, 2]))).toThrow(/item\(\): tensor f32\[2\] has 2 elements/);
  });

  it('exposes common functions as methods', () => {
    const x = np.array([[1, 2], [3, 4]]);
    expect(x.add(1).mul(2).sum({ axis: 1 }).toArray()).toEqual([10, 18]);
    expect(x.T.toArray()).toEqual([[1, 3], [2, 4]]);
    expect(x.matmul(x).toArray()).toEqual([[7, 10], [15, 22]]);
    expect(x.reshape([4]).argmax().item()).toBe(3);
    expect(x.astype('int32').dtype).toBe('int32');
  });

  it('names the backend and errors are KilnErrors', () => {
    expect(getBackend()).toBe(backend);
    expect(() => setBackend('nope')).toThrow(KilnError);
    expect(() => setBackend('nope')).toThrow(/unknown backend 'nope'; available backends: interp, wasm/);
  });
});
