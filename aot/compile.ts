/**
 * Ahead-of-time compilation of a traced graph to a standalone module (targets wasm, webgpu, all).
 *
 * `compileModule(graph, { name })` returns the files of a directory a user can ship:
 *
 * - `<name>.js`: an ES module with no imports, `load(options?)` → `{ run(inputs), dispose() }`;
 * - `<name>.wasm` (targets wasm, all): the kernels (unshared memory imported as `env.memory`,
 *   exported `run`);
 * - `<name>.shared.wasm` (targets wasm, all): the same kernels over a shared memory (maximum =
 *   the arena's pages), each launch exported as `(start, end)` over its flattened grid, for
 *   `load({ backend: 'wasm', threads })` in cross-origin isolated pages (Web Workers);
 * - `<name>.wgsl.json` (targets webgpu, all): the WGSL compute shaders (compiled for the WebGPU
 *   default limits, fused within `maxStorageBuffersPerShaderStage`), the launches and the GPU
 *   buffer table, read by the small WebGPU runner inside `<name>.js`; embedded into the `.js`
 *   with `embedWeights`;
 * - `<name>.weights.bin`: the captured constants (raw little-endian, 16-byte aligned), unless
 *   `embedWeights` puts them base64-encoded into the `.js`;
 * - `<name>.d.ts`: the exact input/output names, typed-array types and shapes;
 * - `<name>.json`: kernels, buffer table, arena size, memory statistics, input/output specs and
 *   the weights table.
 *
 * The graph's params are the user inputs followed by the captured constants, whose values are
 * given in `capturedConstants` (the trailing params, in order).
 */
import { compileProgram, loadBinaryen } from '../codegen-wasm/index.js';
import { WASM_PAGE_BYTES } from '../codegen-wasm/codegen.js';
import { DEFAULT_DEVICE_LIMITS, type DeviceLimits } from '../codegen-wgsl/limits.js';
import type { WgslBinding, WgslProgram } from '../codegen-wgsl/program.js';
import { Compilation } from '../frontend/compile.js';
import { type DType, type Graph, KilnError, type TypedArray, byteSize, parseGraph, printGraph, shortDType, typedArrayFor } from '../ir/index.js';

export interface CompileModuleOptions {
  /** File stem of every output file (`<name>.js`, ...); letters, digits, `_`, `-`, `.`. */
  name: string;
  /** Put the weights base64-encoded into the `.js` instead of `<name>.weights.bin`. */
  embedWeights?: boolean;
  /** Values of the graph's trailing params (the captured constants), in param order. */
  capturedConstants?: readonly TypedArray[];
  /** Names of the user inputs in the generated API (default: the graph's param names). */
  inputNames?: readonly string[];
  /** Names of the outputs (default: `output`, or `output0`, `output1`, ... for several). */
  outputNames?: readonly string[];
  /** A compilation of `graph` to reuse for the wasm target (e.g. one that dumps its stages). */
  compilation?: Compilation;
  /** What the module runs on (default `wasm`); `all` ships both, `load({ backend })` chooses. */
  target?: AotTarget;
}

export type AotTarget = 'wasm' | 'webgpu' | 'all';
export const AOT_TARGETS: readonly AotTarget[] = ['wasm', 'webgpu', 'all'];

/** The WebGPU half of a module: what `<name>.wgsl.json` holds besides the shader sources. */
export interface WebGpuManifest {
  readonly file: string;
  readonly limits: DeviceLimits;
  readonly kernels: readonly { readonly name: string; readonly entryPoint: string; readonly workgroupSize: number; readonly dispatch: readonly number[]; readonly mapping: string; readonly bindings: readonly WgslBinding[] }[];
  readonly buffers: readonly { readonly name: string; readonly dtype: DType; readonly size: number; readonly role: string; readonly bytes: number }[];
  /** GPU buffers of the user inputs and outputs, in API order. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Where each GPU weight buffer's bytes are in the weights file (bool: one byte per element, widened to u32 at load). */
  readonly weights: readonly { readonly buffer: string; readonly dtype: DType; readonly offset: number; readonly bytes: number }[];
  readonly wgslBytes: number;
}

export interface TensorSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Loop-IR buffer holding it, its byte offset in the arena and its element count. */
  readonly buffer: string;
  readonly offset: number;
  readonly size: number;
}

export interface WeightEntry {
  /** The graph param (captured constant) or the constant buffer it fills. */
  readonly name: string;
  readonly buffer: string;
  readonly dtype: DType;
  readonly size: number;
  /** Byte offset in the weights file (16-byte aligned) and byte length. */
  readonly offset: number;
  readonly bytes: number;
  readonly arenaOffset: number;
}

