// Kiln in a real browser: headless Debian Chromium (driven by playwright-core, never a browser
// download of its own) loads test/browser/page.html, which runs small jitted programs from the
// compiled dist/ on each backend in PAGE_BACKENDS; the numbers must match Node's. Needs
// `/usr/bin/chromium` (scripts/ci-setup.sh installs it) and a built dist/ (`npm run build`).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NestedArray, init, jit, nn, numpy as np, type Tensor } from '../../frontend/index.js';
import { expectClose } from '../helpers.js';
import { REPO_ROOT, type StaticServer, startStaticServer } from './server.js';

const CHROMIUM = process.env.KILN_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-gpu-sandbox',
];

/** Backends the page runs, one report entry each; WebGPU becomes one more name here when it lands. */
const PAGE_BACKENDS = ['wasm', 'webgpu'] as const;
/** Node computes the reference values on this backend, for every page backend. */
const NODE_REFERENCE_BACKEND = 'wasm';
const PAGE_TIMEOUT_MS = 60_000;

interface PageRun {
  backend: string;
  ok: boolean;
  initMs?: number;
  runMs?: number;
  outputs?: { softmax: NestedArray; matmulRelu: NestedArray };
  error?: string;
}

interface PageReport {
  done: true;
  crossOriginIsolated: boolean;
  userAgent: string;
  webgpu: { api: boolean; adapter: boolean; vendor?: string; architecture?: string; description?: string; error?: string };
  inputs: { x: number[][]; w: number[][] };
  runs: PageRun[];
  error?: string;
}

const flat = (a: NestedArray): number[] => (Array.isArray(a) ? a.flatMap(flat) : [Number(a)]);
const shapeOf = (a: NestedArray): number[] => (Array.isArray(a) ? [a.length, ...(a.length ? shapeOf(a[0]) : [])] : []);

describe('static test server', () => {
  let server: StaticServer;
  beforeAll(async () => {
    server = await startStaticServer();
  });
  afterAll(() => server?.close());

  it('serves files read-only with cross-origin isolation headers and the right MIME types', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const cases: [string, string][] = [
      ['test/browser/page.html', 'text/html'],
      ['test/browser/page.js', 'text/javascript'],
      ['node_modules/chevrotain/lib/chevrotain.mjs', 'text/javascript'],
      ['package.json', 'application/json'],
    ];
    for (const [path, mime] of cases) {
      const res = await fetch(server.url + path, { method: 'HEAD' });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toContain(mime);
      expect(res.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy'), path).toBe('require-corp');
    }
    expect((await fetch(`${server.url}package.json`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${server.url}no/such/file.js`)).status).toBe(404);
    expect((await fetch(`${server.url}..%2f..%2fetc%2fpasswd`)).status).toBe(403);
  });
});

describe('Kiln in headless Chromium', () => {
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  /**
   * Settled in beforeAll; every test awaits it, so a missing Chromium or a page that never
   * reports fails each test with the reason (rather than leaving them skipped behind a hook).
   */
  let report: Promise<PageReport>;

  async function loadPage(): Promise<PageReport> {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: the browser tests need Debian's chromium. ` +
          'Install it with `sudo scripts/ci-setup.sh` (or `apt-get install -y chromium`), or point KILN_CHROMIUM at a Chromium binary.',
      );
    }
    if (!existsSync(join(REPO_ROOT, 'dist/frontend/index.js'))) {
      throw new Error('dist/frontend/index.js is missing: the page loads Kiln from the compiled dist/; run `npm run build` first.');
    }
    server = await startStaticServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    const said = () => `browser said:\n${problems.join('\n') || '(nothing)'}`;
    await page.goto(`${server.url}test/browser/page.html?backends=${PAGE_BACKENDS.join(',')}`);
    try {
      await page.waitForFunction('window.__kiln?.done === true', undefined, { timeout: PAGE_TIMEOUT_MS });
    } catch (e) {
      throw new Error(`the page posted no results to window.__kiln within ${PAGE_TIMEOUT_MS} ms (${String(e)}); ${said()}`);
    }
    const posted = (await page.evaluate('window.__kiln')) as PageReport;
    if (posted.error) throw new Error(`${posted.error}\n${said()}`);
    const runs = posted.runs.map((r) => (r.ok ? `${r.backend} init ${r.initMs} ms, run ${r.runMs} ms` : `${r.backend} failed`)).join('; ');
    const { webgpu } = posted;
    const gpu = webgpu.adapter ? `adapter ${webgpu.vendor ?? '?'} ${webgpu.architecture ?? ''}`.trim() : webgpu.api ? 'API present, no adapter' : 'no navigator.gpu';
    console.log(`browser: ${posted.userAgent}; crossOriginIsolated ${posted.crossOriginIsolated}; WebGPU: ${gpu}; ${runs}`);
    return posted;
  }

  beforeAll(async () => {
    report = loadPage();
    await report.catch(() => {}); // reported by each test
  }, PAGE_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs cross-origin isolated (COOP same-origin + COEP require-corp)', async () => {
    expect((await report).crossOriginIsolated).toBe(true);
  });

  it('reports whether WebGPU (navigator.gpu and an adapter) is available', async () => {
    const { webgpu } = await report;
    expect(typeof webgpu.api).toBe('boolean');
    expect(typeof webgpu.adapter).toBe('boolean');
    if (!webgpu.api) expect(webgpu.adapter).toBe(false);
  });

  it.each(PAGE_BACKENDS)('jit softmax and matmul+relu on %s match Node within 1e-6', async (backend) => {
    const { inputs, runs } = await report;
    const run = runs.find((r) => r.backend === backend);
    expect(run, `no report for backend ${backend}`).toBeDefined();
    expect(run!.error, `page run on ${backend} failed`).toBeUndefined();
    expect(run!.ok).toBe(true);

    await init(NODE_REFERENCE_BACKEND);
    const x = np.array(inputs.x);
    const w = np.array(inputs.w);
    const softmax = await jit((a: Tensor) => nn.softmax(a, { axis: -1 }))(x).array();
    const matmulRelu = await jit((a: Tensor, b: Tensor) => nn.relu(np.matmul(a, b)))(x, w).array();

    const got = run!.outputs!;
    expect(shapeOf(got.softmax)).toEqual([2, 5]);
    expect(shapeOf(got.matmulRelu)).toEqual([2, 3]);
    expectClose(flat(got.softmax), flat(softmax), { rtol: 1e-6, atol: 1e-6 });
    expectClose(flat(got.matmulRelu), flat(matmulRelu), { rtol: 1e-6, atol: 1e-6 });
    // The inputs are chosen so that relu clamps some entries but not all.
    expect(flat(got.matmulRelu)).toContain(0);
    expect(flat(got.matmulRelu).some((v) => v > 0)).toBe(true);
  });
});
