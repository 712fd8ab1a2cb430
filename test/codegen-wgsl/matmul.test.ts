/**
 * The tiled matmul path: detection on pipeline kernels (dense layers, batched matmul, chained
 * layers), shapes that are not multiples of the tiles, fused epilogues, the smaller tiling for
 * small workgroup limits, and the generic path for kernels that are not matmuls (or with the
 * tiling switched off). Accumulation runs in k order per output, like the reference: bit-exact.
 */
import { describe, expect, it } from 'vitest';
import { compileProgramToWgsl } from '../../codegen-wgsl/codegen.js';
import { parseGraph } from '../../ir/parser.js';
import { compileToProgram } from '../../passes/pipeline.js';
import { add, binary, f32, i32, let_, load, loop, mul, reduce, singleKernel, store, unary, v } from './build.js';
import { TILE_STRATEGIES, expectExact, gpu, limitsWith, randomArray, runBoth, useGpu } from './harness.js';

function denseLayer(m: number, k: number, n: number) {
  return compileToProgram(parseGraph(`graph @layer(%x: f32[${m},${k}], %w: f32[${k},${n}], %b: f32[${n}]) -> (f32[${m},${n}]) {
  %0 = dot_general %x, %w {batch=[[],[]], contract=[[1],[0]]} : f32[${m},${n}]
  %1 = broadcast %b {dims=[1]} : f32[${m},${n}]
  %2 = add %0, %1 : f32[${m},${n}]
  %3 = const {value=0} : f32[${m},${n}]
  %4 = max %2, %3 : f32[${m},${n}]
  return %4
}`)).program;
}

