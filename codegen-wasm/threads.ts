/**
 * Worker threads for the wasm runtime: a pool of workers (Node `worker_threads`, or module Web
 * Workers in a browser; told apart at run time) that run parts of a launch's grid over the same
 * shared `WebAssembly.Memory` as the calling thread.
 *
 * Each worker instantiates a program's module once (the `WebAssembly.Module` and the shared memory
 * are posted to it; both are structured-cloneable). To run a launch, its flattened grid
 * `[0, gridSize)` is cut into contiguous chunks, one per thread; the calling thread takes the
 * first chunk, wakes one worker per remaining chunk with `Atomics.notify` on the worker's slot in
 * a small control region (its own SharedArrayBuffers, never the arena), runs its chunk, then
 * blocks in `Atomics.wait` until every worker has counted down a shared `pending` word. A trap in
 * a worker is caught there and its text written to the worker's slot, so the caller throws a
 * `WasmThreadError` naming the kernel; nothing relies on time-outs. Launches, and the launches of
 * a program, still run strictly one after another: only the iterations of one launch are split,
 * and grid iterations are independent, so results are bit-identical to a single-threaded run.
 *
 * Where threads cannot work, everything runs on the calling thread: without SharedArrayBuffer or
 * shared wasm memories (a browser page that is not cross-origin isolated), without a way to start
 * workers, and on a browser's main thread, where `Atomics.wait` is not allowed (call Kiln from a
 * Web Worker there to use several threads). `threadSupport()` says which applies.
 *
 * Starting workers is asynchronous (`await setThreads(n)`, `await startThreads()` or
 * `await ThreadPool.create(n)`): a worker that fails to load must be reported by an event, which a
 * blocked thread would never see. Started workers are unref'd in Node, so they never keep the
 * process alive.
 */
import { KilnError } from '../ir/errors.js';
import type { WasmMemory } from './wasm-api.js';

/** A worker thread could not run its part of a launch (a trap) or could not load a program. */
export class WasmThreadError extends KilnError {
  override name = 'WasmThreadError';
}

/** A launch runs on several threads only when each gets at least this many grid iterations. */
export const MIN_ITERATIONS_PER_THREAD = 2;
/** Milliseconds to poll a shared word before blocking on it (worker.ts keeps its own copy). */
const POLL_MS = 0.1;

// ---- the control-region layout: keep in step with worker.ts --------------------------------------

const PENDING = 0;
const HEADER_INTS = 16;
const SEQ = 0;
const CMD = 1;
const PROGRAM = 2;
const LAUNCH = 3;
const START = 4;
const END = 5;
const STATUS = 6;
const MESSAGE_LENGTH = 7;
const MESSAGE = 8;
const MESSAGE_CHARS = 240;
/** Slot size in Int32s (a multiple of 16, i.e. whole 64-byte cache lines). */
const SLOT_INTS = 256;
const CMD_RUN = 1;
const CMD_YIELD = 2;

// ---- the environment ------------------------------------------------------------------------------

interface NodeProcess {
  readonly versions?: { readonly node?: string };
  getBuiltinModule?(id: string): unknown;
}

type NodeWorkerThreads = typeof import('node:worker_threads');
type NodeOs = typeof import('node:os');

function nodeProcess(): NodeProcess | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return proc?.versions?.node && proc.getBuiltinModule ? proc : undefined;
}

function nodeModule<T>(id: string): T | undefined {
  return nodeProcess()?.getBuiltinModule?.(id) as T | undefined;
}

interface BrowserGlobals {
  readonly crossOriginIsolated?: boolean;
  readonly navigator?: { readonly hardwareConcurrency?: number };
  readonly Worker?: new (url: string | URL, options: { type: 'module'; name: string }) => BrowserWorker;
}

interface BrowserWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'error' | 'messageerror', listener: (event: { message?: string }) => void): void;
}

const browser = globalThis as BrowserGlobals;

/** Whether this thread may block in `Atomics.wait` (not on a browser's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1);
    return true;
  } catch {
    return false;
  }
}

function sharedWasmMemoryWorks(): boolean {
  try {
    const api = (globalThis as unknown as { WebAssembly?: { Memory: new (d: object) => WasmMemory } }).WebAssembly;
    if (!api) return false;
    const memory = new api.Memory({ initial: 0, maximum: 1, shared: true });
    return typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

export interface ThreadSupport {
  /** Whether worker threads can run wasm launches from this thread. */
  readonly available: boolean;
  /** Whether this environment can create shared wasm memories (a `shared: true` module can be instantiated). */
  readonly sharedMemory: boolean;
  /** Why `available` is false. */
  readonly reason?: string;
}

