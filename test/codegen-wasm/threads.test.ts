/**
 * Multi-threaded wasm runs: programs from the real pipeline (graph → compileToProgram → wasm with
 * `shared: true`) give bit-identical results on 1, 2 and 3 threads; a trap in a worker becomes an
 * error on the calling thread naming the kernel; the pool is reused across runs and programs;
 * workers that cannot start are reported, never waited for; the built dist/ worker runs from a
 * child Node process that exits by itself.
 *
 * These tests run Kiln's TypeScript sources, where codegen-wasm/worker.js does not exist: the
 * worker entry is transpiled to a temporary .mjs file (it imports nothing) and the pools load it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Graph, type Program, type TypedArray, parseGraph } from '../../ir/index.js';
import { loadBinaryen } from '../../codegen-wasm/binaryen.js';
import { compileProgram } from '../../codegen-wasm/codegen.js';
import { instantiateProgram, unshareMemoryImport } from '../../codegen-wasm/runtime.js';
import {
  ThreadPool, WasmThreadError, defaultThreadPool, getThreads, hardwareThreads, setThreads, setWorkerUrl, stopThreads, threadSupport,
} from '../../codegen-wasm/threads.js';
import { compileToProgram } from '../../passes/pipeline.js';
import { randomInputs } from '../passes/random-inputs.js';
import { binary, f32, i32, kernel, load, mismatches, select, singleKernelProgram, store, v } from './build.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
let tempDir = '';
let workerUrl: URL;
/** One pool of two workers serves every 2- and 3-thread run in this file. */
let pool: ThreadPool;

