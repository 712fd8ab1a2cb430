/**
 * The `wasm` backend (the default): every op, eager or jitted, runs as compiled WebAssembly.
 * A jitted graph becomes one module with fused kernels over a planned arena, its grids split
 * across worker threads (one per core by default; `setThreads(n)`); an eager op is a one-op
 * graph compiled the same way and cached by its signature. Storage is host typed arrays.
 *
 * Copies between tensors and an arena are kept to what correctness needs: tensor arrays never
 * change, so an input the arena already holds (a weight fed again) is not copied again; a jitted
 * program's results stay views of its arena until the program runs again, and only those a
 * live tensor still holds are copied out then.
 */
import { instantiateProgram, isBinaryenLoaded, loadBinaryen, loadWabt, startThreads } from '../codegen-wasm/index.js';
import { type HostTensor, KilnError, copyTypedArray } from '../ir/index.js';
import { type Backend, type Executable, type Storage, hostStorage, registerBackend } from './backend.js';
import { Compilation, type CompileOptions } from './compile.js';
import { eagerRunner } from './eager.js';

/** Results that are views of an arena, each mapped to the set of such results of its program. */
const arenaViews = new WeakMap<Storage, Set<HostTensor>>();

/** Gives every result still viewing its program's arena an array of its own. */
function detach(views: Set<HostTensor>): void {
  for (const s of views) {
    (s as { data: HostTensor['data'] }).data = copyTypedArray(s.data);
    arenaViews.delete(s);
  }
  views.clear();
}

/**
 * jit programs split their grids across the worker threads and hand out arena views; eager
 * one-op programs stay on one thread (their launches are too small to pay for the hand-off) and
 * return copies (an evicted program's arena must not stay alive through its results).
 */
function executableOf(c: Compilation, kind: 'jit' | 'eager'): Executable {
  const instance = instantiateProgram(c.loop.program, c.wasm, kind === 'eager' ? { threads: 1 } : {});
  const types = c.graph.results.map((v) => v.type);
  const views = new Set<HostTensor>();
  return {
    run(inputs) {
      detach(views);
      const out = instance.run(inputs.map((s) => (s as HostTensor).data), { immutableInputs: true, outputViews: kind === 'jit' });
      return out.map((data, k) => {
        const result = { type: types[k], data } as HostTensor;
        if (kind === 'jit') {
          views.add(result);
          arenaViews.set(result, views);
        }
        return result;
      });
    },
  };
}

export function createWasmBackend(): Backend {
  if (!isBinaryenLoaded()) throw new KilnError("the 'wasm' backend needs `await init('wasm')` first (it loads the compiler)");
  return {
    name: 'wasm',
    ...hostStorage,
    release(s) {
      arenaViews.get(s)?.delete(s as HostTensor);
      arenaViews.delete(s);
    },
    execOp: eagerRunner((graph) => executableOf(new Compilation(graph, { dump: false }), 'eager')),
    compile(graph, options?: CompileOptions) {
      return executableOf(new Compilation(graph, options), 'jit');
    },
  };
}

registerBackend('wasm', async () => {
  // Threads are an optimisation: without worker support (e.g. running from TypeScript sources,
  // where the worker script is not built) everything runs on the calling thread.
  await Promise.all([loadBinaryen(), loadWabt(), startThreads().catch(() => 1)]);
  return createWasmBackend();
});
