// Loads the AOT-compiled MLP (examples/web/build/mlp.js, see index.html) and runs it on wasm and
// on WebGPU, and, when the page is cross-origin isolated, on wasm again with worker threads
// (load({ backend: 'wasm', threads: navigator.hardwareConcurrency })). Results go into the page and
// onto window.__kilnExample for tests:
//   { done, module, backends, input: { shape, formula }, crossOriginIsolated, threads: { requested,
//     used }, runs: [{ backend, threads, label, ok, loadMs, firstRunMs, medianRunMs, output, error }],
//     timings: { [label]: medianRunMs }, error }
const RUNS = 10;
/** Untimed runs after the first one, so the medians are not warm-up (wasm tiers up per thread). */
const WARMUP = 5;
const BATCH = 64;
const FEATURES = 784;
const report = {
  done: false, module: './build/mlp.js', backends: [], input: { shape: [BATCH, FEATURES], formula: 'x[i] = sin(0.37 * i)' },
  crossOriginIsolated: globalThis.crossOriginIsolated === true, threads: { requested: 1, used: 1 }, runs: [], timings: {},
};
window.__kilnExample = report;

const $ = (id) => document.getElementById(id);

/** The input every backend (and the test in Node) uses. */
export function makeInput() {
  return Float32Array.from({ length: BATCH * FEATURES }, (_, i) => Math.sin(0.37 * i));
}

function argmaxRows(y, rows, cols) {
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < cols; c++) if (y[r * cols + c] > y[r * cols + best]) best = c;
    return best;
  });
}

async function runOn(mod, backend, x, threads = 1) {
  const run = { backend, threads: 1, label: backend, ok: false };
  try {
    let t = performance.now();
    const m = await mod.load(threads > 1 ? { backend, threads } : { backend });
    run.loadMs = performance.now() - t;
    if (backend === 'wasm') {
      run.threads = m.threads;
      run.label = m.threads > 1 ? `wasm ×${m.threads} threads` : 'wasm';
    }
    t = performance.now();
    const first = await m.run({ x }); // wasm returns the outputs, webgpu and threaded wasm a Promise of them
    run.firstRunMs = performance.now() - t;
    for (let i = 0; i < WARMUP; i++) await m.run({ x });
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      await m.run({ x });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    run.medianRunMs = times[times.length >> 1];
    run.output = Array.from(first.output);
    run.ok = true;
    report.timings[run.label] = run.medianRunMs;
    m.dispose();
  } catch (e) {
    run.error = String(e?.stack ?? e);
  }
  return run;
}

function show() {
  const body = $('timings').querySelector('tbody');
  body.textContent = '';
  const base = report.runs.find((r) => r.backend === 'wasm' && r.threads === 1 && r.ok);
  for (const r of report.runs) {
    const tr = document.createElement('tr');
    const diff = base && r.ok ? Math.max(...r.output.map((v, i) => Math.abs(v - base.output[i]))) : NaN;
    const cells = r.ok
      ? [r.label ?? r.backend, r.loadMs.toFixed(1), r.firstRunMs.toFixed(2), r.medianRunMs.toFixed(2), argmaxRows(r.output, 8, 10).join(' '), r.output.slice(0, 4).map((v) => v.toFixed(4)).join(', '), diff.toExponential(1)]
      : [r.label ?? r.backend, '—', '—', '—', 'failed', '', ''];
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.append(td);
    }
    body.append(tr);
  }
  $('timings').hidden = false;
  const failed = report.runs.filter((r) => !r.ok);
  $('error').textContent = [report.error, ...failed.map((r) => `${r.backend}: ${r.error}`)].filter(Boolean).join('\n');
}

async function main() {
  let mod;
  try {
    mod = await import(report.module);
  } catch (e) {
    throw new Error(`cannot import ${report.module} (${e.message}); compile it first: kiln compile examples/mlp.ts --fn mlp --input x:f32[64,784] --target all --out examples/web/build --name mlp`);
  }
  report.backends = [...mod.backends];
  const wanted = new URLSearchParams(location.search).get('backends')?.split(',') ?? ['webgpu', 'wasm'];
  const x = makeInput();
  for (const backend of wanted) {
    $('status').textContent = `running on ${backend}…`;
    if (backend === 'webgpu' && !navigator.gpu) {
      report.runs.push({ backend, ok: false, error: 'this browser has no WebGPU (navigator.gpu)' });
      continue;
    }
    report.runs.push(await runOn(mod, backend, x));
    show();
    if (backend === 'wasm' && report.crossOriginIsolated) {
      // Cross-origin isolated: SharedArrayBuffer exists, so the kernels can be split over Web Workers.
      report.threads.requested = navigator.hardwareConcurrency || 1;
      $('status').textContent = `running on wasm with ${report.threads.requested} threads…`;
      const run = await runOn(mod, backend, x, report.threads.requested);
      report.threads.used = run.threads;
      report.runs.push(run);
      show();
    }
  }
  $('status').textContent = `done: ${report.runs.filter((r) => r.ok).map((r) => r.label ?? r.backend).join(', ') || 'no backend'} ran; ${RUNS} timed runs each after a first one and ${WARMUP} warm-up runs${report.crossOriginIsolated ? '' : ' (not cross-origin isolated: no wasm threads)'}.`;
}

main()
  .catch((e) => {
    report.error = String(e?.message ?? e);
    $('status').textContent = 'failed';
  })
  .finally(() => {
    show();
    report.done = true;
  });
