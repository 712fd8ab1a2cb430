/// <reference types="@webgpu/types" />
/**
 * Getting a WebGPU device for Kiln: finds the GPU (navigator.gpu, or the npm `webgpu` package in
 * Node), requests an adapter and a device with the adapter's limits for storage buffers and
 * workgroups and the 'subgroups' feature when present, and maps the device's limits to the
 * code generator's DeviceLimits. The KilnDevice owns the buffer pool and the pipeline cache,
 * does readback and upload, and tracks device loss: once `device.lost` resolves every call
 * throws instead of waiting for the GPU.
 */
import { type DType, type TypedArray, shortDType } from '../ir/dtype.js';
import { WebGpuRuntimeError } from './errors.js';
import type { DeviceLimits } from './limits.js';
import { BUFFER_USAGE, BufferPool } from './pool.js';
import type { WgslKernel } from './program.js';

export interface RequestDeviceOptions {
  /** 'adapter' (default): request the adapter's limits; 'default': WebGPU's default limits. */
  readonly limits?: 'adapter' | 'default';
  /** Request the 'subgroups' feature when the adapter has it (default true). */
  readonly subgroups?: boolean;
}

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

const LAVAPIPE_HINT =
  "In Node, the npm `webgpu` package (Dawn) needs a Vulkan driver; on Debian/Ubuntu without a GPU install Mesa's lavapipe: `apt-get install mesa-vulkan-drivers`.";

/**
 * The GPU objects created here stay referenced for the life of the process: dawn.node tears
 * down its instance when the GPU object is garbage collected, even with devices still in use.
 */
const retainedGpus: GPU[] = [];

async function nodeGpu(): Promise<GPU> {
  const specifier = 'webgpu';
  let mod: { create(options: string[]): GPU };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (e) {
    throw new WebGpuRuntimeError(`WebGPU in Node needs the npm package \`webgpu\` (npm install webgpu): ${(e as Error).message}. ${LAVAPIPE_HINT}`);
  }
  const gpu = mod.create([]);
  retainedGpus.push(gpu);
  return gpu;
}

async function findGpu(gpu: GPU | undefined): Promise<GPU> {
  if (gpu) return gpu;
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (isNode()) return nodeGpu();
  throw new WebGpuRuntimeError('WebGPU is unavailable in this browser (navigator.gpu is missing); use a browser with WebGPU enabled, or the wasm backend.');
}

type PipelineEntry = { readonly pipeline: GPUComputePipeline; readonly layout: GPUBindGroupLayout };

export interface DeviceLostInfo {
  readonly reason: string;
  readonly message: string;
}

export class KilnDevice {
  readonly pool: BufferPool;
  /** Set once the device is lost; every call then throws. */
  lost: DeviceLostInfo | undefined;
  private readonly pipelines = new Map<string, Promise<PipelineEntry>>();
  /** Rejecters of the promises `unlessLost` is waiting on (called when the device is lost). */
  private readonly waiting = new Set<() => void>();
  /** Validation errors of earlier commands not yet reported (surfaced by the next run or readback). */
  private readonly uncaptured: string[] = [];

  constructor(readonly gpu: GPU, readonly adapter: GPUAdapter, readonly device: GPUDevice, readonly limits: DeviceLimits) {
    this.pool = new BufferPool(device);
    void device.lost.then((info) => {
      this.lost = { reason: String(info.reason), message: info.message };
      for (const reject of this.waiting) reject();
      this.waiting.clear();
    });
    device.onuncapturederror = (event: GPUUncapturedErrorEvent) => {
      this.uncaptured.push(event.error.message);
    };
  }

  /** Throws the validation errors earlier GPU calls raised (each reported once). */
  checkErrors(what: string): void {
    if (this.uncaptured.length === 0) return;
    const messages = this.uncaptured.splice(0).map((m) => `  ${m.split('\n')[0]}`);
    throw new WebGpuRuntimeError(`${what}: earlier WebGPU commands failed validation:\n${messages.join('\n')}`);
  }

