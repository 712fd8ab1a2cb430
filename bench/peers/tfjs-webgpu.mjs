// TensorFlow.js with @tensorflow/tfjs-backend-webgpu, for bench/webgpu.mjs. In Node there is no
// navigator.gpu: the caller passes the GPU object of the npm `webgpu` package (Dawn), which is
// installed as `navigator.gpu` before the backend is selected (the backend asks
// navigator.gpu.requestAdapter() for its adapter). Same adapter interface as the other peers:
// `{ id, label, setup() → info, prepare(workload) → { run(), dispose() } }`, `run` async here.
//
// Weights are tensors created (and uploaded by the first call) once; the MLP uses tf.fused.matMul
// (bias + relu fused into the matmul shader), the way tfjs-layers runs dense layers. Every run
// reads the result back with `await t.data()` (GPU → staging buffer → map → Float32Array).
// TF.js flags stay at their defaults (WEBGPU_CPU_FORWARD only moves ops on small tensors that
// are still on the CPU, which these workloads do not have after the first call).
//
// The backend package registers 'webgpu' at import time only if navigator.gpu exists then, so it
// is imported in setup(), after navigator.gpu is installed (a static import would run first).
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';

const require = createRequire(import.meta.url);

const fns = {
  matmul: (a, b) => tf.matMul(a, b),
  mlp: (x, w1, b1, w2, b2, w3, b3) => {
    const h1 = tf.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' });
    const h2 = tf.fused.matMul({ a: h1, b: w2, bias: b2, activation: 'relu' });
    return tf.fused.matMul({ a: h2, b: w3, bias: b3 });
  },
};

/** Makes `gpu` visible as navigator.gpu (Node 21+ has a navigator object; Node 20 has none). */
export function installNavigatorGpu(gpu) {
  const nav = globalThis.navigator;
  if (nav?.gpu === gpu) return;
  if (nav) {
    try {
      Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
      if (nav.gpu === gpu) return;
    } catch {
      // not configurable: replace the whole object below
    }
  }
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

export function createTfjsWebgpu(gpu) {
  let backend;
  return {
    id: 'tfjs-webgpu',
    label: 'TF.js webgpu',
    async setup() {
      installNavigatorGpu(gpu);
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed (see the warning TF.js printed above)');
      await tf.ready();
      if (tf.getBackend() !== 'webgpu') throw new Error(`TF.js runs on '${tf.getBackend()}', not webgpu`);
      backend = tf.backend();
      const info = backend.adapterInfo ?? {};
      return {
        version: `@tensorflow/tfjs-core ${tf.version_core}, @tensorflow/tfjs-backend-webgpu ${require('@tensorflow/tfjs-backend-webgpu/package.json').version}`,
        adapter: `vendor ${info.vendor || '?'}, architecture ${info.architecture || '?'}`,
        flags: ['WEBGPU_CPU_FORWARD', 'WEBGPU_MATMUL_PROGRAM_TYPE', 'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE']
          .map((f) => `${f}=${tf.env().get(f)}`).join(', '),
      };
    },
    async prepare(w) {
      const body = fns[w.id];
      if (!body) throw new Error(`no TF.js implementation of ${w.id}`);
      const args = w.inputs.map((i) => tf.tensor(i.data, i.shape, 'float32'));
      return {
        async run() {
          const y = tf.tidy(() => body(...args));
          try {
            return await y.data();
          } finally {
            y.dispose();
          }
        },
        dispose() {
          for (const a of args) a.dispose();
        },
      };
    },
    /** Releases TF.js's GPU buffers and destroys its device. */
    destroy() {
      if (!backend) return;
      try {
        tf.removeBackend('webgpu'); // disposes the backend (buffer and texture managers)
      } finally {
        backend.device?.destroy();
        backend = undefined;
      }
    },
  };
}