let support: ThreadSupport | undefined;

/** What this environment and thread allow (computed once). */
export function threadSupport(): ThreadSupport {
  support ??= detectSupport();
  return support;
}

function detectSupport(): ThreadSupport {
  if (typeof SharedArrayBuffer !== 'function' || browser.crossOriginIsolated === false) {
    return {
      available: false, sharedMemory: false,
      reason: 'SharedArrayBuffer is unavailable (a browser page must be cross-origin isolated: COOP same-origin and COEP require-corp)',
    };
  }
  if (!sharedWasmMemoryWorks()) return { available: false, sharedMemory: false, reason: 'this WebAssembly engine cannot create shared memories' };
  if (!canBlock()) {
    return {
      available: false, sharedMemory: true,
      reason: "Atomics.wait is not allowed on this thread (a browser's main thread): call Kiln from a Web Worker to use several threads",
    };
  }
  if (!nodeModule<NodeWorkerThreads>('node:worker_threads') && typeof browser.Worker !== 'function') {
    return { available: false, sharedMemory: true, reason: 'this environment cannot start worker threads' };
  }
  return { available: true, sharedMemory: true };
}

/** The number of hardware threads: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers. */
export function hardwareThreads(): number {
  const os = nodeModule<NodeOs>('node:os');
  const n = os ? (os.availableParallelism?.() ?? os.cpus().length) : browser.navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? Math.floor(n) : 1;
}

// ---- one worker, in either environment -------------------------------------------------------------

interface WorkerEvents {
  message(data: unknown): void;
  /** The worker failed (a load error, an uncaught exception) or exited. */
  failed(reason: string): void;
}

interface WorkerHandle {
  postMessage(message: unknown): void;
  /** Stop keeping the event loop alive for this worker (Node); no-op in browsers. */
  unref(): void;
  terminate(): void;
}

function startWorker(url: string | URL, events: WorkerEvents): WorkerHandle {
  const threads = nodeModule<NodeWorkerThreads>('node:worker_threads');
  if (threads) {
    const worker = new threads.Worker(url, { execArgv: workerExecArgv() });
    worker.on('message', (data) => events.message(data));
    worker.on('error', (error) => events.failed(error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
    worker.on('messageerror', (error) => events.failed(`message error: ${String(error)}`));
    worker.on('exit', (code) => events.failed(`the worker exited (code ${code})`));
    return { postMessage: (m) => worker.postMessage(m), unref: () => worker.unref(), terminate: () => void worker.terminate().catch(() => {}) };
  }
  const BrowserWorkerClass = browser.Worker;
  if (!BrowserWorkerClass) throw new WasmThreadError('this environment cannot start worker threads');
  const worker = new BrowserWorkerClass(url, { type: 'module', name: 'kiln-wasm-worker' });
  worker.addEventListener('message', (event) => events.message(event.data));
  worker.addEventListener('error', (event) => events.failed(event.message ?? `could not load the worker script ${String(url)}`));
  worker.addEventListener('messageerror', () => events.failed('a message to the worker could not be deserialized'));
  return { postMessage: (m) => worker.postMessage(m), unref: () => {}, terminate: () => worker.terminate() };
}

/** Options about the main entry (an `-e` script and its `--input-type`) that a worker started from a file rejects. */
const ENTRY_ONLY_OPTIONS = new Set(['-e', '--eval', '-p', '--print', '--input-type', '-i', '--interactive', '-c', '--check']);
const ENTRY_OPTIONS_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--input-type']);

/** This process's Node options minus those about the main entry (a worker inherits the rest, e.g. --conditions). */
function workerExecArgv(): string[] {
  const argv = (globalThis as { process?: { execArgv?: readonly string[] } }).process?.execArgv ?? [];
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].split('=')[0];
    if (!ENTRY_ONLY_OPTIONS.has(name)) kept.push(argv[i]);
    else if (ENTRY_OPTIONS_WITH_VALUE.has(name) && !argv[i].includes('=')) i++;
  }
  return kept;
}

/** The compiled worker entry next to this file (dist/codegen-wasm/worker.js). */
let defaultWorkerUrl: string | URL = new URL('./worker.js', import.meta.url);

/**
 * Where pools load the worker script from (default: `worker.js` next to this module). Needed only
 * where that file does not exist, e.g. when running Kiln's TypeScript sources directly.
 */