  /** Throws a clear error when the device is lost. */
  checkAlive(what: string): void {
    if (this.lost) {
      throw new WebGpuRuntimeError(`${what}: the WebGPU device was lost (${this.lost.reason}${this.lost.message ? `: ${this.lost.message}` : ''}); request a new one with requestKilnDevice()`);
    }
  }

  /** Resolves with `p`, or rejects as soon as the device is lost (so nothing waits forever). */
  unlessLost<T>(what: string, p: Promise<T>): Promise<T> {
    this.checkAlive(what);
    return new Promise<T>((resolve, reject) => {
      const onLost = (): void => {
        try {
          this.checkAlive(what);
        } catch (e) {
          reject(e);
        }
      };
      this.waiting.add(onLost);
      p.then(
        (v) => { this.waiting.delete(onLost); resolve(v); },
        (e: unknown) => { this.waiting.delete(onLost); reject(this.lost ? new WebGpuRuntimeError(`${what}: the WebGPU device was lost (${this.lost.reason})`) : e); },
      );
    });
  }

  /**
   * The compute pipeline of a kernel (cached by WGSL code). A shader that does not compile
   * rejects with an error naming the kernel and quoting each failing line with its message.
   */
  pipeline(kernel: WgslKernel): Promise<PipelineEntry> {
    this.checkAlive(`compiling kernel @${kernel.name}`);
    let entry = this.pipelines.get(kernel.code);
    if (!entry) {
      entry = this.createPipeline(kernel);
      entry.catch(() => this.pipelines.delete(kernel.code));
      this.pipelines.set(kernel.code, entry);
    }
    return entry;
  }

  private async createPipeline(kernel: WgslKernel): Promise<PipelineEntry> {
    const { device } = this;
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: kernel.code, label: kernel.name });
    const info = await this.unlessLost(`compiling kernel @${kernel.name}`, module.getCompilationInfo());
    const moduleError = await device.popErrorScope();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0 || moduleError) {
      const lines = kernel.code.split('\n');
      const details = errors.map((m) => {
        const line = lines[m.lineNum - 1] ?? '';
        return `  line ${m.lineNum}:${m.linePos}: ${m.message}\n    ${line.trim()}`;
      });
      if (details.length === 0 && moduleError) details.push(`  ${moduleError.message}`);
      throw new WebGpuRuntimeError(`kernel @${kernel.name}: the generated WGSL does not compile:\n${details.join('\n')}`);
    }
    device.pushErrorScope('validation');
    const layout = device.createBindGroupLayout({
      label: kernel.name,
      entries: kernel.bindings.map((b, i) => ({ binding: i, visibility: 0x4 /* COMPUTE */, buffer: { type: b.access === 'read' ? 'read-only-storage' : 'storage' } })),
    });
    let pipeline: GPUComputePipeline;
    try {
      pipeline = await this.unlessLost(`compiling kernel @${kernel.name}`, device.createComputePipelineAsync({
        label: kernel.name,
        layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: kernel.entryPoint },
      }));
    } catch (e) {
      await device.popErrorScope();
      throw new WebGpuRuntimeError(`kernel @${kernel.name}: creating the compute pipeline failed: ${(e as Error).message}`);
    }
    const pipelineError = await device.popErrorScope();
    if (pipelineError) throw new WebGpuRuntimeError(`kernel @${kernel.name}: creating the compute pipeline failed: ${pipelineError.message}`);
    return { pipeline, layout };
  }

  /**
   * A pooled GPU buffer holding `data` (written with queue.writeBuffer straight from the array;
   * bool data, one byte per element, is widened to one u32 per element first).
   */
  uploadBuffer(data: TypedArray): GPUBuffer {
    this.checkAlive('uploadBuffer');
    const words = data instanceof Uint8Array ? Uint32Array.from(data, (x) => (x !== 0 ? 1 : 0)) : data;
    const buffer = this.pool.acquire(words.byteLength);
    if (words.byteLength > 0) this.device.queue.writeBuffer(buffer, 0, words.buffer, words.byteOffset, words.byteLength);
    return buffer;
  }

  /** Reads `size` elements of `dtype` from the start of `buffer` (bool comes back as Uint8Array 0/1). */
  async readBuffer(buffer: GPUBuffer, dtype: DType, size: number): Promise<TypedArray> {
    this.checkAlive('readBuffer');
    this.checkErrors('readBuffer');
    const bytes = size * 4;
    if (bytes > buffer.size) throw new WebGpuRuntimeError(`readBuffer: ${shortDType(dtype)}[${size}] needs ${bytes} bytes, the buffer has ${buffer.size}`);
    if (size === 0) return dtype === 'bool' ? new Uint8Array(0) : dtype === 'float32' ? new Float32Array(0) : dtype === 'int32' ? new Int32Array(0) : new Uint32Array(0);
    const staging = this.device.createBuffer({ size: bytes, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST, label: 'kiln readback' });
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
      this.device.queue.submit([encoder.finish()]);
      await this.unlessLost('readBuffer', staging.mapAsync(0x1 /* GPUMapMode.READ */));
      this.checkErrors('readBuffer');
      const copy = staging.getMappedRange().slice(0);
      staging.unmap();
      switch (dtype) {
        case 'float32': return new Float32Array(copy);
        case 'int32': return new Int32Array(copy);
        case 'uint32': return new Uint32Array(copy);
        case 'bool': return Uint8Array.from(new Uint32Array(copy), (x) => (x !== 0 ? 1 : 0));
      }
    } finally {
      staging.destroy();
    }
  }

  /** Destroys the device (pending readbacks reject; later calls throw). */
  destroy(): void {
    this.pool.trim();
    this.device.destroy();
  }
}

