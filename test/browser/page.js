// The browser test page: runs small jitted Kiln programs on each backend named in `?backends=`
// (comma-separated, default `wasm`) and posts a report to `window.__kiln`, which
// test/browser/wasm.test.ts waits for and compares with the same computation in Node.
//
// Report: { done, crossOriginIsolated, userAgent, webgpu: { api, adapter, ... }, inputs,
//           error?, runs: [{ backend, ok, initMs, runMs, outputs: { softmax, matmulRelu }, error? }] }
// A backend that fails is reported with its error, not thrown, so one run cannot hide another;
// adding WebGPU later is one more name in `?backends=`.

/** Fixed inputs, reported back so Node recomputes exactly what ran here. */
const INPUTS = {
  x: [
    [1, 2, 3, 4, 5],
    [-1.5, 0, 0.25, 2, -3],
  ],
  w: [
    [0.5, -1, 0.25],
    [1, 0.5, -0.5],
    [-0.25, 1, 1],
    [0.75, -0.5, 0.125],
    [-1, 0.25, 2],
  ],
};

function describeError(e) {
  if (!(e instanceof Error)) return String(e);
  return e.stack?.includes(e.message) ? e.stack : `${e.name}: ${e.message}\n${e.stack ?? ''}`;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether this browser exposes WebGPU (`navigator.gpu`) and can get an adapter. */
async function probeWebGpu() {
  const gpu = navigator.gpu;
  if (!gpu) return { api: false, adapter: false };
  try {
    const adapter = await withTimeout(gpu.requestAdapter(), 5000, 'navigator.gpu.requestAdapter()');
    if (!adapter) return { api: true, adapter: false };
    const info = adapter.info ?? {};
    return { api: true, adapter: true, vendor: info.vendor, architecture: info.architecture, description: info.description };
  } catch (e) {
    return { api: true, adapter: false, error: describeError(e) };
  }
}

async function runOn(kiln, backend) {
  const { init, getBackend, jit, nn, numpy: np } = kiln;
  const run = { backend, ok: false };
  try {
    const t0 = performance.now();
    await init(backend);
    if (getBackend() !== backend) throw new Error(`init('${backend}') left '${getBackend()}' selected`);
    const t1 = performance.now();
    const softmaxRows = jit((x) => nn.softmax(x, { axis: -1 }));
    const matmulRelu = jit((x, w) => nn.relu(np.matmul(x, w)));
    const x = np.array(INPUTS.x);
    const w = np.array(INPUTS.w);
    // Read asynchronously: the only way that works on every backend (WebGPU included).
    run.outputs = { softmax: await softmaxRows(x).array(), matmulRelu: await matmulRelu(x, w).array() };
    run.initMs = Math.round(t1 - t0);
    run.runMs = Math.round(performance.now() - t1);
    run.ok = true;
  } catch (e) {
    run.error = describeError(e);
  }
  return run;
}

async function main() {
  const backends = (new URLSearchParams(location.search).get('backends') ?? 'wasm').split(',').filter(Boolean);
  const report = {
    done: false,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    userAgent: navigator.userAgent,
    webgpu: await probeWebGpu(),
    inputs: INPUTS,
    runs: [],
  };
  try {
    const kiln = await import('kiln');
    for (const backend of backends) report.runs.push(await runOn(kiln, backend));
  } catch (e) {
    report.error = `loading Kiln failed: ${describeError(e)}`;
  }
  report.done = true;
  window.__kiln = report;
  document.getElementById('out').textContent = JSON.stringify(report, null, 2);
}

main();