export interface ModuleManifest {
  readonly format: 'kiln-aot/1';
  readonly name: string;
  readonly target: AotTarget;
  /** `wasm` is null for target webgpu, `wgsl` null for target wasm (or embedded in the `.js`). */
  readonly files: { readonly js: string; readonly wasm: string | null; readonly sharedWasm: string | null; readonly wgsl: string | null; readonly dts: string; readonly weights: string | null };
  readonly memory: { readonly arenaBytes: number; readonly pages: number };
  readonly stats: {
    readonly kernels: number;
    readonly arenaBytes: number;
    readonly staticBytes: number;
    readonly tempBytes: number;
    readonly naiveTempBytes: number;
    readonly wasmBytes: number;
    readonly weightsBytes: number;
    readonly webgpuKernels: number;
    readonly wgslBytes: number;
  };
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly weights: readonly WeightEntry[];
  readonly kernels: readonly { readonly name: string; readonly export: string; readonly args: readonly string[]; readonly grid: readonly number[] }[];
  readonly buffers: readonly { readonly name: string; readonly dtype: DType; readonly size: number; readonly role: string; readonly offset: number; readonly bytes: number }[];
  /** The WebGPU program (targets webgpu, all). */
  readonly webgpu: WebGpuManifest | null;
}

export interface CompiledModule {
  readonly name: string;
  /** File name → contents, for `writeModuleFiles`. */
  readonly files: Readonly<Record<string, string | Uint8Array>>;
  readonly manifest: ModuleManifest;
  /** Milliseconds per stage: loop (graph passes, lowering, planning), wasm and wgsl (codegen), emit. */
  readonly timings: { readonly loop: number; readonly wasm: number; readonly wgsl: number; readonly emit: number };
}

const WEIGHT_ALIGN = 16;
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function bytesOf(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function defaultOutputNames(n: number): string[] {
  return n === 1 ? ['output'] : Array.from({ length: n }, (_, i) => `output${i}`);
}

function checkNames(kind: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (!n) throw new KilnError(`compileModule: an ${kind} has an empty name`);
    if (seen.has(n)) throw new KilnError(`compileModule: two ${kind}s are named '${n}'`);
    seen.add(n);
  }
}

/**
 * The graph with params renamed where lowering could give their buffers a clashing name
 * (`c<N>` constants, `t<N>` temps, `in<N>`, `out<N>`; traced captures are named `c<N>`): user
 * inputs keep their names otherwise, the trailing `nCaptured` params become `w0`, `w1`, ...
 * Buffer names are internal; the module's API uses its own input names.
 */
export function withSafeParamNames(graph: Graph, nCaptured = 0): Graph {
  const reserved = /^(c|t|in|out)\d+$/;
  const nUser = graph.params.length - nCaptured;
  const names = graph.params.map((p, i) => (i >= nUser ? `w${i - nUser}` : p.name && !reserved.test(p.name) ? p.name : `x${i}`));
  const unique = new Set(names).size === names.length;
  if (graph.params.every((p, i) => p.name === names[i]) && unique) return graph;
  const text = printGraph(graph);
  const header = /^graph @[^(]*\(([^)]*)\)/m.exec(text);
  if (!header) return graph;
  const params = header[1].split(/,\s*(?=%)/).map((s) => /^%([^:\s]+)/.exec(s)?.[1]);
  if (params.length !== names.length || params.some((p) => p === undefined)) return graph;
  const rename = new Map(params.map((p, i) => [p!, unique ? names[i] : `p${i}`]));
  const renamed = text.replace(/%([A-Za-z_][A-Za-z0-9_]*)\b/g, (m, id: string) => (rename.has(id) ? `%${rename.get(id)}` : m));
  return parseGraph(renamed);
}

