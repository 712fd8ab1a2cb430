// MLP 784-512-512-10 (relu), batch 64, on the wasm backend: compiler load time, first call
// (trace + compile + run) and steady-state time per call, with the read-back inside the timing.
// Run: npm run bench (after npm install, which builds dist/).
import { performance } from 'node:perf_hooks';
import { getThreads, init, jit, nn, numpy as np, random } from 'kiln';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const t0 = performance.now();
await init('wasm');
const loadMs = performance.now() - t0;

const keys = random.split(random.key(0), 7);
const dims = [784, 512, 512, 10];
const params = [];
for (let l = 0; l < 3; l++) {
  params.push(random.normal(keys[2 * l], [dims[l], dims[l + 1]], { std: Math.sqrt(2 / dims[l]) }));
  params.push(np.zeros([dims[l + 1]]));
}
const x = random.uniform(keys[6], [64, 784]);

function mlp(x, w1, b1, w2, b2, w3, b3) {
  const h1 = nn.relu(np.add(np.matmul(x, w1), b1));
  const h2 = nn.relu(np.add(np.matmul(h1, w2), b2));
  return np.add(np.matmul(h2, w3), b3);
}

const f = jit(mlp);
const t1 = performance.now();
f(x, ...params).dataSync();
const firstMs = performance.now() - t1;

const times = [];
for (let i = 0; i < 5; i++) f(x, ...params).dataSync(); // warm-up
for (let i = 0; i < 30; i++) {
  const s = performance.now();
  f(x, ...params).dataSync();
  times.push(performance.now() - s);
}
const steady = median(times);
const flops = 2 * 64 * (784 * 512 + 512 * 512 + 512 * 10);

const stats = f.lower(x, ...params).stats();
const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;
const smKernels = jit((x) => nn.softmax(x)).lower(np.zeros([4096, 1024])).stats().kernels;

console.log(`Kiln ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, wasm backend, ${getThreads()} thread(s)`);
console.log(`compiler (binaryen + wabt) load: ${loadMs.toFixed(0)} ms`);
console.log(`MLP 784-512-512-10 batch 64: ${stats.kernels} kernels; arena ${kib(stats.arenaBytes)} = ${kib(stats.staticBytes)} inputs/weights/outputs + ${kib(stats.tempBytes)} planned temps (${kib(stats.naiveTempBytes)} without reuse)`);
console.log(`  first call (trace + compile + run): ${firstMs.toFixed(1)} ms`);
console.log(`  steady state: median ${steady.toFixed(3)} ms over ${times.length} calls (${(flops / steady / 1e6).toFixed(2)} GFLOP/s)`);
console.log(`softmax [4096,1024]: ${smKernels} kernel(s)`);
