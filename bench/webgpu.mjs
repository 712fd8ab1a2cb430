// WebGPU benchmark: Kiln's `webgpu` backend (jit) against TF.js's WebGPU backend
// (@tensorflow/tfjs-backend-webgpu), in one Node process, on one adapter: both get their device
// from the same Dawn instance of the npm `webgpu` package (installed as navigator.gpu before
// either backend starts). Workloads from bench/workloads.mjs: matmul 1024×1024 f32 and the MLP
// 784-512-512-10 relu at batch 64 (weights created once). For each: build, first call (timed),
// output check (Kiln against the float64 reference, TF.js against Kiln, the workload's
// tolerance), then timing: measure() of bench/harness.mjs drives warm-up and N pairs of calls,
// Kiln and TF.js back to back (alternating order), each call timed on its own including the
// read-back (`await y.data()` / `await t.data()`); medians per library and per-pair ratios.
//
//   npm run bench:webgpu                      (= node bench/webgpu.mjs; about 1–2 minutes)
//   node bench/webgpu.mjs --only=mlp          one workload
//   node bench/webgpu.mjs --target-ms=8000    timed time per workload (default: per workload, below)
//   BENCH_DEBUG=1 node bench/webgpu.mjs       print the stack of any failure
//
// Run `npm run build` first: Kiln is imported from dist/ as the package `kiln`. Without a GPU the
// adapter is Mesa's lavapipe (Vulkan on the CPU): absolute times then say nothing about GPUs,
// only the Kiln/TF.js ratio on the same adapter means something.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { create, globals } from 'webgpu';
import {
  errorText, fmtDiff, listArg, parseArgs, fmtMs, fmtRatio, loadAverage, markdownTable, maxAbsDiff, maxAbsDiffAt, measure, median, timeOnce,
} from './harness.mjs';
import { byName, workloads } from './workloads.mjs';
import { createTfjsWebgpu, installNavigatorGpu } from './peers/tfjs-webgpu.mjs';

const startedAt = performance.now();
const args = parseArgs();
const only = listArg(args.only);

// measure() options per workload; one measured call is one interleaved pair (Kiln + TF.js).
// Software WebGPU is slow (a 1024³ matmul takes seconds on lavapipe with 2 cores): the timed
// loops are bounded so that the whole run stays well under 3 minutes.
const TIMING = {
  matmul: { warmup: 1, warmupMs: 0, targetMs: 25000, minRuns: 4, maxRuns: 10 },
  mlp: { warmup: 3, warmupMs: 500, targetMs: 10000, minRuns: 10, maxRuns: 200 },
};
const targetOverride = args['target-ms'] ? Number(args['target-ms']) : undefined;

// A stuck GPU call (a lost device, a hung readback) must not keep the process alive forever.
setTimeout(() => {
  console.error('\n!! bench/webgpu.mjs: still running after 10 minutes; giving up');
  process.exit(2);
}, 10 * 60 * 1000).unref();

const selected = workloads.filter((w) => TIMING[w.id] && (!only || only.includes(w.id)));
if (selected.length === 0) throw new Error(`--only=${args.only}: no such workload here (have ${Object.keys(TIMING).join(', ')})`);

// ---------------------------------------------------------------------------------------------
// The GPU: one Dawn instance for both libraries

Object.assign(globalThis, globals);
const gpu = create([]);
installNavigatorGpu(gpu); // Kiln looks at navigator.gpu first, TF.js only there
const adapter = await gpu.requestAdapter();
if (!adapter) {
  console.error('No WebGPU adapter. Without a GPU install Mesa lavapipe (apt-get install mesa-vulkan-drivers; scripts/ci-setup.sh does).');
  process.exit(1);
}
const ai = adapter.info;
const adapterText = [ai.vendor, ai.architecture, ai.device, ai.description].filter(Boolean).join(' / ') || 'no adapter info';
const software = /llvmpipe|lavapipe|swiftshader|software|cpu/i.test(`${ai.architecture} ${ai.device} ${ai.description}`);

const pkgVersion = (name) => {
  try {
    return JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
  } catch {
    return '?';
  }
};

function describeKilnBuild() {
  const root = new URL('../', import.meta.url);
  const version = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).version;
  let rev = 'not a git checkout';
  try {
    rev = execFileSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // keep the default
  }
  return `kiln ${version} (dist/ from a tree at ${rev})`;
}