export async function compileModule(graph: Graph, options: CompileModuleOptions): Promise<CompiledModule> {
  const { name } = options;
  const original = graph;
  graph = options.compilation ? graph : withSafeParamNames(graph, options.capturedConstants?.length ?? 0);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) throw new KilnError(`compileModule: module name '${name}' must use only letters, digits, '_', '-' and '.'`);
  const captured = options.capturedConstants ?? [];
  const nUser = graph.params.length - captured.length;
  if (nUser < 0) throw new KilnError(`compileModule: ${captured.length} captured constants given but graph @${graph.name} has only ${graph.params.length} params`);
  const inputNames = options.inputNames ?? original.params.slice(0, nUser).map((p, i) => p.name ?? `arg${i}`);
  if (inputNames.length !== nUser) throw new KilnError(`compileModule: ${inputNames.length} input names for ${nUser} user inputs`);
  const outputNames = options.outputNames ?? defaultOutputNames(graph.results.length);
  if (outputNames.length !== graph.results.length) throw new KilnError(`compileModule: ${outputNames.length} output names for ${graph.results.length} outputs`);
  checkNames('input', inputNames);
  checkNames('output', outputNames);
  captured.forEach((data, i) => {
    const p = graph.params[nUser + i];
    const size = p.type.shape.reduce((a, b) => a * b, 1);
    if (!(data instanceof typedArrayFor(p.type.dtype)) || data.length !== size) {
      throw new KilnError(`compileModule: captured constant ${i} (param ${p.name ?? i}) must be ${shortDType(p.type.dtype)}[${size}], got a ${data.constructor.name} of ${data.length}`);
    }
  });

  const target = options.target ?? 'wasm';
  if (!AOT_TARGETS.includes(target)) throw new KilnError(`compileModule: unknown target '${String(target)}' (${AOT_TARGETS.join(', ')})`);
  const withWasm = target !== 'webgpu';
  const withGpu = target !== 'wasm';

  if (withWasm) await loadBinaryen();
  const t0 = performance.now();
  // The GPU program is fused within the default storage-buffer limit, so it is its own compilation.
  const limits = DEFAULT_DEVICE_LIMITS;
  const wasmCompilation = withWasm ? options.compilation ?? new Compilation(graph, { dump: false }) : null;
  const gpuCompilation = withGpu ? new Compilation(graph, { dump: false, fusion: { maxBuffers: limits.maxStorageBuffersPerShaderStage } }) : null;
  const primary = (wasmCompilation ?? gpuCompilation)!;
  const { program, memory } = primary.loop;
  const gpuLoop = gpuCompilation?.loop.program;
  const t1 = performance.now();
  const wasm = withWasm ? compileProgram(program, { shared: false }) : null;
  // The threaded build: the arena never grows, so the shared memory's maximum is its minimum.
  const sharedWasm = wasm ? compileProgram(program, { shared: true, maxPages: wasm.memory.minPages }) : null;
  const t2 = performance.now();
  const gpu: WgslProgram | null = gpuCompilation ? gpuCompilation.wgsl(limits) : null;
  const t2b = performance.now();

  const buffers = new Map(program.buffers.map((b) => [b.name, b]));
  const decl = (buffer: string) => {
    const b = buffers.get(buffer);
    if (!b || b.offset === undefined) throw new KilnError(`compileModule: buffer %${buffer} of @${program.name} is missing or unplanned`);
    return b as typeof b & { offset: number };
  };
  const specOf = (name: string, buffer: string, shape: readonly number[]): TensorSpec => {
    const b = decl(buffer);
    return { name, dtype: b.dtype, shape: [...shape], buffer, offset: b.offset, size: b.size };
  };
  const inputs = inputNames.map((n, i) => specOf(n, program.inputs[i], graph.params[i].type.shape));
  const outputs = outputNames.map((n, i) => specOf(n, program.outputs[i], graph.results[i].type.shape));

  // Weights: the captured constants (shared by both targets), then each program's constant buffers' literal values.
  const chunks: { offset: number; data: Uint8Array }[] = [];
  let weightBytes = 0;
  const addBytes = (data: Uint8Array): number => {
    const offset = Math.ceil(weightBytes / WEIGHT_ALIGN) * WEIGHT_ALIGN;
    weightBytes = offset + data.length;
    chunks.push({ offset, data });
    return offset;
  };
  const capturedAt = captured.map((data) => addBytes(bytesOf(data)));
  const weights: WeightEntry[] = [];
  captured.forEach((data, i) => {
    const buffer = program.inputs[nUser + i];
    const b = decl(buffer);
    weights.push({ name: graph.params[nUser + i].name ?? `c${i}`, buffer, dtype: b.dtype, size: b.size, offset: capturedAt[i], bytes: data.byteLength, arenaOffset: b.offset });
  });
  for (const b of program.buffers) {
    if (b.role !== 'constant' || !b.data || b.size === 0) continue;
    const data = bytesOf(typedArrayFor(b.dtype).from(b.data));
    weights.push({ name: b.name, buffer: b.name, dtype: b.dtype, size: b.size, offset: addBytes(data), bytes: data.length, arenaOffset: decl(b.name).offset });
  }
  let webgpu: WebGpuManifest | null = null;
  let wgslFile: object | null = null;
  if (gpu && gpuLoop) {
    const gpuWeights: { buffer: string; dtype: DType; offset: number; bytes: number }[] = [];
    captured.forEach((data, i) => gpuWeights.push({ buffer: gpu.inputs[nUser + i], dtype: graph.params[nUser + i].type.dtype, offset: capturedAt[i], bytes: data.byteLength }));
    for (const b of gpu.buffers) {
      if (b.role !== 'constant' || !b.data || b.size === 0) continue;
      const data = bytesOf(typedArrayFor(b.dtype).from(b.data));
      // The wasm program's constant of the same name and bytes is reused.
      const same = weights.find((w) => w.buffer === b.name && w.bytes === data.length && chunks.some((c) => c.offset === w.offset && Buffer.compare(Buffer.from(c.data), Buffer.from(data)) === 0));
      gpuWeights.push({ buffer: b.name, dtype: b.dtype, offset: same ? same.offset : addBytes(data), bytes: data.length });
    }
    const codes = [...new Set(gpu.kernels.map((k) => k.code))];
    const wgslBytes = codes.reduce((a, c) => a + Buffer.byteLength(c), 0);
    webgpu = {
      file: `${name}.wgsl.json`,
      limits,
      kernels: gpu.kernels.map((k) => ({ name: k.name, entryPoint: k.entryPoint, workgroupSize: k.workgroupSize, dispatch: [...k.dispatch], mapping: k.mapping, bindings: k.bindings.map((b) => ({ ...b })) })),
      buffers: gpu.buffers.map((b) => ({ name: b.name, dtype: b.dtype, size: b.size, role: b.role, bytes: b.size * 4 })),
      inputs: gpu.inputs.slice(0, nUser),
      outputs: [...gpu.outputs],
      weights: gpuWeights,
      wgslBytes,
    };
    const bufferIndex = new Map(gpu.buffers.map((b, i) => [b.name, i]));
    // Compact tables for the runner: buffers [name, bytes, role, bool?]; launches [code, entry, [[buffer, read?]], dispatch].
    wgslFile = {
      format: 'kiln-wgsl/1',
      name,
      limits,
      codes,
      buffers: gpu.buffers.map((b) => [b.name, Math.max(16, Math.ceil((b.size * 4) / 16) * 16), b.role, b.dtype === 'bool' ? 1 : 0]),
      launches: gpu.kernels.map((k) => [codes.indexOf(k.code), k.entryPoint, k.bindings.map((b) => [bufferIndex.get(b.buffer)!, b.access === 'read' ? 1 : 0]), [...k.dispatch], k.name]),
      inputs: webgpu.inputs.map((b) => bufferIndex.get(b)!),
      outputs: webgpu.outputs.map((b) => bufferIndex.get(b)!),
      weights: gpuWeights.map((w) => [bufferIndex.get(w.buffer)!, w.offset, w.bytes, w.dtype === 'bool' ? 1 : 0]),
    };
  }
  const weightsBin = new Uint8Array(Math.ceil(weightBytes / WEIGHT_ALIGN) * WEIGHT_ALIGN);
  for (const c of chunks) weightsBin.set(c.data, c.offset);

  const arenaBytes = program.arenaBytes ?? memory.arenaBytes;
  const pages = wasm ? wasm.memory.minPages : 0;
  const embed = options.embedWeights === true;
  const files = {
    js: `${name}.js`,
    wasm: wasm ? `${name}.wasm` : null,
    sharedWasm: sharedWasm ? `${name}.shared.wasm` : null,
    wgsl: webgpu && !embed ? webgpu.file : null,
    dts: `${name}.d.ts`,
    weights: embed || weightsBin.length === 0 ? null : `${name}.weights.bin`,
  };
  const manifest: ModuleManifest = {
    format: 'kiln-aot/1',
    name,
    target,
    files,
    memory: { arenaBytes, pages },
    stats: {
      kernels: program.kernels.length, ...memory, wasmBytes: wasm ? wasm.bytes.length : 0, weightsBytes: weightsBin.length,
      webgpuKernels: gpu ? gpu.kernels.length : 0, wgslBytes: webgpu ? webgpu.wgslBytes : 0,
    },
    inputs,
    outputs,
    weights,
    kernels: wasm ? wasm.exports.launches.map((l) => ({ name: l.kernel, export: l.exportName, args: [...l.args], grid: [...l.gridExtents] })) : [],
    buffers: program.buffers.map((b) => ({ name: b.name, dtype: b.dtype, size: b.size, role: b.role, offset: b.offset ?? 0, bytes: b.size * byteSize(b.dtype) })),
    webgpu,
  };
  if (wasm && pages * WASM_PAGE_BYTES < arenaBytes) throw new KilnError(`compileModule: ${pages} pages cannot hold the arena of ${arenaBytes} bytes`);

  const out: Record<string, string | Uint8Array> = {
    [files.js]: moduleSource(manifest, embed && weightsBin.length > 0 ? Buffer.from(weightsBin).toString('base64') : undefined, embed ? wgslFile : null),
    [files.dts]: declarations(manifest),
    [`${name}.json`]: `${JSON.stringify(manifest, null, 2)}\n`,
  };
  if (files.wasm && wasm) out[files.wasm] = wasm.bytes;
  if (files.sharedWasm && sharedWasm) out[files.sharedWasm] = sharedWasm.bytes;
  if (files.wgsl && wgslFile) out[files.wgsl] = `${JSON.stringify(wgslFile)}\n`;
  if (files.weights) out[files.weights] = weightsBin;
  const t3 = performance.now();
  return { name, files: out, manifest, timings: { loop: t1 - t0, wasm: t2 - t1, wgsl: t2b - t2, emit: t3 - t2b } };
}

