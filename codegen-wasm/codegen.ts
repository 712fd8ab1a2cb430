/**
 * Loop-IR program → WebAssembly module (via binaryen).
 *
 * The module imports its memory (`env.memory`, at least `minPages` 64 KiB pages: the arena of
 * the memory plan, then scratch for packed copies of large matmul operands (pack.ts); with `shared: true` a shared memory with a fixed maximum, so worker threads
 * can run parts of a launch against it), has one function per launch taking `(start, end)` over
 * the flattened grid (buffer base offsets are compile-time constants), and exports every launch
 * function plus `run()`, which calls each launch over its full grid in program order.
 */
import { byteSize } from '../ir/dtype.js';
import type { BufferDecl, Kernel, Program } from '../ir/loop.js';
import { type Binaryen, binaryenOrThrow, kilnFeatures } from './binaryen.js';
import type { BufferBinding } from './context.js';
import { WasmCodegenError } from './errors.js';
import { ModuleHelpers } from './helpers.js';
import { emitLaunchFunction, gridSizeOf } from './kernel.js';
import { splitOuterLoop } from './outer-split.js';
import { type PackPlan, planPacking } from './pack.js';

export const WASM_PAGE_BYTES = 65536;

export interface CompileOptions {
  /** binaryen optimization level, 0-4 (default 2); 0 skips the optimizer. */
  readonly optimizeLevel?: number;
  /** binaryen shrink level, 0-2 (default 0: optimize for speed). */
  readonly shrinkLevel?: number;
  /** Emit SIMD code for `vec=4` loops (default true); false compiles them as scalar loops. */
  readonly simd?: boolean;
  /**
   * Fold float sums and products in the sequential order of the loop IR, bit-identical to the
   * reference evaluators (default false: several vector accumulators, see CodegenFlags).
   */
  readonly exactReductions?: boolean;
  /**
   * Import a shared memory (default false), so the launch functions can run on worker threads
   * over one arena (`instantiateProgram(..., { threads })`). Enables the threads (atomics)
   * feature; the kernels themselves use no atomic instructions.
   */
  readonly shared?: boolean;
  /**
   * Maximum pages of the shared memory import (default 65536, the wasm32 limit, so any shared
   * memory holding the arena can be imported). A shared memory cannot grow past its maximum.
   */
  readonly maxPages?: number;
}

/** Maximum pages of a wasm32 memory (4 GiB). */
export const WASM_MAX_PAGES = 65536;

export interface LaunchExport {
  /** Name of the exported `(start: i32, end: i32) → ()` function. */
  readonly exportName: string;
  readonly kernel: string;
  readonly args: readonly string[];
  readonly gridExtents: readonly number[];
  /** Number of flattened grid iterations: the valid `end` of a full call. */
  readonly gridSize: number;
  /** Whether the launch runs register-tiled matmul code (microkernel.ts). */
  readonly tiled: boolean;
}

export interface CompiledWasmProgram {
  readonly bytes: Uint8Array;
  readonly exports: {
    /** `run()`: every launch over its full grid, in order. */
    readonly run: 'run';
    readonly launches: readonly LaunchExport[];
  };
  readonly memory: {
    readonly module: 'env';
    readonly name: 'memory';
    readonly minPages: number;
    /** The memory plan's arena plus the packing scratch past it: the bytes the module uses. */
    readonly arenaBytes: number;
    /** Present when compiled with `shared: true`: the import is a shared memory of at most `maxPages`. */
    readonly shared?: { readonly maxPages: number };
  };
  /** Helper functions the module contains (e.g. kiln_exp_f32x4). */
  readonly helpers: readonly string[];
  readonly timings: { readonly buildMs: number; readonly optimizeMs: number; readonly emitMs: number };
}

