/**
 * The WebGPU runtime: device request errors, shader compile errors that quote the WGSL, the
 * storage-buffer limit, GPU-buffer inputs and readback, bool conversion, constants and temps,
 * one command encoder per run, pooled buffer reuse, the pipeline cache, and device loss
 * (clear errors, nothing hangs).
 */
import { describe, expect, it } from 'vitest';
import { compileProgramToWgsl, printWgslProgram } from '../../codegen-wgsl/codegen.js';
import { requestKilnDevice } from '../../codegen-wgsl/device.js';
import { WebGpuRuntimeError, WgslCodegenError } from '../../codegen-wgsl/errors.js';
import type { WgslProgram } from '../../codegen-wgsl/program.js';
import { WgslProgramRunner } from '../../codegen-wgsl/runtime.js';
import type { Program } from '../../ir/loop.js';
import { evaluateProgram } from '../../ir/loop-eval.js';
import { parseProgram } from '../../ir/loop-parser.js';
import { add, f32, i32, load, loop, mul, singleKernel, store, v } from './build.js';
import { expectExact, gpu, limitsWith, randomArray, runBoth, useGpu } from './harness.js';

/** y = x*2 + c (a constant), t a temp between two kernels, z = not(b) on bools. */
const TWO_KERNELS = `program @two {
  buffer %x: f32[10] input
  buffer %b: bool[5] input
  buffer %c: f32[10] constant data=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
  buffer %k: bool[5] constant data=[true, false, true, false, false]
  buffer %t: f32[10] temp
  buffer %y: f32[10] output
  buffer %z: bool[5] output
  inputs %x, %b
  outputs %y, %z, %y

  kernel @double(%t: f32[10] w, %x: f32[10] r) {
    for %j in 0..10 { store %t[%j], mul(load %x[%j], 2.0) }
  }
  kernel @finish(%y: f32[10] w, %z: bool[5] w, %t: f32[10] r, %c: f32[10] r, %b: bool[5] r, %k: bool[5] r) {
    for %j in 0..10 { store %y[%j], add(load %t[%j], load %c[%j]) }
    for %i in 0..5 { store %z[%i], or(not(load %b[%i]), load %k[%i]) }
  }

  launch @double(%t, %x)
  launch @finish(%y, %z, %t, %c, %b, %k)
}
`;