/** Writes the module's files into `dir` (created if needed); returns the paths written. */
export async function writeModuleFiles(dir: string, mod: CompiledModule): Promise<string[]> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [file, contents] of Object.entries(mod.files)) {
    const path = join(dir, file);
    await writeFile(path, contents);
    written.push(path);
  }
  return written;
}

const ARRAY_NAMES: Record<DType, string> = { float32: 'Float32Array', int32: 'Int32Array', uint32: 'Uint32Array', bool: 'Uint8Array' };

const typeText = (s: TensorSpec) => `${shortDType(s.dtype)}[${s.shape.join(',')}]`;

/** The shipped runtime: no imports, only the tables it needs. */
function moduleSource(m: ModuleManifest, embedded: string | undefined, embeddedWgsl: object | null): string {
  const backends = [...(m.files.wasm ? ['wasm'] : []), ...(m.webgpu ? ['webgpu'] : [])];
  const meta = {
    n: m.name,
    k: backends,
    w: m.files.wasm,
    g: m.files.wgsl,
    b: m.files.weights,
    p: m.memory.pages,
    i: m.inputs.map((s) => [s.name, ARRAY_NAMES[s.dtype], typeText(s), s.offset, s.size]),
    o: m.outputs.map((s) => [s.name, ARRAY_NAMES[s.dtype], s.offset, s.size]),
    c: m.weights.map((w) => [w.arenaOffset, w.offset, w.bytes]),
    s: m.files.sharedWasm,
    l: m.kernels.map((k) => [k.export, k.grid.reduce((a, b) => a * b, 1), k.name]),
  };
  const wasmPart = m.files.wasm ? `
async function loadWasm(options, base, weightsP) {
  const threads = Math.floor(Number(options.threads ?? 1)) || 1;
  if (threads > 1 && M.s && T.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function' && typeof Worker === 'function') return loadThreaded(options, base, weightsP, threads);
  const memory = new WebAssembly.Memory({ initial: M.p });
  const [code, weights] = await Promise.all([get(options.wasm, M.w, base), weightsP]);
  const { instance } = await WebAssembly.instantiate(code, { env: { memory } });
  const heap = new Uint8Array(memory.buffer);
  for (const [at, from, n] of M.c) heap.set(slice(weights, from, n), at);
  let exec = instance.exports.run;
  return {
    backend: 'wasm',
    threads: 1,
    run(inputs) {
      if (!exec) throw new Error(\`\${M.n}: run() after dispose()\`);
      check(inputs);
      for (const [name, type, , at, size] of M.i) new T[type](memory.buffer, at, size).set(inputs[name]);
      exec();
      const out = {};
      for (const [name, type, at, size] of M.o) out[name] = new T[type](memory.buffer, at, size).slice();
      return out;
    },
    dispose() {
      exec = null;
    },
  };
}
// A worker: instantiates the shared module on its first message, then runs [export, start, end] chunks.
const WORKER = "let x, s; const f = (e) => String((e && e.message) || e); onmessage = async (e) => { const d = e.data; if (!x) { try { x = (await WebAssembly.instantiate(d.module, { env: { memory: d.memory } })).exports; s = d.sync; postMessage(0); } catch (err) { postMessage(f(err)); } return; } try { Atomics.load(s, 0); x[d[0]](d[1], d[2]); Atomics.add(s, 0, 1); postMessage(0); } catch (err) { postMessage(f(err)); } };";
async function loadThreaded(options, base, weightsP, threads) {
  const memory = new WebAssembly.Memory({ initial: M.p, maximum: M.p, shared: true });
  const sync = new Int32Array(new SharedArrayBuffer(4));
  const [code, weights] = await Promise.all([get(options.sharedWasm, M.s, base), weightsP]);
  const module = await WebAssembly.compile(code);
  const x = (await WebAssembly.instantiate(module, { env: { memory } })).exports;
  const heap = new Uint8Array(memory.buffer);
  for (const [at, from, n] of M.c) heap.set(slice(weights, from, n), at);
  const url = URL.createObjectURL(new Blob([WORKER], { type: 'text/javascript' }));
  const workers = [];
  const call = (w, msg) => new Promise((ok) => { w.k = ok; w.postMessage(msg); });
  try {
    for (let j = 1; j < threads; j++) {
      const w = new Worker(url, { type: 'module', name: \`\${M.n} wasm thread \${j}\` });
      w.onmessage = (e) => w.k?.(e.data);
      w.onerror = (e) => { e.preventDefault?.(); w.k?.(e.message || 'worker error'); };
      w.onmessageerror = () => w.k?.('message error');
      workers.push(w);
    }
    const started = await Promise.all(workers.map((w) => call(w, { module, memory, sync })));
    const bad = started.find((r) => r !== 0);
    if (bad !== undefined) throw new Error(\`\${M.n}: a wasm worker thread failed to start: \${bad}\`);
  } catch (e) {
    for (const w of workers) w.terminate();
    throw e;
  } finally {
    URL.revokeObjectURL(url);
  }
  const n = workers.length + 1;
  let live = true;
  let queue = Promise.resolve();
  async function exec(inputs) {
    if (!live) throw new Error(\`\${M.n}: run() after dispose()\`);
    check(inputs);
    for (const [name, type, , at, size] of M.i) new T[type](memory.buffer, at, size).set(inputs[name]);
    for (const [f, g, kname] of M.l) {
      if (g === 0) continue;
      const parts = Math.min(n, g);
      Atomics.add(sync, 0, 1);
      const acks = [];
      for (let j = 1; j < parts; j++) acks.push(call(workers[j - 1], [f, Math.floor((j * g) / parts), Math.floor(((j + 1) * g) / parts)]));
      let failed = null;
      try {
        x[f](0, Math.floor(g / parts));
      } catch (e) {
        failed = String(e?.message ?? e);
      }
      const results = await Promise.all(acks);
      Atomics.load(sync, 0);
      failed ??= results.find((r) => r !== 0) ?? null;
      if (failed !== null) throw new Error(\`\${M.n}: kernel \${kname} failed: \${failed}\`);
      if (!live) throw new Error(\`\${M.n}: disposed during run()\`);
    }
    const out = {};
    for (const [name, type, at, size] of M.o) out[name] = new T[type](memory.buffer, at, size).slice();
    return out;
  }
  return {
    backend: 'wasm',
    threads: n,
    run(inputs) {
      const r = queue.then(() => exec(inputs));
      queue = r.catch(() => {});
      return r;
    },
    dispose() {
      if (!live) return;
      live = false;
      for (const w of workers) {
        w.terminate();
        w.k?.('disposed');
      }
    },
  };
}
` : '';
  const gpuPart = m.webgpu ? `
const G = ${embeddedWgsl ? JSON.stringify(embeddedWgsl) : 'null'};
async function loadWebGpu(options, base, weightsP) {
  const gpu = options.gpu ?? globalThis.navigator?.gpu;
  if (!gpu) throw new Error(\`\${M.n}: WebGPU is not available here (no navigator.gpu); pass load({ backend: 'webgpu', gpu }) or use backend 'wasm'\`);
  const [P, weights] = await Promise.all([
    G ?? (options.wgsl != null && typeof options.wgsl === 'object' && !(options.wgsl instanceof URL) ? options.wgsl : get(options.wgsl, M.g, base).then((b) => JSON.parse(new TextDecoder().decode(b)))),
    weightsP,
  ]);
  const adapter = await gpu.requestAdapter(options.adapterOptions);
  if (!adapter) throw new Error(\`\${M.n}: no WebGPU adapter\`);
  const device = await adapter.requestDevice();
  let lost = null;
  device.lost?.then((info) => { lost = info.message || 'device lost'; });
  device.pushErrorScope('validation');
  const B = P.buffers.map(([name, bytes]) => device.createBuffer({ size: bytes, usage: 0x80 | 0x4 | 0x8, label: \`\${M.n} \${name}\` }));
  for (const [k, from, n, bool] of P.weights) {
    const bytes = slice(weights, from, n);
    const words = bool ? Uint32Array.from(bytes, (x) => (x ? 1 : 0)) : bytes;
    device.queue.writeBuffer(B[k], 0, words.buffer, words.byteOffset, words.byteLength);
  }
  const modules = P.codes.map((code) => device.createShaderModule({ code }));
  const L = [];
  for (const [c, entryPoint, binds, dispatch, kname] of P.launches) {
    if (dispatch.some((d) => d === 0)) continue;
    const layout = device.createBindGroupLayout({ entries: binds.map(([, ro], i) => ({ binding: i, visibility: 4, buffer: { type: ro ? 'read-only-storage' : 'storage' } })) });
    let pipeline;
    try {
      pipeline = await device.createComputePipelineAsync({ layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module: modules[c], entryPoint } });
    } catch (e) {
      throw new Error(\`\${M.n}: kernel \${kname} does not compile on this device: \${e.message}\`);
    }
    L.push([pipeline, device.createBindGroup({ layout, entries: binds.map(([k], i) => ({ binding: i, resource: { buffer: B[k] } })) }), dispatch]);
  }
  const error = await device.popErrorScope();
  if (error) throw new Error(\`\${M.n}: WebGPU setup failed: \${error.message}\`);
  const zeroed = P.buffers.flatMap(([, , role], k) => (role === 'temp' || role === 'output' ? [B[k]] : []));
  const outBytes = M.o.map(([, , , size]) => size * 4);
  const total = Math.max(4, outBytes.reduce((a, b) => a + b, 0));
  let live = true;
  return {
    backend: 'webgpu',
    device,
    async run(inputs) {
      if (!live) throw new Error(\`\${M.n}: run() after dispose()\`);
      if (lost) throw new Error(\`\${M.n}: the WebGPU device was lost (\${lost})\`);
      check(inputs);
      M.i.forEach(([name, type], j) => {
        const v = inputs[name];
        const words = type === 'Uint8Array' ? Uint32Array.from(v, (x) => (x ? 1 : 0)) : v;
        if (words.byteLength > 0) device.queue.writeBuffer(B[P.inputs[j]], 0, words.buffer, words.byteOffset, words.byteLength);
      });
      const encoder = device.createCommandEncoder({ label: M.n });
      for (const b of zeroed) encoder.clearBuffer(b);
      const pass = encoder.beginComputePass();
      for (const [pipeline, group, [x, y, z]] of L) {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(x, y, z);
      }
      pass.end();
      const staging = device.createBuffer({ size: total, usage: 0x1 | 0x8, label: \`\${M.n} readback\` });
      let at = 0;
      P.outputs.forEach((k, j) => {
        if (outBytes[j] > 0) encoder.copyBufferToBuffer(B[k], 0, staging, at, outBytes[j]);
        at += outBytes[j];
      });
      device.queue.submit([encoder.finish()]);
      try {
        await staging.mapAsync(1);
        const copy = staging.getMappedRange().slice(0);
        staging.unmap();
        const out = {};
        at = 0;
        M.o.forEach(([name, type, , size], j) => {
          out[name] = type === 'Uint8Array' ? Uint8Array.from(new Uint32Array(copy, at, size), (x) => (x ? 1 : 0)) : new T[type](copy, at, size);
          at += outBytes[j];
        });
        return out;
      } finally {
        staging.destroy();
      }
    },
    dispose() {
      if (!live) return;
      live = false;
      for (const b of B) b.destroy();
      if (!options.keepDevice) device.destroy();
    },
  };
}
` : '';
  return `// ${m.name}: compiled by Kiln (target ${m.target}). Generated file: do not edit.
// load(options?) -> { backend, run(inputs), dispose() }; see ${m.name}.d.ts for the inputs, outputs and options.
const M = ${JSON.stringify(meta)};
const E = ${embedded === undefined ? 'null' : JSON.stringify(embedded)};
const T = globalThis;
const bytesOf = (x) => x instanceof ArrayBuffer ? new Uint8Array(x) : new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
async function fetchBytes(src, base) {
  const url = new URL(src, base);
  if (url.protocol === 'file:') {
    const fs = await import('node:fs/promises');
    return bytesOf(await fs.readFile(url));
  }
  const r = await fetch(url);
  if (!r.ok) throw new Error(\`\${M.n}: cannot fetch \${url}: HTTP \${r.status}\`);
  return new Uint8Array(await r.arrayBuffer());
}
const get = (given, file, base) => given == null ? (file ? fetchBytes(file, base) : new Uint8Array(0)) : typeof given === 'string' || given instanceof URL ? fetchBytes(given, base) : bytesOf(given);
function slice(weights, from, n) {
  if (from + n > weights.length) throw new Error(\`\${M.n}: the weights file is too short (\${weights.length} bytes, need \${from + n})\`);
  return weights.subarray(from, from + n);
}
function check(inputs) {
  if (inputs === null || typeof inputs !== 'object') throw new TypeError(\`\${M.n}.run: expected an object of typed arrays { \${M.i.map((s) => s[0]).join(', ')} }\`);
  for (const k of Object.keys(inputs)) {
    if (!M.i.some((s) => s[0] === k)) throw new TypeError(\`\${M.n}.run: unknown input '\${k}'; the inputs are \${M.i.map((s) => s[0]).join(', ')}\`);
  }
  for (const [name, type, spec, , size] of M.i) {
    const v = inputs[name];
    if (v === undefined) throw new TypeError(\`\${M.n}.run: missing input '\${name}' (\${spec}, a \${type})\`);
    if (!(v instanceof T[type])) throw new TypeError(\`\${M.n}.run: input '\${name}' must be a \${type} (\${spec}), got \${v === null ? 'null' : v.constructor ? v.constructor.name : typeof v}\`);
    if (v.length !== size) throw new RangeError(\`\${M.n}.run: input '\${name}' must have \${size} elements (\${spec}), got \${v.length}\`);
  }
}
/** The backends this module was compiled for; the first is the default. */
export const backends = M.k;
export async function load(options = {}) {
  const base = options.baseUrl ?? import.meta.url;
  const backend = options.backend ?? M.k[0];
  if (!M.k.includes(backend)) throw new Error(\`\${M.n}: backend '\${backend}' is not in this module (compiled for \${M.k.join(', ')})\`);
  const weightsP = E === null ? get(options.weights, M.b, base) : Promise.resolve(Uint8Array.from(atob(E), (ch) => ch.charCodeAt(0)));
  weightsP.catch(() => {}); // reported by the loader that awaits it
  return backend === 'wasm' ? loadWasm(options, base, weightsP) : loadWebGpu(options, base, weightsP);
}
${wasmPart}${gpuPart}`;
}

