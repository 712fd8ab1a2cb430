/**
 * Register-tiled matmul/conv launches (codegen-wasm/microkernel.ts): the tiled path is chosen for
 * matmul- and conv-shaped kernels (and only for them), and gives results bit-identical to the
 * reference evaluator for every shape (tile remainders in rows and columns, N not a multiple of
 * 4, degenerate sizes), epilogue, guarded A operand and launch sub-range.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TypedArray } from '../../ir/dtype.js';
import { evaluateProgram } from '../../ir/loop-eval.js';
import type { Expr, Kernel, Stmt } from '../../ir/loop.js';
import { loadBinaryen } from '../../codegen-wasm/binaryen.js';
import { type CompiledWasmProgram, compileProgram, type LaunchExport } from '../../codegen-wasm/codegen.js';
import { MR, NR } from '../../codegen-wasm/microkernel.js';
import { instantiateProgram } from '../../codegen-wasm/runtime.js';
import {
  add, and, binary, cast, f32, ge, i32, kernel, let_, load, loop, lt, mismatches, mul, reduce, select, singleKernelProgram, store, sub, v,
} from './build.js';

beforeAll(async () => {
  await loadBinaryen();
});

const max = (a: Expr, b: Expr): Expr => binary('max', a, b);

/** Seeded values in [-4, 4), with a special value (NaN, ±Inf, ±0, tiny, huge) about 1 in 40 when `specials`. */
function values(n: number, seed: number, specials = true): Float32Array {
  const SPECIALS = [Number.NaN, Infinity, -Infinity, 0, -0, 1e-30, 3e38];
  let s = seed * 2654435761 + 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  return Float32Array.from({ length: n }, () => (specials && next() < 0.025 ? SPECIALS[Math.floor(next() * SPECIALS.length)] : next() * 8 - 4));
}

interface MatmulOptions {
  /** The store's value given the sum (default: the sum). */
  readonly epilogue?: (sum: Expr) => Expr;
  /** mul(B, A) instead of mul(A, B). */
  readonly bFirst?: boolean;
  readonly init?: number;
}

/** out[i, j] = epilogue(sum_k a[i, k] * b[k, j]) over grid(i: m). */
function matmulKernel(m: number, n: number, k: number, options: MatmulOptions = {}): Kernel {
  const a = load('a', 'float32', add(v('h1'), v('r')));
  const b = load('b', 'float32', add(mul(v('r'), i32(n)), v('j')));
  const body: Stmt[] = [
    let_('h0', mul(v('i'), i32(n))),
    let_('h1', mul(v('i'), i32(k))),
    loop('j', n, [
      let_('s', reduce('sum', [['r', k]], options.init ?? 0, options.bFirst ? mul(b, a) : mul(a, b))),
      store('out', add(v('h0'), v('j')), (options.epilogue ?? ((s) => s))(v('s', 'float32'))),
    ], 4),
  ];
  return kernel(`matmul_${m}x${n}x${k}`, [['out', 'float32', m * n, 'w'], ['a', 'float32', m * k, 'r'], ['b', 'float32', k * n, 'r'], ['bias', 'float32', n, 'r']], [['i', m]], body);
}

/** A 3×3 'same'-padded convolution, NHWC, stride `stride`: grid(b, y, x), A guarded at the borders. */
function convKernel(batch: number, h: number, w: number, c: number, n: number, stride: number): Kernel {
  const oh = Math.ceil(h / stride);
  const ow = Math.ceil(w / stride);
  const iy = sub(add(mul(v('y'), i32(stride)), v('ky')), i32(1));
  const ix = sub(add(mul(v('x'), i32(stride)), v('kx')), i32(1));
  const inside = and(and(ge(iy, i32(0)), lt(iy, i32(h))), and(ge(ix, i32(0)), lt(ix, i32(w))));
  const index = add(mul(add(mul(add(mul(v('bt'), i32(h)), iy), i32(w)), ix), i32(c)), v('c'));
  const a = select(inside, load('a', 'float32', index, inside, 0), f32(0));
  const bIndex = add(mul(add(mul(add(mul(v('ky'), i32(3)), v('kx')), i32(c)), v('c')), i32(n)), v('j'));
  const body: Stmt[] = [
    let_('h0', mul(add(mul(add(mul(v('bt'), i32(oh)), v('y')), i32(ow)), v('x')), i32(n))),
    loop('j', n, [
      let_('s', reduce('sum', [['ky', 3], ['kx', 3], ['c', c]], 0, mul(a, load('b', 'float32', bIndex)))),
      store('out', add(v('h0'), v('j')), max(add(v('s', 'float32'), load('bias', 'float32', v('j'))), f32(0))),
    ], 4),
  ];
  return kernel(`conv_${batch}x${h}x${w}x${c}x${n}_s${stride}`, [
    ['out', 'float32', batch * oh * ow * n, 'w'], ['a', 'float32', batch * h * w * c, 'r'], ['b', 'float32', 9 * c * n, 'r'], ['bias', 'float32', n, 'r'],
  ], [['bt', batch], ['y', oh], ['x', ow]], body);
}

