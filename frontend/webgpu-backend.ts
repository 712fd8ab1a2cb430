/**
 * The `webgpu` backend: kernels run as WGSL compute shaders. Work is queued asynchronously: a
 * tensor's storage holds a promise of its GPU buffer, so ops (eager or jitted) return at once
 * and `await t.data()` waits for the queue; errors from shader compilation or the device surface
 * there. Fusion respects the device's storage-buffer limit. `t.dataSync()` is not available.
 */
import { type DeviceLimits, type KilnDevice, WgslProgramRunner, requestKilnDevice } from '../codegen-wgsl/index.js';
import type { TensorType } from '../ir/index.js';
import { type Backend, type Executable, type Storage, registerBackend } from './backend.js';
import { Compilation, type CompileOptions } from './compile.js';
import { eagerRunner } from './eager.js';

interface GpuStorage extends Storage {
  readonly buffer: Promise<GPUBuffer>;
  /** Runs queued (not yet submitted) that read this buffer: it may not be reused before. */
  pendingReads: number;
  /** Released by its tensor; goes back to the pool once no queued run reads it. */
  released: boolean;
}

/** Keeps a promise for later awaiting without an unhandled-rejection report in the meantime. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

export function createWebGpuBackend(kdev: KilnDevice): Backend {
  const fusion = { maxBuffers: kdev.limits.maxStorageBuffersPerShaderStage };
  const asGpu = (s: Storage) => s as GpuStorage;

  const executableOf = (c: Compilation): Executable => {
    const types = c.graph.results.map((v) => v.type);
    const runner = quiet(WgslProgramRunner.create(kdev, c.wgsl(kdev.limits)));
    return {
      run(inputs) {
        const gins = inputs.map(asGpu);
        for (const s of gins) s.pendingReads++;
        const outputs = quiet(
          (async () => {
            try {
              const r = await runner;
              return r.run(await Promise.all(gins.map((s) => s.buffer)));
            } finally {
              // Submitted (or failed): later work on a reused buffer is queued after this run.
              for (const s of gins) {
                s.pendingReads--;
                recycle(s);
              }
            }
          })(),
        );
        return types.map((type, k) => storage(type, quiet(outputs.then((o) => o[k]))));
      },
    };
  };

  const storage = (type: TensorType, buffer: Promise<GPUBuffer>): GpuStorage => ({ type, buffer, pendingReads: 0, released: false });

  /** Returns a released buffer to the pool once no queued run still has to read it. */
  const recycle = (s: GpuStorage): void => {
    if (!s.released || s.pendingReads > 0) return;
    s.buffer.then((b) => {
      if (kdev.pool.owns(b)) kdev.pool.release(b);
    }, () => {});
  };

  return {
    name: 'webgpu',
    upload(type, data) {
      const words = type.dtype === 'bool' ? Uint32Array.from(data) : data;
      return storage(type, Promise.resolve(kdev.uploadBuffer(words)));
    },
    async read(s) {
      const { type } = s;
      const size = type.shape.reduce((a, b) => a * b, 1);
      return kdev.readBuffer(await asGpu(s).buffer, type.dtype, size);
    },
    execOp: eagerRunner((graph) => executableOf(new Compilation(graph, { dump: false, fusion }))),
    compile(graph, options?: CompileOptions) {
      return executableOf(new Compilation(graph, { ...options, fusion }));
    },
    release(s) {
      asGpu(s).released = true;
      recycle(asGpu(s));
    },
  };
}

let device: KilnDevice | undefined;

/** Limits of the initialised WebGPU device, if any (for `asText('wgsl')`). */
export function webgpuLimits(): DeviceLimits | undefined {
  return device?.limits;
}

registerBackend('webgpu', async () => createWebGpuBackend((device = await requestKilnDevice())));