function prop(name: string): string {
  return IDENT.test(name) ? name : JSON.stringify(name);
}

function declarations(m: ModuleManifest): string {
  const field = (s: TensorSpec) => {
    const elements = s.shape.length === 0 ? 'a scalar, 1 element' : `${s.size} elements`;
    return `  /** ${s.dtype}, shape [${s.shape.join(', ')}] (${typeText(s)}, ${elements}, row-major). */\n  ${prop(s.name)}: ${ARRAY_NAMES[s.dtype]};\n`;
  };
  const weights = m.files.weights ? `\`${m.files.weights}\`` : 'nothing (weights are embedded)';
  const hasWasm = m.files.wasm !== null;
  const hasGpu = m.webgpu !== null;
  const backends = [...(hasWasm ? ["'wasm'"] : []), ...(hasGpu ? ["'webgpu'"] : [])];
  const wasmOptions = hasWasm ? `  /** The wasm bytes, or a URL/path relative to \`baseUrl\` (default: \`${m.files.wasm}\` next to this module). */
  wasm?: ArrayBuffer | ArrayBufferView | URL | string;${m.files.sharedWasm ? `
  /**
   * Wasm threads (backend 'wasm'): with \`threads > 1\` in a cross-origin isolated page (\`crossOriginIsolated\`,
   * SharedArrayBuffer, Web Workers), runs each kernel's grid split over \`threads - 1\` workers and the calling
   * thread, and \`run\` returns a Promise. Otherwise (and in Node) ignored: one thread, synchronous \`run\`.
   */
  threads?: number;
  /** The shared-memory wasm bytes or a URL/path (default: \`${m.files.sharedWasm}\` next to this module). */
  sharedWasm?: ArrayBuffer | ArrayBufferView | URL | string;` : ''}
` : '';
  const gpuOptions = hasGpu ? `  /**
   * The WebGPU entry point (default: \`navigator.gpu\`). In Node pass the \`webgpu\` package's:
   * \`import { create, globals } from 'webgpu'; Object.assign(globalThis, globals); load({ backend: 'webgpu', gpu: create([]) })\`.
   */
  gpu?: { requestAdapter(options?: any): Promise<any> };
  /** Passed to \`gpu.requestAdapter\` (e.g. \`{ powerPreference: 'high-performance' }\`). */
  adapterOptions?: object;
  /** The shader table (\`${m.webgpu!.file}\` contents) or a URL/path to it (default: ${m.files.wgsl ? `\`${m.files.wgsl}\` next to this module` : 'embedded'}). */
  wgsl?: object | URL | string;
  /** Keep the GPUDevice alive on \`dispose()\` (default: it is destroyed). */
  keepDevice?: boolean;
