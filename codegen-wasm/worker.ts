/**
 * The wasm worker thread: the entry file `threads.ts` starts (Node `worker_threads` or a browser
 * module Web Worker, told apart at run time). It imports nothing, so the compiled
 * `dist/codegen-wasm/worker.js` loads on its own in either environment.
 *
 * Messages from the pool (postMessage): `init` hands over this worker's control slot; `load`
 * instantiates a compiled program's module against its shared memory (once per program);
 * `unload` forgets one. Runs do not use messages: between messages the worker blocks in
 * `Atomics.wait` on its slot's sequence number (see `serve`), runs the launch range the slot
 * names, reports a trap's text in the slot, and counts down the shared `pending` word. The `yield`
 * command makes `serve` return so the event loop can deliver the message the pool posted just
 * before; each `load`/`unload` is acknowledged through `pending` once handled (a failure's text in
 * the slot), then the worker blocks again.
 */

// ---- the control-region layout: keep in step with threads.ts ------------------------------------

/** Header (one Int32Array shared by the pool): workers still busy with the current command. */
const PENDING = 0;
/** Slot (one Int32Array per worker): bumped by the pool to post a command. */
const SEQ = 0;
const CMD = 1;
const PROGRAM = 2;
const LAUNCH = 3;
const START = 4;
const END = 5;
/** 0 after a command that succeeded, 1 after one that failed (the text follows). */
const STATUS = 6;
const MESSAGE_LENGTH = 7;
const MESSAGE = 8;
const MESSAGE_CHARS = 240;
const CMD_RUN = 1;
const CMD_YIELD = 2;

// ---- the little of the WebAssembly and worker APIs this file needs (no DOM lib) ----------------

interface WasmApi {
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
}

type LaunchFunction = (start: number, end: number) => void;

type PoolMessage =
  | { readonly type: 'init'; readonly header: SharedArrayBuffer; readonly slot: SharedArrayBuffer }
  | { readonly type: 'load'; readonly id: number; readonly module: object; readonly memory: object; readonly launches: readonly string[] }
  | { readonly type: 'unload'; readonly id: number };

interface Port {
  postMessage(message: unknown): void;
  onMessage(handler: (message: PoolMessage) => void): void;
}

/** The channel to the pool: Node's `parentPort`, or the worker global scope in a browser. */
function parentChannel(): Port {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?(id: string): unknown } }).process;
  if (proc?.versions?.node && proc.getBuiltinModule) {
    const threads = proc.getBuiltinModule('node:worker_threads') as typeof import('node:worker_threads');
    const port = threads.parentPort;
    if (!port) throw new Error('Kiln: codegen-wasm/worker.js must be started as a worker thread');
    return { postMessage: (m) => port.postMessage(m), onMessage: (h) => port.on('message', h) };
  }
  const scope = globalThis as unknown as {
    postMessage(message: unknown): void;
    addEventListener(type: 'message', listener: (event: { data: PoolMessage }) => void): void;
  };
  return { postMessage: (m) => scope.postMessage(m), onMessage: (h) => scope.addEventListener('message', (e) => h(e.data)) };
}

// ---- the worker ----------------------------------------------------------------------------------

const port = parentChannel();
const programs = new Map<number, readonly LaunchFunction[]>();
/** The pool's header and this worker's slot (placeholders until `init`). */
let header = new Int32Array(new SharedArrayBuffer(4));
let slot = new Int32Array(new SharedArrayBuffer(4));
/** The last sequence number seen in the slot. */
let seen = 0;

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Records a failure in the slot (the text truncated to MESSAGE_CHARS UTF-16 units). */
function fail(error: unknown): void {
  const text = describe(error);
  const n = Math.min(text.length, MESSAGE_CHARS);
  for (let i = 0; i < n; i++) slot[MESSAGE + i] = text.charCodeAt(i);
  Atomics.store(slot, MESSAGE_LENGTH, n);
  Atomics.store(slot, STATUS, 1);
}

/** Tells the pool this worker finished its command; the last one to finish wakes the pool. */
function done(): void {
  if (Atomics.sub(header, PENDING, 1) === 1) Atomics.notify(header, PENDING);
}

function runLaunch(): void {
  const launches = programs.get(Atomics.load(slot, PROGRAM));
  const launch = launches?.[Atomics.load(slot, LAUNCH)];
  if (!launch) throw new Error(`program ${Atomics.load(slot, PROGRAM)} launch ${Atomics.load(slot, LAUNCH)} is not loaded in this worker`);
  launch(Atomics.load(slot, START), Atomics.load(slot, END));
}

/**
 * Milliseconds to poll for the next command before blocking: the launches of a program follow
 * each other within microseconds, and waking a blocked thread can cost far more.
 */
const POLL_MS = 0.1;

/** Blocks on the slot and runs commands until the pool says `yield`. */
function serve(): void {
  for (;;) {
    const until = performance.now() + POLL_MS;
    while (Atomics.load(slot, SEQ) === seen && performance.now() < until);
    Atomics.wait(slot, SEQ, seen);
    const seq = Atomics.load(slot, SEQ);
    if (seq === seen) continue;
    seen = seq;
    const cmd = Atomics.load(slot, CMD);
    if (cmd === CMD_YIELD) return;
    if (cmd === CMD_RUN) {
      try {
        runLaunch();
      } catch (error) {
        fail(error);
      }
    } else {
      fail(new Error(`unknown command ${cmd}`));
    }
    done();
  }
}

function instantiate(message: Extract<PoolMessage, { type: 'load' }>): void {
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const instance = new api.Instance(message.module, { env: { memory: message.memory } });
  const launches = message.launches.map((name) => {
    const f = instance.exports[name];
    if (typeof f !== 'function') throw new Error(`the module has no launch function ${name}`);
    return f as LaunchFunction;
  });
  programs.set(message.id, launches);
}

port.onMessage((message) => {
  if (message.type === 'init') {
    header = new Int32Array(message.header);
    slot = new Int32Array(message.slot);
    seen = Atomics.load(slot, SEQ);
    port.postMessage({ type: 'ready' });
    serve();
    return;
  }
  try {
    if (message.type === 'load') instantiate(message);
    else programs.delete(message.id);
  } catch (error) {
    fail(error);
  }
  done();
  serve();
});
