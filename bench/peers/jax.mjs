// @jax-js/jax on its wasm device, each workload under jit(). jax-js counts references: a jitted
// function consumes its arguments, so each call passes `x.ref`; `await y.data()` reads the
// result back (and frees it).
//
// Threads: jax-js starts a pool of Web Workers for its wasm kernels only when both
// SharedArrayBuffer and a global `Worker` exist (backend/wasm/parallel.ts). Node has no global
// Web Worker, so in Node every kernel runs on the main thread: 1 thread.
//
// onnxruntime-web's Node build sets globalThis.Worker (to worker_threads' Worker) when it starts
// its wasm module; jax-js would then try to start Web Workers from a blob: URL, which Node rejects
// (ERR_WORKER_PATH). So jax-js is imported, and every jax-js call runs, with that global hidden: jax-js behaves as in
// a plain Node process, whatever peers were loaded before it.
//
// Convolutions: jax-js's lax.convGeneralDilated is NCHW/OIHW only, so the CNN transposes its
// NHWC input inside the jitted function (timed, like ORT's Transpose node) and takes filters
// converted to OIHW once at setup.
import { readFileSync } from 'node:fs';
import { hwioToOihw } from '../workloads.mjs';

const makeFns = ({ lax, nn, numpy: np }) => ({
  matmul: (a, b) => np.matmul(a, b),
  elementwise: (x) => {
    const t = x.ref.mul(2).add(1);
    return np.exp(np.negative(np.square(t))).mul(0.5).add(np.tanh(x));
  },
  softmax: (x) => nn.softmax(x, -1),
  sum: (x) => np.sum(x, -1),
  mlp: (x, w1, b1, w2, b2, w3, b3) => {
    const h1 = nn.relu(np.matmul(x, w1).add(b1));
    const h2 = nn.relu(np.matmul(h1, w2).add(b2));
    return np.matmul(h2, w3).add(b3);
  },
  cnn: (x, w1, b1, w2, b2, wd, bd) => {
    const nchw = np.transpose(x, [0, 3, 1, 2]);
    const c1 = nn.relu(lax.convGeneralDilated(nchw, w1, [1, 1], 'SAME').add(b1.reshape([1, 16, 1, 1])));
    const c2 = nn.relu(lax.convGeneralDilated(c1, w2, [2, 2], 'SAME').add(b2.reshape([1, 32, 1, 1])));
    return np.matmul(np.mean(c2, [2, 3]), wd).add(bd);
  },
});

/** Runs `fn` with globalThis.Worker removed, restoring it afterwards. */
async function withoutWorkerGlobal(fn) {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  if (!saved) return fn();
  delete globalThis.Worker;
  try {
    return await fn();
  } finally {
    Object.defineProperty(globalThis, 'Worker', saved);
  }
}

export function createJax() {
  let jax; // the module, imported in setup() with the Worker global hidden
  let fns;
  return {
    id: 'jax',
    label: 'jax-js wasm',
    setup: () => withoutWorkerGlobal(async () => {
      jax = await import('@jax-js/jax');
      fns = makeFns(jax);
      const { init, defaultDevice } = jax;
      const devices = await init('wasm');
      if (!devices.includes('wasm')) throw new Error(`jax-js wasm device unavailable (got ${devices.join(', ')})`);
      defaultDevice('wasm');
      const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@jax-js/jax')), 'utf8'));
      return {
        version: `@jax-js/jax ${version}`,
        threads: '1 (jax-js starts its wasm worker pool only with a global Web Worker, which Node lacks)',
      };
    }),
    prepare: (w) => withoutWorkerGlobal(async () => {
      const body = fns[w.id];
      if (!body) throw new Error(`no jax-js implementation of ${w.id}`);
      const { jit, numpy: np } = jax;
      const args = w.inputs.map((i) => {
        if (w.id === 'cnn' && (i.name === 'w1' || i.name === 'w2')) {
          const [kh, kw, ci, co] = i.shape;
          return np.array(hwioToOihw(i.data, i.shape)).reshape([co, ci, kh, kw]);
        }
        return np.array(i.data).reshape(i.shape);
      });
      const f = jit(body);
      return {
        run: () => withoutWorkerGlobal(async () => {
          const y = f(...args.map((a) => a.ref));
          return await y.data();
        }),
        dispose() {
          for (const a of args) a.dispose();
          f.dispose();
        },
      };
    }),
  };
}