` : '';
  const wasmModule = hasWasm ? `
/** The wasm backend: \`run\` is synchronous. */
export interface WasmModule {
  readonly backend: 'wasm';
  readonly threads: 1;
  /** Runs the program; throws on unknown or missing inputs, wrong typed-array kinds or lengths. */
  run(inputs: Inputs): Outputs;
  /** Releases the instance; \`run\` throws afterwards. */
  dispose(): void;
}

/** The wasm backend on worker threads (\`load({ backend: 'wasm', threads })\`, cross-origin isolated pages). */
export interface ThreadedWasmModule {
  readonly backend: 'wasm';
  /** The threads used: the calling thread and \`threads - 1\` workers. */
  readonly threads: number;
  /**
   * Runs the program, each kernel split over the threads (results identical to \`WasmModule\`); runs are
   * queued one after another. Rejects on the input errors \`WasmModule\` throws for, and with the kernel's
   * name if it fails on a thread.
   */
  run(inputs: Inputs): Promise<Outputs>;
  /** Terminates the workers; \`run\` rejects afterwards. */
  dispose(): void;
}
` : '';
  const gpuModule = hasGpu ? `
/** The WebGPU backend: \`run\` is asynchronous (it resolves once the outputs are read back). */
export interface WebGpuModule {
  readonly backend: 'webgpu';
  /** The GPUDevice the module created (default limits). */
  readonly device: unknown;
  /**
   * Uploads the inputs, records ${m.stats.webgpuKernels} dispatches in one compute pass and one submission, reads the outputs back.
   * Rejects (before anything is queued) on the input errors the wasm backend throws for.
   */
  run(inputs: Inputs): Promise<Outputs>;
  /** Destroys the GPU buffers (and the device unless \`keepDevice\`); \`run\` throws afterwards. */
  dispose(): void;
}
` : '';
  const defaultModule = hasWasm ? 'WasmModule' : 'WebGpuModule';
  const overloads = hasWasm && hasGpu
    ? `/** Loads the module on \`options.backend\` (default 'wasm') and writes its weights once. */