beforeAll(async () => {
  await loadBinaryen();
  tempDir = mkdtempSync(join(tmpdir(), 'kiln-threads-'));
  const source = readFileSync(join(REPO, 'codegen-wasm/worker.ts'), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = join(tempDir, 'worker.mjs');
  writeFileSync(file, js);
  workerUrl = pathToFileURL(file);
  setWorkerUrl(workerUrl);
  pool = await ThreadPool.create(2, { workerUrl });
});

afterAll(() => {
  pool?.terminate();
  stopThreads();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});

// ---- programs from the real pipeline ----------------------------------------------------------

const mlpLayer = (b: number, i: number, o: number): Graph => parseGraph(`graph @mlp_layer(%x: f32[${b},${i}], %w: f32[${i},${o}], %b: f32[${o}]) -> (f32[${b},${o}]) {
  %0 = dot_general %x, %w {batch=[[],[]], contract=[[1],[0]]} : f32[${b},${o}]
  %1 = broadcast %b {dims=[1]} : f32[${b},${o}]
  %2 = add %0, %1 : f32[${b},${o}]
  %z = const {value=0.0} : f32[${b},${o}]
  %3 = max %2, %z : f32[${b},${o}]
  return %3
}`);

const softmaxRows = (r: number, c: number): Graph => parseGraph(`graph @softmax_rows(%x: f32[${r},${c}]) -> (f32[${r},${c}]) {
  %0 = reduce %x {op=max, axes=[1]} : f32[${r}]
  %1 = broadcast %0 {dims=[0]} : f32[${r},${c}]
  %2 = sub %x, %1 : f32[${r},${c}]
  %3 = exp %2 : f32[${r},${c}]
  %4 = reduce %3 {op=sum, axes=[1]} : f32[${r}]
  %5 = broadcast %4 {dims=[0]} : f32[${r},${c}]
  %6 = div %3, %5 : f32[${r},${c}]
  return %6
}`);

/** Two layers and a softmax, with a column sum: several launches that pass temps to each other. */
const twoLayers = parseGraph(`graph @two_layers(%x: f32[23,40], %w1: f32[40,32], %b1: f32[32], %w2: f32[32,10]) -> (f32[23,10], f32[32]) {
  %0 = dot_general %x, %w1 {batch=[[],[]], contract=[[1],[0]]} : f32[23,32]
  %1 = broadcast %b1 {dims=[1]} : f32[23,32]
  %2 = add %0, %1 : f32[23,32]
  %3 = tanh %2 : f32[23,32]
  %4 = dot_general %3, %w2 {batch=[[],[]], contract=[[1],[0]]} : f32[23,10]
  %5 = reduce %4 {op=max, axes=[1]} : f32[23]
  %6 = broadcast %5 {dims=[0]} : f32[23,10]
  %7 = sub %4, %6 : f32[23,10]
  %8 = exp %7 : f32[23,10]
  %9 = reduce %8 {op=sum, axes=[1]} : f32[23]
  %10 = broadcast %9 {dims=[0]} : f32[23,10]
  %11 = div %8, %10 : f32[23,10]
  %12 = reduce %3 {op=sum, axes=[0]} : f32[32]
  return %11, %12
}`);

const gridOfOne = parseGraph(`graph @total(%x: f32[300]) -> (f32[]) {
  %0 = reduce %x {op=sum, axes=[0]} : f32[]
  return %0
}`);

/** Grid-less kernels: codegen splits their outer loop into a grid (outer-split.ts). */
const flatElementwise = parseGraph(`graph @flat(%x: f32[300,400]) -> (f32[300,400]) {
  %0 = tanh %x : f32[300,400]
  return %0
}`);

const rowSums = parseGraph(`graph @row_sums(%x: f32[512,128]) -> (f32[512]) {
  %0 = reduce %x {op=sum, axes=[1]} : f32[512]
  return %0
}`);

const zeroSize = parseGraph(`graph @empty(%x: f32[0,7]) -> (f32[0,7]) {
  %0 = exp %x : f32[0,7]
  return %0
}`);

interface Case {
  readonly name: string;
  readonly graph: Graph;
  /** Whether some launch is big enough to be split across 2 threads. */
  readonly splits: boolean;
}

const CASES: readonly Case[] = [
  { name: 'an MLP layer (matmul + bias + relu)', graph: mlpLayer(37, 64, 48), splits: true },
  { name: 'an MLP layer whose weights are packed first (codegen-wasm/pack.ts)', graph: mlpLayer(70, 300, 232), splits: true },
  { name: 'softmax over rows', graph: softmaxRows(29, 130), splits: true },
  { name: 'a multi-launch program with temps', graph: twoLayers, splits: true },
  { name: 'a flat elementwise kernel (no grid of its own)', graph: flatElementwise, splits: true },
  { name: 'row sums vectorized across rows (no grid of its own)', graph: rowSums, splits: true },
  { name: 'a grid of 1 (a full reduction)', graph: gridOfOne, splits: false },
  { name: 'a zero-size grid', graph: zeroSize, splits: false },
];

function planned(g: Graph): Program {
  return compileToProgram(g).program;
}

function expectBitIdentical(got: readonly TypedArray[], want: readonly TypedArray[]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((g, k) => {
    expect(g.constructor).toBe(want[k].constructor);
    expect(mismatches(g, want[k])).toEqual([]);
  });
}

describe('threaded runs are bit-identical to single-threaded ones', () => {
  for (const c of CASES) {
    it(`${c.name}, on 1, 2 and 3 threads`, () => {
      const p = planned(c.graph);
      const inputs = [1, 2].map((seed) => randomInputs(c.graph, seed).map((t) => t.data));
      const reference = instantiateProgram(p, compileProgram(p));
      const want = inputs.map((values) => reference.run(values));
      const shared = compileProgram(p, { shared: true });
      for (const threads of [1, 2, 3]) {
        const before = pool.stats;
        const instance = instantiateProgram(p, shared, { threads, pool });
        expect(instance.shared).toBe(true);
        inputs.forEach((values, k) => expectBitIdentical(instance.run(values), want[k]));
        const after = pool.stats;
        const threaded = after.threadedLaunches - before.threadedLaunches;
        if (threads > 1 && c.splits) expect(threaded).toBeGreaterThan(0);
        else expect(threaded).toBe(0);
        instance.dispose();
      }
    });
  }

  it('the packed MLP layer really runs a pack launch', () => {
    expect(compileProgram(planned(mlpLayer(70, 300, 232))).exports.launches.map((l) => l.kernel)).toEqual([expect.stringMatching(/^pack_/), expect.any(String)]);
  });

  it('the multi-launch program really has several launches and temps', () => {
    const p = planned(twoLayers);
    expect(p.launches.length).toBeGreaterThanOrEqual(3);
    expect(p.buffers.some((b) => b.role === 'temp')).toBe(true);
    expect(compileProgram(planned(gridOfOne)).exports.launches.map((l) => l.gridSize)).toEqual([1]);
    expect(compileProgram(planned(zeroSize)).exports.launches.every((l) => l.gridSize === 0)).toBe(true);
  });

  it('uneven grids split into contiguous chunks that cover the grid exactly once (3 threads)', () => {
    // Each iteration adds its own index to out[i]: a missed or repeated iteration shows.
    for (const n of [6, 7, 8, 100, 101]) {
      const k = kernel('mark', [['out', 'int32', n, 'rw']], [['i', n]], [store('out', v('i'), binary('add', load('out', 'int32', v('i')), binary('add', v('i'), i32(1))))]);
      const p = singleKernelProgram(k);
      const instance = instantiateProgram(p, compileProgram(p, { shared: true }), { threads: 3, pool });
      instance.view('out').fill(0);
      expect([...instance.run([])[0]]).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      instance.dispose();
    }
  });
});

// ---- errors ---------------------------------------------------------------------------------------

/** y[i] = x[i], except that iterations i >= from read far outside the memory (a trap). */
function trappingProgram(n: number, from: number): Program {
  const index = select(binary('ge', v('i'), i32(from)), i32(100_000_000), v('i'));
  return singleKernelProgram(kernel('oob_read', [['x', 'float32', n, 'r'], ['y', 'float32', n, 'w']], [['i', n]], [store('y', v('i'), load('x', 'float32', index))]));
}

describe('errors', () => {
  it('a trap in a worker becomes an error on the calling thread naming the kernel and the range', () => {
    const p = trappingProgram(8, 6);
    const instance = instantiateProgram(p, compileProgram(p, { shared: true }), { threads: 2, pool });
    const run = () => instance.run([new Float32Array(8)]);
    expect(run).toThrow(WasmThreadError);
    expect(run).toThrow(/kernel @oob_read \(launch 0\) failed on worker thread 1 of 2 over grid iterations \[4, 8\): RuntimeError: memory access out of bounds/);
    // The pool is still usable, by this program (after fixing its input range) and by others.
    const ok = trappingProgram(8, 8);
    const fine = instantiateProgram(ok, compileProgram(ok, { shared: true }), { threads: 2, pool });
    expect([...fine.run([Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8])])[0]]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a trap on the calling thread while workers run their chunks also names the kernel (3 threads)', () => {
    const p = trappingProgram(9, 0);
    const instance = instantiateProgram(p, compileProgram(p, { shared: true }), { threads: 3, pool });
    expect(() => instance.run([new Float32Array(9)])).toThrow(/kernel @oob_read \(launch 0\) failed on the calling thread over grid iterations \[0, 3\)/);
    // Only the last chunk traps: worker thread 2 of 3.
    const late = trappingProgram(9, 8);
    const other = instantiateProgram(late, compileProgram(late, { shared: true }), { threads: 3, pool });
    expect(() => other.run([new Float32Array(9)])).toThrow(/failed on worker thread 2 of 3 over grid iterations \[6, 9\)/);
  });

  it('a worker script that cannot load rejects the pool instead of hanging', async () => {
    const missing = pathToFileURL(join(tempDir, 'no-such-worker.mjs'));
    await expect(ThreadPool.create(1, { workerUrl: missing })).rejects.toThrow(/a wasm worker thread failed to start from .*no-such-worker\.mjs/);
  });

  it('bad thread counts are rejected', async () => {
    const p = planned(gridOfOne);
    expect(() => instantiateProgram(p, compileProgram(p, { shared: true }), { threads: 0, pool })).toThrow(/threads must be an integer >= 1, got 0/);
    await expect(ThreadPool.create(-1)).rejects.toThrow(/workers must be an integer >= 0/);
    expect(() => setThreads(1.5)).toThrow(/threads must be an integer >= 1/);
    expect(() => compileProgram(p, { shared: true, maxPages: 0 })).toThrow(/maxPages 0 .* must be an integer in \[1, 65536\]/);
  });
});