/** Software Vulkan adapters (lavapipe reports architecture 'software', device 'llvmpipe-…'). */
const CPU_ADAPTER = /llvmpipe|lavapipe|swiftshader|software/i;

function deviceLimitsOf(device: GPUDevice, gpu: GPU, info: GPUAdapterInfo): DeviceLimits {
  const l = device.limits;
  const languageFeatures = (gpu as { wgslLanguageFeatures?: ReadonlySet<string> }).wgslLanguageFeatures;
  return {
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    subgroups: device.features.has('subgroups') && (languageFeatures?.has('subgroup_id') ?? false),
    subgroupMinSize: Math.max(4, info.subgroupMinSize ?? 4),
    cpuAdapter: info.isFallbackAdapter === true || CPU_ADAPTER.test(`${info.architecture} ${info.device} ${info.description}`),
  };
}

/** Requests a device; throws a WebGpuRuntimeError saying what to install when there is no adapter. */
export async function requestKilnDevice(gpu?: GPU, options: RequestDeviceOptions = {}): Promise<KilnDevice> {
  const found = await findGpu(gpu);
  if (!retainedGpus.includes(found)) retainedGpus.push(found);
  let adapter: GPUAdapter | null;
  try {
    adapter = await found.requestAdapter();
  } catch (e) {
    throw new WebGpuRuntimeError(`requesting a WebGPU adapter failed: ${(e as Error).message}. ${isNode() ? LAVAPIPE_HINT : ''}`.trim());
  }
  if (!adapter) {
    throw new WebGpuRuntimeError(isNode() ? `No WebGPU adapter found. ${LAVAPIPE_HINT}` : 'WebGPU is unavailable: the browser gave no adapter (no supported GPU, or WebGPU is disabled).');
  }
  const requiredFeatures: GPUFeatureName[] = options.subgroups !== false && adapter.features.has('subgroups') ? ['subgroups' as GPUFeatureName] : [];
  const a = adapter.limits;
  const requiredLimits: Record<string, number> = options.limits === 'default' ? {} : {
    maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
    maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
    maxBufferSize: a.maxBufferSize,
  };
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'kiln' });
  return new KilnDevice(found, adapter, device, deviceLimitsOf(device, found, adapter.info));
}