/** Checks the memory plan: every buffer placed, aligned and inside the arena. */
function checkArena(p: Program): number {
  if (p.arenaBytes === undefined) throw new WasmCodegenError(`program @${p.name} has no arenaBytes: run memory planning before wasm codegen`);
  for (const buf of p.buffers) {
    if (buf.offset === undefined) throw new WasmCodegenError(`buffer %${buf.name} of @${p.name} has no arena offset: run memory planning first`);
    const bytes = buf.size * byteSize(buf.dtype);
    if (buf.offset % byteSize(buf.dtype) !== 0) throw new WasmCodegenError(`buffer %${buf.name} offset ${buf.offset} is not aligned to ${byteSize(buf.dtype)} bytes`);
    if (buf.offset < 0 || buf.offset + bytes > p.arenaBytes) {
      throw new WasmCodegenError(`buffer %${buf.name} [${buf.offset}, ${buf.offset + bytes}) lies outside the arena of ${p.arenaBytes} bytes`);
    }
  }
  return p.arenaBytes;
}

function bindLaunch(p: Program, kernel: Kernel, args: readonly string[], buffers: ReadonlyMap<string, BufferDecl>): Map<string, BufferBinding> {
  if (args.length !== kernel.params.length) {
    throw new WasmCodegenError(`launch of @${kernel.name} passes ${args.length} buffers for ${kernel.params.length} params`);
  }
  const bound = new Map<string, BufferBinding>();
  kernel.params.forEach((param, i) => {
    const buf = buffers.get(args[i]);
    if (!buf) throw new WasmCodegenError(`launch of @${kernel.name} passes unknown buffer %${args[i]}`);
    if (buf.dtype !== param.dtype || buf.size < param.size) {
      throw new WasmCodegenError(`launch of @${kernel.name}: param %${param.name} (${param.dtype}[${param.size}]) gets %${buf.name} (${buf.dtype}[${buf.size}])`);
    }
    bound.set(param.name, { param: param.name, buffer: buf.name, dtype: buf.dtype, offset: buf.offset ?? 0, size: param.size, access: param.access });
  });
  return bound;
}

interface LaunchPlan {
  readonly index: number;
  readonly kernel: Kernel;
  readonly args: readonly string[];
  readonly buffers: ReadonlyMap<string, BufferBinding>;
  /** The pack launch that runs first (pack.ts). All packed copies share one region past the arena: launches run one at a time. */
  readonly pack?: PackPlan;
}

/** Each launch's kernel and bindings, and its pack launch where packing pays (only with SIMD, which tiled launches need). */
function planLaunches(p: Program, shared: boolean, simd: boolean, packOffset: number): LaunchPlan[] {
  const kernels = new Map(p.kernels.map((k) => [k.name, k]));
  const buffers = new Map(p.buffers.map((buf) => [buf.name, buf]));
  return p.launches.map((launch, index) => {
    const declared = kernels.get(launch.kernel);
    if (!declared) throw new WasmCodegenError(`launch ${index} of @${p.name} names unknown kernel @${launch.kernel}`);
    // A module that can run on threads gets a grid for every big grid-less kernel.
    const kernel = shared ? splitOuterLoop(declared) : declared;
    const bound = bindLaunch(p, kernel, launch.args, buffers);
    const pack = simd ? planPacking(kernel, bound, packOffset) : undefined;
    const fits = pack !== undefined && packOffset + pack.bytes <= WASM_MAX_PAGES * WASM_PAGE_BYTES;
    return { index, kernel, args: launch.args, buffers: bound, pack: fits ? pack : undefined };
  });
}

const alignUp = (n: number, to: number): number => Math.ceil(n / to) * to;

