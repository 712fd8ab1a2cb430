// onnxruntime-web, wasm execution provider, in Node. Each workload is an ONNX model built in
// code (bench/peers/onnx-build.mjs); per-call data are feeds, weights are initializers (how a
// deployed ONNX model holds them). The output tensor's `.data` (a copy out of the wasm heap) is
// read inside the timing.
//
// Threads: ORT fixes the thread count (env.wasm.numThreads) once per wasm instance, at the
// first session. To measure 1 and 2 threads in one process, each configuration imports its own
// instance of onnxruntime-web (and of onnxruntime-common, which holds `env`): the module URL gets
// a `?ortinst=N` query, and a resolve hook (node:module register) carries that query to the
// modules it imports. Node runs the 2-thread build's pthread pool on worker_threads.
import { register } from 'node:module';
import os from 'node:os';
import { hwioToOihw } from '../workloads.mjs';
import { OnnxGraph } from './onnx-build.mjs';

const RESOLVE_HOOK = `
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = context.parentURL && /[?&]ortinst=(\\w+)/.exec(context.parentURL);
  if (m && r.url.startsWith('file:') && /\\/onnxruntime-(web|common)\\//.test(r.url) && !/[?&]ortinst=/.test(r.url)) {
    return { ...r, url: r.url + (r.url.includes('?') ? '&' : '?') + 'ortinst=' + m[1] };
  }
  return r;
}`;
let hookRegistered = false;

async function importOrtInstance(tag) {
  if (!hookRegistered) {
    register('data:text/javascript,' + encodeURIComponent(RESOLVE_HOOK));
    hookRegistered = true;
  }
  return import(`${import.meta.resolve('onnxruntime-web')}?ortinst=${tag}`);
}

/** The ONNX graph for each workload; inputs named as in bench/workloads.mjs. */
const models = {
  matmul(g, w) {
    g.input('a', w.inputs[0].shape);
    g.input('b', w.inputs[1].shape);
    g.node('MatMul', ['a', 'b'], {}, 'y');
  },
  elementwise(g, w) {
    g.input('x', w.inputs[0].shape);
    const s = (v) => g.constF32([v], []);
    const t = g.node('Add', [g.node('Mul', ['x', s(2)]), s(1)]);
    const e = g.node('Exp', [g.node('Neg', [g.node('Mul', [t, t])])]);
    g.node('Add', [g.node('Mul', [e, s(0.5)]), g.node('Tanh', ['x'])], {}, 'y');
  },
  softmax(g, w) {
    g.input('x', w.inputs[0].shape);
    g.node('Softmax', ['x'], { axis: -1 }, 'y');
  },
  sum(g, w) {
    g.input('x', w.inputs[0].shape);
    g.node('ReduceSum', ['x', g.constI64([-1])], { keepdims: 0 }, 'y');
  },
  mlp(g, w, p) {
    g.input('x', w.inputs[0].shape);
    const layer = (h, l, relu, out) => {
      const z = g.node('Add', [g.node('MatMul', [h, g.constF32(p[`w${l}`].data, p[`w${l}`].shape)]), g.constF32(p[`b${l}`].data, p[`b${l}`].shape)], {}, relu ? undefined : out);
      return relu ? g.node('Relu', [z]) : z;
    };
    layer(layer(layer('x', 1, true), 2, true), 3, false, 'y');
  },
  cnn(g, w, p) {
    g.input('x', w.inputs[0].shape); // NHWC, as every library gets it
    const conv = (h, name, bias, strides, pads) => {
      const shape = p[name].shape;
      const [kh, kw, ci, co] = shape;
      const filter = g.constF32(hwioToOihw(p[name].data, shape), [co, ci, kh, kw]);
      return g.node('Relu', [g.node('Conv', [h, filter, g.constF32(p[bias].data, p[bias].shape)], { kernel_shape: [kh, kw], strides, pads })]);
    };
    const nchw = g.node('Transpose', ['x'], { perm: [0, 3, 1, 2] });
    const c1 = conv(nchw, 'w1', 'b1', [1, 1], [1, 1, 1, 1]);
    // TF 'same' at stride 2 on 32 pixels: one pixel of padding, after (pads = [top, left, bottom, right]).
    const c2 = conv(c1, 'w2', 'b2', [2, 2], [0, 0, 1, 1]);
    const pooled = g.node('ReduceMean', [c2], { axes: [2, 3], keepdims: 0 });
    g.node('Add', [g.node('MatMul', [pooled, g.constF32(p.wd.data, p.wd.shape)]), g.constF32(p.bd.data, p.bd.shape)], {}, 'y');
  },
};

/** The serialized model for workload `w` (exported for tests of the encoder). */
export function buildModel(w) {
  const build = models[w.id];
  if (!build) throw new Error(`no ONNX model for ${w.id}`);
  const g = new OnnxGraph(w.id);
  const params = Object.fromEntries(w.inputs.filter((i) => i.role === 'param').map((i) => [i.name, i]));
  build(g, w, params);
  g.output('y', w.outShape);
  return g.build();
}

export function createOrt(numThreads) {
  let ort;
  return {
    id: `ort${numThreads}`,
    label: `ORT-web ${numThreads}t`,
    async setup() {
      if (numThreads > 1 && os.cpus().length < numThreads) throw new Error(`only ${os.cpus().length} CPU(s) here`);
      ort = await importOrtInstance(`t${numThreads}`);
      ort.env.wasm.numThreads = numThreads;
      ort.env.logLevel = 'error';
      // Initialize the wasm instance now (the first session does it) and see whether the thread
      // count held: ORT falls back to 1 thread (with a console warning) without SharedArrayBuffer.
      const probe = new OnnxGraph('probe');
      probe.input('x', [1]);
      probe.node('Identity', ['x'], {}, 'y');
      probe.output('y', [1]);
      await ort.InferenceSession.create(probe.build(), { executionProviders: ['wasm'] });
      const actual = ort.env.wasm.numThreads;
      if (actual !== numThreads) throw new Error(`asked for ${numThreads} threads, ORT fell back to ${actual}`);
      return {
        version: `onnxruntime-web ${ort.env.versions.web} (common ${ort.env.versions.common})`,
        threads: `${actual} (env.wasm.numThreads; ort-wasm-simd-threaded.wasm${actual > 1 ? `, ${actual - 1} pthread worker_thread` : ', no workers'}; graphOptimizationLevel all)`,
      };
    },
    async prepare(w) {
      const session = await ort.InferenceSession.create(buildModel(w), {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
      });
      const feeds = Object.fromEntries(w.inputs.filter((i) => i.role === 'input').map((i) => [i.name, new ort.Tensor('float32', i.data, i.shape)]));
      return {
        async run() {
          const out = await session.run(feeds);
          return out.y.data;
        },
        dispose: () => session.release(),
      };
    },
  };
}
