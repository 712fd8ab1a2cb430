/** Shared test helpers: backend parametrisation and tolerance-aware comparisons. */
import { beforeAll, expect } from 'vitest';
import { type Tensor, init } from '../frontend/index.js';

/** Every backend the op suites run on: the reference interpreter and compiled WebAssembly. */
export const BACKENDS = ['interp', 'wasm', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/**
 * Backends whose tensors can be read synchronously (`dataSync()`, `toArray()`, `item()`,
 * `Number(t)`, `${t}`). WebGPU reads back asynchronously only, so op tests read through
 * `await t.data()` / `await t.array()` (or the helpers below) and only tests whose subject is
 * the synchronous API itself are restricted with `it.runIf(readsSync(backend))`.
 */
export const SYNC_READ_BACKENDS: ReadonlySet<string> = new Set(['interp', 'wasm']);

export function readsSync(backend: string): boolean {
  return SYNC_READ_BACKENDS.has(backend);
}

/** The elements of `t` (row-major) as a plain number array, read with `await t.data()`: works on every backend. */
export async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** The single element of a size-1 tensor like `t.item()` (booleans for bool), read asynchronously. */
export async function item(t: Tensor): Promise<number | boolean> {
  if (t.size !== 1) throw new Error(`item(): tensor of shape [${t.shape.join(',')}] has ${t.size} elements; item() needs exactly 1`);
  const v = (await t.data())[0];
  return t.dtype === 'bool' ? v !== 0 : v;
}

/**
 * Selects `name` for the tests of the enclosing describe, initialising it first. Create tensors
 * inside tests or hooks, not in describe bodies, which run before any hook.
 */
export function useBackend(name: string): void {
  beforeAll(async () => {
    await init(name);
  });
}

/**
 * Tolerance for results of transcendental functions: exact on interp (math in float64, rounded
 * once), a few ulp on wasm (float32 polynomials; see codegen-wasm/math).
 */
export const TRANSCENDENTAL_RTOL = 1e-6;

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/** Elementwise |a - e| <= atol + rtol * |e|, NaN matching NaN; reports the first bad index. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, { rtol = 1e-6, atol = 1e-6 }: Tolerance = {}): void {
  expect(actual.length, 'length').toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      expect(Number.isNaN(a), `index ${i}: expected NaN, got ${a}`).toBe(true);
      continue;
    }
    if (!Number.isFinite(e)) {
      expect(a, `index ${i}`).toBe(e);
      continue;
    }
    const ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) expect.fail(`index ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}