// ---- the pool, shared memory and fallbacks ------------------------------------------------------------

describe('the pool', () => {
  it('is reused across runs and programs: workers start once, each program loads once per worker', async () => {
    const own = await ThreadPool.create(2, { workerUrl });
    try {
      const p = planned(mlpLayer(16, 8, 8));
      const compiled = compileProgram(p, { shared: true });
      const instance = instantiateProgram(p, compiled, { threads: 3, pool: own });
      const values = randomInputs(mlpLayer(16, 8, 8), 3).map((t) => t.data);
      const first = instance.run(values);
      expect(own.stats).toEqual({ workersStarted: 2, loads: 2, threadedLaunches: 1, singleLaunches: 0 });
      for (let r = 0; r < 5; r++) expectBitIdentical(instance.run(values), first);
      expect(own.stats).toEqual({ workersStarted: 2, loads: 2, threadedLaunches: 6, singleLaunches: 0 });
      // A second program on the same pool loads into the same workers; 2 threads load it into one.
      const q = planned(softmaxRows(8, 16));
      instantiateProgram(q, compileProgram(q, { shared: true }), { threads: 2, pool: own }).run([new Float32Array(128)]);
      expect(own.stats).toMatchObject({ workersStarted: 2, loads: 3 });
      // After dispose the workers forget the program; the next run loads it again.
      instance.dispose();
      instance.run(values);
      expect(own.stats).toMatchObject({ workersStarted: 2, loads: 5 });
    } finally {
      own.terminate();
    }
  });

  it('tiny grids (< 2 iterations per thread) run on the calling thread alone', () => {
    const p = singleKernelProgram(kernel('tiny', [['y', 'float32', 3, 'w']], [['i', 3]], [store('y', v('i'), f32(7))]));
    const before = pool.stats;
    expect([...instantiateProgram(p, compileProgram(p, { shared: true }), { threads: 3, pool }).run([])[0]]).toEqual([7, 7, 7]);
    expect(pool.stats.singleLaunches - before.singleLaunches).toBe(1);
    expect(pool.stats.threadedLaunches).toBe(before.threadedLaunches);
  });

  it('a pool resized down and up keeps working; a terminated pool leaves runs on the calling thread', async () => {
    const own = await ThreadPool.create(1, { workerUrl });
    const p = planned(softmaxRows(12, 20));
    const values = randomInputs(softmaxRows(12, 20), 4).map((t) => t.data);
    const want = instantiateProgram(p, compileProgram(p)).run(values);
    const instance = instantiateProgram(p, compileProgram(p, { shared: true }), { threads: 3, pool: own });
    expectBitIdentical(instance.run(values), want);
    await own.resize(2);
    expect(own.threads).toBe(3);
    expectBitIdentical(instance.run(values), want);
    await own.resize(0);
    expectBitIdentical(instance.run(values), want);
    own.terminate();
    expectBitIdentical(instance.run(values), want);
    expect(own.workerCount).toBe(0);
  });

  it('setThreads starts the default pool; shared modules use it by default', async () => {
    expect(threadSupport()).toEqual({ available: true, sharedMemory: true });
    expect(hardwareThreads()).toBeGreaterThanOrEqual(1);
    expect(await setThreads(2)).toBe(2);
    expect(getThreads()).toBe(2);
    const defaultPool = defaultThreadPool();
    expect(defaultPool?.threads).toBe(2);
    const p = planned(mlpLayer(20, 12, 6));
    const values = randomInputs(mlpLayer(20, 12, 6), 5).map((t) => t.data);
    const before = defaultPool!.stats;
    expectBitIdentical(instantiateProgram(p, compileProgram(p, { shared: true })).run(values), instantiateProgram(p, compileProgram(p)).run(values));
    expect(defaultPool!.stats.threadedLaunches).toBe(before.threadedLaunches + 1);
    expect(await setThreads(1)).toBe(1);
    expect(defaultPool!.workerCount).toBe(0);
    stopThreads();
  });
});