describe('WebGPU runtime', { timeout: 120_000 }, () => {
  useGpu();

  it('maps the device limits (and the subgroups feature)', () => {
    const l = gpu().limits;
    expect(l.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
    expect(l.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
    expect(l.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(65535);
    expect(typeof l.subgroups).toBe('boolean');
  });

  it('runs several launches with constants, a temp, bool buffers and a repeated output, in one command encoder', async () => {
    const p = parseProgram(TWO_KERNELS);
    const wgsl = compileProgramToWgsl(p, gpu().limits);
    expect(printWgslProgram(wgsl)).toMatch(/\/\/ ---- launch 0: @double \(%t, %x\)\n[^]*\/\/ ---- launch 1: @finish \(%y, %z, %t, %c, %b, %k\)/);
    const runner = await WgslProgramRunner.create(gpu(), wgsl);
    const device = gpu().device;
    const original = device.createCommandEncoder.bind(device);
    let encoders = 0;
    device.createCommandEncoder = (d?: GPUCommandEncoderDescriptor) => { encoders++; return original(d); };
    try {
      const x = randomArray('float32', 10, 1);
      const b = Uint8Array.from([1, 0, 0, 1, 1]);
      const outs = runner.run([x, b]);
      expect(encoders).toBe(1);
      expect(outs[0]).toBe(outs[2]);
      const want = evaluateProgram(p, [x, b]);
      expectExact(await runner.readBuffer(outs[0], 'float32', 10), want[0]);
      const z = await runner.readBuffer(outs[1], 'bool', 5);
      expect(z).toBeInstanceOf(Uint8Array);
      expectExact(z, want[1]);
      runner.release(outs);
    } finally {
      device.createCommandEncoder = original;
      runner.destroy();
    }
  });

  it('accepts GPU buffers as inputs (uploadBuffer) and reuses pooled buffers across runs', async () => {
    const p = parseProgram(TWO_KERNELS);
    const runner = await WgslProgramRunner.create(gpu(), compileProgramToWgsl(p, gpu().limits));
    const pool = gpu().pool;
    const x = randomArray('float32', 10, 2);
    const b = Uint8Array.from([0, 0, 1, 1, 0]);
    const xb = runner.uploadBuffer(x);
    const bb = runner.uploadBuffer(b);
    expect(Array.from(await runner.readBuffer(bb, 'bool', 5))).toEqual([0, 0, 1, 1, 0]);
    const first = runner.run([xb, bb]);
    runner.release(first);
    const created = pool.created;
    for (let k = 0; k < 3; k++) {
      const outs = runner.run([xb, bb]);
      expectExact(await runner.readBuffer(outs[0], 'float32', 10), evaluateProgram(p, [x, b])[0]);
      runner.release(outs);
    }
    expect(pool.created).toBe(created); // every temp and output came from the pool
    expect(pool.reused).toBeGreaterThan(0);
    pool.release(xb);
    pool.release(bb);
    expect(() => pool.release(xb)).toThrow(/not in use/);
    runner.destroy();
  });

  it('checks inputs: count, typed-array kind and length, GPU buffer size', async () => {
    const runner = await WgslProgramRunner.create(gpu(), compileProgramToWgsl(parseProgram(TWO_KERNELS), gpu().limits));
    expect(() => runner.run([new Float32Array(10)])).toThrow(/expected 2 input\(s\) \(%x, %b\), got 1/);
    expect(() => runner.run([new Float32Array(9), new Uint8Array(5)])).toThrow(/input 0 \(%x\) needs a Float32Array of 10 elements \(f32\[10\]\), got a Float32Array of 9/);
    expect(() => runner.run([new Int32Array(10), new Uint8Array(5)])).toThrow(/got a Int32Array/);
    const small = gpu().pool.acquire(16);
    expect(() => runner.run([small, new Uint8Array(5)])).toThrow(/needs 40 bytes \(f32\[10\]\), the GPU buffer has 16/);
    gpu().pool.release(small);
    runner.destroy();
  });

  it('caches pipelines by WGSL code', async () => {
    const wgsl = compileProgramToWgsl(parseProgram(TWO_KERNELS), gpu().limits);
    const first = gpu().pipeline(wgsl.kernels[0]);
    const again = gpu().pipeline({ ...wgsl.kernels[0], name: 'another_name' });
    expect(again).toBe(first);
    expect((await first).pipeline).toBeDefined();
  });

  it('reports WGSL that does not compile with the kernel name, the line and the message', async () => {
    const broken: WgslProgram = {
      name: 'broken',
      buffers: [{ name: 'y', dtype: 'float32', size: 4, role: 'output' }],
      inputs: [],
      outputs: ['y'],
      kernels: [{
        name: 'bad_kernel',
        entryPoint: 'main',
        code: [
          '@group(0) @binding(0) var<storage, read_write> y: array<f32>;',
          '@compute @workgroup_size(1)',
          'fn main() {',
          '  y[0] = undefined_thing + 1.0;',
          '}',
        ].join('\n'),
        bindings: [{ buffer: 'y', access: 'read_write' }],
        workgroupSize: 1,
        dispatch: [1, 1, 1],
        mapping: 'thread-per-point',
      }],
    };
    const error = await WgslProgramRunner.create(gpu(), broken).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WebGpuRuntimeError);
    const message = (error as Error).message;
    expect(message).toContain('kernel @bad_kernel: the generated WGSL does not compile');
    expect(message).toMatch(/line 4:\d+: .*undefined_thing/);
    expect(message).toContain('y[0] = undefined_thing + 1.0;');
  });

  it('a kernel needing more storage buffers than the device allows is a clear codegen error', () => {
    const params = Array.from({ length: 9 }, (_, k) => `in${k}`);
    const p: Program = singleKernel('wide', [...params.map((n): [string, 'float32', number, 'input'] => [n, 'float32', 4, 'input']), ['out', 'float32', 4, 'output']], [], [
      loop('j', 4, [store('out', v('j'), params.map((n) => load(n, 'float32', v('j'))).reduce((a, b) => add(a, b)))]),
    ]);
    expect(() => compileProgramToWgsl(p, limitsWith({ maxStorageBuffersPerShaderStage: 8 }))).toThrow(WgslCodegenError);
    expect(() => compileProgramToWgsl(p, limitsWith({ maxStorageBuffersPerShaderStage: 8 }))).toThrow(/kernel @wide binds 10 storage buffers .* but the device allows 8 per shader stage/);
    expect(() => compileProgramToWgsl(p, limitsWith({ maxStorageBuffersPerShaderStage: 10 }))).not.toThrow();
  });

  it('binds a buffer passed to two params once', async () => {
    const p = parseProgram(`program @alias {
  buffer %x: f32[8] input
  buffer %y: f32[8] output
  inputs %x
  outputs %y
  kernel @k(%y: f32[8] w, %a: f32[8] r, %b: f32[8] r) {
    for %j in 0..8 { store %y[%j], mul(load %a[%j], load %b[7 - %j]) }
  }
  launch @k(%y, %x, %x)
}
`);
    const { got, want, wgsl } = await runBoth(p, [randomArray('float32', 8, 3)]);
    expect(wgsl.kernels[0].bindings).toEqual([{ buffer: 'y', access: 'read_write' }, { buffer: 'x', access: 'read' }]);
    expectExact(got[0], want[0]);
  });

  it('validation errors of earlier GPU calls surface at the next readback', async () => {
    const kdev = gpu();
    kdev.device.createBuffer({ size: 16, usage: 0x1 | 0x80 }); // MAP_READ | STORAGE: invalid
    const buffer = kdev.uploadBuffer(Float32Array.from([1, 2, 3, 4]));
    await expect(kdev.readBuffer(buffer, 'float32', 4)).rejects.toThrow(/earlier WebGPU commands failed validation:\n.*usage/i);
    expect(Array.from(await kdev.readBuffer(buffer, 'float32', 4))).toEqual([1, 2, 3, 4]); // reported once
    kdev.pool.release(buffer);
  });

  it('fails with the install hint when there is no adapter', async () => {
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    await expect(requestKilnDevice(noAdapter)).rejects.toThrow(/No WebGPU adapter found.*`webgpu` package.*Vulkan driver.*mesa-vulkan-drivers/);
  });

  it('after device loss every call throws a clear error; a pending readback does not hang', async () => {
    const kdev = await requestKilnDevice();
    const p = singleKernel('lossy', [['x', 'float32', 64, 'input'], ['y', 'float32', 64, 'output']], [], [
      loop('j', 64, [store('y', v('j'), mul(load('x', 'float32', v('j')), f32(3)))]),
    ]);
    const runner = await WgslProgramRunner.create(kdev, compileProgramToWgsl(p, kdev.limits));
    const outs = runner.run([randomArray('float32', 64, 4)]);
    const pending = runner.readBuffer(outs[0], 'float32', 64).then(() => 'read', (e: Error) => e.message);
    kdev.device.destroy();
    const settled = await Promise.race([pending, new Promise((r) => setTimeout(() => r('hung'), 5000))]);
    expect(settled).not.toBe('hung');
    await kdev.device.lost;
    expect(kdev.lost?.reason).toBe('destroyed');
    expect(() => runner.run([randomArray('float32', 64, 5)])).toThrow(/the WebGPU device was lost \(destroyed/);
    await expect(runner.readBuffer(outs[0], 'float32', 64)).rejects.toThrow(/device was lost/);
    expect(() => runner.uploadBuffer(new Float32Array(4))).toThrow(/device was lost/);
    await expect(WgslProgramRunner.create(kdev, compileProgramToWgsl(p, kdev.limits))).rejects.toThrow(/device was lost/);
  });

  it('index expressions with i32 arithmetic wrap like the reference', async () => {
    const n = 16;
    const p = singleKernel('wrap', [['x', 'int32', n, 'input'], ['y', 'int32', n, 'output']], [], [
      loop('j', n, [store('y', v('j'), add(mul(load('x', 'int32', v('j')), i32(65537)), i32(2147483647)))]),
    ]);
    const { got, want } = await runBoth(p, [randomArray('int32', n, 6, -1e8, 1e8)]);
    expectExact(got[0], want[0]);
  });
});
