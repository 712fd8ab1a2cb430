/**
 * Whole programs: module shape (imports, exports, launch table), multi-kernel programs with temps
 * and constants, launch functions over partial grid ranges, the runtime's copying and checks,
 * errors for programs without a memory plan, and the WAT view.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateProgram } from '../../ir/loop-eval.js';
import type { Program } from '../../ir/loop.js';
import { loadBinaryen } from '../../codegen-wasm/binaryen.js';
import { compileProgram } from '../../codegen-wasm/codegen.js';
import { WasmCodegenError } from '../../codegen-wasm/errors.js';
import { instantiateProgram } from '../../codegen-wasm/runtime.js';
import { toWat } from '../../codegen-wasm/wat.js';
import {
  add, binary, cast, f32, i32, kernel, let_, load, loop, mismatches, mul, program, reduce, singleKernelProgram, store, sub, unary, v,
} from './build.js';

/** The WebAssembly JS API (Kiln's tsconfig has no DOM lib, where TypeScript declares it). */
const WasmModule = (globalThis as unknown as {
  WebAssembly: { Module: { new (bytes: Uint8Array): object; imports(m: object): unknown[]; exports(m: object): { name: string }[] } };
}).WebAssembly.Module;

let loadMs = 0;
beforeAll(async () => {
  const t0 = performance.now();
  await loadBinaryen();
  loadMs = performance.now() - t0;
});

/** out = relu(x·w + b) row by row, then a second kernel sums each row of the temp and scales by a constant. */
function mlpProgram(): Program {
  const [B, I, O] = [3, 6, 5];
  const dense = kernel('dense_relu', [['x', 'float32', B * I, 'r'], ['w', 'float32', I * O, 'r'], ['b', 'float32', O, 'r'], ['h', 'float32', B * O, 'w']], [['n', B]], [
    loop('o', O, [
      let_('acc', reduce('sum', [['i', I]], 0, mul(load('x', 'float32', add(mul(v('n'), i32(I)), v('i'))), load('w', 'float32', add(mul(v('i'), i32(O)), v('o')))))),
      store('h', add(mul(v('n'), i32(O)), v('o')), binary('max', add(v('acc', 'float32'), load('b', 'float32', v('o'))), f32(0))),
    ], 4),
  ]);
  const rowsum = kernel('row_sum_scaled', [['h', 'float32', B * O, 'r'], ['scale', 'float32', 1, 'r'], ['y', 'float32', B, 'w']], [['n', B]], [
    store('y', v('n'), mul(reduce('sum', [['o', O]], 0, load('h', 'float32', add(mul(v('n'), i32(O)), v('o')))), load('scale', 'float32', i32(0)))),
  ]);
  return program({
    name: 'mlp',
    buffers: [
      { name: 'x', dtype: 'float32', size: B * I, role: 'input' },
      { name: 'w', dtype: 'float32', size: I * O, role: 'input' },
      { name: 'b', dtype: 'float32', size: O, role: 'constant', data: [0.5, -1, 0, 2, -0.25] },
      { name: 'scale', dtype: 'float32', size: 1, role: 'constant', data: [0.5] },
      { name: 'h', dtype: 'float32', size: B * O, role: 'temp' },
      { name: 'y', dtype: 'float32', size: B, role: 'output' },
    ],
    kernels: [dense, rowsum],
    launches: [{ kernel: 'dense_relu', args: ['x', 'w', 'b', 'h'] }, { kernel: 'row_sum_scaled', args: ['h', 'scale', 'y'] }],
    inputs: ['x', 'w'],
    outputs: ['y', 'y'],
  });
}

const mlpInputs = (seed: number): Float32Array[] => [
  Float32Array.from({ length: 18 }, (_, i) => Math.sin(i + seed)),
  Float32Array.from({ length: 30 }, (_, i) => Math.cos(i * 0.3 + seed)),
];

