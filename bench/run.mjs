// Side-by-side benchmark: Kiln (wasm backend, jit) against TF.js (wasm), onnxruntime-web (wasm
// EP, 1 and 2 threads) and jax-js (wasm), on the workloads of bench/workloads.mjs, in one Node
// process. For each (workload, library): build once, time the first call, check the output
// (Kiln against a float64 reference, every peer against Kiln), then warm up and take the median
// of N timed calls (N fills about --target-ms), with the read-back inside every timed call.
//
//   npm run bench                       everything (a few minutes)
//   node bench/run.mjs --only=mlp,cnn   some workloads
//   node bench/run.mjs --peers=tfjs     Kiln and some peers (kiln, tfjs, ort1, ort2, jax)
//   node bench/run.mjs --target-ms=500  shorter timed loops
//   BENCH_DEBUG=1 node bench/run.mjs    print the stack of any failure
//
// Run `npm run build` first: Kiln is imported from dist/ as the package `kiln`.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  errorText, fmtDiff, listArg, parseArgs, fmtMs, fmtRatio, loadAverage, markdownTable, maxAbsDiff, maxAbsDiffAt, measure, timeOnce,
} from './harness.mjs';
import { byName, workloads } from './workloads.mjs';
import { createKiln } from './peers/kiln.mjs';

const startedAt = performance.now();
const args = parseArgs();
const onlyWorkloads = listArg(args.only);
const onlyPeers = listArg(args.peers);
const targetMs = Number(args['target-ms'] ?? 1500);

/** Peers, created lazily so a missing or broken package only loses its own columns. */
const PEER_FACTORIES = [
  ['tfjs', 'TF.js wasm', async () => (await import('./peers/tfjs.mjs')).createTfjs()],
  ['ort1', 'ORT-web 1t', async () => (await import('./peers/ort.mjs')).createOrt(1)],
  ['ort2', 'ORT-web 2t', async () => (await import('./peers/ort.mjs')).createOrt(2)],
  ['jax', 'jax-js wasm', async () => (await import('./peers/jax.mjs')).createJax()],
];

const selected = workloads.filter((w) => !onlyWorkloads || onlyWorkloads.includes(w.id));
if (selected.length === 0) throw new Error(`--only=${args.only}: no such workload (have ${workloads.map((w) => w.id).join(', ')})`);

const cpu = os.cpus();
const today = new Date().toISOString().slice(0, 10);
console.log(`Kiln side-by-side benchmark, ${new Date().toISOString().replace('T', ' ').slice(0, 19)} UTC`);
console.log(`machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}; Node ${process.version}`);
console.log(`load average at start (1/5/15 min): ${loadAverage()}`);
console.log(`timing: first call (not counted), warm-up ≥2 calls and ≥300 ms, then N calls filling ~${targetMs} ms (N ≥ 5), median; read-back inside every timed call\n`);

// ---------------------------------------------------------------------------------------------
// Setup

const libs = []; // { id, label, adapter, info }
const problems = []; // strings: what could not run, and why

const kiln = createKiln();
const kilnInfo = await kiln.setup();
libs.push({ id: 'kiln', label: 'Kiln', adapter: kiln, info: kilnInfo });

for (const [id, label, factory] of PEER_FACTORIES) {
  if (onlyPeers && !onlyPeers.includes(id)) continue;
  try {
    const adapter = await factory();
    const [info, ms] = await timeOnce(() => adapter.setup());
    libs.push({ id, label, adapter, info: { ...info, setupMs: ms } });
  } catch (e) {
    problems.push(`${label}: could not start: ${errorText(e)}`);
    libs.push({ id, label, adapter: undefined, info: undefined, failed: errorText(e) });
  }
}

// ---------------------------------------------------------------------------------------------
// Measure

const results = new Map(); // `${workload}/${lib}` → { m, firstMs, prepareMs, diff, ok, error }
const key = (w, l) => `${w.id}/${l.id}`;
const kilnExtras = {};

for (const w of selected) {
  const data = byName(w);
  const [ref, refMs] = await timeOnce(() => w.reference(data));
  process.stdout.write(`${w.title}: float64 reference ${fmtMs(refMs)}`);
  let kilnOut;
  for (const lib of libs) {
    if (!lib.adapter) continue;
    const r = {};
    results.set(key(w, lib), r);
    let prepared;
    try {
      [prepared, r.prepareMs] = await timeOnce(() => lib.adapter.prepare(w));
      let out;
      [out, r.firstMs] = await timeOnce(() => prepared.run());
      out = Float32Array.from(out);
      // Kiln against the float64 reference; peers against Kiln (or the reference if Kiln failed).
      const against = lib.id !== 'kiln' && kilnOut ? 'Kiln' : 'the float64 reference';
      if (against === 'Kiln') r.diff = maxAbsDiff(out, kilnOut);
      else r.diff = ref.indices ? maxAbsDiffAt(out, ref.indices, ref.values) : maxAbsDiff(out, ref.values);
      if (lib.id === 'kiln') {
        kilnOut = out;
        if (w.id === 'mlp') kilnExtras.mlp = { firstMs: r.firstMs, stats: prepared.stats() };
      } else if (against !== 'Kiln') {
        r.diff.note = 'no Kiln output: compared with the float64 reference';
      }
      r.ok = r.diff.max <= w.tol;
      if (!r.ok) {
        problems.push(`MISMATCH: ${w.title}: ${lib.label} vs ${against}: max |diff| ${fmtDiff(r.diff.max)} at element ${r.diff.at} > tol ${w.tol}${r.diff.note ? ` (${r.diff.note})` : ''}`);
      }
      r.m = await measure(() => prepared.run(), { targetMs });
      process.stdout.write(` · ${lib.label} ${fmtMs(r.m.median)}`);
    } catch (e) {
      r.error = errorText(e);
      if (process.env.BENCH_DEBUG) console.error(e);
      problems.push(`${lib.label} could not run ${w.title}: ${r.error}`);
      process.stdout.write(` · ${lib.label} failed`);
    } finally {
      try {
        prepared?.dispose?.();
      } catch {
        // ignore: disposal errors do not change the numbers
      }
    }
  }
  process.stdout.write('\n');
}

