/**
 * Shared setup of the WebGPU codegen tests: one device per test file (a missing adapter FAILS
 * the suite with the install hint, it never skips), running programs on the GPU and on the
 * loop-IR reference, inputs with awkward values, and exact / ulp comparisons.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { compileProgramToWgsl, type WgslCompileOptions } from '../../codegen-wgsl/codegen.js';
import { type KilnDevice, requestKilnDevice } from '../../codegen-wgsl/device.js';
import type { DeviceLimits } from '../../codegen-wgsl/limits.js';
import type { WgslProgram } from '../../codegen-wgsl/program.js';
import { WgslProgramRunner } from '../../codegen-wgsl/runtime.js';
import { type DType, type TypedArray, allocArray } from '../../ir/dtype.js';
import type { Program } from '../../ir/loop.js';
import { evaluateProgram } from '../../ir/loop-eval.js';
import { parseProgram } from '../../ir/loop-parser.js';
import { ulpError } from '../codegen-wasm/ulp.js';

let device: KilnDevice | undefined;
let deviceError: unknown;

/**
 * Requests the suite's device before its tests; use `gpu()` inside tests. Without an adapter
 * every test fails with requestKilnDevice's error (which says what to install): never a skip.
 */
export function useGpu(): void {
  beforeAll(async () => {
    try {
      device = await requestKilnDevice();
    } catch (e) {
      deviceError = e;
    }
  }, 60_000);
  afterAll(() => {
    device?.destroy();
    device = undefined;
  });
}

export function gpu(): KilnDevice {
  if (!device) throw deviceError ?? new Error('no WebGPU device: call useGpu() in the suite');
  return device;
}

/** The device's limits with overrides (e.g. `{ subgroups: false }` for the tree reductions). */
export function limitsWith(overrides: Partial<DeviceLimits> = {}): DeviceLimits {
  return { ...gpu().limits, ...overrides };
}

/**
 * The strategies of the tiled kernels, as limits overrides: direct loads with row values
 * broadcast in subgroups (CPU adapters with subgroups; chunks of 8 k on lavapipe, of 4 for the
 * smallest subgroups), direct loads without subgroups, and workgroup-memory tiles (GPUs).
 */
export const TILE_STRATEGIES: readonly { readonly name: string; readonly limits: Partial<DeviceLimits> }[] = [
  { name: 'direct, subgroup broadcasts', limits: { cpuAdapter: true } },
  { name: 'direct, subgroups of 4', limits: { cpuAdapter: true, subgroupMinSize: 4 } },
  { name: 'direct, no subgroups', limits: { cpuAdapter: true, subgroups: false } },
  { name: 'workgroup tiles', limits: { cpuAdapter: false } },
];

export interface GpuRun {
  readonly wgsl: WgslProgram;
  readonly got: TypedArray[];
  readonly want: TypedArray[];
}

/** Compiles `p` for the device (with `limits`/`options`), runs it on `inputs`, and runs the reference. */
export async function runBoth(p: Program | string, inputs: readonly TypedArray[], options: WgslCompileOptions = {}, limits?: DeviceLimits): Promise<GpuRun> {
  const program = typeof p === 'string' ? parseProgram(p) : p;
  const wgsl = compileProgramToWgsl(program, limits ?? gpu().limits, options);
  const runner = await WgslProgramRunner.create(gpu(), wgsl);
  try {
    const got = await runner.runAndRead(inputs);
    const want = evaluateProgram(program, inputs);
    return { wgsl, got, want };
  } finally {
    runner.destroy();
  }
}

const bitsOf = (x: number): number => {
  const f = new Float32Array([x]);
  return new Uint32Array(f.buffer)[0];
};

/** Bit-exact equality (any NaN equals any NaN; -0 and +0 differ). */
export function expectExact(got: TypedArray, want: TypedArray, what = ''): void {
  expect(got.constructor.name, what).toBe(want.constructor.name);
  expect(got.length, what).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 8; i++) {
    const g = got[i];
    const w = want[i];
    const same = got instanceof Float32Array ? (Number.isNaN(g) && Number.isNaN(w)) || bitsOf(g) === bitsOf(w) : g === w;
    if (!same) bad.push(`[${i}] got ${Object.is(g, -0) ? '-0' : g}, want ${Object.is(w, -0) ? '-0' : w}`);
  }
  expect(bad, `${what} mismatches`).toEqual([]);
}

export { f32UlpAt, ulpError } from '../codegen-wasm/ulp.js';

/** The largest ulp error over the arrays (and where). */
export function maxUlp(got: TypedArray, want: TypedArray): { ulp: number; at: number } {
  let worst = { ulp: 0, at: -1 };
  for (let i = 0; i < want.length; i++) {
    const e = ulpError(got[i], want[i]);
    if (e > worst.ulp) worst = { ulp: e, at: i };
  }
  return worst;
}

/** Relative error bound for results of reassociated float sums: |got - want| <= tol·(|want| + scale). */
export function expectClose(got: TypedArray, want: TypedArray, rtol: number, atol = 0, what = ''): void {
  expect(got.length, what).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 8; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) ? !Number.isNaN(g) : !(Math.abs(g - w) <= rtol * Math.abs(w) + atol) && g !== w) bad.push(`[${i}] got ${g}, want ${w}`);
  }
  expect(bad, `${what} mismatches`).toEqual([]);
}

/** A deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values of `dtype`: small integers for int types, uniform floats in [lo, hi). */
export function randomArray(dtype: DType, n: number, seed: number, lo = -4, hi = 4): TypedArray {
  const r = rng(seed);
  const out = allocArray(dtype, n);
  for (let i = 0; i < n; i++) {
    const x = lo + (hi - lo) * r();
    out[i] = dtype === 'float32' ? x : dtype === 'bool' ? (r() < 0.5 ? 1 : 0) : dtype === 'uint32' ? Math.floor(Math.abs(x) * 10) : Math.floor(x * 10);
  }
  return out;
}

/** Integer-valued floats: sums of these are exact in any order (for cooperative-sum exactness). */
export function integerFloats(n: number, seed: number, range = 8): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.floor((r() - 0.5) * 2 * range));
}
