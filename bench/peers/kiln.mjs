// Kiln, the baseline: the wasm backend through jit(), inputs created once, `dataSync()` (a copy
// out of the arena) inside the timing. Weights are passed as jit arguments, as bench/mlp.mjs does.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { getThreads, init, jit, nn, numpy as np } from 'kiln';

const fns = {
  matmul: (a, b) => np.matmul(a, b),
  elementwise: (x) => np.add(np.multiply(np.exp(np.negative(np.square(np.add(np.multiply(x, 2), 1)))), 0.5), np.tanh(x)),
  softmax: (x) => nn.softmax(x, { axis: -1 }),
  sum: (x) => np.sum(x, { axis: -1 }),
  mlp: (x, w1, b1, w2, b2, w3, b3) => {
    const h1 = nn.relu(np.add(np.matmul(x, w1), b1));
    const h2 = nn.relu(np.add(np.matmul(h1, w2), b2));
    return np.add(np.matmul(h2, w3), b3);
  },
  cnn: (x, w1, b1, w2, b2, wd, bd) => {
    const c1 = nn.relu(np.add(nn.conv2d(x, w1, { strides: 1, padding: 'same' }), b1));
    const c2 = nn.relu(np.add(nn.conv2d(c1, w2, { strides: 2, padding: 'same' }), b2));
    return np.add(np.matmul(nn.globalAvgPool2d(c2), wd), bd);
  },
};

/** When dist/ was built, and the source tree's commit (with -dirty for uncommitted changes). */
function describeBuild(root) {
  let built = 'dist/ build time unknown';
  try {
    built = `dist/ built ${statSync(new URL('dist/frontend/index.js', root)).mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  } catch {
    // no dist/: the import above would have failed already
  }
  try {
    const rev = execFileSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${built} from a tree at ${rev}`;
  } catch {
    return `${built} (not a git checkout)`;
  }
}

export function createKiln() {
  return {
    id: 'kiln',
    label: 'Kiln',
    async setup() {
      const t0 = performance.now();
      await init('wasm');
      const loadMs = performance.now() - t0;
      const root = new URL('../../', import.meta.url);
      const version = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).version;
      return { version: `kiln ${version}, ${describeBuild(root)}`, threads: `${getThreads()} (wasm backend, SIMD128; jit programs split grids over worker threads)`, loadMs };
    },
    async prepare(w) {
      const body = fns[w.id];
      if (!body) throw new Error(`no Kiln implementation of ${w.id}`);
      const args = w.inputs.map((i) => np.array(i.data, { shape: i.shape }));
      const f = jit(body, { name: `bench_${w.id}` });
      return {
        run() {
          const y = f(...args);
          const data = y.dataSync();
          y.dispose();
          return data;
        },
        stats: () => f.lower(...args).stats(),
        dispose() {
          for (const a of args) a.dispose();
        },
      };
    },
  };
}
