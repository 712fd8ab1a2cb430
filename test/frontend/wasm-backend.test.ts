/**
 * The wasm backend's copy avoidance: jitted results are views of their program's arena until the
 * program runs again (then the live ones get arrays of their own), and inputs the arena already
 * holds are not copied again. Neither may ever change a value a user can see.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, jit, numpy as np } from '../../frontend/index.js';

beforeAll(async () => {
  await init('wasm');
});

describe('wasm backend: arena views and resident inputs', () => {
  it('keeps earlier results intact when the program runs again, whether or not they were read', () => {
    const f = jit((x) => np.add(np.multiply(x, 2), 1));
    const a = f(np.array([1, 2, 3]));
    const b = f(np.array([10, 20, 30]));
    const c = f(np.array([100, 200, 300]));
    expect(a.dataSync()).toEqual(Float32Array.of(3, 5, 7));
    expect(c.dataSync()).toEqual(Float32Array.of(201, 401, 601));
    expect(b.dataSync()).toEqual(Float32Array.of(21, 41, 61));
  });

  it('feeds a result back into the program that made it', () => {
    const f = jit((x) => np.multiply(x, 3));
    let y = f(np.array([1, 2]));
    for (let i = 0; i < 3; i++) y = f(y);
    expect(y.dataSync()).toEqual(Float32Array.of(81, 162));
  });

  it('reads of a result are copies: changing one changes nothing else', () => {
    const f = jit((x, w) => np.matmul(x, w));
    const w = np.array([[1, 0], [0, 1]]);
    const x = np.array([[1, 2]]);
    const y = f(x, w);
    const read = y.dataSync();
    read[0] = 99;
    expect(y.dataSync()).toEqual(Float32Array.of(1, 2));
    expect(f(x, w).dataSync()).toEqual(Float32Array.of(1, 2));
  });

  it('sees new inputs every call while the weights stay resident, and survives disposal', () => {
    const f = jit((x, w) => np.sum(np.multiply(x, w)));
    const w = np.array([1, 2, 3]);
    for (let k = 1; k <= 3; k++) {
      const y = f(np.array([k, k, k]), w);
      expect(y.item()).toBe(6 * k);
      y.dispose();
    }
    const w2 = np.array([0, 0, 1]);
    expect(f(np.array([5, 6, 7]), w2).item()).toBe(7);
    expect(f(np.array([5, 6, 7]), w).item()).toBe(38);
  });

  it('gives results that outlive their program run their own data when results repeat an output', () => {
    const f = jit((x) => [x, np.negative(x), x]);
    const [p, q, r] = f(np.array([1, -2])) as ReturnType<typeof np.array>[];
    f(np.array([7, 8]));
    expect([p.dataSync(), q.dataSync(), r.dataSync()]).toEqual([Float32Array.of(1, -2), Float32Array.of(-1, 2), Float32Array.of(1, -2)]);
  });
});
