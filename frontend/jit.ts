/**
 * jit: traces a function into the graph IR once per signature (tensor shapes/dtypes, pytree
 * structure and static values), caches it, and runs the compiled graph on the current backend.
 */
import { type Graph, KilnError, formatType, printGraph, verifyGraph } from '../ir/index.js';
import { printProgram } from '../ir/loop-printer.js';
import { Compilation } from './compile.js';
import { watOf } from '../codegen-wasm/index.js';
import { DEFAULT_DEVICE_LIMITS, printWgslProgram } from '../codegen-wgsl/index.js';
import { webgpuLimits } from './webgpu-backend.js';
import { type Executable, type Storage, backendInstance, getBackend } from './backend.js';
import { storageOn } from './dispatch.js';
import { type TreeDef, flatten, signatureKey, unflatten } from './pytree.js';
import { Tensor } from './tensor.js';
import { Trace, activeTrace, withTrace } from './trace.js';

/**
 * IR stages `lower().asText` can show: traced graph, fused graph, loop IR, WebAssembly text, and
 * the WGSL shaders (for the initialised webgpu device's limits, else WebGPU's default limits).
 */
export type Stage = 'graph' | 'fused' | 'loop' | 'wat' | 'wgsl';
export const STAGES: readonly Stage[] = ['graph', 'fused', 'loop', 'wat', 'wgsl'];

export interface JitOptions {
  /** Graph name in dumps and IR text (default: the function's name). */
  name?: string;
  /** Write every stage of each compilation as numbered files in this directory (also: KILN_DUMP). */
  dump?: string;
  /**
   * Fold float sums and products in sequential order on wasm, bit-identical to the `interp`
   * backend (default false: vector accumulators, faster, rounded differently).
   */
  exactReductions?: boolean;
}

/** A traced function, ready to print or run; from `jit(fn).lower(...args)`. */
export interface Lowered {
  readonly graph: Graph;
  /** The IR at one stage as text, without running anything (compiling as far as needed). */
  asText(stage?: Stage): string;
  /** Kernel count and the static memory plan (bytes), from the compiled loop-IR program. */
  stats(): CompileStats;
}

export interface CompileStats {
  kernels: number;
  /** Whole arena: constants, inputs, outputs and the planned temps. */
  arenaBytes: number;
  /** Constants + inputs + outputs. */
  staticBytes: number;
  /** Peak bytes of intermediate values as planned (temps share space when lifetimes allow). */
  tempBytes: number;
  /** What the intermediates would take with no reuse. */
  naiveTempBytes: number;
}

export interface Jitted<F extends (...args: any[]) => any> {
  (...args: Parameters<F>): ReturnType<F>;
  lower(...args: Parameters<F>): Lowered;
  /** How many times the function has been traced (once per distinct signature). */
  readonly traceCount: number;
  clearCache(): void;
}

interface CacheEntry {
  readonly graph: Graph;
  /** Concrete tensors the function closed over, passed after the user's inputs. */
  readonly captured: readonly Tensor[];
  readonly outDef: TreeDef;
  readonly executables: Map<string, Executable>;
}

function graphName(fn: Function, options: JitOptions): string {
  const raw = options.name ?? fn.name ?? '';
  const cleaned = raw.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `fn${cleaned}`;
}

function paramName(path: string): string {
  // `argument[0].w` → `arg0_w`
  return path.replace(/^argument\[(\d+)\]/, 'arg$1').replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+$/, '');
}

function traceFunction(fn: (...args: any[]) => unknown, args: unknown[], name: string): CacheEntry {
  const { leaves, paths, def } = flatten(args);
  const trace = new Trace(name);
  const inputs = leaves.map((t, i) => trace.input(t.type, paramName(paths[i])));
  let out: unknown;
  try {
    out = withTrace(trace, () => fn(...(unflatten(def, inputs) as unknown[])));
  } catch (e) {
    if (e instanceof KilnError) e.message += `\n  while tracing jit(${name}) with inputs (${leaves.map((t) => formatType(t.type)).join(', ')})`;
    throw e;
  }
  if (out instanceof Promise) throw new KilnError(`jit(${name}): the function returned a Promise; jitted functions must be synchronous`);
  const result = flatten(out, 'result');
  const results = result.leaves.map((t) => trace.valueOf(t));
  const graph = verifyGraph(trace.builder.build(results));
  return { graph, captured: trace.capturedTensors, outDef: result.def, executables: new Map() };
}

export function jit<F extends (...args: any[]) => any>(fn: F, options: JitOptions = {}): Jitted<F> {
  if (typeof fn !== 'function') throw new KilnError(`jit: expected a function, got ${typeof fn}`);
  const name = graphName(fn, options);
  const cache = new Map<string, CacheEntry>();
  let traceCount = 0;

  const entryFor = (args: unknown[]): { entry: CacheEntry; leaves: Tensor[] } => {
    const { leaves, def } = flatten(args);
    const key = signatureKey(def, leaves);
    let entry = cache.get(key);
    if (!entry) {
      entry = traceFunction(fn, args, name);
      traceCount++;
      cache.set(key, entry);
    }
    return { entry, leaves };
  };

  const run = (...args: unknown[]): unknown => {
    // Inside another trace, a jitted function is simply inlined into it.
    if (activeTrace()) return fn(...args);
    const { entry, leaves } = entryFor(args);
    const backend = backendInstance();
    let exe = entry.executables.get(backend.name);
    if (!exe) {
      exe = backend.compile(entry.graph, { dump: options.dump, exactReductions: options.exactReductions });
      entry.executables.set(backend.name, exe);
    }
    const inputs = [...leaves, ...entry.captured].map((t) => storageOn(backend, t, 'jit'));
    const outputs = exe.run(inputs);
    // An output that aliases an input or another output (e.g. `x => x`) gets its own copy, so
    // every returned tensor owns its storage.
    const seen = new Set<Storage>(inputs);
    const tensors = outputs.map((s) => {
      const own = seen.has(s) ? backend.execOp('reshape', [s], {}, s.type) : s;
      seen.add(own);
      return Tensor.fromStorage(backend, own);
    });
    return unflatten(entry.outDef, tensors);
  };

  const jitted = Object.assign(run, {
    lower(...args: unknown[]): Lowered {
      const { entry } = entryFor(args);
      let compilation: Compilation | undefined;
      // Compile for the current backend's constraints, as running would.
      const limits = getBackend() === 'webgpu' ? webgpuLimits() : undefined;
      const fusion = limits ? { maxBuffers: limits.maxStorageBuffersPerShaderStage } : undefined;
      const compiled = () => (compilation ??= new Compilation(entry.graph, { dump: false, fusion }));
      return {
        graph: entry.graph,
        asText(stage: Stage = 'graph') {
          switch (stage) {
            case 'graph': return printGraph(entry.graph);
            case 'fused': return printGraph(compiled().loop.fused);
            case 'loop': return printProgram(compiled().loop.program);
            case 'wat': return watOf(compiled().wasm.bytes);
            case 'wgsl': return printWgslProgram(compiled().wgsl(webgpuLimits() ?? DEFAULT_DEVICE_LIMITS));
            default: throw new KilnError(`lower().asText: unknown stage '${stage}'; stages are ${STAGES.join(', ')}`);
          }
        },
        stats() {
          const { program, memory } = compiled().loop;
          return { kernels: program.kernels.length, ...memory };
        },
      };
    },
    clearCache() {
      cache.clear();
    },
  });
  Object.defineProperty(jitted, 'traceCount', { get: () => traceCount });
  return jitted as unknown as Jitted<F>;
}

