/**
 * Compiling with the `exactReductions` codegen flag from tests. CompileOptions has no such field
 * yet (codegen.ts builds the flags), so a test file mocks codegen-wasm/kernel.js with
 *
 *   vi.mock('<path to>/codegen-wasm/kernel.js', async (importOriginal) =>
 *     (await import('<path to>/test/codegen-wasm/exact-reductions.js')).kernelWithFlagOverride(importOriginal));
 *
 * and wraps compilations in `withExactReductions`.
 */
import type * as KernelModule from '../../codegen-wasm/kernel.js';

const override: { exactReductions?: boolean } = {};

export async function kernelWithFlagOverride(importOriginal: () => Promise<unknown>): Promise<typeof KernelModule> {
  const original = (await importOriginal()) as typeof KernelModule;
  return {
    ...original,
    emitLaunchFunction: (b, m, helpers, name, kernel, buffers, flags) =>
      original.emitLaunchFunction(b, m, helpers, name, kernel, buffers, { ...flags, ...override }),
  };
}

/**
 * Runs `f` with every launch function compiled meanwhile keeping float folds in sequential
 * order (until the promise `f` returns settles, for async `f`).
 */
export function withExactReductions<T>(f: () => T): T {
  override.exactReductions = true;
  const reset = (): void => {
    delete override.exactReductions;
  };
  try {
    const result = f();
    if (result instanceof Promise) return result.finally(reset) as T;
    reset();
    return result;
  } catch (e) {
    reset();
    throw e;
  }
}
