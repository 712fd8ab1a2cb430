/**
 * The Gauss error function in float64, for the reference interpreter (JavaScript's Math has none).
 *
 * erf(x) = 2/√π · Σ_{n≥0} (-1)^n x^(2n+1) / (n! (2n+1)), summed until the terms stop mattering.
 * The series converges for every x, but its terms grow to ~e^(x²)/… before shrinking, so
 * cancellation costs about x²/ln(10) decimal digits: ~7 digits at |x| = 4. That would be too
 * much, so for |x| >= 2 we use the continued fraction for erfc instead, which converges fast
 * there and loses nothing to cancellation:
 *   erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
 * Beyond |x| = 6 erf is ±1 to float64 precision (erfc(6) ≈ 2e-17).
 * Accuracy is ~1e-15 absolute over the whole line, far below float32's resolution.
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/** Maclaurin series; accurate to ~1e-16 relative for |x| < 2 (cancellation there is < 2 digits). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x; // (-1)^n x^(2n+1) / n!
  let sum = x;
  for (let n = 1; n < 100; n++) {
    term *= -x2 / n;
    const contribution = term / (2 * n + 1);
    sum += contribution;
    if (Math.abs(contribution) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/** erfc(x) for x >= 2 by the Laplace continued fraction, evaluated bottom-up with a fixed depth. */
function erfcContinuedFraction(x: number): number {
  // At x = 2, 60 levels converge to well below 1e-16 relative; larger x converges faster.
  let tail = x;
  for (let k = 60; k >= 1; k--) tail = x + k / 2 / tail;
  return (Math.exp(-x * x) * ONE_OVER_SQRT_PI) / tail;
}

export function erf(x: number): number {
  if (Number.isNaN(x) || x === 0) return x; // keeps the sign of zero
  const a = Math.abs(x);
  if (a < 2) return erfSeries(x);
  if (a >= 6) return Math.sign(x);
  const r = 1 - erfcContinuedFraction(a);
  return x < 0 ? -r : r;
}
