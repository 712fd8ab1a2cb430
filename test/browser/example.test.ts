// examples/web in headless Chromium: the test compiles examples/mlp.ts with `kiln compile
// --target all --out examples/web/build`, serves the repository with the COOP/COEP test server,
// opens examples/web/index.html and checks what the page posts on window.__kilnExample: the AOT
// module's outputs on webgpu and on wasm must match Node's (the same module run here on wasm and
// on the `webgpu` package, and the JIT); the page also runs wasm on worker threads (it is cross-origin
// isolated), which must be bit-identical to Node's single-threaded wasm and use more than one
// thread. Needs `/usr/bin/chromium` and a built dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, init, jit, numpy as np } from 'kiln';
import { REPO_ROOT, type StaticServer, startStaticServer } from './server.js';

const CHROMIUM = process.env.KILN_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-gpu-sandbox',
];
const PAGE_TIMEOUT_MS = 90_000;
const BUILD = join(REPO_ROOT, 'examples/web/build');

interface ExampleRun {
  backend: string;
  threads: number;
  label: string;
  ok: boolean;
  loadMs?: number;
  firstRunMs?: number;
  medianRunMs?: number;
  output?: number[];
  error?: string;
}

interface ExampleReport {
  done: true;
  backends: string[];
  input: { shape: number[]; formula: string };
  crossOriginIsolated: boolean;
  threads: { requested: number; used: number };
  runs: ExampleRun[];
  timings: Record<string, number>;
  error?: string;
}

/** The page's input (examples/web/main.js `makeInput`). */
const makeInput = () => Float32Array.from({ length: 64 * 784 }, (_, i) => Math.sin(0.37 * i));

function maxRelError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return err;
}

describe('examples/web: the AOT MLP in headless Chromium', () => {
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let report: Promise<ExampleReport>;

  async function compileAndOpen(): Promise<ExampleReport> {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (install Debian's chromium or set KILN_CHROMIUM)`);
    const cli = join(REPO_ROOT, 'dist/aot/cli.js');
    if (!existsSync(cli)) throw new Error('dist/aot/cli.js is missing: run `npm run build` first');
    const c = spawnSync(process.execPath, [cli, 'compile', 'examples/mlp.ts', '--fn', 'mlp', '--input', 'x:f32[64,784]', '--target', 'all', '--out', 'examples/web/build', '--name', 'mlp'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
    if (c.status !== 0) throw new Error(`kiln compile failed (${c.status}): ${c.stderr}`);
    const size = (f: string) => statSync(join(BUILD, f)).size;
    console.log(`examples/web/build: mlp.js ${size('mlp.js')} B + mlp.wasm ${size('mlp.wasm')} B = ${size('mlp.js') + size('mlp.wasm')} B; mlp.shared.wasm ${size('mlp.shared.wasm')} B; mlp.wgsl.json ${size('mlp.wgsl.json')} B; mlp.weights.bin ${size('mlp.weights.bin')} B`);

    server = await startStaticServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    await page.goto(`${server.url}examples/web/index.html`);
    try {
      await page.waitForFunction('window.__kilnExample?.done === true', undefined, { timeout: PAGE_TIMEOUT_MS });
    } catch (e) {
      throw new Error(`the page posted no results within ${PAGE_TIMEOUT_MS} ms (${String(e)}); browser said:\n${problems.join('\n')}`);
    }
    const posted = (await page.evaluate('window.__kilnExample')) as ExampleReport;
    if (posted.error) throw new Error(`${posted.error}\n${problems.join('\n')}`);
    const table = await page.locator('#timings').innerText();
    console.log(`examples/web page:\n${table}`);
    console.log(`examples/web threads: ${JSON.stringify(posted.threads)}; median run ms: ${JSON.stringify(posted.timings)}`);
    return posted;
  }

  beforeAll(async () => {
    report = compileAndOpen();
    await report.catch(() => {}); // reported by each test
  }, PAGE_TIMEOUT_MS + 150_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the page loads the module and runs both backends', async () => {
    const r = await report;
    expect(r.backends).toEqual(['wasm', 'webgpu']);
    for (const backend of ['webgpu', 'wasm']) {
      const run = r.runs.find((x) => x.backend === backend && x.threads === 1);
      expect(run, backend).toBeDefined();
      expect(run!.error, `${backend} failed in the page`).toBeUndefined();
      expect(run!.ok).toBe(true);
      expect(run!.output).toHaveLength(64 * 10);
      expect(run!.medianRunMs).toBeGreaterThan(0);
    }
  });

  it('page outputs on webgpu and wasm match Node (the same module on wasm and on the webgpu package, and the JIT)', async () => {
    const r = await report;
    const x = makeInput();
    const mod = (await import(pathToFileURL(join(BUILD, 'mlp.js')).href)) as { load(o?: object): Promise<{ run(i: object): unknown; dispose(): void }> };
    const wasm = await mod.load({ backend: 'wasm' });
    const nodeWasm = (wasm.run({ x }) as { output: Float32Array }).output;
    wasm.dispose();
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = await mod.load({ backend: 'webgpu', gpu: create([]) });
    const nodeGpu = (await (gpu.run({ x }) as Promise<{ output: Float32Array }>)).output;
    gpu.dispose();

    await init('wasm');
    const { mlp } = (await import(`../../${'examples/mlp.ts'}`)) as { mlp: (x: Tensor) => Tensor };
    const jitted = (await jit(mlp)(np.array(x).reshape([64, 784])).data()) as Float32Array;

    const pageWasm = r.runs.find((x) => x.backend === 'wasm' && x.threads === 1)!.output!;
    const pageGpu = r.runs.find((x) => x.backend === 'webgpu')!.output!;
    const errors = {
      pageWasmVsNode: maxRelError(pageWasm, nodeWasm),
      pageGpuVsNodeGpu: maxRelError(pageGpu, nodeGpu),
      pageGpuVsJit: maxRelError(pageGpu, jitted),
      nodeWasmVsJit: maxRelError(nodeWasm, jitted),
    };
    console.log(`examples/web max relative errors: ${Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
    expect(errors.pageWasmVsNode).toBeLessThanOrEqual(1e-6);
    expect(errors.nodeWasmVsJit).toBeLessThanOrEqual(1e-5);
    expect(errors.pageGpuVsNodeGpu).toBeLessThanOrEqual(1e-4);
    expect(errors.pageGpuVsJit).toBeLessThanOrEqual(1e-4);

    // Threaded wasm in the page: more than one thread, bit-identical to Node's single-threaded wasm.
    expect(r.crossOriginIsolated).toBe(true);
    const threaded = r.runs.find((x) => x.backend === 'wasm' && x.threads > 1);
    expect(threaded, `no threaded wasm run (threads ${JSON.stringify(r.threads)})`).toBeDefined();
    expect(threaded!.error, 'threaded wasm failed in the page').toBeUndefined();
    expect(threaded!.ok).toBe(true);
    expect(r.threads.used).toBeGreaterThan(1);
    expect(threaded!.output).toHaveLength(nodeWasm.length);
    const mismatch = threaded!.output!.findIndex((v, i) => !Object.is(Math.fround(v), nodeWasm[i]));
    expect(mismatch, `threaded output differs at ${mismatch}`).toBe(-1);
    expect(threaded!.output).toEqual(pageWasm);
  }, 120_000);
});
