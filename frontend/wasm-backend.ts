/**
 * The `wasm` backend (the default): every op, eager or jitted, runs as compiled WebAssembly.
 * A jitted graph becomes one module with fused kernels over a planned arena, its grids split
 * across worker threads (one per core by default; `setThreads(n)`); an eager op is a one-op
 * graph compiled the same way and cached by its signature. Storage is host typed arrays
 * (each run copies inputs into the program's arena and copies outputs out).
 */
import { instantiateProgram, isBinaryenLoaded, loadBinaryen, loadWabt, startThreads } from '../codegen-wasm/index.js';
import {
  type Attrs, GraphBuilder, type HostTensor, KilnError, type TensorType, formatType,
} from '../ir/index.js';
import { type Backend, type Executable, hostStorage, registerBackend } from './backend.js';
import { Compilation, type CompileOptions } from './compile.js';


/** Eager programs kept compiled; the least recently used ones are dropped beyond this. */
const EAGER_CACHE_LIMIT = 1024;

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

function opGraph(op: string, inputs: readonly TensorType[], attrs: Attrs, outType: TensorType) {
  const b = new GraphBuilder(op);
  const params = inputs.map((t, k) => b.param(t, `x${k}`));
  return b.build([b.op(op, params, attrs, outType)]);
}

export function createWasmBackend(): Backend {
  if (!isBinaryenLoaded()) throw new KilnError("the 'wasm' backend needs `await init('wasm')` first (it loads the compiler)");
  const eager = new Map<string, Executable>();
  return {
    name: 'wasm',
    ...hostStorage,
    execOp(op, inputs, attrs, outType) {
      const key = `${op}|${JSON.stringify(attrs)}|${inputs.map((s) => formatType(s.type)).join(',')}|${formatType(outType)}`;
      let exe = eager.get(key);
      if (exe) {
        eager.delete(key); // re-insert: Map order is recency
      } else {
        exe = executableOf(new Compilation(opGraph(op, inputs.map((s) => s.type), attrs, outType), { dump: false }), 1);
        if (eager.size >= EAGER_CACHE_LIMIT) eager.delete(eager.keys().next().value!);
      }
      eager.set(key, exe);
      return exe.run(inputs)[0];
    },
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
