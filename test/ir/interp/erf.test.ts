import { describe, expect, it } from 'vitest';
import { erf } from '../../../ir/interp/index.js';

// Reference values: erf to float64 precision (from the brief, and Python math.erf), tolerance 1e-15 absolute.
const KNOWN: [number, number][] = [
  [0.5, 0.5204998778130465],
  [1, 0.8427007929497149],
  [2, 0.9953222650189527],
  [-3, -0.9999779095030014],
  [0.1, 0.1124629160182849],
  [1.5, 0.9661051464753108],
  [1.9999, 0.9953201979070294],
  [2.5, 0.999593047982555],
  [4, 0.9999999845827421],
  [5, 0.9999999999984626],
  [1e-10, 1.1283791670955126e-10],
];

describe('erf (float64, 1e-15 absolute)', () => {
  it.each(KNOWN)('erf(%d) = %d', (x, want) => {
    expect(Math.abs(erf(x) - want)).toBeLessThanOrEqual(1e-15);
  });
  it('is odd', () => {
    for (const x of [0.3, 1.7, 2.2, 3.9, 5.5]) expect(erf(-x)).toBe(-erf(x));
  });
  it('is ±1 far out and at infinity, keeps the sign of zero, passes NaN through', () => {
    expect(erf(6)).toBe(1);
    expect(erf(-40)).toBe(-1);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(Object.is(erf(-0), -0)).toBe(true);
    expect(Object.is(erf(0), 0)).toBe(true);
    expect(erf(NaN)).toBeNaN();
  });
  it('is monotone across the switch from series to continued fraction at |x| = 2', () => {
    let previous = erf(1.99);
    for (let x = 1.99; x <= 2.01; x += 1e-4) {
      const y = erf(x);
      expect(y).toBeGreaterThanOrEqual(previous);
      previous = y;
    }
  });
});