function exportNameFor(index: number, kernel: string): string {
  return `launch${index}_${kernel.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** Compiles a memory-planned loop-IR program. Needs binaryen loaded (`await loadBinaryen()`). */
export function compileProgram(p: Program, options: CompileOptions = {}): CompiledWasmProgram {
  const b = binaryenOrThrow();
  const t0 = performance.now();
  const planArena = checkArena(p);
  const shared = options.shared ?? false;
  const flags = { simd: options.simd ?? true, exactReductions: options.exactReductions ?? false };
  const launchPlans = planLaunches(p, shared, flags.simd, alignUp(planArena, 16));
  const arenaBytes = Math.max(planArena, ...launchPlans.map((l) => (l.pack ? l.pack.packed.offset + l.pack.bytes : 0)));
  const minPages = Math.max(1, Math.ceil(arenaBytes / WASM_PAGE_BYTES));
  const maxPages = shared ? sharedMaxPages(p, minPages, options.maxPages) : -1;
  const m = new b.Module();
  try {
    m.setFeatures(kilnFeatures(b) | (shared ? threadsFeature(b) : 0));
    m.setMemory(minPages, maxPages, null, [], shared);
    m.addMemoryImport('0', 'env', 'memory', shared);
    const helpers = new ModuleHelpers(b, m);
    const launches = launchPlans.flatMap(({ index, kernel, args, buffers, pack }): LaunchExport[] => {
      // The pack launch runs right before its tiled launch and exports like any launch.
      const emit = (k: Kernel, bound: ReadonlyMap<string, BufferBinding>, kArgs: readonly string[], packed?: BufferBinding): LaunchExport => {
        const exportName = exportNameFor(index, k.name);
        const tiled = emitLaunchFunction(b, m, helpers, exportName, k, bound, flags, packed);
        m.addFunctionExport(exportName, exportName);
        return { exportName, kernel: k.name, args: kArgs, gridExtents: k.grid.map((v) => v.extent), gridSize: gridSizeOf(k), tiled };
      };
      return pack ? [emit(pack.kernel, pack.buffers, pack.args), emit(kernel, buffers, args, pack.packed)] : [emit(kernel, buffers, args)];
    });
    const calls = launches.filter((l) => l.gridSize > 0).map((l) => m.call(l.exportName, [m.i32.const(0), m.i32.const(l.gridSize)], b.none));
    m.addFunction('run', b.none, b.none, [], calls.length === 0 ? m.nop() : m.block(null, calls, b.none));
    m.addFunctionExport('run', 'run');
    if (!m.validate()) throw new Error(`internal: binaryen rejected the module generated for @${p.name}:\n${m.emitText()}`);
    const t1 = performance.now();
    optimize(b, m, options);
    const t2 = performance.now();
    const bytes = m.emitBinary();
    const t3 = performance.now();
    return {
      bytes,
      exports: { run: 'run', launches },
      memory: shared ? { module: 'env', name: 'memory', minPages, arenaBytes, shared: { maxPages } } : { module: 'env', name: 'memory', minPages, arenaBytes },
      helpers: helpers.names(),
      timings: { buildMs: t1 - t0, optimizeMs: t2 - t1, emitMs: t3 - t2 },
    };
  } finally {
    m.dispose();
  }
}

function sharedMaxPages(p: Program, minPages: number, requested: number | undefined): number {
  const maxPages = requested ?? WASM_MAX_PAGES;
  if (!Number.isInteger(maxPages) || maxPages < minPages || maxPages > WASM_MAX_PAGES) {
    throw new WasmCodegenError(`maxPages ${maxPages} for @${p.name} must be an integer in [${minPages}, ${WASM_MAX_PAGES}] (the arena needs ${minPages} pages)`);
  }
  return maxPages;
}

/**
 * The threads feature bit (shared memories), read by name from binaryen's runtime `Features`
 * object like `kilnFeatures` (the typings' enum values differ from the runtime's for some bits).
 */
function threadsFeature(b: Binaryen): number {
  const bit = (b.Features as unknown as Record<string, number | undefined>).Atomics;
  if (typeof bit !== 'number') throw new Error('Kiln: this binaryen build has no feature flag Atomics (needed for shared memory)');
  return bit;
}

/** Runs binaryen's default pipeline at the requested levels, restoring binaryen's global settings. */
function optimize(b: Binaryen, m: InstanceType<Binaryen['Module']>, options: CompileOptions): void {
  const level = options.optimizeLevel ?? 2;
  if (level <= 0) return;
  const previous = { level: b.getOptimizeLevel(), shrink: b.getShrinkLevel() };
  try {
    b.setOptimizeLevel(level);
    b.setShrinkLevel(options.shrinkLevel ?? 0);
    m.optimize();
  } finally {
    b.setOptimizeLevel(previous.level);
    b.setShrinkLevel(previous.shrink);
  }
}
