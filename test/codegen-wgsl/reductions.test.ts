/**
 * Reductions on the GPU: cooperative top-level reductions (subgroup and workgroup-tree paths),
 * sequential reductions nested in loops, argmax/argmin ties and NaN, empty extents, init values,
 * real softmax/layerNorm row kernels from the pipeline, storage barriers between top-level
 * statements, loops that cannot run in parallel, zero-size buffers and grids that need a 2-D
 * dispatch.
 */
import { describe, expect, it } from 'vitest';
import { compileProgramToWgsl } from '../../codegen-wgsl/codegen.js';
import type { DType, TypedArray } from '../../ir/dtype.js';
import type { ReduceOp } from '../../ir/loop.js';
import { parseGraph } from '../../ir/parser.js';
import { compileToProgram } from '../../passes/pipeline.js';
import { add, binary, f32, i32, let_, load, loop, mul, reduce, singleKernel, store, unary, v } from './build.js';
import { expectClose, expectExact, gpu, integerFloats, limitsWith, randomArray, rng, runBoth, useGpu } from './harness.js';

const PATHS = [
  { name: 'subgroups', subgroups: true },
  { name: 'workgroup tree', subgroups: false },
] as const;

/** grid(%i: rows) { %s = reduce op(%r: n) init c { load x[i*n + r] }; for %j { store y[i*n + j], x - s } ; store s[i], %s } */
function rowReduction(op: ReduceOp, d: DType, rows: number, n: number, init: number) {
  const x = (index: ReturnType<typeof v>) => load('x', d, index);
  const row = mul(v('i'), i32(n));
  const arg = op === 'argmax' || op === 'argmin';
  const outType: DType = arg ? 'int32' : d;
  return singleKernel(`${op}_${d}`, [['x', d, rows * n, 'input'], ['s', outType, rows, 'output'], ['y', d === 'bool' ? 'int32' : d, rows * n, 'output']], [['i', rows]], [
    let_('folded', reduce(op, [['r', n]], init, x(add(row, v('r'))))),
    store('s', v('i'), v('folded', outType)),
    loop('j', n, [store('y', add(row, v('j')), d === 'bool' ? add(v('folded', 'int32'), v('j')) : arg ? x(add(row, v('j'))) : binary('sub', x(add(row, v('j'))), v('folded', d)))]),
  ]);
}

function specialFloats(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const pool = [0, -0, 1, -1, 3, -3, Infinity, -Infinity, 5, 5, -2];
  return Float32Array.from({ length: n }, () => pool[Math.floor(r() * pool.length)]);
}