// ---------------------------------------------------------------------------------------------
// Report

const kilnLib = libs[0];
const peers = libs.slice(1);

function cell(w, lib) {
  if (!lib.adapter) return 'n/a (no start)';
  const r = results.get(key(w, lib));
  if (!r || r.error) return 'n/a (error)';
  const t = fmtMs(r.m.median);
  const rate = w.id === 'matmul' ? ` (${(w.flops / r.m.median / 1e6).toFixed(1)} GFLOP/s)` : '';
  return `${r.ok ? '' : '**MISMATCH** '}${t}${rate}`;
}

function ratio(w, lib) {
  const k = results.get(key(w, kilnLib));
  const p = results.get(key(w, lib));
  if (!k?.m || !p?.m) return '–';
  return fmtRatio(k.m.median / p.m.median);
}

console.log(`\n## Medians (${today}, Node ${process.version}, ${cpu.length} cores)\n`);
const headers = ['workload', 'Kiln', ...peers.flatMap((p) => [p.label, `Kiln/${p.label.split(' ')[0]}${p.id.startsWith('ort') ? ' ' + p.id.slice(3) + 't' : ''}`])];
const rows = selected.map((w) => [w.title, cell(w, kilnLib), ...peers.flatMap((p) => [cell(w, p), ratio(w, p)])]);
console.log(markdownTable(headers, rows));
console.log('\nKiln/peer = Kiln median time ÷ peer median time: above 1× Kiln is slower, below 1× Kiln is faster.');

if (kilnExtras.mlp) {
  const { firstMs, stats } = kilnExtras.mlp;
  const mlpSteady = results.get('mlp/kiln')?.m;
  const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;
  console.log(`\nKiln first-call latency: compiler load (binaryen + wabt, init('wasm'), once per process) ${fmtMs(kilnInfo.loadMs)}; ` +
    `MLP first call (trace + compile + run + read-back) ${fmtMs(firstMs)}, ${mlpSteady ? `then ${fmtMs(mlpSteady.median)} per call; ` : ''}${stats.kernels} kernels, arena ${kib(stats.arenaBytes)}.`);
}

console.log('\n## Output checks (max |diff|; Kiln against float64 JS, each peer against Kiln)\n');
console.log(markdownTable(
  ['workload', 'tol', 'Kiln vs f64', ...peers.map((p) => `${p.label} vs Kiln`), 'why this tolerance'],
  selected.map((w) => [
    w.title, String(w.tol),
    ...libs.map((l) => {
      const r = results.get(key(w, l));
      if (!r || r.error || !r.diff) return '–';
      return `${fmtDiff(r.diff.max)}${r.ok ? ' ok' : ' **FAIL**'}`;
    }),
    w.tolWhy,
  ]),
));

console.log('\n## Details (timed runs N, min / median / p90, process CPU ÷ wall over the timed runs, build + first call)\n');
const detailRows = [];
for (const w of selected) {
  for (const l of libs) {
    const r = results.get(key(w, l));
    if (!r) continue;
    if (r.error) {
      detailRows.push([w.id, l.label, '–', '–', '–', `error: ${r.error}`]);
      continue;
    }
    detailRows.push([
      w.id, l.label, String(r.m.n),
      `${fmtMs(r.m.min)} / ${fmtMs(r.m.median)} / ${fmtMs(r.m.p90)}`,
      r.m.cpuPerWall.toFixed(2),
      `${fmtMs(r.prepareMs)} + ${fmtMs(r.firstMs)}`,
    ]);
  }
}
console.log(markdownTable(['workload', 'library', 'N', 'min / median / p90', 'cpu/wall', 'build + first call'], detailRows));

console.log('\n## Libraries\n');
for (const l of libs) {
  if (l.info) console.log(`- ${l.label}: ${l.info.version}; threads: ${l.info.threads}`);
  else console.log(`- ${l.label}: not run (${l.failed})`);
}

if (problems.length > 0) {
  console.log('\n## !! Problems (mismatches and what could not run) !!\n');
  for (const p of problems) console.log(`- ${p}`);
} else {
  console.log('\nAll outputs within tolerance; every library ran every workload.');
}

console.log(`\nload average at end (1/5/15 min): ${loadAverage()}`);
console.log(`total run time: ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);

// Kiln disagreeing with the float64 reference is a Kiln bug: fail the run. Peer mismatches are
// reported above and do not change the exit code.
const kilnBad = selected.some((w) => {
  const r = results.get(key(w, kilnLib));
  return !r || r.error || !r.ok;
});
// ORT's pthread workers keep the event loop alive: exit explicitly.
process.exit(kilnBad ? 1 : 0);
