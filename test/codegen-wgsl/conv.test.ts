/**
 * The tiled convolution path (implicit GEMM): channels-last convs from the pipeline with stride,
 * padding (same / valid / asymmetric), dilation, batch, channel counts off the tile grid, 1×1,
 * 1-D and 3-D, a fused bias + relu epilogue; grouped and depthwise convs stay on the generic path.
 * Each output accumulates its products in the reduce's row-major order, one f32 add at a time:
 * bit-identical to the loop-IR reference.
 */
import { describe, expect, it } from 'vitest';
import { compileProgramToWgsl } from '../../codegen-wgsl/codegen.js';
import type { DeviceLimits } from '../../codegen-wgsl/limits.js';
import { parseGraph } from '../../ir/parser.js';
import { compileToProgram } from '../../passes/pipeline.js';
import { TILE_STRATEGIES, expectExact, gpu, limitsWith, randomArray, runBoth, useGpu } from './harness.js';

interface ConvCase {
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly strides?: readonly number[];
  readonly padding?: readonly (readonly [number, number])[];
  readonly lhsDilation?: readonly number[];
  readonly rhsDilation?: readonly number[];
  readonly groups?: number;
}

/** Output shape of a channels-last conv (as ir/ops/contraction.ts computes it). */
function outShape(c: ConvCase): number[] {
  const d = c.x.length - 2;
  const out = [c.x[0]];
  for (let i = 0; i < d; i++) {
    const s = c.strides?.[i] ?? 1;
    const [lo, hi] = c.padding?.[i] ?? [0, 0];
    const ld = c.lhsDilation?.[i] ?? 1;
    const rd = c.rhsDilation?.[i] ?? 1;
    const input = (c.x[1 + i] - 1) * ld + 1 + lo + hi;
    const window = (c.w[i] - 1) * rd + 1;
    out.push(Math.floor((input - window) / s) + 1);
  }
  out.push(c.w[c.w.length - 1]);
  return out;
}

