#!/usr/bin/env node
/**
 * The `kiln` command line:
 *
 *   kiln compile <file.ts|file.js|file.kgraph> [--fn name] --input x:f32[64,784] ... --out <dir>
 *                [--target wasm|webgpu|all] [--name mlp] [--embed-weights] [--verbose]
 *   kiln dump <file> [--fn name] --input ... --out <dir>
 *   kiln opt <file.kgraph|file.kloop> --passes cse,dce,...
 *
 * Exit codes: 0 ok, 1 compile error (message on stderr), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { watOf } from '../codegen-wasm/index.js';
import { stopThreads } from '../codegen-wasm/threads.js';
import { DEFAULT_DEVICE_LIMITS, printWgslProgram } from '../codegen-wgsl/index.js';
import { Compilation } from '../frontend/compile.js';
import { init } from '../frontend/index.js';
import {
  type DType, type Graph, KilnError, ParseError, type Program, formatType, parseDType, parseGraph, parseProgram, printGraph, printProgram,
} from '../ir/index.js';
import { createPassContext, runPass } from '../passes/manager.js';
import { canonicalize, constantFold, cse, dce, graphCleanup } from '../passes/graph/index.js';
import { hoist, loopOptimize, simplify, vectorize } from '../passes/loop/index.js';
import { planMemory } from '../passes/memory-plan.js';
import type { AnyPass } from '../passes/pass.js';
import { fusion, lower } from '../passes/pipeline.js';
import { AOT_TARGETS, type AotTarget, compileModule, withSafeParamNames, writeModuleFiles } from './compile.js';
import { type InputSpec, traceForAot } from './trace.js';

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE = `usage:
  kiln compile <file.ts|file.js|file.kgraph> [--fn name] --input name:f32[64,784] ... --out <dir>
               [--target wasm|webgpu|all] [--name <module>] [--embed-weights] [--verbose]
  kiln dump <file.ts|file.js|file.kgraph> [--fn name] --input ... --out <dir>
  kiln opt <file.kgraph|file.kloop> --passes cse,dce,canonicalize,constant-fold,fusion,lower,simplify,hoist,vectorize,...

input specs: [name:]dtype[d0,d1,...] with dtype f32|i32|u32|bool (or float32, int32, uint32); [] is a scalar.
exit codes: 0 ok, 1 compile error, 2 usage error.`;

interface Args {
  command: string;
  file?: string;
  fn?: string;
  inputs: string[];
  target: string;
  out?: string;
  name?: string;
  embedWeights: boolean;
  verbose: boolean;
  passes?: string;
}

const VALUE_FLAGS = new Set(['--fn', '--input', '--target', '--out', '--name', '--passes']);

export function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') throw new UsageError('');
  if (!['compile', 'dump', 'opt'].includes(command)) throw new UsageError(`unknown command '${command}'`);
  const args: Args = { command, inputs: [], target: 'wasm', embedWeights: false, verbose: false };
  for (let i = 0; i < rest.length; i++) {
    let arg = rest[i];
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (VALUE_FLAGS.has(arg)) {
      if (value === undefined) {
        value = rest[++i];
        if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      }
      switch (arg) {
        case '--fn': args.fn = value; break;
        case '--input': args.inputs.push(value); break;
        case '--target': args.target = value; break;
        case '--out': args.out = value; break;
        case '--name': args.name = value; break;
        case '--passes': args.passes = value; break;
      }
    } else if (arg === '--embed-weights') args.embedWeights = true;
    else if (arg === '--verbose' || arg === '-v') args.verbose = true;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
    else if (args.file === undefined) args.file = arg;
    else throw new UsageError(`unexpected argument '${arg}' (one input file only)`);
  }
  if (!args.file) throw new UsageError(`kiln ${command}: missing the input file`);
  return args;
}

/** `x:f32[64,784]`, `f32[64,784]` (named `arg<i>`), `bool[]`. */
export function parseInputSpec(text: string, index: number): InputSpec {
  const m = /^(?:([A-Za-z_$][A-Za-z0-9_$]*):)?([A-Za-z0-9]+)\[([^\]]*)\]$/.exec(text.trim());
  if (!m) throw new UsageError(`bad input spec '${text}': expected [name:]dtype[dims], e.g. x:f32[64,784]`);
  const dtype = parseDType(m[2]);
  if (!dtype) throw new UsageError(`bad input spec '${text}': unknown dtype '${m[2]}' (f32, i32, u32 or bool)`);
  const dims = m[3].trim() === '' ? [] : m[3].split(',').map((d) => d.trim());
  const shape = dims.map((d) => {
    if (!/^\d+$/.test(d)) throw new UsageError(`bad input spec '${text}': dimension '${d}' is not a non-negative integer`);
    return Number(d);
  });
  return { name: m[1] ?? `arg${index}`, dtype: dtype as DType, shape };
}