const cpu = os.cpus();
const now = new Date();
console.log(`Kiln vs TF.js on WebGPU, ${now.toISOString().replace('T', ' ').slice(0, 19)} UTC`);
console.log(`machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${os.type()} ${os.release()}; Node ${process.version}; npm webgpu ${pkgVersion('webgpu')} (Dawn)`);
console.log(`adapter: ${adapterText}`);
if (software) {
  console.log('!! This adapter is a software rasterizer (Vulkan on the CPU cores). Absolute times and GFLOP/s say nothing');
  console.log('!! about GPUs; only the Kiln/TF.js ratio on the same adapter means something.');
}
console.log(`load average at start (1/5/15 min): ${loadAverage()}`);
console.log('timing: first call of each (not counted); then Kiln and TF.js calls interleaved in pairs (order alternating), W warm-up pairs');
console.log('and N timed pairs (see the details); medians per library; `await data()` (the read-back) inside every timed call\n');

// ---------------------------------------------------------------------------------------------
// Kiln (webgpu backend, jit)

const { init, jit, nn, numpy: np } = await import('kiln');

const kilnFns = {
  matmul: (a, b) => np.matmul(a, b),
  mlp: (x, w1, b1, w2, b2, w3, b3) => {
    const h1 = nn.relu(np.add(np.matmul(x, w1), b1));
    const h2 = nn.relu(np.add(np.matmul(h1, w2), b2));
    return np.add(np.matmul(h2, w3), b3);
  },
};

/**
 * The WGSL kernels Kiln runs for `body` on this device: [{ name, how }], `how` being the mapping
 * as the generated code or the dump describes it. From `lower(...).asText('wgsl')` when this
 * build of Kiln has that stage (no run needed; each shader starts with a `// kernel @name: ...`
 * comment), else from a dump of a separate jit of the same function, run once (the dump's
 * `// kernel @name: mapping, workgroup N, dispatch [x, y, z]` headers).
 */