describe('cooperative reductions', { timeout: 120_000 }, () => {
  useGpu();

  it('the test device has subgroups (so both paths below really run)', () => {
    expect(gpu().limits.subgroups).toBe(true);
  });

  for (const path of PATHS) {
    describe(`${path.name} path`, () => {
      const limits = () => limitsWith({ subgroups: path.subgroups });

      for (const op of ['sum', 'prod', 'max', 'min'] as const) {
        for (const d of ['float32', 'int32', 'uint32'] as const) {
          it(`${op} over ${d} rows, with an init value, equals the reference exactly`, async () => {
            const rows = 5;
            const n = 300;
            let x: TypedArray;
            if (d === 'float32') {
              x = op === 'prod' ? Float32Array.from(randomArray('float32', rows * n, 3), (t) => [1, -1, 2, -0.5][Math.abs(Math.floor(t * 10)) % 4])
                : op === 'sum' ? integerFloats(rows * n, 4) : specialFloats(rows * n, 5);
            } else {
              x = randomArray(d, rows * n, 6, -3e8, 3e8);
            }
            const init = op === 'prod' ? 1 : op === 'sum' ? 2 : d === 'uint32' ? 7 : -7;
            const p = rowReduction(op, d, rows, n, init);
            const { got, want, wgsl } = await runBoth(p, [x], {}, limits());
            const code = wgsl.kernels[0].code;
            expect(wgsl.kernels[0].mapping).toBe('workgroup-per-point');
            expect(code).toContain(path.subgroups ? 'enable subgroups;' : `kiln_wg_${op}_`);
            expectExact(got[0], want[0], 'reduced');
            expectExact(got[1], want[1], 'rows');
          });
        }
      }

      it('max/min with NaN and signed zeros follow Math.max/min', async () => {
        const n = 200;
        const rows = 6;
        const x = new Float32Array(rows * n).fill(-0);
        x[0 * n + 150] = NaN; // row 0: NaN wins
        for (let j = 0; j < n; j += 7) x[1 * n + j] = 0; // row 1: +0 among -0: max +0, min -0
        x.fill(-Infinity, 2 * n, 3 * n); // row 2: all -inf
        x[3 * n + 199] = NaN;
        x[3 * n + 3] = NaN; // row 3: two NaNs
        for (const op of ['max', 'min'] as const) {
          const { got, want } = await runBoth(rowReduction(op, 'float32', rows, n, op === 'max' ? -Infinity : Infinity), [x], {}, limits());
          expectExact(got[0], want[0], op);
        }
      });

      it('argmax/argmin: first extreme wins ties, the first NaN wins, all-equal rows give 0', async () => {
        const n = 257;
        const rows = 6;
        const x = new Float32Array(rows * n);
        const r = rng(11);
        for (let k = 0; k < x.length; k++) x[k] = Math.floor(r() * 5);
        x.fill(4, 0, n); // row 0: all equal
        x[1 * n + 100] = NaN;
        x[1 * n + 200] = NaN; // row 1: first NaN at 100
        x.fill(-Infinity, 2 * n, 3 * n); // row 2: all -inf → 0
        x.fill(Infinity, 3 * n, 4 * n); // row 3: all +inf
        x[4 * n + 256] = 9;
        x[4 * n + 3] = 9; // row 4: tie of the max at 3 and 256
        x[5 * n + 0] = NaN; // row 5: NaN first
        for (const op of ['argmax', 'argmin'] as const) {
          const { got, want } = await runBoth(rowReduction(op, 'float32', rows, n, 0), [x], {}, limits());
          expectExact(got[0], want[0], op);
        }
      });

      it('argmax/argmin over i32 and u32 bodies', async () => {
        const n = 100;
        const rows = 3;
        for (const d of ['int32', 'uint32'] as const) {
          const x = randomArray(d, rows * n, 12, -3, 3);
          for (const op of ['argmax', 'argmin'] as const) {
            const { got, want } = await runBoth(rowReduction(op, d, rows, n, 0), [x], {}, limits());
            expectExact(got[0], want[0], `${op} ${d}`);
          }
        }
      });

      it('a reduction over several variables, and over no points (init, or 0 for argmax)', async () => {
        const rows = 3;
        const x = integerFloats(rows * 6 * 40, 13);
        const p = singleKernel('multi', [['x', 'float32', x.length, 'input'], ['s', 'float32', rows, 'output'], ['a', 'int32', rows, 'output'], ['e', 'float32', rows, 'output']], [['i', rows]], [
          let_('total', reduce('sum', [['p', 6], ['q', 40]], 0.5, load('x', 'float32', add(mul(v('i'), i32(240)), add(mul(v('p'), i32(40)), v('q')))))),
          let_('where', reduce('argmin', [['p2', 6], ['q2', 40]], 0, load('x', 'float32', add(mul(v('i'), i32(240)), add(mul(v('p2'), i32(40)), v('q2')))))),
          store('s', v('i'), v('total', 'float32')),
          store('a', v('i'), v('where')),
          store('e', v('i'), add(reduce('max', [['z', 0]], -5, f32(1)), reduce('sum', [['z2', 0], ['w', 40]], 3, f32(1)))),
        ]);
        const { got, want } = await runBoth(p, [x], {}, limits());
        got.forEach((g, k) => expectExact(g, want[k], `output ${k}`));
      });
    });
  }

  it('an argmax over a whole tensor (no grid) is cooperative; float sums are close (reassociated)', async () => {
    const g = parseGraph(`graph @g(%x: f32[2000]) -> (i32[], f32[]) {
  %0 = argmax %x {axis=0} : i32[]
  %1 = reduce %x {op=sum, axes=[0]} : f32[]
  return %0, %1
}`);
    const p = compileToProgram(g).program;
    const x = randomArray('float32', 2000, 14);
    const { got, want } = await runBoth(p, [x]);
    expectExact(got[0], want[0], 'argmax');
    expectClose(got[1], want[1], 1e-5, 1e-4, 'sum');
  });
});

