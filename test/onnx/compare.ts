// Compares a Kiln result with an ONNX expected output the way ONNX's own runner does:
// |actual - expected| <= atol + rtol * |expected|, NaN matching NaN, exact for ints and bools.
import type { OnnxTensor } from './load.js';

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** ONNX backend-test defaults. */
export const ONNX_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-7 };

export interface KilnResult {
  dtype: string;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** Kiln has no int64: ONNX int64 outputs (ArgMax) are expected back as int32. */
const KILN_DTYPE_FOR: Record<string, string> = { float32: 'float32', int64: 'int32', int32: 'int32', bool: 'bool' };

/** undefined when the result matches; otherwise a readable description of the first mismatches. */
export function describeMismatch(actual: KilnResult, expected: OnnxTensor, tol: Tolerance = ONNX_TOLERANCE): string | undefined {
  const wantDtype = KILN_DTYPE_FOR[expected.dtype] ?? `(no Kiln dtype for ${expected.dtype})`;
  if (actual.dtype !== wantDtype) return `dtype ${actual.dtype}, expected ${wantDtype} (ONNX ${expected.dtype})`;
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return `shape [${actual.shape.join(',')}], expected [${expected.shape.join(',')}]`;
  }
  if (actual.data.length !== expected.data.length) return `${actual.data.length} elements, expected ${expected.data.length}`;
  const exact = expected.dtype !== 'float32';
  const bad: string[] = [];
  let badCount = 0;
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const want = Number(expected.data[i]);
    const got = actual.data[i]!;
    const ok = exact
      ? got === want
      : (Number.isNaN(want) && Number.isNaN(got)) || got === want || Math.abs(got - want) <= tol.atol + tol.rtol * Math.abs(want);
    if (ok) continue;
    badCount++;
    worst = Math.max(worst, Math.abs(got - want));
    if (bad.length < 5) bad.push(`[${i}] got ${got}, expected ${want}`);
  }
  if (badCount === 0) return undefined;
  return `${badCount}/${expected.data.length} elements differ (max abs error ${worst.toExponential(3)}, rtol ${tol.rtol}, atol ${tol.atol}): ${bad.join('; ')}`;
}