describe('tiled matmul', { timeout: 120_000 }, () => {
  useGpu();

  it('a dense layer with bias and relu takes the tiled path and is bit-exact (shapes off the tile grid, every strategy)', async () => {
    // K = 29: chunks of 8 k and a tail of 5; K = 16: chunks only; K = 70 with 5 rows: clamped rows; K = 3: a tail only; K = 0.
    for (const [m, k, n] of [[37, 29, 45], [64, 16, 32], [5, 70, 33], [9, 3, 17], [12, 0, 10]] as const) {
      const p = denseLayer(m, k, n);
      const inputs = [randomArray('float32', m * k, 1), randomArray('float32', k * n, 2), randomArray('float32', n, 3)];
      for (const strategy of TILE_STRATEGIES) {
        const what = `${m}x${k}x${n}, ${strategy.name}`;
        const { got, want, wgsl } = await runBoth(p, inputs, { matmul: 'always' }, limitsWith(strategy.limits));
        expect(wgsl.kernels[0].mapping, what).toBe('tiled-matmul');
        expectExact(got[0], want[0], what);
      }
    }
  });

  it('on a CPU adapter one workgroup is 8 invocations with direct loads; workgroup tiles elsewhere', () => {
    const p = denseLayer(64, 32, 48);
    const [direct] = compileProgramToWgsl(p, limitsWith({ cpuAdapter: true, subgroups: true }), {}).kernels;
    expect(direct.workgroupSize).toBe(8);
    expect(direct.code).toContain('subgroupBroadcast');
    expect(direct.code).not.toContain('var<workgroup>');
    const [tiles] = compileProgramToWgsl(p, limitsWith({ cpuAdapter: false }), {}).kernels;
    expect(tiles.workgroupSize).toBe(256);
    expect(tiles.code).toContain('var<workgroup>');
  });

  it('batched matmul tiles per batch point', async () => {
    const [b, m, k, n] = [3, 19, 23, 41];
    const p = compileToProgram(parseGraph(`graph @bmm(%x: f32[${b},${m},${k}], %y: f32[${b},${k},${n}]) -> (f32[${b},${m},${n}]) {
  %0 = dot_general %x, %y {batch=[[0],[0]], contract=[[2],[1]]} : f32[${b},${m},${n}]
  return %0
}`)).program;
    const { got, want, wgsl } = await runBoth(p, [randomArray('float32', b * m * k, 4), randomArray('float32', b * k * n, 5)]);
    expect(wgsl.kernels[0].mapping).toBe('tiled-matmul');
    expectExact(got[0], want[0]);
  });

  it('two chained layers (a temp between two tiled kernels)', async () => {
    const p = compileToProgram(parseGraph(`graph @mlp(%x: f32[20,24], %w1: f32[24,40], %w2: f32[40,12]) -> (f32[20,12]) {
  %0 = dot_general %x, %w1 {batch=[[],[]], contract=[[1],[0]]} : f32[20,40]
  %1 = tanh %0 : f32[20,40]
  %2 = dot_general %1, %w2 {batch=[[],[]], contract=[[1],[0]]} : f32[20,12]
  return %2
}`)).program;
    const inputs = [randomArray('float32', 480, 6), randomArray('float32', 960, 7, -0.3, 0.3), randomArray('float32', 480, 8)];
    const { got, want, wgsl } = await runBoth(p, inputs);
    expect(wgsl.kernels.map((k) => k.mapping)).toContain('tiled-matmul');
    // tanh is within 2 ulp, then a 40-term dot product: compare relatively.
    for (let i = 0; i < want[0].length; i++) expect(Math.abs(got[0][i] - want[0][i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[0][i])));
  });

  it('a hand-written epilogue around the reduce (init, scaling, a second store) is fused', async () => {
    const [m, k, n] = [21, 18, 26];
    const a = (index: ReturnType<typeof v>) => load('a', 'float32', index);
    const p = singleKernel('epilogue', [['a', 'float32', m * k, 'input'], ['bt', 'float32', n * k, 'input'], ['o', 'float32', m * n, 'output'], ['o2', 'float32', m * n, 'output']], [['i', m]], [
      let_('arow', mul(v('i'), i32(k))),
      let_('orow', mul(v('i'), i32(n))),
      loop('j', n, [
        // B transposed: bt[j*k + r]
        let_('dot', reduce('sum', [['r', k]], 0.25, mul(a(add(v('arow'), v('r'))), load('bt', 'float32', add(mul(v('j'), i32(k)), v('r')))))),
        store('o', add(v('orow'), v('j')), unary('sigmoid', binary('mul', v('dot', 'float32'), f32(0.5)))),
        store('o2', add(v('orow'), v('j')), binary('sub', v('dot', 'float32'), a(v('arow')))),
      ], 4),
    ]);
    const { got, want, wgsl } = await runBoth(p, [randomArray('float32', m * k, 9), randomArray('float32', n * k, 10)]);
    expect(wgsl.kernels[0].mapping).toBe('tiled-matmul');
    expectExact(got[1], want[1], 'dot - a');
    for (let i = 0; i < want[0].length; i++) expect(Math.abs(got[0][i] - want[0][i])).toBeLessThanOrEqual(3e-7);
  });

  it('small workgroup limits use 8x8 threads; K below the tile and K = 0 work', async () => {
    for (const [m, k, n] of [[9, 3, 17], [12, 0, 10], [40, 50, 9]] as const) {
      const p = denseLayer(m, k, n);
      const inputs = [randomArray('float32', m * k, 11), randomArray('float32', k * n, 12), randomArray('float32', n, 13)];
      const { got, want, wgsl } = await runBoth(p, inputs, { matmul: 'always' }, limitsWith({ maxComputeInvocationsPerWorkgroup: 64, maxComputeWorkgroupSizeX: 64, cpuAdapter: false }));
      expect(wgsl.kernels[0].mapping).toBe('tiled-matmul');
      expect(wgsl.kernels[0].workgroupSize).toBe(64);
      expectExact(got[0], want[0], `${m}x${k}x${n}`);
    }
  });

  it('the generic path computes the same results (tiling off)', async () => {
    const p = denseLayer(33, 20, 47);
    const inputs = [randomArray('float32', 660, 14), randomArray('float32', 940, 15), randomArray('float32', 47, 16)];
    const { got, want, wgsl } = await runBoth(p, inputs, { matmul: 'never' });
    expect(wgsl.kernels[0].mapping).not.toBe('tiled-matmul');
    expectExact(got[0], want[0]);
  });

  it('kernels that are not matmul-shaped are not tiled', () => {
    const k = 12;
    const notMatmuls = [
      // both operands depend on the row and the column: an elementwise product, not a contraction
      singleKernel('both', [['a', 'float32', 400, 'input'], ['o', 'float32', 100, 'output']], [['i', 10]], [
        loop('j', 10, [store('o', add(mul(v('i'), i32(10)), v('j')), reduce('sum', [['r', k]], 0, mul(load('a', 'float32', add(v('i'), v('j'))), load('a', 'float32', add(v('j'), v('r'))))))]),
      ]),
      // a guarded operand (convolution padding)
      singleKernel('guarded', [['a', 'float32', 400, 'input'], ['o', 'float32', 100, 'output']], [['i', 10]], [
        loop('j', 10, [store('o', add(mul(v('i'), i32(10)), v('j')), reduce('sum', [['r', k]], 0, mul(load('a', 'float32', add(v('i'), v('r')), binary('lt', v('r'), i32(5)), 0), load('a', 'float32', add(v('j'), v('r'))))))]),
      ]),
      // max instead of sum
      singleKernel('maxplus', [['a', 'float32', 400, 'input'], ['o', 'float32', 100, 'output']], [['i', 10]], [
        loop('j', 10, [store('o', add(mul(v('i'), i32(10)), v('j')), reduce('max', [['r', k]], 0, mul(load('a', 'float32', add(v('i'), v('r'))), load('a', 'float32', add(v('j'), v('r'))))))]),
      ]),
    ];
    for (const p of notMatmuls) expect(compileProgramToWgsl(p, gpu().limits, { matmul: 'always' }).kernels[0].mapping, p.name).not.toBe('tiled-matmul');
  });
});
