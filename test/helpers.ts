/** Shared test helpers: backend parametrisation and tolerance-aware comparisons. */
import { expect } from 'vitest';
import { setBackend } from '../frontend/index.js';

/** Every backend the op suites run on; later backends are added here. */
export const BACKENDS = ['interp'] as const;

export function useBackend(name: string): void {
  setBackend(name);
}

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
