import { beforeAll, describe, expect, it } from 'vitest';
import { loadBinaryen } from '../../codegen-wasm/binaryen.js';
import { toWat } from '../../codegen-wasm/wat.js';
import { compileProgram } from '../../codegen-wasm/codegen.js';
import { add, f32, kernel, load, loop, mul, runWasm, singleKernelProgram, store, unary, v } from './build.js';

beforeAll(async () => {
  await loadBinaryen();
});

describe('smoke', () => {
  it('runs an elementwise kernel', async () => {
    const k = kernel('axpb', [['x', 'float32', 10, 'r'], ['y', 'float32', 10, 'w']], [], [
      loop('i', 10, [store('y', v('i'), add(mul(load('x', 'float32', v('i')), f32(2)), unary('exp', load('x', 'float32', v('i')))))], 4),
    ]);
    const p = singleKernelProgram(k);
    const x = Float32Array.from({ length: 10 }, (_, i) => i * 0.5);
    const [y] = runWasm(p, [x]);
    console.log(y);
    const c = compileProgram(p);
    console.log(c.timings, c.bytes.length);
    console.log((await toWat(c.bytes)).slice(0, 3000));
    expect(y[3]).toBeCloseTo(3 + Math.exp(1.5), 4);
  });
});
