/** Lazy loading of binaryen (this file must not load it before the first test). */
import { describe, expect, it } from 'vitest';
import { binaryenOrThrow, isBinaryenLoaded, kilnFeatures, loadBinaryen } from '../../codegen-wasm/binaryen.js';
import { compileProgram } from '../../codegen-wasm/codegen.js';
import { init } from '../../codegen-wasm/index.js';
import { kernel, singleKernelProgram } from './build.js';

describe('binaryen loader', () => {
  it('compiling before loading fails with a hint to await init()', () => {
    expect(isBinaryenLoaded()).toBe(false);
    expect(() => binaryenOrThrow()).toThrow(/await init\(\)/);
    expect(() => compileProgram(singleKernelProgram(kernel('k', [], [], [])))).toThrow(/not loaded yet/);
  });

  it('loads once: concurrent and repeated calls share one module', async () => {
    const [a, b] = await Promise.all([loadBinaryen(), loadBinaryen()]);
    expect(a).toBe(b);
    await init();
    expect(binaryenOrThrow()).toBe(a);
    expect(isBinaryenLoaded()).toBe(true);
  });

  it('reads the feature bits from the runtime Features object', async () => {
    const b = await loadBinaryen();
    const features = b.Features as unknown as Record<string, number>;
    const bits = kilnFeatures(b);
    expect(bits & features.SIMD128).toBe(features.SIMD128);
    expect(bits & features.NontrappingFPToInt).toBe(features.NontrappingFPToInt);
    expect(bits & features.RelaxedSIMD).toBe(0);
  });
});
