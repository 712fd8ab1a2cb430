/**
 * Ahead-of-time compilation of a traced graph to a standalone module (wasm target).
 *
 * `compileModule(graph, { name })` returns the files of a directory a user can ship:
 *
 * - `<name>.js`: an ES module with no imports, `load(options?)` → `{ run(inputs), dispose() }`;
 * - `<name>.wasm`: the kernels (unshared memory imported as `env.memory`, exported `run`);
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
  /** A compilation of `graph` to reuse (e.g. one that dumps its stages). */
  compilation?: Compilation;
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
  readonly target: 'wasm';
  readonly files: { readonly js: string; readonly wasm: string; readonly dts: string; readonly weights: string | null };
  readonly memory: { readonly arenaBytes: number; readonly pages: number };
  readonly stats: {
    readonly kernels: number;
    readonly arenaBytes: number;
    readonly staticBytes: number;
    readonly tempBytes: number;
    readonly naiveTempBytes: number;
    readonly wasmBytes: number;
    readonly weightsBytes: number;
  };
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly weights: readonly WeightEntry[];
  readonly kernels: readonly { readonly name: string; readonly export: string; readonly args: readonly string[]; readonly grid: readonly number[] }[];
  readonly buffers: readonly { readonly name: string; readonly dtype: DType; readonly size: number; readonly role: string; readonly offset: number; readonly bytes: number }[];
}

export interface CompiledModule {
  readonly name: string;
  /** File name → contents, for `writeModuleFiles`. */
  readonly files: Readonly<Record<string, string | Uint8Array>>;
  readonly manifest: ModuleManifest;
  /** Milliseconds per stage: loop (graph passes, lowering, planning), wasm (codegen), emit. */
  readonly timings: { readonly loop: number; readonly wasm: number; readonly emit: number };
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

  await loadBinaryen();
  const t0 = performance.now();
  const compilation = options.compilation ?? new Compilation(graph, { dump: false });
  const { program, memory } = compilation.loop;
  const t1 = performance.now();
  const wasm = compileProgram(program, { shared: false });
  const t2 = performance.now();

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

  // Weights: the captured constants, then the constant buffers' literal values.
  const chunks: { entry: WeightEntry; data: Uint8Array }[] = [];
  let weightBytes = 0;
  const addWeight = (wname: string, buffer: string, data: Uint8Array) => {
    const b = decl(buffer);
    const offset = Math.ceil(weightBytes / WEIGHT_ALIGN) * WEIGHT_ALIGN;
    weightBytes = offset + data.length;
    chunks.push({ entry: { name: wname, buffer, dtype: b.dtype, size: b.size, offset, bytes: data.length, arenaOffset: b.offset }, data });
  };
  captured.forEach((data, i) => addWeight(graph.params[nUser + i].name ?? `c${i}`, program.inputs[nUser + i], bytesOf(data)));
  for (const b of program.buffers) {
    if (b.role === 'constant' && b.data && b.size > 0) addWeight(b.name, b.name, bytesOf(typedArrayFor(b.dtype).from(b.data)));
  }
  const weightsBin = new Uint8Array(Math.ceil(weightBytes / WEIGHT_ALIGN) * WEIGHT_ALIGN);
  for (const c of chunks) weightsBin.set(c.data, c.entry.offset);
  const weights = chunks.map((c) => c.entry);

  const arenaBytes = program.arenaBytes ?? memory.arenaBytes;
  const pages = wasm.memory.minPages;
  const files = { js: `${name}.js`, wasm: `${name}.wasm`, dts: `${name}.d.ts`, weights: options.embedWeights || weights.length === 0 ? null : `${name}.weights.bin` };
  const manifest: ModuleManifest = {
    format: 'kiln-aot/1',
    name,
    target: 'wasm',
    files,
    memory: { arenaBytes, pages },
    stats: { kernels: program.kernels.length, ...memory, wasmBytes: wasm.bytes.length, weightsBytes: weightsBin.length },
    inputs,
    outputs,
    weights,
    kernels: wasm.exports.launches.map((l) => ({ name: l.kernel, export: l.exportName, args: [...l.args], grid: [...l.gridExtents] })),
    buffers: program.buffers.map((b) => ({ name: b.name, dtype: b.dtype, size: b.size, role: b.role, offset: b.offset ?? 0, bytes: b.size * byteSize(b.dtype) })),
  };
  if (pages * WASM_PAGE_BYTES < arenaBytes) throw new KilnError(`compileModule: ${pages} pages cannot hold the arena of ${arenaBytes} bytes`);

