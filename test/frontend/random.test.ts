import { describe, expect, it } from 'vitest';
import { type Tensor, jit, numpy as np, random } from '../../frontend/index.js';
import { BACKENDS, useBackend, values } from '../helpers.js';

describe('threefry2x32', () => {
  // Known-answer vectors from the Random123 paper's reference implementation (20 rounds).
  it('matches the published test vectors', () => {
    expect(random.threefry2x32(0, 0, 0, 0)).toEqual([0x6b200159, 0x99ba4efe]);
    expect(random.threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)).toEqual([0x1cb996fc, 0xbb002be7]);
    expect(random.threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)).toEqual([0xc4923a9c, 0x483df7a0]);
  });
});

describe.each(BACKENDS)('random on %s', (backend) => {
  useBackend(backend);

  it('gives the same values for the same key, and different ones for split keys', async () => {
    const a = await random.uniform(random.key(42), [8]).data();
    const b = await random.uniform(random.key(42), [8]).data();
    expect(a).toEqual(b);
    const [k1, k2] = random.split(random.key(42));
    expect(await random.uniform(k1, [8]).data()).not.toEqual(await random.uniform(k2, [8]).data());
    expect(await random.uniform(7, [3]).data()).toEqual(await random.uniform(random.key(7), [3]).data());
  });

  it('is reproducible inside jit', async () => {
    const f = jit((x: Tensor) => np.add(x, random.normal(random.key(1), [4])));
    expect(await f(np.zeros([4])).data()).toEqual(await random.normal(random.key(1), [4]).data());
  });

  it('draws uniforms in range and normals with the right moments', async () => {
    const u = await values(random.uniform(random.key(0), [20000], { minval: -2, maxval: 3 }));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(3);
    const mean = u.reduce((s, v) => s + v, 0) / u.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    const n = await values(random.normal(random.key(0), [20000], { mean: 1, std: 2 }));
    const m = n.reduce((s, v) => s + v, 0) / n.length;
    const v = n.reduce((s, x) => s + (x - m) ** 2, 0) / n.length;
    expect(Math.abs(m - 1)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(v) - 2)).toBeLessThan(0.05);
  });

  it('draws integers and booleans', async () => {
    const r = random.randint(random.key(3), [1000], -3, 4);
    expect(r.dtype).toBe('int32');
    const vals = new Set(await r.data());
    expect([...vals].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    const b = random.bernoulli(random.key(3), [1000], 0.25);
    const frac = (await values(b)).reduce((s, x) => s + x, 0) / 1000;
    expect(Math.abs(frac - 0.25)).toBeLessThan(0.05);
  });

  it('rejects bad arguments', () => {
    expect(() => random.key(0.5)).toThrow(/random.key: seed must be a safe integer/);
    expect(() => random.uniform(random.key(0), [-1])).toThrow(/random.uniform: shape \[-1\]/);
    expect(() => random.uniform('x' as never, [1])).toThrow(/expected a key/);
  });
});
