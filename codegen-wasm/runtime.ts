/**
 * The synchronous wasm runtime for one compiled program: creates the arena memory, writes the
 * constant buffers once, and on each `run(inputs)` copies the inputs to their offsets, calls the
 * module's `run()` and returns fresh copies of the outputs (bool outputs as Uint8Array).
 *
 * A module compiled with `shared: true` gets a shared memory and, when more than one thread is
 * asked for and a thread pool is ready, runs each launch split across the pool's workers
 * (threads.ts); otherwise it runs exactly as an unshared one. Where shared memories do not exist
 * (a browser page that is not cross-origin isolated) the module's memory import is rewritten to
 * an unshared one and everything runs on the calling thread.
 */
import { type DType, type TypedArray, byteSize, copyTypedArray, shortDType, typedArrayFor } from '../ir/dtype.js';
import type { BufferDecl, Program } from '../ir/loop.js';
import { type CompiledWasmProgram, WASM_PAGE_BYTES } from './codegen.js';
import { WasmCodegenError } from './errors.js';
import { type PoolProgram, type ThreadPool, defaultThreadPool, getThreads, threadSupport } from './threads.js';
import { type WasmMemory, wasmApi } from './wasm-api.js';

export interface InstantiateOptions {
  /**
   * Use this memory instead of creating one (it must have at least `compiled.memory.minPages`).
   * For a `shared` module, an unshared memory makes it run unshared, on the calling thread.
   */
  readonly memory?: WasmMemory;
  /**
   * Threads to split each launch across, the calling thread included. Default: `getThreads()`
   * for a module compiled with `shared: true`, else 1. More than 1 needs a shared module (an
   * unshared one runs on the calling thread) and a pool with ready workers; it is capped by the
   * pool's size.
   */
  readonly threads?: number;
  /** The pool to run on (default: the shared default pool of threads.ts, started on first use). */
  readonly pool?: ThreadPool;
}

export interface RunOptions {
  /**
   * The caller promises never to modify the input arrays it passes: an input that is the very
   * array written in the previous run is then not copied into the arena again (weights, or any
   * tensor fed repeatedly, cost nothing after the first run).
   */
  readonly immutableInputs?: boolean;
  /**
   * Return views of the output buffers in the arena instead of copies. They are valid until
   * the next run of this instance, which overwrites them.
   */
  readonly outputViews?: boolean;
}

export interface WasmProgramInstance {
  /** Runs the program on inputs given in `program.inputs` order; returns copies of the outputs (or views, see RunOptions). */
  run(inputs: readonly TypedArray[], options?: RunOptions): TypedArray[];
  readonly memory: WasmMemory;
  /** The launch functions by export name: `(start, end)` over the flattened grid. */
  readonly launches: Readonly<Record<string, (start: number, end: number) => void>>;
  /** A view of one buffer in the arena (valid until the memory grows). */
  view(buffer: string): TypedArray;
  /** Whether the module runs on a shared memory (so `run` can use worker threads). */
  readonly shared: boolean;
  /** Releases the worker threads' instances of this program (also done when the instance is garbage collected). */
  dispose(): void;
}

function viewOf(memory: WasmMemory, buf: BufferDecl): TypedArray {
  return new (typedArrayFor(buf.dtype))(memory.buffer, buf.offset ?? 0, buf.size);
}

function dtypeOfArray(a: TypedArray): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof Uint8Array) return 'bool';
  return undefined;
}