describe('row kernels from the pipeline', { timeout: 120_000 }, () => {
  useGpu();

  it('softmax rows (max and sum cooperative, vec4 loop) match within a few ulp', async () => {
    for (const [rows, n] of [[7, 1000], [3, 10], [2, 64]] as const) {
      const g = parseGraph(`graph @softmax(%arg0: f32[${rows},${n}]) -> (f32[${rows},${n}]) {
  %0 = reduce %arg0 {op=max, axes=[1]} : f32[${rows}]
  %1 = reshape %0 : f32[${rows},1]
  %2 = broadcast %1 {dims=[0,1]} : f32[${rows},${n}]
  %3 = sub %arg0, %2 : f32[${rows},${n}]
  %4 = exp %3 : f32[${rows},${n}]
  %5 = reduce %4 {op=sum, axes=[1]} : f32[${rows}]
  %6 = reshape %5 : f32[${rows},1]
  %7 = broadcast %6 {dims=[0,1]} : f32[${rows},${n}]
  %8 = div %4, %7 : f32[${rows},${n}]
  return %8
}`);
      const p = compileToProgram(g).program;
      const x = randomArray('float32', rows * n, 15, -10, 10);
      const { got, want, wgsl } = await runBoth(p, [x]);
      if (n >= 64) expect(wgsl.kernels.some((k) => k.mapping === 'workgroup-per-point')).toBe(true);
      expectClose(got[0], want[0], 2e-6 * Math.log2(n), 1e-12, `softmax ${rows}x${n}`);
    }
  });

  it('layerNorm rows (mean and variance cooperative) match closely', async () => {
    const rows = 5;
    const n = 768;
    const g = parseGraph(`graph @layernorm(%arg0: f32[${rows},${n}]) -> (f32[${rows},${n}]) {
  %0 = reduce %arg0 {op=sum, axes=[1]} : f32[${rows}]
  %1 = reshape %0 : f32[${rows},1]
  %2 = const {value=${n}} : f32[${rows},1]
  %3 = div %1, %2 : f32[${rows},1]
  %4 = broadcast %3 {dims=[0,1]} : f32[${rows},${n}]
  %5 = sub %arg0, %4 : f32[${rows},${n}]
  %6 = mul %5, %5 : f32[${rows},${n}]
  %7 = reduce %6 {op=sum, axes=[1]} : f32[${rows}]
  %8 = reshape %7 : f32[${rows},1]
  %9 = const {value=${n}} : f32[${rows},1]
  %10 = div %8, %9 : f32[${rows},1]
  %11 = const {value=0.000009999999747378752} : f32[${rows},1]
  %12 = add %10, %11 : f32[${rows},1]
  %13 = rsqrt %12 : f32[${rows},1]
  %14 = broadcast %13 {dims=[0,1]} : f32[${rows},${n}]
  %15 = mul %5, %14 : f32[${rows},${n}]
  return %15
}`);
    const p = compileToProgram(g).program;
    const x = randomArray('float32', rows * n, 16, -3, 5);
    const { got, want, wgsl } = await runBoth(p, [x]);
    expect(wgsl.kernels[0].mapping).toBe('workgroup-per-point');
    expectClose(got[0], want[0], 1e-5, 1e-5, 'layerNorm');
  });

  it('column reductions (a sequential reduce inside the parallel loop) are bit-exact', async () => {
    const g = parseGraph(`graph @colsum(%x: f32[30,70]) -> (f32[70], i32[70]) {
  %0 = reduce %x {op=sum, axes=[0]} : f32[70]
  %1 = argmin %x {axis=0} : i32[70]
  return %0, %1
}`);
    const p = compileToProgram(g).program;
    const x = randomArray('float32', 2100, 17);
    const { got, want } = await runBoth(p, [x]);
    expectExact(got[0], want[0], 'column sums');
    expectExact(got[1], want[1], 'column argmin');
  });
});

