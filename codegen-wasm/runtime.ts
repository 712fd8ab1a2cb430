/**
 * The synchronous wasm runtime for one compiled program: creates the arena memory, writes the
 * constant buffers once, and on each `run(inputs)` copies the inputs to their offsets, calls the
 * module's `run()` and returns fresh copies of the outputs (bool outputs as Uint8Array).
 */
import { type DType, type TypedArray, byteSize, shortDType, typedArrayFor } from '../ir/dtype.js';
import type { BufferDecl, Program } from '../ir/loop.js';
import { type CompiledWasmProgram, WASM_PAGE_BYTES } from './codegen.js';
import { WasmCodegenError } from './errors.js';
import { type WasmMemory, wasmApi } from './wasm-api.js';

export interface InstantiateOptions {
  /** Use this memory instead of creating one (it must have at least `compiled.memory.minPages`). */
  readonly memory?: WasmMemory;
}

export interface WasmProgramInstance {
  /** Runs the program on inputs given in `program.inputs` order; returns copies of the outputs. */
  run(inputs: readonly TypedArray[]): TypedArray[];
  readonly memory: WasmMemory;
  /** The launch functions by export name: `(start, end)` over the flattened grid. */
  readonly launches: Readonly<Record<string, (start: number, end: number) => void>>;
  /** A view of one buffer in the arena (valid until the memory grows). */
  view(buffer: string): TypedArray;
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
  const memory = options.memory ?? new api.Memory({ initial: compiled.memory.minPages });
  if (memory.buffer.byteLength < compiled.memory.minPages * WASM_PAGE_BYTES) {
    throw new WasmCodegenError(`memory of ${memory.buffer.byteLength} bytes is smaller than the arena (${compiled.memory.arenaBytes} bytes)`);
  }
  const module = new api.Module(compiled.bytes);
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

  /** The one place inputs are copied into the arena (later: skip resident inputs). */
  const writeInputs = (values: readonly TypedArray[]): void => {
    if (values.length !== inputs.length) throw new WasmCodegenError(`program @${p.name} takes ${inputs.length} inputs, got ${values.length}`);
    inputs.forEach((buf, i) => {
      const value = values[i];
      const dtype = dtypeOfArray(value);
      if (dtype !== buf.dtype || value.length !== buf.size) {
        const got = dtype ? `${shortDType(dtype)}[${value.length}]` : `a ${value.constructor.name}`;
        throw new WasmCodegenError(`input ${i} (%${buf.name}) of @${p.name} must be ${shortDType(buf.dtype)}[${buf.size}] (${typedArrayFor(buf.dtype).name}), got ${got}`);
      }
      if (buf.size * byteSize(buf.dtype) > 0) viewOf(memory, buf).set(value);
    });
  };

  return {
    memory,
    launches,
    view: (name) => viewOf(memory, decl(name)),
    run(values) {
      writeInputs(values);
      runAll();
      return outputs.map((buf) => viewOf(memory, buf).slice());
    },
  };
}