export function setWorkerUrl(url: string | URL): void {
  defaultWorkerUrl = url;
}

// ---- the pool ------------------------------------------------------------------------------------

interface PoolWorker {
  readonly handle: WorkerHandle;
  readonly slot: Int32Array;
  /** Programs instantiated in this worker, by id. */
  readonly loaded: Set<number>;
}

type LaunchFunction = (start: number, end: number) => void;

/** A program registered with a pool: loaded into each worker the first time that worker runs it. */
export interface PoolProgram {
  readonly id: number;
  readonly pool: ThreadPool;
}

interface ProgramRecord {
  readonly module: object;
  readonly memory: WasmMemory;
  readonly launches: readonly string[];
}

export interface ThreadPoolOptions {
  /** The worker script (default: `setWorkerUrl`'s, i.e. `worker.js` next to this module). */
  readonly workerUrl?: string | URL;
}

export interface ThreadPoolStats {
  /** Workers started over the pool's life (replacements included). */
  readonly workersStarted: number;
  /** Program instantiations in workers. */
  readonly loads: number;
  /** Launches split across threads. */
  readonly threadedLaunches: number;
  /** Launches run on the calling thread alone (tiny grids, or no worker ready). */
  readonly singleLaunches: number;
}

/** Frees a program's instances in the workers when its handle is garbage collected. */
const unloadWhenCollected = new FinalizationRegistry<{ pool: ThreadPool; id: number }>(({ pool, id }) => pool.unload(id));

export class ThreadPool {
  /** Ready workers, in slot order. */
  private workers: PoolWorker[] = [];
  private resizing: Promise<void> = Promise.resolve();
  private readonly header = new Int32Array(new SharedArrayBuffer(HEADER_INTS * 4));
  private readonly programs = new Map<number, ProgramRecord>();
  private nextProgram = 1;
  private terminated = false;
  private counts = { workersStarted: 0, loads: 0, threadedLaunches: 0, singleLaunches: 0 };
  private readonly workerUrl: string | URL;

  private constructor(options: ThreadPoolOptions) {
    this.workerUrl = options.workerUrl ?? defaultWorkerUrl;
  }

  /** A pool of `workers` worker threads (so `workers + 1` threads with the caller), all started. */
  static async create(workers: number, options: ThreadPoolOptions = {}): Promise<ThreadPool> {
    checkCount('workers', workers, 0);
    const s = threadSupport();
    if (!s.available && workers > 0) throw new WasmThreadError(`cannot start wasm worker threads: ${s.reason}`);
    const pool = new ThreadPool(options);
    try {
      await pool.resize(workers);
    } catch (error) {
      pool.terminate();
      throw error;
    }
    return pool;
  }

  /** Ready worker threads. */
  get workerCount(): number {
    return this.workers.length;
  }

  /** Threads a launch can use: the ready workers plus the calling thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  get stats(): ThreadPoolStats {
    return { ...this.counts };
  }

  /**
   * Starts or stops workers until `workers` are ready (resizes run one after another). Rejects
   * when a new worker fails to start; the workers that did start stay.
   */
  resize(workers: number): Promise<void> {
    checkCount('workers', workers, 0);
    const next = this.resizing.then(() => this.resizeNow(workers));
    this.resizing = next.catch(() => {});
    return next;
  }