describe('shared memory', () => {
  it('shared modules import a shared memory with a maximum; unshared ones are unchanged', () => {
    const p = planned(mlpLayer(4, 4, 4));
    const unshared = compileProgram(p);
    expect(unshared.memory.shared).toBeUndefined();
    const shared = compileProgram(p, { shared: true });
    expect(shared.memory).toEqual({ ...unshared.memory, shared: { maxPages: 65536 } });
    expect(compileProgram(p, { shared: true, maxPages: 40 }).memory.shared).toEqual({ maxPages: 40 });
    expect(instantiateProgram(p, shared, { threads: 1 }).memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(instantiateProgram(p, unshared, { threads: 3, pool }).memory.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('a shared module runs unshared (on the calling thread) with an unshared memory, by rewriting its import', () => {
    const p = planned(softmaxRows(6, 8));
    const shared = compileProgram(p, { shared: true });
    const unshared = compileProgram(p);
    expect(unshareMemoryImport(unshared.bytes)).toBe(unshared.bytes);
    // Only the memory import's limits change: shared with a maximum → unshared without one (3 bytes shorter here).
    expect(unshareMemoryImport(shared.bytes).length).toBe(shared.bytes.length - 3);
    const Memory = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer; grow(n: number): number } } }).WebAssembly.Memory;
    const memory = new Memory({ initial: shared.memory.minPages });
    const instance = instantiateProgram(p, shared, { memory, threads: 3, pool });
    expect(instance.shared).toBe(false);
    const values = randomInputs(softmaxRows(6, 8), 6).map((t) => t.data);
    expectBitIdentical(instance.run(values), instantiateProgram(p, compileProgram(p)).run(values));
  });
});