describe('programs', () => {
  it('a multi-kernel program with a temp and constants matches the reference, run after run', () => {
    const p = mlpProgram();
    const compiled = compileProgram(p);
    const instance = instantiateProgram(p, compiled);
    for (const seed of [0, 1, 2]) {
      const inputs = mlpInputs(seed);
      const got = instance.run(inputs);
      const want = evaluateProgram(p, inputs);
      expect(got).toHaveLength(2);
      got.forEach((g, j) => expect(mismatches(g, want[j])).toEqual([]));
      expect(got[0]).not.toBe(got[1]); // repeated outputs are separate copies
    }
  });

  it('exports run, one function per launch and a launch table with grid sizes; imports env.memory', () => {
    const p = mlpProgram();
    const compiled = compileProgram(p);
    const module = new WasmModule(compiled.bytes);
    expect(WasmModule.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(WasmModule.exports(module).map((e) => e.name).sort()).toEqual(['launch0_dense_relu', 'launch1_row_sum_scaled', 'run']);
    expect(compiled.exports.launches).toEqual([
      { exportName: 'launch0_dense_relu', kernel: 'dense_relu', args: ['x', 'w', 'b', 'h'], gridExtents: [3], gridSize: 3, tiled: true },
      { exportName: 'launch1_row_sum_scaled', kernel: 'row_sum_scaled', args: ['h', 'scale', 'y'], gridExtents: [3], gridSize: 3, tiled: false },
    ]);
    expect(compiled.memory).toEqual({ module: 'env', name: 'memory', minPages: 1, arenaBytes: p.arenaBytes });
  });

  it('a launch function over a partial grid range writes only that part (2-D grid, carries across rows)', () => {
    const k = kernel('fill', [['out', 'int32', 20, 'w']], [['i', 4], ['j', 5]], [
      store('out', add(mul(v('i'), i32(5)), v('j')), add(mul(v('i'), i32(10)), add(v('j'), i32(1)))),
    ]);
    const p = singleKernelProgram(k);
    const instance = instantiateProgram(p, compileProgram(p));
    const out = instance.view('out') as Int32Array;
    const full = Array.from({ length: 20 }, (_, f) => Math.floor(f / 5) * 10 + (f % 5) + 1);
    const launch = instance.launches.launch0_fill;
    launch(3, 13);
    expect([...out]).toEqual(full.map((x, f) => (f >= 3 && f < 13 ? x : 0)));
    launch(13, 100); // clamped to the grid
    launch(-5, 3); // clamped to 0
    expect([...out]).toEqual(full);
    out.fill(0);
    launch(7, 7);
    launch(9, 2);
    expect([...out]).toEqual(new Array(20).fill(0));
  });

  it('splitting every launch into ranges gives the same result as run()', () => {
    const p = mlpProgram();
    const compiled = compileProgram(p);
    const inputs = mlpInputs(5);
    const whole = instantiateProgram(p, compiled).run(inputs)[0];
    const split = instantiateProgram(p, compiled);
    split.view('x').set(inputs[0]);
    split.view('w').set(inputs[1]);
    for (const l of compiled.exports.launches) for (let s = 0; s < l.gridSize; s += 2) split.launches[l.exportName](s, s + 2);
    expect([...split.view('y')]).toEqual([...whole]);
  });

  it('zero-dimensional and empty grids', () => {
    const k0 = kernel('scalar', [['x', 'float32', 1, 'r'], ['y', 'float32', 1, 'w']], [], [store('y', i32(0), unary('sqrt', load('x', 'float32', i32(0))))]);
    const [y] = instantiateProgram(singleKernelProgram(k0), compileProgram(singleKernelProgram(k0))).run([Float32Array.of(2)]);
    expect(y[0]).toBe(Math.fround(Math.SQRT2));
    const kE = kernel('empty', [['y', 'float32', 4, 'w']], [['i', 0]], [store('y', v('i'), f32(1))]);
    const compiled = compileProgram(singleKernelProgram(kE));
    expect(compiled.exports.launches[0].gridSize).toBe(0);
    expect([...instantiateProgram(singleKernelProgram(kE), compiled).run([])[0]]).toEqual([0, 0, 0, 0]);
  });

  it('bool outputs come back as Uint8Array; an input can also be an output', () => {
    const k = kernel('pos', [['x', 'float32', 5, 'r'], ['m', 'bool', 5, 'w']], [['i', 5]], [store('m', v('i'), binary('gt', load('x', 'float32', v('i')), f32(0)))]);
    const base = singleKernelProgram(k);
    const p: Program = { ...base, outputs: ['m', 'x'] };
    const [m, x] = instantiateProgram(p, compileProgram(p)).run([Float32Array.from([1, -1, 0, NaN, 3])]);
    expect(m).toBeInstanceOf(Uint8Array);
    expect([...m]).toEqual([1, 0, 0, 0, 1]);
    expect([...x]).toEqual([1, -1, 0, NaN, 3]);
  });

  it('outputs are fresh copies that later runs do not touch', () => {
    const k = kernel('neg', [['x', 'int32', 3, 'r'], ['y', 'int32', 3, 'w']], [['i', 3]], [store('y', v('i'), unary('neg', load('x', 'int32', v('i'))))]);
    const p = singleKernelProgram(k);
    const instance = instantiateProgram(p, compileProgram(p));
    const first = instance.run([Int32Array.from([1, 2, 3])])[0];
    instance.run([Int32Array.from([7, 8, 9])]);
    expect([...first]).toEqual([-1, -2, -3]);
  });

  it('outputViews returns arena views (overwritten by the next run); immutableInputs skips re-copying the same array', () => {
    const k = kernel('neg', [['x', 'int32', 3, 'r'], ['y', 'int32', 3, 'w']], [['i', 3]], [store('y', v('i'), unary('neg', load('x', 'int32', v('i'))))]);
    const p = singleKernelProgram(k);
    const instance = instantiateProgram(p, compileProgram(p));
    const x = Int32Array.from([1, 2, 3]);
    const view = instance.run([x], { outputViews: true })[0];
    expect(view.buffer).toBe(instance.memory.buffer);
    instance.run([Int32Array.from([7, 8, 9])], { outputViews: true });
    expect([...view]).toEqual([-7, -8, -9]);
    // Without the promise a mutated array is copied again; with it, the same array is not.
    x[0] = 5;
    expect([...instance.run([x])[0]]).toEqual([-5, -2, -3]);
    expect([...instance.run([x], { immutableInputs: true })[0]]).toEqual([-5, -2, -3]);
    x[0] = 6;
    expect([...instance.run([x], { immutableInputs: true })[0]]).toEqual([-5, -2, -3]);
    expect([...instance.run([Int32Array.from(x)], { immutableInputs: true })[0]]).toEqual([-6, -2, -3]);
  });

  it('the runtime rejects inputs of the wrong count, dtype or length with a readable error', () => {
    const k = kernel('id', [['x', 'float32', 3, 'r'], ['y', 'float32', 3, 'w']], [['i', 3]], [store('y', v('i'), load('x', 'float32', v('i')))]);
    const p = singleKernelProgram(k);
    const instance = instantiateProgram(p, compileProgram(p));
    expect(() => instance.run([])).toThrow(/takes 1 inputs, got 0/);
    expect(() => instance.run([new Int32Array(3)])).toThrow(/input 0 \(%x\) of @id must be f32\[3\] \(Float32Array\), got i32\[3\]/);
    expect(() => instance.run([new Float32Array(4)])).toThrow(/must be f32\[3\].*got f32\[4\]/);
  });
});

describe('compile errors', () => {
  const k = kernel('id', [['x', 'float32', 3, 'r'], ['y', 'float32', 3, 'w']], [['i', 3]], [store('y', v('i'), load('x', 'float32', v('i')))]);

  it('a program without a memory plan is rejected', () => {
    const p = singleKernelProgram(k);
    expect(() => compileProgram({ ...p, arenaBytes: undefined })).toThrow(WasmCodegenError);
    expect(() => compileProgram({ ...p, arenaBytes: undefined })).toThrow(/no arenaBytes: run memory planning/);
    expect(() => compileProgram({ ...p, buffers: p.buffers.map((b) => ({ ...b, offset: undefined })) })).toThrow(/%x of @id has no arena offset/);
    expect(() => compileProgram({ ...p, buffers: p.buffers.map((b) => ({ ...b, offset: 2 })) })).toThrow(/not aligned/);
    expect(() => compileProgram({ ...p, arenaBytes: 8 })).toThrow(/outside the arena/);
  });

  it('stores to read-only params and mismatched launches are rejected', () => {
    const bad = kernel('bad', [['x', 'float32', 3, 'r']], [['i', 3]], [store('x', v('i'), f32(1))]);
    expect(() => compileProgram(singleKernelProgram(bad))).toThrow(/stores to read-only param %x/);
    const p = singleKernelProgram(k);
    expect(() => compileProgram({ ...p, launches: [{ kernel: 'id', args: ['x'] }] })).toThrow(/passes 1 buffers for 2 params/);
    expect(() => compileProgram({ ...p, launches: [{ kernel: 'nope', args: [] }] })).toThrow(/unknown kernel @nope/);
    const wrongType = kernel('id', [['x', 'int32', 3, 'r'], ['y', 'float32', 3, 'w']], [['i', 3]], []);
    expect(() => compileProgram({ ...p, kernels: [wrongType] })).toThrow(/param %x \(int32\[3\]\) gets %x \(float32\[3\]\)/);
  });
});

describe('WAT and timing', () => {
  it('toWat shows SIMD instructions and the helpers a kernel uses (short transcendentals are inline in vector code)', async () => {
    const kx = kernel('gelu_ish', [['x', 'float32', 16, 'r'], ['y', 'float32', 16, 'w'], ['n', 'int32', 16, 'w']], [], [
      loop('i', 16, [
        store('y', v('i'), mul(load('x', 'float32', v('i')), unary('erf', unary('sin', load('x', 'float32', v('i')))))),
        store('n', v('i'), binary('div', cast(load('x', 'float32', v('i')), 'int32'), i32(3))),
      ], 4),
    ]);
    const compiled = compileProgram(singleKernelProgram(kx));
    expect(compiled.helpers).toEqual(['kiln_sin_f32x4']);
    const wat = await toWat(compiled.bytes);
    expect(wat).toContain('v128.load');
    expect(wat).toContain('f32x4.mul');
    expect(wat).toContain('v128.store');
    expect(wat).toContain('i32x4.trunc_sat_f32x4_s');
  });

  it('reports binaryen load and compile times for a typical kernel', () => {
    const [R, C] = [256, 1024];
    const x = (j: Parameters<typeof add>[0]) => load('x', 'float32', add(mul(v('r'), i32(C)), j));
    const softmax = kernel('softmax', [['x', 'float32', R * C, 'r'], ['out', 'float32', R * C, 'w']], [['r', R]], [
      let_('m', reduce('max', [['c', C]], -Infinity, x(v('c')))),
      let_('s', reduce('sum', [['c', C]], 0, unary('exp', sub(x(v('c')), v('m', 'float32'))))),
      loop('j', C, [store('out', add(mul(v('r'), i32(C)), v('j')), binary('div', unary('exp', sub(x(v('j')), v('m', 'float32'))), v('s', 'float32')))], 4),
    ]);
    const lines = [`binaryen load: ${loadMs.toFixed(0)} ms`];
    for (const p of [mlpProgram(), singleKernelProgram(softmax)]) {
      const runs = Array.from({ length: 5 }, () => compileProgram(p).timings);
      const t = runs[runs.length - 1];
      lines.push(`${p.name}: first compile ${(runs[0].buildMs + runs[0].optimizeMs + runs[0].emitMs).toFixed(1)} ms; warm: build ${t.buildMs.toFixed(1)} ms, optimize (O2) ${t.optimizeMs.toFixed(1)} ms, emit ${t.emitMs.toFixed(1)} ms`);
    }
    console.log(lines.join('\n'));
  });
});
