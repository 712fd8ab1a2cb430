// TensorFlow.js with @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD build). In Node the wasm
// binaries are loaded from the package's own .wasm files on disk via setWasmPaths.
//
// Threads: tfjs-backend-wasm 4.22 reports WASM_HAS_MULTITHREAD_SUPPORT = false whenever
// IS_NODE is set (a hard-coded check, tensorflow/tfjs#3830), so Node always gets the
// single-threaded SIMD binary. Forcing the flag on does not help: the threaded build starts its
// pthread workers from a blob: URL, which Node's worker_threads rejects (ERR_WORKER_PATH), and
// backend initialization fails. `node bench/peers/tfjs-threads-probe.mjs` shows this.
//
// Weights are tensors created once; the MLP and CNN use tf.fused ops (bias + relu fused into
// the matmul/conv), the way tfjs-layers runs dense/conv layers.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

export function wasmDir() {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + path.sep;
}

const fns = {
  matmul: (a, b) => tf.matMul(a, b),
  elementwise: (x) => tf.add(tf.mul(tf.exp(tf.neg(tf.square(tf.add(tf.mul(x, 2), 1)))), 0.5), tf.tanh(x)),
  softmax: (x) => tf.softmax(x, -1),
  sum: (x) => tf.sum(x, -1),
  mlp: (x, w1, b1, w2, b2, w3, b3) => {
    const h1 = tf.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' });
    const h2 = tf.fused.matMul({ a: h1, b: w2, bias: b2, activation: 'relu' });
    return tf.fused.matMul({ a: h2, b: w3, bias: b3 });
  },
  cnn: (x, w1, b1, w2, b2, wd, bd) => {
    const c1 = tf.fused.conv2d({ x, filter: w1, strides: 1, pad: 'same', bias: b1, activation: 'relu' });
    const c2 = tf.fused.conv2d({ x: c1, filter: w2, strides: 2, pad: 'same', bias: b2, activation: 'relu' });
    return tf.fused.matMul({ a: tf.mean(c2, [1, 2]), b: wd, bias: bd });
  },
};

export function createTfjs() {
  return {
    id: 'tfjs',
    label: 'TF.js wasm',
    async setup() {
      setWasmPaths(wasmDir());
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
      await tf.ready();
      const threads = getThreadsCount();
      const build = simd && mt ? 'threaded-simd' : simd ? 'simd' : 'plain';
      return {
        version: `@tensorflow/tfjs-core ${tf.version_core}, @tensorflow/tfjs-backend-wasm ${version_wasm}`,
        threads: `${threads} (tfjs-backend-wasm-${build}.wasm; multithread support in Node: ${mt}, see bench/peers/tfjs-threads-probe.mjs)`,
      };
    },
    async prepare(w) {
      const body = fns[w.id];
      if (!body) throw new Error(`no TF.js implementation of ${w.id}`);
      const args = w.inputs.map((i) => tf.tensor(i.data, i.shape, 'float32'));
      return {
        run() {
          const y = tf.tidy(() => body(...args));
          const data = y.dataSync(); // a copy out of the wasm heap
          y.dispose();
          return data;
        },
        dispose() {
          for (const a of args) a.dispose();
        },
      };
    },
  };
}
