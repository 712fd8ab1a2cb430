/// <reference types="@webgpu/types" />
/**
 * Runs a compiled WgslProgram on a KilnDevice. `WgslProgramRunner.create` builds every pipeline
 * once (through the device's cache; a shader that does not compile fails here, naming the kernel
 * and quoting the WGSL) and uploads the constant buffers once. Each `run(inputs)` takes temps and
 * outputs from the pool, zeroes them (the reference starts temps and outputs at zero), records all
 * launches in one command encoder and one compute pass, submits, gives the temps back and
 * returns the output buffers, which the caller reads with `readBuffer` and gives back with
 * `release`.
 */
import { type DType, type TypedArray, shortDType, typedArrayFor } from '../ir/dtype.js';
import type { BufferDecl } from '../ir/loop.js';
import type { KilnDevice } from './device.js';
import { WebGpuRuntimeError } from './errors.js';
import type { WgslKernel, WgslProgram } from './program.js';

interface PreparedLaunch {
  readonly kernel: WgslKernel;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

function isTypedArray(x: unknown): x is TypedArray {
  return x instanceof Float32Array || x instanceof Int32Array || x instanceof Uint32Array || x instanceof Uint8Array;
}

/** A constant buffer's values as the GPU stores them (bool as u32). */
function constantWords(d: BufferDecl): TypedArray {
  const data = d.data ?? [];
  if (d.dtype === 'bool') return Uint32Array.from(data, (x) => (x !== 0 ? 1 : 0));
  return (typedArrayFor(d.dtype) as Float32ArrayConstructor).from(data);
}

export class WgslProgramRunner {
  private readonly decls: Map<string, BufferDecl>;
  private destroyed = false;

  private constructor(
    readonly kdev: KilnDevice,
    readonly program: WgslProgram,
    private readonly launches: readonly PreparedLaunch[],
    private readonly constants: ReadonlyMap<string, GPUBuffer>,
  ) {
    this.decls = new Map(program.buffers.map((b) => [b.name, b]));
  }

  /** Compiles the pipelines and uploads the constants. */
  static async create(kdev: KilnDevice, program: WgslProgram): Promise<WgslProgramRunner> {
    kdev.checkAlive(`preparing program @${program.name}`);
    const launches = await Promise.all(program.kernels.map(async (kernel) => ({ kernel, ...(await kdev.pipeline(kernel)) })));
    const constants = new Map<string, GPUBuffer>();
    for (const d of program.buffers) {
      if (d.role !== 'constant') continue;
      const words = constantWords(d);
      const buffer = kdev.device.createBuffer({ size: Math.max(16, Math.ceil(words.byteLength / 16) * 16), usage: 0x80 | 0x4 | 0x8, label: `kiln constant ${d.name}` });
      if (words.byteLength > 0) kdev.device.queue.writeBuffer(buffer, 0, words.buffer, words.byteOffset, words.byteLength);
      constants.set(d.name, buffer);
    }
    return new WgslProgramRunner(kdev, program, launches, constants);
  }

  private fail(message: string): never {
    throw new WebGpuRuntimeError(`program @${this.program.name}: ${message}`);
  }

  /**
   * Runs the program on `inputs` (in `program.inputs` order): GPU buffers of at least the input's
   * bytes, or typed arrays of the input's dtype and size (uploaded for this run). Returns one GPU
   * buffer per output (the same buffer for a repeated output name), owned by the caller.
   */
  run(inputs: readonly (GPUBuffer | TypedArray)[]): GPUBuffer[] {
    const { kdev } = this;
    kdev.checkAlive(`running program @${this.program.name}`);
    kdev.checkErrors(`running program @${this.program.name}`);
    if (this.destroyed) this.fail('the runner was destroyed');
    const { program } = this;
    if (inputs.length !== program.inputs.length) this.fail(`expected ${program.inputs.length} input(s) (${program.inputs.map((n) => `%${n}`).join(', ')}), got ${inputs.length}`);
    program.inputs.forEach((name, i) => {
      const d = this.decls.get(name)!;
      const input = inputs[i];
      if (isTypedArray(input)) {
        const ctor = typedArrayFor(d.dtype);
        if (!(input instanceof ctor) || input.length !== d.size) {
          this.fail(`input ${i} (%${name}) needs a ${ctor.name} of ${d.size} elements (${shortDType(d.dtype)}[${d.size}]), got a ${input.constructor.name} of ${input.length}`);
        }
      } else if (input.size < d.size * 4) {
        this.fail(`input ${i} (%${name}) needs ${d.size * 4} bytes (${shortDType(d.dtype)}[${d.size}]), the GPU buffer has ${input.size}`);
      }
    });
    const buffers = new Map<string, GPUBuffer>(this.constants);
    const borrowed: GPUBuffer[] = [];
    program.inputs.forEach((name, i) => {
      const input = inputs[i];
      if (isTypedArray(input)) {
        const buffer = kdev.uploadBuffer(input);
        borrowed.push(buffer);
        buffers.set(name, buffer);
      } else {
        buffers.set(name, input);
      }
    });
    const encoder = kdev.device.createCommandEncoder({ label: program.name });
    const outputs = new Map<string, GPUBuffer>();
    for (const d of program.buffers) {
      if (d.role !== 'temp' && d.role !== 'output') continue;
      const buffer = kdev.pool.acquire(d.size * 4);
      encoder.clearBuffer(buffer);
      buffers.set(d.name, buffer);
      if (d.role === 'temp') borrowed.push(buffer);
      else outputs.set(d.name, buffer);
    }
    const pass = encoder.beginComputePass({ label: program.name });
    for (const launch of this.launches) {
      const [x, y, z] = launch.kernel.dispatch;
      if (x === 0 || y === 0 || z === 0) continue;
      const bindGroup = kdev.device.createBindGroup({
        layout: launch.layout,
        entries: launch.kernel.bindings.map((b, i) => ({ binding: i, resource: { buffer: buffers.get(b.buffer)! } })),
      });
      pass.setPipeline(launch.pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
    }
    pass.end();
    kdev.device.queue.submit([encoder.finish()]);
    for (const b of borrowed) kdev.pool.release(b);
    return program.outputs.map((name) => outputs.get(name)!);
  }

  /** Runs and reads every output back (bool as Uint8Array); the output buffers go back to the pool. */
  async runAndRead(inputs: readonly (GPUBuffer | TypedArray)[]): Promise<TypedArray[]> {
    const outputs = this.run(inputs);
    try {
      return await Promise.all(this.program.outputs.map((name, i) => {
        const d = this.decls.get(name)!;
        return this.kdev.readBuffer(outputs[i], d.dtype, d.size);
      }));
    } finally {
      this.release(outputs);
    }
  }

  readBuffer(buffer: GPUBuffer, dtype: DType, size: number): Promise<TypedArray> {
    return this.kdev.readBuffer(buffer, dtype, size);
  }

  uploadBuffer(data: TypedArray): GPUBuffer {
    return this.kdev.uploadBuffer(data);
  }

  /** Gives output buffers of `run` back to the pool (each once, repeats ignored). */
  release(buffers: readonly GPUBuffer[]): void {
    for (const b of new Set(buffers)) if (this.kdev.pool.owns(b)) this.kdev.pool.release(b);
  }

  /** Frees the constant buffers; the runner cannot run afterwards. */
  destroy(): void {
    this.destroyed = true;
    for (const b of this.constants.values()) b.destroy();
  }
}