describe('kernel structure', { timeout: 120_000 }, () => {
  useGpu();

  it('statements touching the same buffer are separated by a storage barrier', async () => {
    const rows = 3;
    const n = 100;
    const x = randomArray('float32', rows * n, 18);
    const row = mul(v('i'), i32(n));
    const p = singleKernel('barrier', [['x', 'float32', rows * n, 'input'], ['t', 'float32', rows * n, 'temp'], ['y', 'float32', rows * n, 'output']], [['i', rows]], [
      loop('j', n, [store('t', add(row, v('j')), mul(load('x', 'float32', add(row, v('j'))), f32(2)))]),
      loop('k', n, [store('y', add(row, v('k')), load('t', 'float32', add(row, binary('sub', i32(n - 1), v('k')))))]),
    ], { t: 'rw' });
    const { got, want, wgsl } = await runBoth(p, [x]);
    expect(wgsl.kernels[0].code).toContain('storageBarrier();');
    expectExact(got[0], want[0]);
  });

  it('a let that reads what the following loop writes sees the old value (no flattening, a barrier)', async () => {
    const n = 40;
    const p = singleKernel('read_then_write', [['y', 'float32', n, 'output']], [], [
      let_('first', load('y', 'float32', i32(n - 1))),
      loop('j', n, [store('y', v('j'), add(v('first', 'float32'), f32(1)))]),
    ], { y: 'rw' });
    const { got, want, wgsl } = await runBoth(p, []);
    expect(wgsl.kernels[0].mapping).toBe('workgroup-per-point');
    expect(wgsl.kernels[0].code).toContain('storageBarrier();');
    expectExact(got[0], want[0]);
  });

  it('loops whose iterations overlap run on one thread (in order)', async () => {
    const n = 50;
    const p = singleKernel('carried', [['x', 'float32', n, 'input'], ['y', 'float32', n + 1, 'output'], ['z', 'float32', n, 'output']], [], [
      loop('k', n, [store('z', v('k'), load('x', 'float32', v('k')))]),
      loop('j', n, [
        store('y', add(v('j'), i32(1)), add(load('y', 'float32', v('j')), load('x', 'float32', v('j')))), // a prefix sum
      ]),
    ], { y: 'rw' });
    const x = integerFloats(n, 19);
    const { got, want, wgsl } = await runBoth(p, [x]);
    expect(wgsl.kernels[0].mapping).toBe('workgroup-per-point');
    expect(wgsl.kernels[0].code).toContain('if (lane == 0u)');
    expectExact(got[0], want[0]);
    expectExact(got[1], want[1]);
  });

  it('independent loops split over several workgroups per point (chunks), scalar and vec4', async () => {
    const n = 6000;
    const x = randomArray('float32', n, 23);
    const p = singleKernel('chunks', [['x', 'float32', n, 'input'], ['y', 'float32', n, 'output'], ['z', 'float32', n - 1, 'output']], [], [
      loop('j', n, [store('y', v('j'), unary('abs', load('x', 'float32', v('j'))))], 4),
      loop('k', n - 1, [store('z', v('k'), binary('max', load('x', 'float32', v('k')), load('x', 'float32', add(v('k'), i32(1)))))], 4),
    ]);
    const { got, want, wgsl } = await runBoth(p, [x]);
    const k = wgsl.kernels[0];
    expect(k.mapping).toBe('workgroup-per-point');
    expect(k.dispatch[0]).toBeGreaterThan(1); // one grid point, several workgroups
    expect(k.code).toContain('array<vec4<f32>>'); // y is only written by vec4 stores
    expectExact(got[0], want[0], 'vec4 loop');
    expectExact(got[1], want[1], 'scalar loop (extent not a multiple of 4)');
  });

  it('a convolution kept off the tiled path runs one invocation per output element, bit-exact', async () => {
    const g = parseGraph(`graph @g(%x: f32[2,12,12,6], %w: f32[3,3,6,10]) -> (f32[2,12,12,10]) {
  %0 = conv %x, %w {strides=[1,1], padding=[[1,1],[1,1]], lhs_dilation=[1,1], rhs_dilation=[1,1], groups=1} : f32[2,12,12,10]
  return %0
}`);
    const p = compileToProgram(g).program;
    const { got, want, wgsl } = await runBoth(p, [randomArray('float32', 1728, 24), randomArray('float32', 540, 25)], { conv: 'never' });
    expect(wgsl.kernels[0].mapping).toBe('thread-per-element');
    expectExact(got[0], want[0]);
  });

  it('a grid of more than 65535 workgroups folds into a 2-D dispatch', async () => {
    const rows = 70000;
    const p = singleKernel('big_grid', [['x', 'float32', rows, 'input'], ['y', 'float32', rows, 'output']], [['i', rows]], [
      store('y', v('i'), unary('neg', load('x', 'float32', v('i')))),
    ]);
    const x = randomArray('float32', rows, 20);
    const { got, want, wgsl } = await runBoth(p, [x], { mapping: 'workgroup-per-point' });
    expect(wgsl.kernels[0].dispatch[1]).toBeGreaterThan(1);
    expect(wgsl.kernels[0].dispatch[0]).toBeLessThanOrEqual(65535);
    expectExact(got[0], want[0]);
  });

  it('folding also works for the other mappings (small per-dimension limit)', async () => {
    for (const [mapping, rows, limit] of [['thread-per-point', 2000, 6], ['workgroup-per-point', 20, 7]] as const) {
      const n = 40;
      const x = randomArray('float32', rows * n, 21);
      const p = rowReduction('max', 'float32', rows, n, -Infinity);
      const { got, want, wgsl } = await runBoth(p, [x], { mapping }, limitsWith({ maxComputeWorkgroupsPerDimension: limit }));
      expect(wgsl.kernels[0].dispatch[1]).toBeGreaterThan(1);
      expectExact(got[0], want[0], mapping);
      expectExact(got[1], want[1], mapping);
    }
  });

  it('zero-size buffers and empty grids and loops run (and produce nothing)', async () => {
    const p = singleKernel('empty', [['x', 'float32', 0, 'input'], ['y', 'float32', 0, 'output'], ['z', 'float32', 3, 'output']], [['i', 0]], [
      loop('j', 5, [store('y', v('j'), load('x', 'float32', v('j')))]),
    ]);
    const q = singleKernel('empty_loop', [['x', 'float32', 0, 'input'], ['z', 'float32', 3, 'output']], [['i', 3]], [
      store('z', v('i'), reduce('sum', [['r', 0]], 1.5, load('x', 'float32', v('r')))),
      loop('j', 0, [store('z', v('j'), f32(9))]),
    ]);
    const a = await runBoth(p, [new Float32Array(0)]);
    expect(a.wgsl.kernels[0].dispatch[0]).toBe(0);
    expect(a.got[0].length).toBe(0);
    expectExact(a.got[1], a.want[1]);
    const b = await runBoth(q, [new Float32Array(0)]);
    expectExact(b.got[0], b.want[0]);
  });

  it('every mapping computes the same thing (forced thread-per-point vs workgroup-per-point)', async () => {
    const rows = 4;
    const n = 90;
    const x = randomArray('float32', rows * n, 22);
    for (const op of ['argmax', 'max'] as const) {
      const p = rowReduction(op, 'float32', rows, n, op === 'max' ? -Infinity : 0);
      const outs: TypedArray[][] = [];
      for (const mapping of ['thread-per-point', 'workgroup-per-point'] as const) {
        const wgsl = compileProgramToWgsl(p, gpu().limits, { mapping });
        expect(wgsl.kernels[0].mapping).toBe(mapping);
        const { got, want } = await runBoth(p, [x], { mapping });
        expectExact(got[0], want[0], `${op} ${mapping}`);
        outs.push(got);
      }
      expectExact(outs[0][0], outs[1][0]);
    }
  });
});