const ms = (t: number) => `${t.toFixed(t < 10 ? 1 : 0)} ms`;
const kb = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(2)} MiB`);

function fileError(file: string, e: unknown): unknown {
  if (e instanceof ParseError) return new KilnError(`${file}:${e.message}`);
  return e;
}

/** Where `import ... from 'kiln'` in a user module must point: this very build. */
function kilnEntry(sub: 'frontend' | 'ir'): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const ext = extname(fileURLToPath(import.meta.url)) || '.js';
  return resolve(here, '..', sub, `index${ext}`);
}

/** Bundles a .ts/.js module with esbuild (kiln itself left external, pointing at this build) and imports it. */
async function importUserModule(file: string, verbose: boolean): Promise<Record<string, unknown>> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new KilnError(`loading ${file} needs esbuild (npm install esbuild)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'kiln-cli-'));
  const outfile = join(dir, `${basename(file, extname(file))}.mjs`);
  try {
    const result = await esbuild.build({
      entryPoints: [file],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile,
      logLevel: 'silent',
      plugins: [{
        name: 'kiln',
        setup(build) {
          build.onResolve({ filter: /^kiln(\/ir)?$/ }, (a) => ({ path: pathToFileURL(kilnEntry(a.path === 'kiln/ir' ? 'ir' : 'frontend')).href, external: true }));
        },
      }],
    }).catch((e: { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }) => {
      const first = e.errors?.[0];
      const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: ` : '';
      throw new KilnError(`cannot bundle ${file}: ${where}${first?.text ?? String(e)}`);
    });
    if (verbose) for (const w of result.warnings) process.stderr.write(`warning: ${w.text}\n`);
    return (await import(pathToFileURL(outfile).href)) as Record<string, unknown>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Fn = (...args: any[]) => unknown;

function pickFunction(mod: Record<string, unknown>, fnName: string | undefined, file: string): { fn: Fn; name: string } {
  const fns = Object.entries(mod).filter(([, v]) => typeof v === 'function');
  if (fnName !== undefined) {
    const v = mod[fnName];
    if (typeof v !== 'function') {
      throw new UsageError(`${file} has no exported function '${fnName}'; its exported functions: ${fns.map(([k]) => k).join(', ') || 'none'}`);
    }
    return { fn: v as Fn, name: fnName };
  }
  if (typeof mod.default === 'function') return { fn: mod.default as Fn, name: (mod.default as Fn).name || basename(file, extname(file)) };
  if (fns.length === 1) return { fn: fns[0][1] as Fn, name: fns[0][0] };
  throw new UsageError(`${file}: pick the function to compile with --fn (exported functions: ${fns.map(([k]) => k).join(', ') || 'none'})`);
}

interface Loaded {
  graph: Graph;
  captured: import('../ir/index.js').TypedArray[];
  inputNames: string[];
  outputNames?: string[];
  fnName: string;
  timings: [string, number][];
}

async function loadGraph(args: Args): Promise<Loaded> {
  const file = args.file!;
  const specs = args.inputs.map(parseInputSpec);
  const ext = extname(file);
  const timings: [string, number][] = [];
  let t = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    timings.push([stage, now - t]);
    t = now;
  };
  if (ext === '.kgraph') {
    const graph = (() => {
      try {
        return parseGraph(readFileText(file));
      } catch (e) {
        throw fileError(file, e);
      }
    })();
    lap('parse');
    if (specs.length > 0) {
      if (specs.length !== graph.params.length) throw new UsageError(`${file}: the graph has ${graph.params.length} params but ${specs.length} --input specs were given`);
      specs.forEach((s, i) => {
        const want = formatType(graph.params[i].type);
        const got = formatType({ dtype: s.dtype, shape: s.shape });
        if (want !== got) throw new UsageError(`${file}: param ${i} is ${want} but --input ${args.inputs[i]} says ${got}`);
      });
    }
    const inputNames = graph.params.map((p, i) => (specs.length > 0 && /:/.test(args.inputs[i]) ? specs[i].name : p.name ?? `arg${i}`));
    return { graph, captured: [], inputNames, fnName: graph.name, timings };
  }
  if (!['.ts', '.mts', '.js', '.mjs', '.tsx', '.jsx'].includes(ext)) throw new UsageError(`${file}: expected a .ts, .js or .kgraph file`);
  if (specs.length === 0) throw new UsageError(`kiln ${args.command} ${file}: give the function's inputs with --input name:dtype[dims] (e.g. --input x:f32[64,784])`);
  await stat(file).catch(() => {
    throw new KilnError(`${file}: no such file`);
  });
  await init(); // the default (wasm) backend: user modules create their weights at import
  lap('init');
  const mod = await importUserModule(resolve(file), args.verbose);
  lap('load');
  const { fn, name } = pickFunction(mod, args.fn, file);
  const traced = await traceForAot(fn, specs, name.replace(/[^A-Za-z0-9_]/g, '_'));
  lap('trace');
  return { graph: traced.graph, captured: traced.captured, inputNames: traced.inputNames, outputNames: traced.outputNames, fnName: name, timings };
}

function readFileText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new KilnError(`${file}: cannot read the file`);
  }
}

