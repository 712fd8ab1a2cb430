/**
 * Accuracy of the generated transcendentals (codegen-wasm/math), scalar and SIMD: max error in
 * f32 ulps against the float64 result, over dense samples of each domain, edge cases, a sweep of
 * every 8192nd f32 bit pattern and consecutive-float sweeps. Prints the table quoted in
 * codegen-wasm/math/index.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { powFloat32, sigmoid } from '../../ir/interp/arith.js';
import { erf } from '../../ir/interp/erf.js';
import type { UnaryOp } from '../../ir/loop.js';
import { loadBinaryen } from '../../codegen-wasm/binaryen.js';
import type { WasmProgramInstance } from '../../codegen-wasm/runtime.js';
import { binary, compileAndInstantiate, kernel, load, loop, singleKernelProgram, store, unary, v } from './build.js';
import { EDGE_VALUES, bitPatternSweep, consecutiveFloats, padTo, ulpError, uniform } from './ulp.js';

const CHUNK = 1 << 16;

beforeAll(async () => {
  await loadBinaryen();
});

type Variant = 'scalar' | 'simd';

function unaryKernel(fn: UnaryOp, variant: Variant): WasmProgramInstance {
  const k = kernel(`${fn}_${variant}`, [['x', 'float32', CHUNK, 'r'], ['y', 'float32', CHUNK, 'w']], [], [
    loop('i', CHUNK, [store('y', v('i'), unary(fn, load('x', 'float32', v('i'))))], variant === 'simd' ? 4 : 1),
  ]);
  return compileAndInstantiate(singleKernelProgram(k)).instance;
}

function powKernel(variant: Variant): WasmProgramInstance {
  const k = kernel(`pow_${variant}`, [['a', 'float32', CHUNK, 'r'], ['b', 'float32', CHUNK, 'r'], ['y', 'float32', CHUNK, 'w']], [], [
    loop('i', CHUNK, [store('y', v('i'), binary('pow', load('a', 'float32', v('i')), load('b', 'float32', v('i'))))], variant === 'simd' ? 4 : 1),
  ]);
  return compileAndInstantiate(singleKernelProgram(k)).instance;
}

/** Runs a compiled one-output kernel over any number of inputs, a chunk at a time. */
function evaluate(instance: WasmProgramInstance, ...inputs: Float32Array[]): Float32Array {
  const n = inputs[0].length;
  const out = new Float32Array(n);
  for (let start = 0; start < n; start += CHUNK) {
    const chunks = inputs.map((x) => padTo(x.subarray(start, Math.min(n, start + CHUNK)), CHUNK));
    const [y] = instance.run(chunks);
    out.set(y.subarray(0, Math.min(CHUNK, n - start)), start);
  }
  return out;
}

interface Worst {
  ulps: number;
  at: string;
}

function measure(got: Float32Array, exact: (i: number) => number, describeInput: (i: number) => string, worst: Worst): void {
  for (let i = 0; i < got.length; i++) {
    const e = ulpError(got[i], exact(i));
    if (e > worst.ulps) {
      worst.ulps = e;
      worst.at = `${describeInput(i)} → got ${got[i]}, exact ${exact(i)}`;
    }
  }
}

/** Special results (NaN, ±inf, ±0) must be exact, including the sign of zero. */
function checkSpecials(got: Float32Array, want: (i: number) => number, describeInput: (i: number) => string): string[] {
  const bad: string[] = [];
  for (let i = 0; i < got.length; i++) {
    const w = want(i);
    const special = Number.isNaN(w) || !Number.isFinite(w) || w === 0;
    if (special && !(Object.is(got[i], w) || (Number.isNaN(w) && Number.isNaN(got[i])))) bad.push(`${describeInput(i)}: got ${got[i]}, want ${w}`);
  }
  return bad;
}

const concat = (...arrays: Float32Array[]): Float32Array => {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
};

const logUniform = (minExp: number, maxExp: number, n: number, signed = true): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => {
    const x = 2 ** (minExp + ((maxExp - minExp) * i) / (n - 1));
    return signed && i % 2 === 1 ? -x : x;
  });

const edges = Float32Array.from(EDGE_VALUES);
const sweep = bitPatternSweep(8192);

interface UnaryCase {
  readonly fn: UnaryOp;
  readonly exact: (x: number) => number;
  readonly bound: number;
  /** Samples the bound is asserted on. */
  readonly samples: () => Float32Array;
}

/** sin/cos: small and medium arguments, and huge ones (the Payne-Hanek path) up to the largest float. */
const trigSamples = (): Float32Array =>
  concat(edges, sweep, uniform(-10, 10, 1 << 17), uniform(-1e4, 1e4, 1 << 17), logUniform(-149, 127.99, 1 << 17), consecutiveFloats(1, 1 << 20), consecutiveFloats(2 ** 28 - 4096, 1 << 14));