  private async resizeNow(workers: number): Promise<void> {
    if (this.terminated) throw new WasmThreadError('the thread pool was terminated');
    while (this.workers.length > workers) this.stopWorker(this.workers[this.workers.length - 1]);
    const missing = workers - this.workers.length;
    if (missing <= 0) return;
    const results = await Promise.allSettled(Array.from({ length: missing }, () => this.startOne()));
    for (const r of results) {
      if (r.status !== 'fulfilled') continue;
      if (this.terminated) this.stopWorker(r.value);
      else this.workers.push(r.value);
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private startOne(): Promise<PoolWorker> {
    return new Promise((resolve, reject) => {
      let ready = false;
      const slot = new Int32Array(new SharedArrayBuffer(SLOT_INTS * 4));
      const worker: PoolWorker = {
        handle: startWorker(this.workerUrl, {
          message: (data) => {
            if (ready || (data as { type?: unknown } | null)?.type !== 'ready') return;
            ready = true;
            worker.handle.unref();
            resolve(worker);
          },
          failed: (reason) => {
            if (!ready) {
              worker.handle.terminate();
              reject(new WasmThreadError(`a wasm worker thread failed to start from ${String(this.workerUrl)}: ${reason}`));
            } else {
              // Between runs only: a blocked caller never sees events, and workers report traps in their slots.
              this.workers = this.workers.filter((w) => w !== worker);
            }
          },
        }),
        slot,
        loaded: new Set(),
      };
      this.counts.workersStarted++;
      worker.handle.postMessage({ type: 'init', header: this.header.buffer, slot: slot.buffer });
    });
  }

  private stopWorker(w: PoolWorker): void {
    w.handle.terminate();
    this.workers = this.workers.filter((x) => x !== w);
  }

  /** Stops every worker; later launches run on the calling thread. */
  terminate(): void {
    this.terminated = true;
    for (const w of [...this.workers]) this.stopWorker(w);
    this.programs.clear();
  }

  /**
   * Registers a program (its compiled module, its shared memory and its launch functions' export
   * names, in launch order) for runs on this pool. Workers instantiate it the first time they
   * need it; they drop it when the returned handle is garbage collected or `unload`ed.
   */
  register(module: object, memory: WasmMemory, launches: readonly string[]): PoolProgram {
    if (!(memory.buffer instanceof SharedArrayBuffer)) throw new WasmThreadError('a thread pool needs a shared WebAssembly.Memory');
    const id = this.nextProgram++;
    this.programs.set(id, { module, memory, launches });
    const handle: PoolProgram = { id, pool: this };
    unloadWhenCollected.register(handle, { pool: this, id }, handle);
    return handle;
  }

  /** Drops a registered program from every worker. */
  unload(program: PoolProgram | number): void {
    const id = typeof program === 'number' ? program : program.id;
    if (typeof program !== 'number') unloadWhenCollected.unregister(program);
    if (!this.programs.delete(id)) return;
    const holders = this.workers.filter((w) => w.loaded.has(id));
    for (const w of holders) w.loaded.delete(id);
    if (holders.length > 0) this.roundTrip(holders, () => ({ type: 'unload', id }));
  }

  /**
   * Runs launch `launch` of `program` over `[0, gridSize)` on up to `threads` threads: `main` is
   * the calling thread's instance of that launch function; `kernel` names it in errors. Tiny
   * grids (fewer than MIN_ITERATIONS_PER_THREAD iterations per thread) use fewer threads, down to
   * the calling thread alone.
   */
  runLaunch(program: PoolProgram, launch: number, kernel: string, gridSize: number, threads: number, main: LaunchFunction): void {
    if (program.pool !== this) throw new WasmThreadError('the program was registered with another thread pool');
    const n = Math.min(threads, this.workers.length + 1, Math.floor(gridSize / MIN_ITERATIONS_PER_THREAD));
    if (n <= 1) {
      this.counts.singleLaunches++;
      if (gridSize > 0) main(0, gridSize);
      return;
    }
    const helpers = this.workers.slice(0, n - 1);
    this.ensureLoaded(program.id, helpers);
    const bound = (k: number): number => Math.floor((k * gridSize) / n);
    Atomics.store(this.header, PENDING, helpers.length);
    helpers.forEach((w, k) => {
      Atomics.store(w.slot, PROGRAM, program.id);
      Atomics.store(w.slot, LAUNCH, launch);
      Atomics.store(w.slot, START, bound(k + 1));
      Atomics.store(w.slot, END, bound(k + 2));
      command(w, CMD_RUN);
    });
    let mainError: unknown;
    let mainFailed = false;
    try {
      main(0, bound(1));
    } catch (error) {
      mainError = error;
      mainFailed = true;
    }
    this.waitForWorkers();
    this.counts.threadedLaunches++;
    const where = `kernel @${kernel} (launch ${launch})`;
    if (mainFailed) {
      throw new WasmThreadError(`${where} failed on the calling thread over grid iterations [0, ${bound(1)}): ${describe(mainError)}`, { cause: mainError });
    }
    for (const [k, w] of helpers.entries()) {
      const failure = slotFailure(w);
      if (failure !== undefined) {
        throw new WasmThreadError(`${where} failed on worker thread ${k + 1} of ${n} over grid iterations [${bound(k + 1)}, ${bound(k + 2)}): ${failure}`);
      }
    }
  }

  /** Instantiates program `id` in the workers that do not have it yet. */
  private ensureLoaded(id: number, workers: readonly PoolWorker[]): void {
    const missing = workers.filter((w) => !w.loaded.has(id));
    if (missing.length === 0) return;
    const record = this.programs.get(id);
    if (!record) throw new WasmThreadError(`program ${id} is not registered with this thread pool (it was unloaded)`);
    this.roundTrip(missing, () => ({ type: 'load', id, module: record.module, memory: record.memory, launches: record.launches }));
    for (const w of missing) {
      const failure = slotFailure(w);
      if (failure !== undefined) throw new WasmThreadError(`a wasm worker thread could not instantiate the program: ${failure}`);
      w.loaded.add(id);
      this.counts.loads++;
    }
  }

  /** Posts a message to each worker, makes it leave `serve` to receive it, and waits until all handled it. */
  private roundTrip(workers: readonly PoolWorker[], message: () => object): void {
    Atomics.store(this.header, PENDING, workers.length);
    for (const w of workers) {
      w.handle.postMessage(message());
      command(w, CMD_YIELD);
    }
    this.waitForWorkers();
  }

  private waitForWorkers(): void {
    // Workers usually finish close to the calling thread: poll briefly before blocking.
    const until = performance.now() + POLL_MS;
    while (Atomics.load(this.header, PENDING) !== 0 && performance.now() < until);
    for (;;) {
      const pending = Atomics.load(this.header, PENDING);
      if (pending === 0) return;
      Atomics.wait(this.header, PENDING, pending);
    }
  }
}

/** Posts `cmd` in the worker's slot (arguments already stored) and wakes it. */
function command(w: PoolWorker, cmd: number): void {
  Atomics.store(w.slot, STATUS, 0);
  Atomics.store(w.slot, CMD, cmd);
  Atomics.add(w.slot, SEQ, 1);
  Atomics.notify(w.slot, SEQ, 1);
}

/** The failure text a worker left in its slot for its last command, if it failed. */
function slotFailure(w: PoolWorker): string | undefined {
  if (Atomics.load(w.slot, STATUS) === 0) return undefined;
  const n = Math.min(Atomics.load(w.slot, MESSAGE_LENGTH), MESSAGE_CHARS);
  let text = '';
  for (let i = 0; i < n; i++) text += String.fromCharCode(w.slot[MESSAGE + i]);
  return text;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function checkCount(what: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min) throw new WasmThreadError(`${what} must be an integer >= ${min}, got ${n}`);
}

// ---- the default pool and the thread-count setting ------------------------------------------------

let requestedThreads: number | undefined;
let defaultPool: ThreadPool | undefined;
let defaultPoolStart: Promise<ThreadPool> | undefined;
let defaultPoolFailure: string | undefined;

/**
 * The thread count the wasm runtime uses by default (the calling thread included): the last
 * `setThreads`, else the hardware thread count; 1 where threads are unavailable.
 */
export function getThreads(): number {
  if (!threadSupport().available) return 1;
  return requestedThreads ?? hardwareThreads();
}

/**
 * Sets the default thread count and starts or stops the default pool's workers to match.
 * Resolves with the thread count launches can now use: 1 where threads are unavailable (see
 * `threadSupport()`) or the workers failed to start (see `threadsFailure()`).
 */
export function setThreads(n: number): Promise<number> {
  checkCount('threads', n, 1);
  requestedThreads = n;
  return startThreads();
}

/** Starts the default pool at `getThreads()` threads (idempotent); resolves like `setThreads`. */
export async function startThreads(): Promise<number> {
  const want = getThreads();
  if (want <= 1) {
    if (defaultPool) await defaultPool.resize(0);
    return 1;
  }
  try {
    defaultPoolStart ??= ThreadPool.create(0);
    defaultPool = await defaultPoolStart;
    await defaultPool.resize(getThreads() - 1);
    defaultPoolFailure = undefined;
  } catch (error) {
    defaultPoolFailure = describe(error);
  }
  return defaultPool?.threads ?? 1;
}

/** Why the default pool's workers failed to start, if they did. */
export function threadsFailure(): string | undefined {
  return defaultPoolFailure;
}

/**
 * The default pool when it has ready workers. When threads are wanted but it was never started,
 * starts it in the background (launches run on the calling thread until its workers are ready).
 */
export function defaultThreadPool(): ThreadPool | undefined {
  if (!defaultPoolStart && getThreads() > 1) void startThreads();
  return defaultPool && defaultPool.workerCount > 0 ? defaultPool : undefined;
}

/** Stops the default pool's workers (later runs start it again on demand). */
export function stopThreads(): void {
  defaultPool?.terminate();
  defaultPool = undefined;
  defaultPoolStart = undefined;
}