async function commandCompile(args: Args, log: (s: string) => void): Promise<void> {
  if (!(AOT_TARGETS as readonly string[]).includes(args.target)) throw new UsageError(`unknown target '${args.target}' (${AOT_TARGETS.join(', ')})`);
  const target = args.target as AotTarget;
  if (!args.out) throw new UsageError('kiln compile: missing --out <dir>');
  const loaded = await loadGraph(args);
  const name = args.name ?? (loaded.fnName.replace(/[^A-Za-z0-9_.-]/g, '_') || 'module');
  const mod = await compileModule(loaded.graph, {
    name,
    embedWeights: args.embedWeights,
    capturedConstants: loaded.captured,
    inputNames: loaded.inputNames,
    outputNames: loaded.outputNames,
    target,
  });
  const t0 = performance.now();
  const written = await writeModuleFiles(args.out, mod);
  const timings = [...loaded.timings, ['loop', mod.timings.loop], ...(target !== 'webgpu' ? [['wasm', mod.timings.wasm]] : []), ...(target !== 'wasm' ? [['wgsl', mod.timings.wgsl]] : []), ['emit', mod.timings.emit], ['write', performance.now() - t0]] as [string, number][];
  const m = mod.manifest;
  const spec = (s: { name: string; dtype: DType; shape: readonly number[]; size: number }) => `${s.name} ${formatType({ dtype: s.dtype, shape: s.shape })}`;
  log(`kiln compile ${args.file} (${loaded.fnName}) → ${args.out} [${target}]`);
  log(`  stages:  ${timings.map(([s, t]) => `${s} ${ms(t)}`).join(', ')}`);
  if (target !== 'webgpu') log(`  kernels: ${m.stats.kernels} (${m.kernels.map((k) => k.name).join(', ')})`);
  if (m.webgpu) log(`  webgpu:  ${m.webgpu.kernels.length} kernels (${m.webgpu.kernels.map((k) => k.name).join(', ')}), ${kb(m.webgpu.wgslBytes)} of WGSL, default limits (${m.webgpu.limits.maxStorageBuffersPerShaderStage} storage buffers per stage)`);
  log(`  arena:   ${m.stats.arenaBytes} bytes (${kb(m.stats.arenaBytes)}: static ${kb(m.stats.staticBytes)}, temps ${kb(m.stats.tempBytes)} planned of ${kb(m.stats.naiveTempBytes)})`);
  log(`  inputs:  ${m.inputs.map(spec).join(', ')}`);
  log(`  outputs: ${m.outputs.map((s) => `${spec(s)} (${kb(s.size * (s.dtype === 'bool' ? 1 : 4))})`).join(', ')}`);
  log(`  weights: ${m.weights.length} buffers, ${kb(m.stats.weightsBytes)}${args.embedWeights ? ' (embedded in the .js)' : ''}`);
  const sizes = await Promise.all(written.map(async (f) => `${basename(f)} ${kb((await stat(f)).size)}`));
  log(`  files:   ${sizes.join(', ')}`);
  if (args.verbose) log(`\n${printGraph(loaded.graph)}`);
}