  const out: Record<string, string | Uint8Array> = {
    [files.js]: moduleSource(manifest, options.embedWeights && weights.length > 0 ? Buffer.from(weightsBin).toString('base64') : undefined),
    [files.wasm]: wasm.bytes,
    [files.dts]: declarations(manifest),
    [`${name}.json`]: `${JSON.stringify(manifest, null, 2)}\n`,
  };
  if (files.weights) out[files.weights] = weightsBin;
  const t3 = performance.now();
  return { name, files: out, manifest, timings: { loop: t1 - t0, wasm: t2 - t1, emit: t3 - t2 } };
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
function moduleSource(m: ModuleManifest, embedded: string | undefined): string {
  const meta = {
    n: m.name,
    w: m.files.wasm,
    b: m.files.weights,
    p: m.memory.pages,
    i: m.inputs.map((s) => [s.name, ARRAY_NAMES[s.dtype], typeText(s), s.offset, s.size]),
    o: m.outputs.map((s) => [s.name, ARRAY_NAMES[s.dtype], s.offset, s.size]),
    c: m.weights.map((w) => [w.arenaOffset, w.offset, w.bytes]),
  };
  return `// ${m.name}: compiled by Kiln (target wasm). Generated file: do not edit.
// load(options?) -> { run(inputs), dispose() }; see ${m.name}.d.ts for the inputs and outputs.
const M = ${JSON.stringify(meta)};
const E = ${embedded === undefined ? 'null' : JSON.stringify(embedded)};
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
export async function load(options = {}) {
  const base = options.baseUrl ?? import.meta.url;
  const memory = new WebAssembly.Memory({ initial: M.p });
  const [code, weights] = await Promise.all([
    get(options.wasm, M.w, base),
    E === null ? get(options.weights, M.b, base) : Uint8Array.from(atob(E), (ch) => ch.charCodeAt(0)),
  ]);
  const { instance } = await WebAssembly.instantiate(code, { env: { memory } });
  const heap = new Uint8Array(memory.buffer);
  for (const [at, from, n] of M.c) {
    if (from + n > weights.length) throw new Error(\`\${M.n}: the weights file is too short (\${weights.length} bytes, need \${from + n})\`);
    heap.set(weights.subarray(from, from + n), at);
  }
  const T = globalThis;
  let exec = instance.exports.run;
  return {
    run(inputs) {
      if (!exec) throw new Error(\`\${M.n}: run() after dispose()\`);
      if (inputs === null || typeof inputs !== 'object') throw new TypeError(\`\${M.n}.run: expected an object of typed arrays { \${M.i.map((s) => s[0]).join(', ')} }\`);
      for (const k of Object.keys(inputs)) {
        if (!M.i.some((s) => s[0] === k)) throw new TypeError(\`\${M.n}.run: unknown input '\${k}'; the inputs are \${M.i.map((s) => s[0]).join(', ')}\`);
      }
      for (const [name, type, spec, at, size] of M.i) {
        const v = inputs[name];
        if (v === undefined) throw new TypeError(\`\${M.n}.run: missing input '\${name}' (\${spec}, a \${type})\`);
        if (!(v instanceof T[type])) throw new TypeError(\`\${M.n}.run: input '\${name}' must be a \${type} (\${spec}), got \${v === null ? 'null' : v.constructor ? v.constructor.name : typeof v}\`);
        if (v.length !== size) throw new RangeError(\`\${M.n}.run: input '\${name}' must have \${size} elements (\${spec}), got \${v.length}\`);
        new T[type](memory.buffer, at, size).set(v);
      }
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
`;
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
  return `// ${m.name}: compiled by Kiln (target wasm). Generated file: do not edit.

/** Inputs of \`run\`: exactly these names, typed-array kinds and lengths. */
export interface Inputs {
${m.inputs.map(field).join('')}}

/** Outputs of \`run\` (fresh copies). */
export interface Outputs {
${m.outputs.map(field).join('')}}

export interface LoadOptions {
  /** The wasm bytes, or a URL/path relative to \`baseUrl\` (default: \`${m.files.wasm}\` next to this module). */
  wasm?: ArrayBuffer | ArrayBufferView | URL | string;
  /** The weights bytes, or a URL/path (default: ${weights}). */
  weights?: ArrayBuffer | ArrayBufferView | URL | string;
  /** Base URL the default file names resolve against (default: \`import.meta.url\`). */
  baseUrl?: URL | string;
}

export interface Module {
  /** Runs the program; throws on unknown or missing inputs, wrong typed-array kinds or lengths. */
  run(inputs: Inputs): Outputs;
  /** Releases the instance; \`run\` throws afterwards. */
  dispose(): void;
}

/** Instantiates the module (${m.stats.kernels} kernels, arena ${m.memory.arenaBytes} bytes) and writes its weights once. */
export declare function load(options?: LoadOptions): Promise<Module>;
`;
}