export function instantiateProgram(p: Program, compiled: CompiledWasmProgram, options: InstantiateOptions = {}): WasmProgramInstance {
  const api = wasmApi();
  const threads = options.threads ?? (compiled.memory.shared ? getThreads() : 1);
  if (!Number.isInteger(threads) || threads < 1) throw new WasmCodegenError(`threads must be an integer >= 1, got ${threads}`);
  const wantShared = compiled.memory.shared !== undefined && (options.memory ? isShared(options.memory) : threadSupport().sharedMemory);
  const { minPages } = compiled.memory;
  const memory = options.memory ?? new api.Memory(wantShared ? { initial: minPages, maximum: minPages, shared: true } : { initial: minPages });
  if (memory.buffer.byteLength < minPages * WASM_PAGE_BYTES) {
    throw new WasmCodegenError(`memory of ${memory.buffer.byteLength} bytes is smaller than the arena (${compiled.memory.arenaBytes} bytes)`);
  }
  const bytes = compiled.memory.shared && !wantShared ? unshareMemoryImport(compiled.bytes) : compiled.bytes;
  const module = new api.Module(bytes);
  const instance = new api.Instance(module, { env: { memory } });
  const exported = instance.exports as Record<string, (...args: number[]) => void>;
  const launches: Record<string, (start: number, end: number) => void> = {};
  for (const l of compiled.exports.launches) launches[l.exportName] = exported[l.exportName];
  const runAll = exported[compiled.exports.run];

  const buffers = new Map(p.buffers.map((b) => [b.name, b]));
  const decl = (name: string): BufferDecl => {
    const b = buffers.get(name);
    if (!b) throw new WasmCodegenError(`program @${p.name} has no buffer %${name}`);
    return b;
  };
  for (const b of p.buffers) {
    if (b.role === 'constant' && b.data) viewOf(memory, b).set(b.data);
  }
  const inputs = p.inputs.map(decl);
  const outputs = p.outputs.map(decl);

  /**
   * Per input, the array whose contents its arena buffer holds, when the caller said arrays are
   * immutable (weakly held: the arena keeps no caller array alive).
   */
  const resident: (WeakRef<TypedArray> | undefined)[] = inputs.map(() => undefined);
  /** The one place inputs are copied into the arena. */
  const writeInputs = (values: readonly TypedArray[], immutable: boolean): void => {
    if (values.length !== inputs.length) throw new WasmCodegenError(`program @${p.name} takes ${inputs.length} inputs, got ${values.length}`);
    inputs.forEach((buf, i) => {
      const value = values[i];
      const dtype = dtypeOfArray(value);
      if (dtype !== buf.dtype || value.length !== buf.size) {
        const got = dtype ? `${shortDType(dtype)}[${value.length}]` : `a ${value.constructor.name}`;
        throw new WasmCodegenError(`input ${i} (%${buf.name}) of @${p.name} must be ${shortDType(buf.dtype)}[${buf.size}] (${typedArrayFor(buf.dtype).name}), got ${got}`);
      }
      if (immutable && resident[i]?.deref() === value) return;
      if (buf.size * byteSize(buf.dtype) > 0) viewOf(memory, buf).set(value);
      resident[i] = immutable ? new WeakRef(value) : undefined;
    });
  };

  /** This program's registration with the pool it last ran on. */
  let registered: PoolProgram | undefined;
  const poolFor = (): ThreadPool | undefined => {
    if (!wantShared || threads <= 1) return undefined;
    const pool = options.pool ?? defaultThreadPool();
    if (!pool || pool.workerCount === 0) return undefined;
    if (registered?.pool !== pool) {
      registered?.pool.unload(registered);
      registered = pool.register(module, memory, compiled.exports.launches.map((l) => l.exportName));
    }
    return pool;
  };
  /** Every launch in order, each split across the pool's threads. */
  const runThreaded = (pool: ThreadPool, program: PoolProgram): void => {
    compiled.exports.launches.forEach((l, i) => {
      if (l.gridSize > 0) pool.runLaunch(program, i, l.kernel, l.gridSize, threads, launches[l.exportName]);
    });
  };

  return {
    memory,
    launches,
    shared: wantShared,
    view: (name) => viewOf(memory, decl(name)),
    run(values, runOptions = {}) {
      writeInputs(values, runOptions.immutableInputs ?? false);
      const pool = poolFor();
      if (pool && registered) runThreaded(pool, registered);
      else runAll();
      return outputs.map((buf) => (runOptions.outputViews ? viewOf(memory, buf) : copyTypedArray(viewOf(memory, buf))));
    },
    dispose() {
      registered?.pool.unload(registered);
      registered = undefined;
    },
  };
}

function isShared(memory: WasmMemory): boolean {
  return typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
}

/**
 * The module with its memory import made unshared and without a maximum (an unshared memory
 * need not declare one), so a module compiled with `shared: true` also runs where shared
 * memories do not exist, or on a memory the caller made unshared. Returns `bytes` itself when
 * the module imports no shared memory.
 */
export function unshareMemoryImport(bytes: Uint8Array): Uint8Array {
  let pos = 8; // magic and version
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[pos++];
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) return result;
    }
  };
  const skip = (n: number): void => {
    pos += n;
  };
  while (pos < bytes.length) {
    const sectionStart = pos;
    const id = bytes[pos++];
    const size = leb();
    const contentStart = pos;
    if (id !== 2) {
      skip(size);
      continue;
    }
    for (let count = leb(); count > 0; count--) {
      skip(leb()); // module name
      skip(leb()); // field name
      const kind = bytes[pos++];
      if (kind === 2) {
        const flagsAt = pos++;
        const flags = bytes[flagsAt];
        leb(); // minimum
        const maxStart = pos;
        if (flags & 1) leb();
        if ((flags & 2) === 0) return bytes;
        const minimum = bytes.subarray(flagsAt + 1, maxStart);
        const content = [bytes.subarray(contentStart, flagsAt), Uint8Array.of(flags & ~3), minimum, bytes.subarray(pos, contentStart + size)];
        const newSize = content.reduce((n, part) => n + part.length, 0);
        return concatBytes([bytes.subarray(0, sectionStart + 1), encodeLeb(newSize), ...content, bytes.subarray(contentStart + size)]);
      }
      if (kind === 0) leb(); // function: type index
      else if (kind === 1) { // table: element type, limits
        skip(1);
        const flags = bytes[pos++];
        leb();
        if (flags & 1) leb();
      } else if (kind === 3) skip(2); // global: value type, mutability
      else if (kind === 4) { // tag: attribute, type index
        skip(1);
        leb();
      } else throw new WasmCodegenError(`unshareMemoryImport: unknown import kind ${kind}`);
    }
    return bytes;
  }
  return bytes;
}

function encodeLeb(n: number): Uint8Array {
  const out: number[] = [];
  do {
    const low = n & 0x7f;
    n = Math.floor(n / 128);
    out.push(n > 0 ? low | 0x80 : low);
  } while (n > 0);
  return Uint8Array.from(out);
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
