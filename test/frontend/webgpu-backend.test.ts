import { describe, expect, it } from 'vitest';
import { requestKilnDevice } from '../../codegen-wgsl/index.js';
import { createWebGpuBackend } from '../../frontend/webgpu-backend.js';
import { tensorType } from '../../ir/index.js';
import { TRANSCENDENTAL_RTOL, expectClose } from '../helpers.js';

describe('webgpu backend', () => {
  it('reports a lost device as an error on the next call and on reads, never a hang', async () => {
    const kdev = await requestKilnDevice();
    const backend = createWebGpuBackend(kdev);
    const t = tensorType('float32', [4]);
    const x = backend.upload(t, new Float32Array([1, 2, 3, 4]));
    const y = backend.execOp('exp', [x], {}, t);
    expectClose(await backend.read(y), [1, 2, 3, 4].map(Math.exp), { rtol: TRANSCENDENTAL_RTOL });
    kdev.device.destroy();
    await kdev.device.lost;
    expect(() => backend.upload(t, new Float32Array(4))).toThrow(/the WebGPU device was lost \(destroyed/);
    const z = backend.execOp('neg', [x], {}, t);
    await expect(backend.read(z)).rejects.toThrow(/device was lost/);
  });

  it('surfaces a program that cannot run as an error naming the kernel when its result is read', async () => {
    const kdev = await requestKilnDevice();
    const backend = createWebGpuBackend(kdev);
    const t = tensorType('float32', [4]);
    const x = backend.upload(t, new Float32Array(4));
    // Destroying the device before the pipelines exist makes preparation fail asynchronously.
    kdev.device.destroy();
    const y = backend.execOp('sqrt', [x], {}, t);
    await expect(backend.read(y)).rejects.toThrow(/WebGPU device was lost|kernel @/);
  });
});
