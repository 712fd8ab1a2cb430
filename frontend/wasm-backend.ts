/**
 * The `wasm` backend (the default): every op, eager or jitted, runs as compiled WebAssembly.
 * A jitted graph becomes one module with fused kernels over a planned arena, its grids split
 * across worker threads (one per core by default; `setThreads(n)`); an eager op is a one-op
 * graph compiled the same way and cached by its signature. Storage is host typed arrays
 * (each run copies inputs into the program's arena and copies outputs out).
 */
import { instantiateProgram, isBinaryenLoaded, loadBinaryen, loadWabt, startThreads } from '../codegen-wasm/index.js';
import { type HostTensor, KilnError } from '../ir/index.js';
import { type Backend, type Executable, hostStorage, registerBackend } from './backend.js';
import { Compilation, type CompileOptions } from './compile.js';
import { eagerRunner } from './eager.js';

/** jit programs split their grids across the worker threads; eager one-op programs stay on one (their launches are too small to pay for the hand-off). */
function executableOf(c: Compilation, threads?: number): Executable {
  const instance = instantiateProgram(c.loop.program, c.wasm, threads === undefined ? {} : { threads });
  const types = c.graph.results.map((v) => v.type);
  return {
    run(inputs) {
      const out = instance.run(inputs.map((s) => (s as HostTensor).data));
      return out.map((data, k) => ({ type: types[k], data }) as HostTensor);
    },
  };
}

export function createWasmBackend(): Backend {
  if (!isBinaryenLoaded()) throw new KilnError("the 'wasm' backend needs `await init('wasm')` first (it loads the compiler)");
  return {
    name: 'wasm',
    ...hostStorage,
    execOp: eagerRunner((graph) => executableOf(new Compilation(graph, { dump: false }), 1)),
    compile(graph, options?: CompileOptions) {
      return executableOf(new Compilation(graph, options));
    },
  };
}

registerBackend('wasm', async () => {
  // Threads are an optimisation: without worker support (e.g. running from TypeScript sources,
  // where the worker script is not built) everything runs on the calling thread.
  await Promise.all([loadBinaryen(), loadWabt(), startThreads().catch(() => 1)]);
  return createWasmBackend();
});