function convGraph(c: ConvCase, epilogue = false): string {
  const d = c.x.length - 2;
  const o = outShape(c);
  const list = (xs: readonly number[]) => `[${xs.join(',')}]`;
  const attrs = `strides=${list(c.strides ?? Array(d).fill(1))}, padding=[${(c.padding ?? Array(d).fill([0, 0])).map((p) => list(p)).join(',')}], ` +
    `lhs_dilation=${list(c.lhsDilation ?? Array(d).fill(1))}, rhs_dilation=${list(c.rhsDilation ?? Array(d).fill(1))}, groups=${c.groups ?? 1}`;
  const t = `f32[${o.join(',')}]`;
  if (!epilogue) return `graph @conv(%x: f32[${c.x.join(',')}], %w: f32[${c.w.join(',')}]) -> (${t}) {
  %0 = conv %x, %w {${attrs}} : ${t}
  return %0
}`;
  return `graph @conv(%x: f32[${c.x.join(',')}], %w: f32[${c.w.join(',')}], %b: f32[${o[o.length - 1]}]) -> (${t}) {
  %0 = conv %x, %w {${attrs}} : ${t}
  %1 = broadcast %b {dims=[${o.length - 1}]} : ${t}
  %2 = add %0, %1 : ${t}
  %3 = const {value=0} : ${t}
  %4 = max %2, %3 : ${t}
  return %4
}`;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

async function check(c: ConvCase, what: string, opts: { epilogue?: boolean; mapping?: string; conv?: 'auto' | 'always'; limits?: Partial<DeviceLimits> } = {}): Promise<void> {
  const p = compileToProgram(parseGraph(convGraph(c, opts.epilogue))).program;
  const inputs = [randomArray('float32', size(c.x), 1), randomArray('float32', size(c.w), 2, -1, 1)];
  if (opts.epilogue) inputs.push(randomArray('float32', c.w[c.w.length - 1], 3));
  const { got, want, wgsl } = await runBoth(p, inputs, { conv: opts.conv ?? 'auto' }, limitsWith(opts.limits));
  expect(wgsl.kernels.length, what).toBe(1);
  if (opts.mapping) expect(wgsl.kernels[0].mapping, what).toBe(opts.mapping);
  expectExact(got[0], want[0], what);
}

describe('tiled conv', { timeout: 120_000 }, () => {
  useGpu();

  it('standard NHWC 2-D conv (same padding) takes the tiled path and is bit-exact (every strategy)', async () => {
    for (const { name, limits } of TILE_STRATEGIES) {
      await check({ x: [2, 9, 9, 8], w: [3, 3, 8, 16], padding: [[1, 1], [1, 1]] }, `same 3x3, ${name}`, { mapping: 'tiled-conv', limits });
      await check({ x: [1, 10, 10, 6], w: [3, 3, 6, 21], strides: [2, 2], padding: [[1, 1], [1, 1]] }, `conv+bias+relu stride 2, ${name}`, { epilogue: true, mapping: 'tiled-conv', limits });
    }
  });

  it('stride 1 and 2; same, valid and asymmetric padding; batch > 1; channels off the tile grid', async () => {
    const cases: [string, ConvCase][] = [
      ['valid, stride 1', { x: [3, 11, 10, 5], w: [3, 3, 5, 19] }],
      ['same, stride 2', { x: [2, 12, 12, 7], w: [3, 3, 7, 37], strides: [2, 2], padding: [[1, 1], [1, 1]] }],
      ['asymmetric padding, stride 2', { x: [2, 13, 9, 6], w: [3, 2, 6, 20], strides: [2, 2], padding: [[0, 2], [1, 0]] }],
      ['M >= 1024 (taller tiles)', { x: [2, 24, 24, 5], w: [3, 3, 5, 19], padding: [[1, 1], [1, 1]] }],
      ['5x5 window, odd channels', { x: [1, 10, 10, 3], w: [5, 5, 3, 33], padding: [[2, 2], [2, 2]] }],
    ];
    for (const [what, c] of cases) await check(c, what, { mapping: 'tiled-conv' });
  });

  it('rhs dilation, lhs dilation (transposed-conv style holes), 1x1 conv', async () => {
    await check({ x: [2, 12, 12, 4], w: [3, 3, 4, 12], rhsDilation: [2, 2], padding: [[2, 2], [2, 2]] }, 'rhs dilation', { mapping: 'tiled-conv' });
    await check({ x: [1, 7, 7, 8], w: [3, 3, 8, 12], lhsDilation: [2, 2], padding: [[1, 1], [1, 1]] }, 'lhs dilation', { mapping: 'tiled-conv' });
    await check({ x: [2, 8, 8, 24], w: [1, 1, 24, 40] }, '1x1', { mapping: 'tiled-conv' });
  });

  it('conv + bias + relu: the pipeline fuses the epilogue into the tiled kernel', async () => {
    await check({ x: [2, 9, 9, 8], w: [3, 3, 8, 16], padding: [[1, 1], [1, 1]] }, 'conv+bias+relu', { epilogue: true, mapping: 'tiled-conv' });
    await check({ x: [1, 10, 10, 6], w: [3, 3, 6, 21], strides: [2, 2], padding: [[1, 1], [1, 1]] }, 'conv+bias+relu stride 2', { epilogue: true, mapping: 'tiled-conv' });
  });

  it('1-D and 3-D convs are tiled too', async () => {
    await check({ x: [3, 40, 6], w: [5, 6, 10], padding: [[2, 2]] }, '1-D', { mapping: 'tiled-conv' });
    await check({ x: [2, 10, 4], w: [3, 4, 5], strides: [2] }, '1-D small (forced)', { mapping: 'tiled-conv', conv: 'always' });
    await check({ x: [1, 6, 5, 7, 3], w: [3, 3, 3, 3, 9], padding: [[1, 1], [1, 1], [0, 1]] }, '3-D', { mapping: 'tiled-conv' });
  });

  it('grouped and depthwise convs stay on the generic path (and are correct)', async () => {
    await check({ x: [1, 8, 8, 8], w: [3, 3, 2, 8], padding: [[1, 1], [1, 1]], groups: 4 }, 'groups=4', { mapping: 'thread-per-element' });
    await check({ x: [2, 8, 8, 6], w: [3, 3, 1, 6], padding: [[1, 1], [1, 1]], groups: 6 }, 'depthwise', { mapping: 'thread-per-element' });
  });

  it('small workgroup limits use 8x8 threads; tiny convs and conv: never keep the generic path', async () => {
    const c: ConvCase = { x: [2, 9, 9, 8], w: [3, 3, 8, 16], padding: [[1, 1], [1, 1]] };
    const p = compileToProgram(parseGraph(convGraph(c))).program;
    const inputs = [randomArray('float32', size(c.x), 4), randomArray('float32', size(c.w), 5, -1, 1)];
    const small = await runBoth(p, inputs, {}, limitsWith({ maxComputeInvocationsPerWorkgroup: 64, maxComputeWorkgroupSizeX: 64, cpuAdapter: false }));
    expect(small.wgsl.kernels[0].mapping).toBe('tiled-conv');
    expect(small.wgsl.kernels[0].workgroupSize).toBe(64);
    expectExact(small.got[0], small.want[0], '8x8 threads');
    expect(compileProgramToWgsl(p, gpu().limits, { conv: 'never' }).kernels[0].mapping).toBe('thread-per-element');
    const tiny = compileToProgram(parseGraph(convGraph({ x: [1, 4, 4, 2], w: [2, 2, 2, 3] }))).program;
    expect(compileProgramToWgsl(tiny, gpu().limits).kernels[0].mapping).not.toBe('tiled-conv');
  });

  it('a dense layer stays tiled-matmul', () => {
    const p = compileToProgram(parseGraph(`graph @d(%x: f32[32,16], %w: f32[16,24]) -> (f32[32,24]) {
  %0 = dot_general %x, %w {batch=[[],[]], contract=[[1],[0]]} : f32[32,24]
  return %0
}`)).program;
    expect(compileProgramToWgsl(p, gpu().limits).kernels[0].mapping).toBe('tiled-matmul');
    expect(compileProgramToWgsl(p, gpu().limits, { matmul: 'never' }).kernels[0].mapping).not.toMatch(/tiled/);
  });
});