async function wgslKernels(f, body, inputs, name) {
  let text;
  try {
    text = f.lower(...inputs).asText('wgsl');
  } catch {
    // no 'wgsl' stage in this build: dump below
  }
  if (text) {
    const launches = text.split(/^\/\/ ---- launch \d+: /m).slice(1);
    const kernels = launches.map((chunk) => {
      const kname = /^@(\S+)/.exec(chunk)?.[1] ?? '?';
      const how = new RegExp(`^// kernel @${kname.replace(/\W/g, '\\$&')}: (.*)$`, 'm').exec(chunk)?.[1];
      return { name: kname, how };
    });
    if (kernels.length > 0 && kernels.every((k) => k.how)) return kernels;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-webgpu-'));
  try {
    const y = jit(body, { name, dump: dir })(...inputs);
    await y.data();
    y.dispose();
    const kernels = [];
    for (const sub of readdirSync(dir)) {
      for (const file of readdirSync(path.join(dir, sub)).filter((x) => x.endsWith('.wgsl'))) {
        const dumped = readFileSync(path.join(dir, sub, file), 'utf8');
        for (const m of dumped.matchAll(/^\/\/ kernel @(\S+): ([\w-]+), workgroup (\d+), dispatch \[([^\]]*)\]/gm)) {
          kernels.push({ name: m[1], how: `${m[2]}, ${m[3]} threads, dispatch ${m[4].replace(/,\s*/g, 'x')}` });
        }
      }
    }
    if (kernels.length === 0) throw new Error('no asText(\'wgsl\') stage and no WGSL dump written');
    return kernels;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kiln = {
  label: 'Kiln webgpu',
  async prepare(w) {
    const body = kilnFns[w.id];
    const inputs = w.inputs.map((i) => np.array(i.data, { shape: i.shape }));
    const f = jit(body, { name: `bench_${w.id}` });
    return {
      async run() {
        const y = f(...inputs);
        try {
          return await y.data();
        } finally {
          y.dispose();
        }
      },
      stats: () => f.lower(...inputs).stats(),
      wgsl: () => wgslKernels(f, body, inputs, `bench_${w.id}_dump`),
      dispose() {
        for (const t of inputs) t.dispose();
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Setup

const problems = [];
const [, kilnInitMs] = await timeOnce(() => init('webgpu'));
const kilnVersion = describeKilnBuild();

const tfjs = createTfjsWebgpu(gpu);
let tfjsInfo;
let tfjsSetupMs;
try {
  [tfjsInfo, tfjsSetupMs] = await timeOnce(() => tfjs.setup());
} catch (e) {
  if (process.env.BENCH_DEBUG) console.error(e);
  problems.push(`TF.js webgpu could not start: ${errorText(e)}`);
}
const libs = [{ id: 'kiln', adapter: kiln }, ...(tfjsInfo ? [{ id: 'tfjs', adapter: tfjs }] : [])];

// ---------------------------------------------------------------------------------------------
// Measure

const results = new Map(); // `${workload}/${lib}` → { prepareMs, firstMs, diff, ok, m, error, stats, kernels }
const pairs = new Map(); // workload id → { n, warmRuns, cpuPerWall, ratios }

/** median / min / p90 of timed samples (ms). */
function summarize(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return { n: times.length, median: median(times), min: sorted[0], p90: sorted[Math.min(times.length - 1, Math.floor(times.length * 0.9))] };
}

for (const w of selected) {
  const data = byName(w);
  const ref = w.reference(data);
  process.stdout.write(`${w.title}:`);
  const prepared = new Map(); // lib id → the prepared workload, for libs that passed the first call
  let kilnOut;
  // Build, first call and output check, one library after the other.
  for (const lib of libs) {
    const r = {};
    results.set(`${w.id}/${lib.id}`, r);
    try {
      let p;
      [p, r.prepareMs] = await timeOnce(() => lib.adapter.prepare(w));
      prepared.set(lib.id, p);
      let out;
      [out, r.firstMs] = await timeOnce(() => p.run());
      out = Float32Array.from(out);
      r.against = lib.id === 'kiln' || !kilnOut ? 'float64 reference' : 'Kiln';
      if (r.against === 'Kiln') r.diff = maxAbsDiff(out, kilnOut);
      else r.diff = ref.indices ? maxAbsDiffAt(out, ref.indices, ref.values) : maxAbsDiff(out, ref.values);
      r.ok = r.diff.max <= w.tol;
      // A peer is also checked against float64, so that an exact match with Kiln is not taken on trust.
      if (r.against === 'Kiln') r.refDiff = ref.indices ? maxAbsDiffAt(out, ref.indices, ref.values) : maxAbsDiff(out, ref.values);
      if (!r.ok) problems.push(`MISMATCH: ${w.title}: ${lib.adapter.label} vs ${r.against}: max |diff| ${fmtDiff(r.diff.max)} at element ${r.diff.at} > tol ${w.tol}`);
      if (lib.id === 'kiln') {
        kilnOut = out;
        r.stats = prepared.get('kiln').stats();
      }
    } catch (e) {
      r.error = errorText(e);
      if (process.env.BENCH_DEBUG) console.error(e);
      problems.push(`${lib.adapter.label} could not run ${w.title}: ${r.error}`);
      try {
        prepared.get(lib.id)?.dispose();
      } catch {
        // the error above is what counts
      }
      prepared.delete(lib.id);
    }
  }

  // Timing: Kiln and TF.js calls interleaved (pair i runs Kiln then TF.js, pair i+1 the other way
  // round), so that both see the same background load on this shared 2-core machine. measure()
  // does the warm-up and picks the number of pairs; each call is timed on its own.
  const samples = new Map([...prepared.keys()].map((id) => [id, []]));
  const timedCall = async (id) => {
    const p = prepared.get(id);
    if (!p) return; // failed during an earlier pair
    const s = performance.now();
    try {
      await p.run();
      samples.get(id).push(performance.now() - s);
    } catch (e) {
      const r = results.get(`${w.id}/${id}`);
      r.error = errorText(e);
      if (process.env.BENCH_DEBUG) console.error(e);
      problems.push(`${libs.find((l) => l.id === id).adapter.label} failed while timing ${w.title}: ${r.error}`);
      p.dispose();
      prepared.delete(id);
    }
  };
  const ids = [...prepared.keys()];
  if (ids.length > 0) {
    let pairIndex = 0;
    const timing = { ...TIMING[w.id], ...(targetOverride ? { targetMs: targetOverride } : {}) };
    const m = await measure(async () => {
      const order = pairIndex++ % 2 ? [...ids].reverse() : ids;
      for (const id of order) await timedCall(id);
    }, timing);
    // The first warmRuns calls of each library were measure()'s warm-up.
    const timed = new Map([...samples].map(([id, times]) => [id, times.slice(m.warmRuns)]));
    for (const [id, times] of timed) {
      const r = results.get(`${w.id}/${id}`);
      if (!r.error && times.length > 0) r.m = summarize(times);
    }
    const k = timed.get('kiln');
    const t = timed.get('tfjs');
    const ratios = k && t && k.length === t.length ? k.map((x, i) => x / t[i]) : undefined;
    pairs.set(w.id, { n: m.n, warmRuns: m.warmRuns, cpuPerWall: m.cpuPerWall, totalMs: m.totalMs, ratios });
    for (const lib of libs) {
      const r = results.get(`${w.id}/${lib.id}`);
      if (r?.m) process.stdout.write(` · ${lib.adapter.label} ${fmtMs(r.m.median)}`);
    }
    // Kiln's WGSL kernels for this device (untimed).
    if (prepared.has('kiln')) {
      const r = results.get(`${w.id}/kiln`);
      try {
        r.kernels = await prepared.get('kiln').wgsl();
      } catch (e) {
        r.kernelsError = errorText(e);
      }
    }
  }
  for (const p of prepared.values()) {
    try {
      p.dispose();
    } catch {
      // disposal errors do not change the numbers
    }
  }
  process.stdout.write('\n');
}

// ---------------------------------------------------------------------------------------------
// Report

const res = (w, id) => results.get(`${w.id}/${id}`);
const gflops = (w, ms) => (w.flops ? ` (${(w.flops / ms / 1e6).toFixed(2)} GFLOP/s)` : '');
const pairRatios = (rs) => `${fmtRatio(median(rs))} (${fmtRatio(Math.min(...rs))}–${fmtRatio(Math.max(...rs))})`;
const timeCell = (w, id) => {
  const r = res(w, id);
  if (!r) return 'n/a (not started)';
  if (r.error || !r.m) return 'n/a (error)';
  return `${r.ok ? '' : '**MISMATCH** '}${fmtMs(r.m.median)}${gflops(w, r.m.median)}`;
};

console.log(`\n## Medians (${now.toISOString().slice(0, 10)}, ${software ? 'software adapter: compare the ratio only' : 'hardware adapter'})\n`);
console.log(markdownTable(
  ['workload', 'Kiln webgpu', 'TF.js webgpu', 'Kiln/TF.js time', 'Kiln speed-up', 'Kiln/TF.js per pair: median (range)', 'TF.js vs Kiln (tol)', 'Kiln kernels'],
  selected.map((w) => {
    const k = res(w, 'kiln');
    const t = res(w, 'tfjs');
    const both = k?.m && t?.m;
    return [
      w.title,
      timeCell(w, 'kiln'),
      timeCell(w, 'tfjs'),
      both ? fmtRatio(k.m.median / t.m.median) : '–',
      both ? fmtRatio(t.m.median / k.m.median) : '–',
      pairs.get(w.id)?.ratios ? pairRatios(pairs.get(w.id).ratios) : '–',
      t?.diff && t.against === 'Kiln' ? `${fmtDiff(t.diff.max)} (${w.tol}) ${t.ok ? 'ok' : '**FAIL**'}` : '–',
      k?.stats ? String(k.stats.kernels) : '–',
    ];
  }),
));
console.log('\nKiln/TF.js time = Kiln median ÷ TF.js median (below 1× Kiln is faster); Kiln speed-up = TF.js median ÷ Kiln median.');
console.log('Per pair: the calls ran interleaved, Kiln and TF.js back to back; the ratio of each such pair (median and range) is less');
console.log('sensitive to other processes taking the cores than the ratio of medians. Kiln kernels = jit(f).lower(...).stats().kernels.');

console.log('\n## Output checks (max |diff|)\n');
console.log(markdownTable(
  ['workload', 'tol', 'Kiln vs float64 JS', 'TF.js vs Kiln', 'TF.js vs float64 JS', 'why this tolerance'],
  selected.map((w) => {
    const cell = (r) => (r?.diff ? `${fmtDiff(r.diff.max)} ${r.ok ? 'ok' : '**FAIL**'}${r.against === 'Kiln' || r === res(w, 'kiln') ? '' : ` (vs ${r.against})`}` : '–');
    const t = res(w, 'tfjs');
    const tRef = t?.refDiff ? `${fmtDiff(t.refDiff.max)}${t.refDiff.max <= w.tol ? '' : ' (over tol)'}` : '–';
    return [w.title, String(w.tol), cell(res(w, 'kiln')), cell(t), tRef, w.tolWhy];
  }),
));
console.log('\nThe float64 references are JS loops over the same f32 inputs (matmul: 10 sampled rows). A max |diff| of 0 between the two');
console.log('libraries is possible: both accumulate each dot product in k order in f32, compiled by the same driver (LLVM here).');

console.log('\n## Details (timed calls N after W warm-up calls of each library, min / median / p90, process CPU ÷ wall over the timed pairs, build + first call)\n');
const detailRows = [];
for (const w of selected) {
  for (const lib of libs) {
    const r = res(w, lib.id);
    if (!r) continue;
    if (r.error || !r.m) {
      detailRows.push([w.id, lib.adapter.label, '–', '–', '–', `error: ${r.error ?? 'no timed calls'}`]);
      continue;
    }
    const pr = pairs.get(w.id);
    detailRows.push([
      w.id, lib.adapter.label, `${r.m.n} (W ${pr.warmRuns})`,
      `${fmtMs(r.m.min)} / ${fmtMs(r.m.median)} / ${fmtMs(r.m.p90)}`,
      pr.cpuPerWall.toFixed(2),
      `${fmtMs(r.prepareMs)} + ${fmtMs(r.firstMs)}`,
    ]);
  }
}
console.log(markdownTable(['workload', 'library', 'N', 'min / median / p90', 'cpu/wall', 'build + first call'], detailRows));

console.log(`\nFirst-call latency (Kiln: jit trace + graph/loop passes + WGSL codegen + pipeline creation + run + read-back; TF.js: shader`);
console.log(`compilation + run + read-back), and how much longer than a steady-state call (median) it took. Kiln's init('webgpu'),`);
console.log(`once per process before that: ${fmtMs(kilnInitMs)}; TF.js's setBackend('webgpu') + ready(): ${tfjsSetupMs === undefined ? '–' : fmtMs(tfjsSetupMs)}.\n`);
console.log(markdownTable(
  ['workload', 'Kiln first call', 'Kiln first − median', 'TF.js first call', 'TF.js first − median'],
  selected.map((w) => {
    const first = (r) => (r?.firstMs !== undefined ? fmtMs(r.firstMs) : '–');
    const extra = (r) => (r?.firstMs !== undefined && r.m ? `${r.firstMs < r.m.median ? '−' : ''}${fmtMs(Math.abs(r.firstMs - r.m.median))}` : '–');
    return [w.title, first(res(w, 'kiln')), extra(res(w, 'kiln')), first(res(w, 'tfjs')), extra(res(w, 'tfjs'))];
  }),
));

console.log('\n## Kiln WGSL kernels (compiled for this device; in launch order)\n');
const kernelRows = [];
for (const w of selected) {
  const k = res(w, 'kiln');
  if (!k || k.error) continue;
  if (k.kernelsError) {
    kernelRows.push([w.id, '–', `not available: ${k.kernelsError}`]);
    continue;
  }
  for (const kr of k.kernels) kernelRows.push([w.id, `@${kr.name}`, kr.how]);
  if (k.stats && k.kernels.length !== k.stats.kernels) {
    problems.push(`${w.title}: stats().kernels says ${k.stats.kernels}, the WGSL program for this device has ${k.kernels.length} kernels (fusion under the device's storage-buffer limit)`);
  }
}
console.log(markdownTable(['workload', 'kernel', 'mapping'], kernelRows));

console.log('\n## Versions\n');
console.log(`- Kiln: ${kilnVersion}; init('webgpu') ${fmtMs(kilnInitMs)}`);
if (tfjsInfo) console.log(`- TF.js: ${tfjsInfo.version}; adapter as TF.js reports it: ${tfjsInfo.adapter}; ${tfjsInfo.flags}; setup ${fmtMs(tfjsSetupMs)}`);
console.log(`- WebGPU: npm webgpu ${pkgVersion('webgpu')} (Dawn), one GPU object shared by both; adapter ${adapterText}`);

if (problems.length > 0) {
  console.log('\n## !! Problems !!\n');
  for (const p of problems) console.log(`- ${p}`);
} else {
  console.log('\nAll outputs within tolerance; both libraries ran every workload.');
}
console.log(`\nload average at end (1/5/15 min): ${loadAverage()}`);
console.log(`total run time: ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);

// Tear down: TF.js's device here; Kiln has no public API to destroy its device, and Dawn keeps
// the event loop alive while a device exists, so exit explicitly.
try {
  tfjs.destroy();
} catch {
  // exiting anyway
}
const kilnBad = selected.some((w) => {
  const r = res(w, 'kiln');
  return !r || r.error || !r.ok;
});
process.exit(kilnBad ? 1 : 0);