const CASES: readonly UnaryCase[] = [
  { fn: 'exp', exact: Math.exp, bound: 4, samples: () => concat(edges, sweep, uniform(-104, 89, 1 << 17), consecutiveFloats(0.5, 1 << 20), consecutiveFloats(-88, 1 << 16)) },
  {
    fn: 'log', exact: Math.log, bound: 4,
    samples: () => concat(edges, sweep, uniform(0, 100, 1 << 17), logUniform(-149, 128, 1 << 17, false), consecutiveFloats(0.75, 1 << 20), consecutiveFloats(1e-40, 1 << 16)),
  },
  { fn: 'tanh', exact: Math.tanh, bound: 4, samples: () => concat(edges, sweep, uniform(-10, 10, 1 << 17), consecutiveFloats(0.5, 1 << 20), logUniform(-149, 5, 1 << 16)) },
  { fn: 'sigmoid', exact: sigmoid, bound: 4, samples: () => concat(edges, sweep, uniform(-110, 30, 1 << 17), consecutiveFloats(-1, 1 << 20)) },
  { fn: 'erf', exact: erf, bound: 4, samples: () => concat(edges, sweep, uniform(-5, 5, 1 << 17), consecutiveFloats(0.75, 1 << 20), logUniform(-149, 3, 1 << 16)) },
  { fn: 'sin', exact: Math.sin, bound: 4, samples: trigSamples },
  { fn: 'cos', exact: Math.cos, bound: 4, samples: trigSamples },
  { fn: 'rsqrt', exact: (x) => 1 / Math.sqrt(x), bound: 0.5, samples: () => concat(edges, sweep, uniform(0, 100, 1 << 17), consecutiveFloats(1, 1 << 20)) },
];

const table: string[] = [];

afterAll(() => {
  console.log(['measured max ulp error (scalar | SIMD):', ...table].join('\n'));
});

describe('transcendental accuracy in f32 ulps against float64', () => {
  for (const c of CASES) {
    it(`${c.fn}: scalar and SIMD within ${c.bound} ulp`, () => {
      const x = c.samples();
      const results: Record<Variant, Worst> = { scalar: { ulps: 0, at: '' }, simd: { ulps: 0, at: '' } };
      for (const variant of ['scalar', 'simd'] as const) {
        const instance = unaryKernel(c.fn, variant);
        const y = evaluate(instance, x);
        measure(y, (i) => c.exact(x[i]), (i) => `${c.fn}(${x[i]})`, results[variant]);
        const specials = checkSpecials(y, (i) => Math.fround(c.exact(x[i])), (i) => `${variant} ${c.fn}(${x[i]})`);
        expect(specials.slice(0, 10)).toEqual([]);
      }
      table.push(`  ${c.fn.padEnd(8)} ${results.scalar.ulps.toFixed(3).padStart(7)} | ${results.simd.ulps.toFixed(3).padStart(7)}   (n=${x.length}; worst scalar ${results.scalar.at}; worst simd ${results.simd.at})`);
      expect(results.scalar.ulps, results.scalar.at).toBeLessThanOrEqual(c.bound);
      expect(results.simd.ulps, results.simd.at).toBeLessThanOrEqual(c.bound);
    });
  }

  it('pow: scalar and SIMD within 4 ulp, C powf specials exact', () => {
    const pairs: [number, number][] = [];
    for (const a of EDGE_VALUES) for (const b of EDGE_VALUES) pairs.push([a, b]);
    for (const a of [-8, -2, -1.5, -0.5, -3]) for (let b = -40; b <= 40; b++) pairs.push([a, b]);
    let seed = 12345;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < 1 << 17; i++) pairs.push([2 ** (rand() * 40 - 20), rand() * 60 - 30]);
    for (let i = 0; i < 1 << 17; i++) pairs.push([0.5 + rand() * 1.5, rand() * 400 - 200]);
    for (let i = 0; i < 1 << 16; i++) pairs.push([2 ** (rand() * 276 - 149), rand() * 4 - 2]);
    for (let i = 0; i < 1 << 16; i++) pairs.push([-(2 ** (rand() * 20 - 10)), Math.round(rand() * 40 - 20)]);
    const a = Float32Array.from(pairs.map((p) => p[0]));
    const b = Float32Array.from(pairs.map((p) => p[1]));
    const exact = (i: number): number => {
      if (a[i] === 1 || (a[i] === -1 && (b[i] === Infinity || b[i] === -Infinity))) return 1;
      return Math.pow(a[i], b[i]);
    };
    const results: Record<Variant, Worst> = { scalar: { ulps: 0, at: '' }, simd: { ulps: 0, at: '' } };
    for (const variant of ['scalar', 'simd'] as const) {
      const y = evaluate(powKernel(variant), a, b);
      measure(y, exact, (i) => `pow(${a[i]}, ${b[i]})`, results[variant]);
      const specials = checkSpecials(y, (i) => powFloat32(a[i], b[i]), (i) => `${variant} pow(${a[i]}, ${b[i]})`);
      expect(specials.slice(0, 10)).toEqual([]);
    }
    table.push(`  ${'pow'.padEnd(8)} ${results.scalar.ulps.toFixed(3).padStart(7)} | ${results.simd.ulps.toFixed(3).padStart(7)}   (n=${a.length}; worst scalar ${results.scalar.at}; worst simd ${results.simd.at})`);
    expect(results.scalar.ulps, results.scalar.at).toBeLessThanOrEqual(4);
    expect(results.simd.ulps, results.simd.at).toBeLessThanOrEqual(4);
  });
});