// ---- the built worker, from a child process ---------------------------------------------------------

const DIST_WORKER = join(REPO, 'dist/codegen-wasm/worker.js');

describe('dist/', () => {
  it.runIf(existsSync(DIST_WORKER))('the built worker runs a threaded program and Node exits by itself afterwards', () => {
    const script = `
      import { parseGraph } from ${JSON.stringify(pathToFileURL(join(REPO, 'dist/ir/index.js')).href)};
      import { compileToProgram } from ${JSON.stringify(pathToFileURL(join(REPO, 'dist/passes/pipeline.js')).href)};
      import { init, compileProgram, instantiateProgram, setThreads, defaultThreadPool, threadsFailure } from ${JSON.stringify(pathToFileURL(join(REPO, 'dist/codegen-wasm/index.js')).href)};
      await init();
      const g = parseGraph(${JSON.stringify(`graph @g(%x: f32[64,16]) -> (f32[64,16]) {
  %0 = exp %x : f32[64,16]
  return %0
}`)});
      const p = compileToProgram(g).program;
      const x = Float32Array.from({ length: 1024 }, (_, i) => i / 1024);
      const want = instantiateProgram(p, compileProgram(p)).run([x])[0];
      const threads = await setThreads(2);
      const got = instantiateProgram(p, compileProgram(p, { shared: true })).run([x])[0];
      const same = got.every((v, i) => Object.is(v, want[i]));
      console.log(JSON.stringify({ threads, same, threaded: defaultThreadPool()?.stats.threadedLaunches, failure: threadsFailure() }));
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(result.signal, `the child did not exit by itself: ${result.stderr}`).toBeNull();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual({ threads: 2, same: true, threaded: 1 });
  });
});
