/// <reference types="@webgpu/types" />
/**
 * GPU storage buffers reused by byte size: a run takes its temps, input uploads and outputs from
 * the pool and gives temps and uploads back as soon as its commands are submitted (later queue
 * operations are ordered after them, so reuse is safe); outputs go back when their owner releases
 * them. Sizes are rounded up to 16 bytes (at least 16), so vec4 views and zero-size buffers work.
 */
import { WebGpuRuntimeError } from './errors.js';

/** GPUBufferUsage bits (numeric, so no WebGPU globals are needed). */
export const BUFFER_USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;

export const pooledSize = (bytes: number): number => Math.max(16, Math.ceil(bytes / 16) * 16);

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly inUse = new Set<GPUBuffer>();
  /** Buffers created and acquisitions served from the free lists (for tests and stats). */
  created = 0;
  reused = 0;

  constructor(private readonly device: GPUDevice) {}

  /** A storage buffer (STORAGE | COPY_SRC | COPY_DST) of at least `bytes` bytes. */
  acquire(bytes: number): GPUBuffer {
    const size = pooledSize(bytes);
    if (size > this.device.limits.maxBufferSize) {
      throw new WebGpuRuntimeError(`a buffer of ${bytes} bytes exceeds the device's maxBufferSize (${this.device.limits.maxBufferSize} bytes)`);
    }
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) this.reused++;
    else {
      buffer = this.device.createBuffer({ size, usage: BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST, label: `kiln pool ${size}` });
      this.created++;
    }
    this.inUse.add(buffer);
    return buffer;
  }

  /** Returns a buffer from `acquire` to the pool. */
  release(buffer: GPUBuffer): void {
    if (!this.inUse.delete(buffer)) throw new WebGpuRuntimeError('release of a buffer that is not in use from this pool (released twice, or not from the pool)');
    const list = this.free.get(buffer.size);
    if (list) list.push(buffer);
    else this.free.set(buffer.size, [buffer]);
  }

  owns(buffer: GPUBuffer): boolean {
    return this.inUse.has(buffer);
  }

  /** Bytes held in free lists. */
  get freeBytes(): number {
    let n = 0;
    for (const [size, list] of this.free) n += size * list.length;
    return n;
  }

  /** Destroys the free buffers. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
  }
}
