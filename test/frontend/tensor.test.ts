import { describe, expect, it } from 'vitest';
import { KilnError, Tensor, getBackend, numpy as np, setBackend } from '../../frontend/index.js';
import { BACKENDS, item, readsSync, useBackend } from '../helpers.js';

describe.each(BACKENDS)('tensors on %s', (backend) => {
  useBackend(backend);

  it('creates float32 tensors from nested arrays by default', async () => {
    const t = np.array([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(await t.data()).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(await t.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('infers dtypes from typed arrays and booleans, and honours dtype and shape options', async () => {
    expect(np.array(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(np.array(new Uint32Array([1, 2])).dtype).toBe('uint32');
    expect(np.array([true, false]).dtype).toBe('bool');
    expect(await np.array([true, false]).array()).toEqual([true, false]);
    const t = np.array(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2], dtype: 'int32' });
    expect(t.shape).toEqual([3, 2]);
    expect(t.dtype).toBe('int32');
    expect(await t.array()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('handles rank-0 and zero-size tensors', async () => {
    const s = np.array(3.5);
    expect(s.shape).toEqual([]);
    expect(await s.array()).toBe(3.5);
    expect(await item(s)).toBe(3.5);
    const z = np.zeros([0, 3]);
    expect(z.shape).toEqual([0, 3]);
    expect(z.size).toBe(0);
    expect(await z.array()).toEqual([]);
    expect(np.array([]).shape).toEqual([0]);
  });

  it('reads asynchronously with data() and array()', async () => {
    expect(await np.array([1, 2]).data()).toEqual(new Float32Array([1, 2]));
    expect(await np.array([[true], [false]]).array()).toEqual([[true], [false]]);
  });

  // The subject is the synchronous read API, which only backends that can block on their device
  // offer (interp, wasm); WebGPU reads back asynchronously, so there only data()/array() work.
  it.runIf(readsSync(backend))('reads synchronously with dataSync(), toArray() and item() where the backend can', () => {
    const t = np.array([[1, 2], [3, 4]]);
    expect(t.dataSync()).toEqual(new Float32Array([1, 2, 3, 4]));
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(np.array([true]).item()).toBe(true);
    expect(np.array(3.5).item()).toBe(3.5);
    const disposed = np.ones([2]);
    disposed.dispose();
    expect(() => disposed.dataSync()).toThrow(/was disposed/);
  });

  // The counterpart on backends that read back asynchronously only (webgpu): a readable error.
  it.runIf(!readsSync(backend))('refuses dataSync() with a pointer to await t.data() where the backend cannot read synchronously', () => {
    expect(() => np.array([1]).dataSync()).toThrow(/cannot read synchronously; use `await t.data\(\)`/);
    expect(() => np.array([1]).toArray()).toThrow(/cannot read synchronously/);
    expect(() => np.array([1]).item()).toThrow(/cannot read synchronously/);
  });

  it('rejects ragged arrays, bad shapes and non-numbers with the function name', () => {
    expect(() => np.array([[1, 2], [3]])).toThrow(/array: nested array is ragged/);
    expect(() => np.array([1, 2, 3], { shape: [2, 2] })).toThrow(/shape \[2,2\] holds 4 elements but the data has 3/);
    expect(() => np.array(['a' as unknown as number])).toThrow(/non-number/);
    expect(() => np.zeros([-1])).toThrow(/zeros: shape \[-1\]/);
  });

  it('disposes deterministically and reports use after dispose', async () => {
    const t = np.ones([2]);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    await expect(t.data()).rejects.toThrow(/was disposed/);
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

  // The subject is implicit conversion (Number(t), `${t}`, t > 1), which reads synchronously:
  // only backends that can (interp, wasm) support it.
  it.runIf(readsSync(backend))('converts size-1 concrete tensors to JS numbers and strings', () => {
    const t = np.array([2]);
    expect(Number(t)).toBe(2);
    expect((t as unknown as number) > 1).toBe(true);
    expect(`${np.array([1, 2])}`).toBe('Tensor(f32[2]) [1,2]');
    expect(() => Number(np.array([1, 2]))).toThrow(/item\(\): tensor f32\[2\] has 2 elements/);
  });

  it('exposes common functions as methods', async () => {
    const x = np.array([[1, 2], [3, 4]]);
    expect(await x.add(1).mul(2).sum({ axis: 1 }).array()).toEqual([10, 18]);
    expect(await x.T.array()).toEqual([[1, 3], [2, 4]]);
    expect(await x.matmul(x).array()).toEqual([[7, 10], [15, 22]]);
    expect(await item(x.reshape([4]).argmax())).toBe(3);
    expect(x.astype('int32').dtype).toBe('int32');
  });

  it('names the backend and errors are KilnErrors', () => {
    expect(getBackend()).toBe(backend);
    expect(() => setBackend('nope')).toThrow(KilnError);
    expect(() => setBackend('nope')).toThrow(/unknown backend 'nope'; available backends: interp, wasm/);
  });
});