function inputsFor(k: Kernel, seed: number, specials: boolean): TypedArray[] {
  return k.params.filter((p) => p.access === 'r').map((p, i) => values(p.size, seed * 31 + i, specials));
}

/**
 * Compiles `k` and checks it against the reference: the full run, and the launch function called
 * on consecutive sub-ranges cut at `cuts` (as threads do), after any pack launch ran over its
 * full grid. Returns whether the launch is tiled.
 * Tiled launches keep the k order by construction; `exactReductions` makes the untiled
 * fallbacks (tiny shapes) fold in order too, so every case compares bit for bit.
 */
function expectExact(k: Kernel, seed = 1, cuts: readonly number[] = []): boolean {
  return compileExact(k, seed, cuts).launch.tiled;
}

/** expectExact, returning the compiled module and its main (last) launch. */
function compileExact(k: Kernel, seed: number, cuts: readonly number[], specials = true): { compiled: CompiledWasmProgram; launch: LaunchExport } {
  const p = singleKernelProgram(k);
  const inputs = inputsFor(k, seed, specials);
  const want = evaluateProgram(p, inputs)[0];
  const compiled = compileProgram(p, { exactReductions: true });
  const instance = instantiateProgram(p, compiled);
  expect(mismatches(instance.run(inputs)[0], want), `${k.name} full run`).toEqual([]);

  // Each grid iteration writes one row of `out`: after each range, the rows so far are done and the rest untouched.
  const launches = compiled.exports.launches;
  const launch = launches[launches.length - 1];
  const out = instance.view('out');
  const rowSize = out.length / launch.gridSize;
  out.fill(12345.5);
  const untouched = out[0];
  for (const pack of launches.slice(0, -1)) instance.launches[pack.exportName](0, pack.gridSize);
  const bounds = [0, ...cuts, launch.gridSize];
  for (let i = 0; i + 1 < bounds.length; i++) {
    instance.launches[launch.exportName](bounds[i], bounds[i + 1]);
    const done = bounds[i + 1] * rowSize;
    expect(mismatches(out.slice(0, done), want.slice(0, done)), `${k.name} after [${bounds[i]}, ${bounds[i + 1]})`).toEqual([]);
    expect(out.slice(done).every((x) => x === untouched), `${k.name} wrote past ${bounds[i + 1]}`).toBe(true);
  }
  return { compiled, launch };
}

/**
 * Whether `k` compiles to a pack launch followed by its tiled launch, with the packed copy past
 * the arena; and results are exact. Without special values: over the long reductions of packed
 * shapes nearly every sum would meet a NaN or an infinity and hide wrong terms.
 */
function expectPacked(k: Kernel, seed: number, cuts: readonly number[] = []): void {
  const { compiled, launch } = compileExact(k, seed, cuts, false);
  const p = singleKernelProgram(k);
  expect(compiled.exports.launches.map((l) => l.kernel)).toEqual([`pack_${k.name}`, k.name]);
  expect(launch.tiled).toBe(true);
  expect(compiled.memory.arenaBytes).toBeGreaterThan(p.arenaBytes!);
}

const bias = (s: Expr): Expr => max(add(s, load('bias', 'float32', v('j'))), f32(0));

describe('matmul shapes', () => {
  const sizes = [1, 3, 4, 5, 7, 13, 64];
  for (const m of sizes) {
    it(`M=${m}, every N and K in ${sizes.join(', ')}`, () => {
      for (const n of sizes) for (const k of sizes) expect(expectExact(matmulKernel(m, n, k), m + n + k)).toBe(true);
    });
  }

  it('N around the tile width: remainder tiles of 4..NR-4 columns and 1..3 scalar columns', () => {
    for (let n = NR - 5; n <= 3 * NR + 5; n++) expect(expectExact(matmulKernel(2 * MR + 1, n, 9, { epilogue: bias }), n)).toBe(true);
  });

  it('a B larger than a reduction block: partial sums wait in the output between blocks', () => {
    expect(expectExact(matmulKernel(9, 203, 700, { epilogue: bias }), 2, [4, 5])).toBe(true);
    expect(expectExact(matmulKernel(6, 1024, 67, { epilogue: bias }), 3, [1])).toBe(true);
  });

  it('a B larger than a reduction block, with an int32 output (no room for partial sums)', () => {
    const k = matmulKernel(5, 64, 1100, { epilogue: (s) => cast(s, 'int32') });
    expect(expectExact({ ...k, params: k.params.map((p) => (p.name === 'out' ? { ...p, dtype: 'int32' } : p)) }, 4, [2])).toBe(true);
  });

  it('epilogue (bias + relu), B·A operand order, a non-zero init', () => {
    expect(expectExact(matmulKernel(11, 21, 17, { epilogue: bias }))).toBe(true);
    expect(expectExact(matmulKernel(11, 21, 17, { bFirst: true }))).toBe(true);
    expect(expectExact(matmulKernel(11, 21, 17, { init: -0.75, epilogue: (s) => sub(f32(0), s) }))).toBe(true);
  });

  it('a kernel without grid variables (one grid iteration)', () => {
    const k = kernel('vecmat', [['out', 'float32', 21, 'w'], ['a', 'float32', 9, 'r'], ['b', 'float32', 189, 'r']], [], [
      loop('j', 21, [
        let_('s', reduce('sum', [['r', 9]], 0, mul(load('a', 'float32', v('r')), load('b', 'float32', add(mul(v('r'), i32(21)), v('j')))))),
        store('out', v('j'), v('s', 'float32')),
      ], 4),
    ]);
    expect(expectExact(k)).toBe(true);
  });

  it('a reduction over nothing yields the init', () => {
    expect(expectExact(matmulKernel(6, 12, 0, { init: 1.5, epilogue: bias }))).toBe(true);
  });

  it('launch sub-ranges (as threads split the grid) give the full result', () => {
    for (const cuts of [[1], [3, 4], [2, 7, 8, 13], [5, 10, 15]]) expect(expectExact(matmulKernel(19, 20, 11, { epilogue: bias }), 3, cuts)).toBe(true);
  });
});