async function commandDump(args: Args, log: (s: string) => void): Promise<void> {
  if (!args.out) throw new UsageError('kiln dump: missing --out <dir>');
  const loaded = await loadGraph(args);
  await init();
  const c = new Compilation(withSafeParamNames(loaded.graph, loaded.captured.length), { dump: args.out });
  const ctx = c.loop.ctx;
  const wasm = c.wasm;
  const { dumpStage } = await import('../passes/dump.js');
  dumpStage(ctx, 'module', 'wasm', watOf(wasm.bytes), 'wat');
  // The shaders `kiln compile --target webgpu` ships: fused within the default storage-buffer limit.
  const gpu = new Compilation(withSafeParamNames(loaded.graph, loaded.captured.length), { dump: false, fusion: { maxBuffers: DEFAULT_DEVICE_LIMITS.maxStorageBuffersPerShaderStage } });
  dumpStage(ctx, 'shaders', 'wgsl', printWgslProgram(gpu.wgsl(DEFAULT_DEVICE_LIMITS)), 'wgsl');
  const dir = ctx.dump?.dir ?? args.out;
  const files = (await readdir(dir)).sort();
  log(`kiln dump ${args.file} (${loaded.fnName}) → ${relative(process.cwd(), dir) || dir}: ${files.length} files`);
  for (const f of files) log(`  ${f}`);
}

const GRAPH_PASSES: Record<string, () => AnyPass> = {
  canonicalize: () => canonicalize,
  'constant-fold': () => constantFold,
  cse: () => cse,
  dce: () => dce,
  cleanup: () => graphCleanup(),
  fusion: () => fusion,
  lower: () => lower,
};
const LOOP_PASSES: Record<string, () => AnyPass> = {
  simplify: () => simplify,
  hoist: () => hoist,
  vectorize: () => vectorize,
  'loop-optimize': () => loopOptimize(),
  'memory-plan': () => ({
    name: 'memory-plan',
    level: 'loop',
    run: (ir: Program) => ({ ir: planMemory(ir).program, changed: true }),
  }),
};

async function commandOpt(args: Args, log: (s: string) => void): Promise<void> {
  const file = args.file!;
  if (args.passes === undefined) throw new UsageError('kiln opt: missing --passes p1,p2,...');
  const names = args.passes.split(',').map((s) => s.trim()).filter(Boolean);
  const known = [...Object.keys(GRAPH_PASSES), ...Object.keys(LOOP_PASSES)];
  for (const n of names) {
    if (!(n in GRAPH_PASSES) && !(n in LOOP_PASSES)) throw new KilnError(`unknown pass '${n}'; passes: ${known.join(', ')}`);
  }
  const ext = extname(file);
  if (ext !== '.kgraph' && ext !== '.kloop') throw new UsageError(`${file}: kiln opt reads .kgraph or .kloop files`);
  const text = readFileText(file);
  let level: 'graph' | 'loop' = ext === '.kgraph' ? 'graph' : 'loop';
  let ir: unknown;
  try {
    ir = level === 'graph' ? parseGraph(text) : parseProgram(text);
  } catch (e) {
    throw fileError(file, e);
  }
  const ctx = createPassContext({});
  for (const n of names) {
    const pass = (GRAPH_PASSES[n] ?? LOOP_PASSES[n])();
    const wants = pass.inputLevel ?? pass.level;
    if (wants !== level) throw new KilnError(`pass '${n}' works on ${wants} IR but the IR is ${level} IR at that point${level === 'graph' ? " (add 'lower' before it)" : ''}`);
    const t0 = performance.now();
    ir = runPass(pass, ir, ctx).ir;
    level = pass.level as 'graph' | 'loop';
    if (args.verbose) process.stderr.write(`${n}: ${ms(performance.now() - t0)}\n`);
  }
  const out = level === 'graph' ? printGraph(ir as Graph) : printProgram(ir as Program);
  if (args.out) await writeFile(args.out, out);
  else log(out.replace(/\n$/, ''));
}

export async function main(argv: readonly string[], log: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<number> {
  let verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    const args = parseArgs(argv);
    verbose = args.verbose;
    if (args.command === 'compile') await commandCompile(args, log);
    else if (args.command === 'dump') await commandDump(args, log);
    else await commandOpt(args, log);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) process.stderr.write(`kiln: ${e.message}\n\n`);
      process.stderr.write(`${USAGE}\n`);
      return e.message ? 2 : argv.length === 0 ? 2 : 0;
    }
    const err = e as Error;
    process.stderr.write(`kiln: error: ${err?.message ?? String(e)}\n`);
    if (verbose && err?.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

const invoked = process.argv[1] && resolve(process.argv[1]);
const self = fileURLToPath(import.meta.url);
if (invoked && (invoked === self || invoked === self.replace(/\.js$/, '') || (await realpathOr(invoked)) === self)) {
  const code = await main(process.argv.slice(2));
  stopThreads();
  process.exit(code);
}

async function realpathOr(p: string): Promise<string> {
  const { realpath } = await import('node:fs/promises');
  return realpath(p).catch(() => p);
}