export declare function load(options: LoadOptions & { backend: 'webgpu' }): Promise<WebGpuModule>;
export declare function load(options: LoadOptions & { backend?: 'wasm'; threads: number }): Promise<WasmModule | ThreadedWasmModule>;
export declare function load(options?: LoadOptions & { backend?: 'wasm' }): Promise<WasmModule>;
export declare function load(options?: LoadOptions): Promise<WasmModule | ThreadedWasmModule | WebGpuModule>;
`
    : `/** Loads the module (${hasWasm ? `${m.stats.kernels} kernels, arena ${m.memory.arenaBytes} bytes` : `${m.stats.webgpuKernels} WebGPU kernels`}) and writes its weights once. */
${hasWasm ? `export declare function load(options: LoadOptions & { threads: number }): Promise<WasmModule | ThreadedWasmModule>;
` : ''}export declare function load(options?: LoadOptions): Promise<${defaultModule}>;
`;
  return `// ${m.name}: compiled by Kiln (target ${m.target}). Generated file: do not edit.

/** Inputs of \`run\`: exactly these names, typed-array kinds and lengths. */
export interface Inputs {
${m.inputs.map(field).join('')}}

/** Outputs of \`run\` (fresh copies). */
export interface Outputs {
${m.outputs.map(field).join('')}}

export type Backend = ${backends.join(' | ')};

/** The backends this module was compiled for; the first is the default. */
export declare const backends: readonly Backend[];

export interface LoadOptions {
  /** Which compiled program to run (default ${backends[0]}). */
  backend?: Backend;
${wasmOptions}${gpuOptions}  /** The weights bytes, or a URL/path (default: ${weights}). */
  weights?: ArrayBuffer | ArrayBufferView | URL | string;
  /** Base URL the default file names resolve against (default: \`import.meta.url\`). */
  baseUrl?: URL | string;
}
${wasmModule}${gpuModule}
/** The module of the default backend. */
export type Module = ${defaultModule};

${overloads}`;
}