describe('conv shapes', () => {
  it('padded 3×3 convolutions, stride 1 and 2, with guarded A operands and a multi-dimensional grid', () => {
    expect(expectExact(convKernel(2, 6, 5, 3, 16, 1))).toBe(true);
    expect(expectExact(convKernel(2, 7, 7, 16, 32, 2))).toBe(true);
    expect(expectExact(convKernel(1, 5, 5, 1, 10, 1))).toBe(true);
    expect(expectExact(convKernel(3, 4, 3, 2, 4, 1))).toBe(true);
  });

  it('a B larger than a reduction block: blocks of the first of several reduction variables', () => {
    expect(expectExact(convKernel(1, 4, 4, 64, 128, 1), 6, [3, 9])).toBe(true);
  });

  it('sub-ranges that cut through grid rows and batches', () => {
    expect(expectExact(convKernel(2, 5, 6, 4, 12, 1), 5, [1, 7, 29, 30, 31, 45])).toBe(true);
  });
});

describe('packed B (codegen-wasm/pack.ts)', () => {
  it('large B shared by many rows is packed; N with a narrow tile and scalar tail columns', () => {
    expectPacked(matmulKernel(70, 200, 400, { epilogue: bias }), 7, [3, 33, 34]);
    expectPacked(matmulKernel(64, 39, 1700), 8, [31]);
  });

  it('K over several reduction blocks (not a multiple of the block), B·A operand order', () => {
    expectPacked(matmulKernel(64, 36, 4500, { bFirst: true, epilogue: bias }), 9, [1, 62]);
  });

  it('a conv with several reduction variables', () => {
    expectPacked(convKernel(1, 8, 8, 64, 128, 1), 10, [5, 40]);
  });

  it('small B or few rows are not packed', () => {
    for (const k of [matmulKernel(63, 256, 300), matmulKernel(64, 64, 1000), matmulKernel(64, 15, 8000)]) {
      const p = singleKernelProgram(k);
      const compiled = compileProgram(p);
      expect(compiled.exports.launches.map((l) => l.kernel)).toEqual([k.name]);
      expect(compiled.memory.arenaBytes).toBe(p.arenaBytes);
    }
  });
});

describe('kernels that keep the per-iteration path', () => {
  it('B depending on the grid (a batched matmul) or a vec=1 loop is not tiled, and still exact', () => {
    const batched = kernel('batched', [['out', 'float32', 24, 'w'], ['a', 'float32', 12, 'r'], ['b', 'float32', 48, 'r']], [['i', 6]], [
      loop('j', 4, [
        let_('s', reduce('sum', [['r', 2]], 0, mul(load('a', 'float32', add(mul(v('i'), i32(2)), v('r'))), load('b', 'float32', add(add(mul(v('i'), i32(8)), mul(v('r'), i32(4))), v('j')))))),
        store('out', add(mul(v('i'), i32(4)), v('j')), v('s', 'float32')),
      ], 4),
    ]);
    expect(expectExact(batched)).toBe(false);
    const scalar = matmulKernel(5, 8, 3);
    const body = scalar.body.map((s) => (s.kind === 'for' ? { ...s, vec: 1 } : s));
    expect(expectExact({ ...scalar, body })).toBe(false);
  });

  it('a kernel whose output overlaps what the reduction reads is not tiled', () => {
    const k = matmulKernel(4, 8, 8);
    const p = singleKernelProgram(k);
    const aliased = { ...p, buffers: p.buffers.map((b) => (b.name === 'out' ? { ...b, offset: p.buffers.find((x) => x.name === 'b')!.offset } : b)) };
    expect(compileProgram(aliased).exports.launches[0].tiled).toBe(false);
  });

  it('without SIMD nothing is tiled', () => {
    const p = singleKernelProgram(matmulKernel(8, 16, 4));
    expect(compileProgram(p, { simd: false }).exports.launches[0].tiled).toBe(false);
  });
});
