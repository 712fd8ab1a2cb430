/**
 * Ahead-of-time modules through the `kiln` CLI (dist/aot/cli.js as a child process): the example
 * MLP and CNN compiled, copied out of the repository and run with plain `node`, against the
 * results in this process; the CLI's error cases and `kiln opt`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, init, jit, random } from 'kiln';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist/aot/cli.js');
const work = mkdtempSync(join(tmpdir(), 'kiln-aot-test-'));

function kiln(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  await init();
}, 180_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/**
 * The reference result in this process: the jitted function; where jit itself fails on the
 * graph (see the report: lowering names a constant buffer like a captured param), eager ops.
 */
function reference(fn: (x: Tensor) => Tensor, x: Tensor): { data: Float32Array; via: string } {
  try {
    return { data: jit(fn)(x).dataSync() as Float32Array, via: 'jit' };
  } catch (e) {
    console.warn(`jit(${fn.name}) failed (${(e as Error).message.split('\n')[0]}); comparing with eager execution`);
    return { data: fn(x).dataSync() as Float32Array, via: 'eager' };
  }
}

const DRIVER = `
import { readFileSync, writeFileSync } from 'node:fs';
const [mod, input, inputName, outFile] = process.argv.slice(2);
const { load } = await import(new URL(mod, import.meta.url).href);
const m = await load();
const bytes = readFileSync(new URL(input, import.meta.url));
const x = new Float32Array(Uint8Array.from(bytes).buffer);
const out = m.run({ [inputName]: x });
const names = Object.keys(out);
const y = out[names[0]];
writeFileSync(new URL(outFile, import.meta.url), new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
const errors = [];
for (const bad of [{}, { [inputName]: new Int32Array(x.length) }, { [inputName]: x.subarray(1) }, { [inputName]: x, extra: x }]) {
  try { m.run(bad); errors.push('no error'); } catch (e) { errors.push(e.message); }
}
m.dispose();
console.log(JSON.stringify({ names, length: y.length, errors }));
`;

function maxRelError(got: Float32Array, want: Float32Array): number {
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return err;
}

const EXAMPLES = [
  { name: 'mlp', file: 'examples/mlp.ts', fn: 'mlp', shape: [64, 784], out: [64, 10], flags: [] as string[] },
  { name: 'cnn', file: 'examples/cnn.ts', fn: 'cnn', shape: [8, 32, 32, 3], out: [8, 10], flags: [] as string[] },
  { name: 'mlp_embedded', file: 'examples/mlp.ts', fn: 'mlp', shape: [64, 784], out: [64, 10], flags: ['--embed-weights'] },
];

describe('kiln compile → standalone module run with plain node', () => {
  for (const ex of EXAMPLES) {
    it(`${ex.name}: matches the in-process result`, async () => {
      const out = join(work, `out-${ex.name}`);
      const spec = `x:f32[${ex.shape.join(',')}]`;
      const r = kiln('compile', ex.file, '--fn', ex.fn, '--input', spec, '--target', 'wasm', '--out', out, '--name', ex.name, ...ex.flags);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/kernels: \d+/);
      expect(r.stdout).toMatch(/arena: +\d+ bytes/);
      expect(r.stdout).toContain(`output f32[${ex.out.join(',')}]`);

      const files = readdirSync(out).sort();
      const embedded = ex.flags.includes('--embed-weights');
      expect(files).toEqual([`${ex.name}.d.ts`, `${ex.name}.js`, `${ex.name}.json`, `${ex.name}.shared.wasm`, `${ex.name}.wasm`, ...(embedded ? [] : [`${ex.name}.weights.bin`])].sort());
      const js = readFileSync(join(out, `${ex.name}.js`), 'utf8');
      expect(js).not.toMatch(/^\s*import\s/m);
      const dts = readFileSync(join(out, `${ex.name}.d.ts`), 'utf8');
      expect(dts).toContain('x: Float32Array;');
      expect(dts).toContain(`shape [${ex.shape.join(', ')}]`);
      expect(dts).toContain('output: Float32Array;');
      const manifest = JSON.parse(readFileSync(join(out, `${ex.name}.json`), 'utf8'));
      expect(manifest.inputs[0]).toMatchObject({ name: 'x', dtype: 'float32', shape: ex.shape });
      expect(manifest.outputs[0]).toMatchObject({ name: 'output', dtype: 'float32', shape: ex.out });
      // Large matmul operands get a pack launch before their kernel (codegen-wasm/pack.ts).
      expect(manifest.stats.kernels).toBe(manifest.kernels.filter((k: { name: string }) => !k.name.startsWith('pack_')).length);
      for (const w of manifest.weights) expect(w.offset % 16).toBe(0);
      if (!embedded) expect(statSync(join(out, `${ex.name}.weights.bin`)).size).toBe(manifest.stats.weightsBytes);
      else expect(js.length).toBeGreaterThan(manifest.stats.weightsBytes);

      if (ex.name === 'mlp') {
        const size = statSync(join(out, 'mlp.js')).size + statSync(join(out, 'mlp.wasm')).size;
        console.log(`MLP module: mlp.js + mlp.wasm = ${size} bytes (weights ${manifest.stats.weightsBytes} bytes separate)`);
        expect(size).toBeLessThan(30 * 1024);
      }

      // Run it far from the repository, with nothing of Kiln around.
      const shipped = join(work, `shipped-${ex.name}`);
      cpSync(out, shipped, { recursive: true });
      const key = random.key(7);
      const x = random.uniform(key, ex.shape, { minval: -1, maxval: 1 });
      const xData = x.dataSync() as Float32Array;
      writeFileSync(join(shipped, 'input.bin'), new Uint8Array(xData.buffer, xData.byteOffset, xData.byteLength));
      writeFileSync(join(shipped, 'driver.mjs'), DRIVER);
      const run = spawnSync(process.execPath, [join(shipped, 'driver.mjs'), `./${ex.name}.js`, './input.bin', 'x', './output.bin'], { cwd: tmpdir(), encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.names).toEqual(['output']);
      expect(report.length).toBe(ex.out.reduce((a, b) => a * b, 1));
      expect(report.errors[0]).toMatch(/missing input 'x'/);
      expect(report.errors[1]).toMatch(/input 'x' must be a Float32Array/);
      expect(report.errors[2]).toMatch(/input 'x' must have \d+ elements/);
      expect(report.errors[3]).toMatch(/unknown input 'extra'/);

      const got = new Float32Array(Uint8Array.from(readFileSync(join(shipped, 'output.bin'))).buffer);
      const mod = (await import(`../../${ex.file}`)) as Record<string, (x: Tensor) => Tensor>;
      const want = reference(mod[ex.fn], x);
      const err = maxRelError(got, want.data);
      console.log(`${ex.name}: max relative error vs ${want.via} ${err.toExponential(2)}`);
      expect(err).toBeLessThanOrEqual(1e-5);
      expect(got.some((v) => v !== 0)).toBe(true);
    }, 120_000);
  }
});

/** Runs the copied module on wasm and on webgpu (the `webgpu` package's GPU, imported here by absolute path). */
const DRIVER_ALL = `
import { readFileSync, writeFileSync } from 'node:fs';
const [mod, input, webgpuPkg, outWasm, outGpu] = process.argv.slice(2);
const { create, globals } = await import(webgpuPkg);
Object.assign(globalThis, globals);
const { load, backends } = await import(new URL(mod, import.meta.url).href);
const x = new Float32Array(Uint8Array.from(readFileSync(new URL(input, import.meta.url))).buffer);
const save = (file, y) => writeFileSync(new URL(file, import.meta.url), new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
const wasm = await load();
const sync = wasm.run({ x });
const isPromise = sync instanceof Promise;
save(outWasm, sync.output);
wasm.dispose();
// Node is not cross-origin isolated: threads is ignored, run stays synchronous and identical.
const nodeThreads = await load({ backend: 'wasm', threads: 4 });
const again = nodeThreads.run({ x });
const threadsIgnored = nodeThreads.threads === 1 && !(again instanceof Promise) && again.output.every((v, i) => Object.is(v, sync.output[i]));
nodeThreads.dispose();
const gpu = await load({ backend: 'webgpu', gpu: create([]) });
const pending = gpu.run({ x });
const out = await pending;
save(outGpu, out.output);
const errors = [];
for (const bad of [{}, { x: new Int32Array(x.length) }]) {
  try { await gpu.run(bad); errors.push('no error'); } catch (e) { errors.push(e.message); }
}
gpu.dispose();
try { await gpu.run({ x }); errors.push('no error'); } catch (e) { errors.push(e.message); }
let noGpu;
try { await load({ backend: 'webgpu', gpu: null }); noGpu = 'no error'; } catch (e) { noGpu = e.message; }
console.log(JSON.stringify({ backends, wasmBackend: wasm.backend, gpuBackend: gpu.backend, isPromise, gpuPromise: pending instanceof Promise, errors, noGpu, threadsIgnored }));
process.exit(0);
`;

describe('kiln compile --target all → one module, wasm and webgpu', () => {
  it('mlp: both backends match the JIT result, run with plain node', async () => {
    const out = join(work, 'out-mlp-all');
    const r = kiln('compile', 'examples/mlp.ts', '--fn', 'mlp', '--input', 'x:f32[64,784]', '--target', 'all', '--out', out, '--name', 'mlp');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\[all\]/);
    expect(r.stdout).toMatch(/webgpu: +\d+ kernels/);
    expect(readdirSync(out).sort()).toEqual(['mlp.d.ts', 'mlp.js', 'mlp.json', 'mlp.shared.wasm', 'mlp.wasm', 'mlp.weights.bin', 'mlp.wgsl.json']);
    const js = readFileSync(join(out, 'mlp.js'), 'utf8');
    expect(js).not.toMatch(/^\s*import\s/m);
    const dts = readFileSync(join(out, 'mlp.d.ts'), 'utf8');
    expect(dts).toContain("load(options: LoadOptions & { backend: 'webgpu' }): Promise<WebGpuModule>;");
    expect(dts).toContain('run(inputs: Inputs): Promise<Outputs>;');
    expect(dts).toContain('run(inputs: Inputs): Outputs;');
    expect(dts).toContain('threads?: number;');
    expect(js).toContain('new Worker(');
    const manifest = JSON.parse(readFileSync(join(out, 'mlp.json'), 'utf8'));
    expect(manifest.target).toBe('all');
    expect(manifest.files.wgsl).toBe('mlp.wgsl.json');
    expect(manifest.webgpu.limits.maxStorageBuffersPerShaderStage).toBe(8);
    for (const k of manifest.webgpu.kernels) expect(k.bindings.length).toBeLessThanOrEqual(8);
    const wgsl = JSON.parse(readFileSync(join(out, 'mlp.wgsl.json'), 'utf8'));
    expect(wgsl.format).toBe('kiln-wgsl/1');
    expect(wgsl.codes.join('\n')).toMatch(/@compute/);
    const size = statSync(join(out, 'mlp.js')).size + statSync(join(out, 'mlp.wasm')).size;
    console.log(`MLP module (--target all): mlp.js ${statSync(join(out, 'mlp.js')).size} + mlp.wasm ${statSync(join(out, 'mlp.wasm')).size} = ${size} bytes; mlp.wgsl.json ${statSync(join(out, 'mlp.wgsl.json')).size} bytes; weights ${manifest.stats.weightsBytes} bytes`);
    expect(size).toBeLessThan(30 * 1024);

    const shipped = join(work, 'shipped-mlp-all');
    cpSync(out, shipped, { recursive: true });
    const x = random.uniform(random.key(11), [64, 784], { minval: -1, maxval: 1 });
    const xData = x.dataSync() as Float32Array;
    writeFileSync(join(shipped, 'input.bin'), new Uint8Array(xData.buffer, xData.byteOffset, xData.byteLength));
    writeFileSync(join(shipped, 'driver.mjs'), DRIVER_ALL);
    const webgpuPkg = pathToFileURL(join(root, 'node_modules/webgpu/index.js')).href;
    const run = spawnSync(process.execPath, [join(shipped, 'driver.mjs'), './mlp.js', './input.bin', webgpuPkg, './wasm.bin', './gpu.bin'], { cwd: tmpdir(), encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(report).toMatchObject({ backends: ['wasm', 'webgpu'], wasmBackend: 'wasm', gpuBackend: 'webgpu', isPromise: false, gpuPromise: true, threadsIgnored: true });
    expect(report.errors[0]).toMatch(/missing input 'x'/);
    expect(report.errors[1]).toMatch(/input 'x' must be a Float32Array/);
    expect(report.errors[2]).toMatch(/after dispose/);
    expect(report.noGpu).toMatch(/WebGPU is not available/);

    const mod = (await import(`../../${'examples/mlp.ts'}`)) as Record<string, (x: Tensor) => Tensor>;
    const want = reference(mod.mlp, x);
    expect(want.via).toBe('jit');
    const read = (f: string) => new Float32Array(Uint8Array.from(readFileSync(join(shipped, f))).buffer);
    const onWasm = read('wasm.bin');
    const onGpu = read('gpu.bin');
    const errWasm = maxRelError(onWasm, want.data);
    const errGpu = maxRelError(onGpu, want.data);
    console.log(`mlp --target all: max relative error vs jit: wasm ${errWasm.toExponential(2)}, webgpu ${errGpu.toExponential(2)}`);
    expect(errWasm).toBeLessThanOrEqual(1e-5);
    expect(errGpu).toBeLessThanOrEqual(1e-4);
    expect(onGpu.some((v) => v !== 0)).toBe(true);
  }, 180_000);
});

const DRIVER_GPU_ONLY = `
import { readFileSync, writeFileSync } from 'node:fs';
const [mod, input, webgpuPkg, outFile] = process.argv.slice(2);
const { create, globals } = await import(webgpuPkg);
Object.assign(globalThis, globals);
const { load, backends } = await import(new URL(mod, import.meta.url).href);
const x = new Float32Array(Uint8Array.from(readFileSync(new URL(input, import.meta.url))).buffer);
const m = await load({ gpu: create([]) });
const y = (await m.run({ x })).output;
writeFileSync(new URL(outFile, import.meta.url), new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
m.dispose();
let wasm;
try { await load({ backend: 'wasm' }); wasm = 'no error'; } catch (e) { wasm = e.message; }
console.log(JSON.stringify({ backends, backend: m.backend, wasm }));
process.exit(0);
`;

describe('kiln compile --target webgpu --embed-weights → one self-contained .js', () => {
  it('cnn: matches the JIT result on the webgpu package', async () => {
    const out = join(work, 'out-cnn-gpu');
    const r = kiln('compile', 'examples/cnn.ts', '--fn', 'cnn', '--input', 'x:f32[8,32,32,3]', '--target', 'webgpu', '--embed-weights', '--out', out, '--name', 'cnn');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['cnn.d.ts', 'cnn.js', 'cnn.json']);
    const dts = readFileSync(join(out, 'cnn.d.ts'), 'utf8');
    expect(dts).toContain('load(options?: LoadOptions): Promise<WebGpuModule>;');
    expect(dts).not.toContain('WasmModule');
    const manifest = JSON.parse(readFileSync(join(out, 'cnn.json'), 'utf8'));
    expect(manifest.files).toMatchObject({ wasm: null, wgsl: null, weights: null });
    for (const k of manifest.webgpu.kernels) expect(k.bindings.length).toBeLessThanOrEqual(8);

    const shipped = join(work, 'shipped-cnn-gpu');
    cpSync(out, shipped, { recursive: true });
    const x = random.uniform(random.key(5), [8, 32, 32, 3], { minval: -1, maxval: 1 });
    const xData = x.dataSync() as Float32Array;
    writeFileSync(join(shipped, 'input.bin'), new Uint8Array(xData.buffer, xData.byteOffset, xData.byteLength));
    writeFileSync(join(shipped, 'driver.mjs'), DRIVER_GPU_ONLY);
    const webgpuPkg = pathToFileURL(join(root, 'node_modules/webgpu/index.js')).href;
    const run = spawnSync(process.execPath, [join(shipped, 'driver.mjs'), './cnn.js', './input.bin', webgpuPkg, './gpu.bin'], { cwd: tmpdir(), encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(report).toMatchObject({ backends: ['webgpu'], backend: 'webgpu' });
    expect(report.wasm).toMatch(/backend 'wasm' is not in this module/);
    const got = new Float32Array(Uint8Array.from(readFileSync(join(shipped, 'gpu.bin'))).buffer);
    const mod = (await import(`../../${'examples/cnn.ts'}`)) as Record<string, (x: Tensor) => Tensor>;
    const want = reference(mod.cnn, x);
    const err = maxRelError(got, want.data);
    console.log(`cnn --target webgpu: max relative error vs ${want.via} ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(1e-4);
    expect(got.some((v) => v !== 0)).toBe(true);
  }, 180_000);
});

describe('kiln errors and exit codes', () => {
  const graphFile = join(work, 'small.kgraph');
  const graphText = `graph @g(%x: f32[3]) -> (f32[3]) {
  %0 = exp %x : f32[3]
  %1 = exp %x : f32[3]
  %2 = add %0, %1 : f32[3]
  %3 = mul %x, %x : f32[3]
  return %2
}
`;
  beforeAll(() => {
    writeFileSync(graphFile, graphText);
    writeFileSync(join(work, 'bad.kgraph'), 'graph @g(%x: f32[3]) -> (f32[3]) {\n  %0 = exp %x : f32[3]\n  %1 = frobnicate %0 : f32[3]\n  return %1\n}\n');
  });

  it('kiln opt runs named passes on graph text', () => {
    const r = kiln('opt', graphFile, '--passes', 'cse,dce');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/= exp /g)).toHaveLength(1);
    expect(r.stdout).not.toContain('mul');
    expect(r.stdout).toContain('graph @g(');
  });

  it('kiln opt lowers and runs loop passes', () => {
    const r = kiln('opt', graphFile, '--passes', 'cse,dce,fusion,lower,simplify,hoist,vectorize');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/kernel/);
  });

  it('unknown pass: exit 1 with the known passes', () => {
    const r = kiln('opt', graphFile, '--passes', 'cse,frobnicate');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown pass 'frobnicate'/);
    expect(r.stderr).toMatch(/canonicalize/);
  });

  it('a loop pass on graph IR: exit 1', () => {
    const r = kiln('opt', graphFile, '--passes', 'simplify');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/works on loop IR/);
  });

  it('bad IR text: exit 1 with file:line:column', () => {
    const r = kiln('opt', join(work, 'bad.kgraph'), '--passes', 'cse');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.kgraph:3:\d+: /);
    const c = kiln('compile', join(work, 'bad.kgraph'), '--out', join(work, 'never'));
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/bad\.kgraph:3:\d+: /);
  });

  it('missing --input for a .ts module: exit 2', () => {
    const r = kiln('compile', 'examples/mlp.ts', '--out', join(work, 'never'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--input/);
  });

  it('bad type spec: exit 2', () => {
    for (const spec of ['x:f64[2]', 'x:f32[2,a]', 'x:f32']) {
      const r = kiln('compile', 'examples/mlp.ts', '--input', spec, '--out', join(work, 'never'));
      expect(r.status, spec).toBe(2);
      expect(r.stderr).toMatch(/bad input spec/);
    }
  });

  it('usage errors: exit 2', () => {
    expect(kiln().status).toBe(2);
    expect(kiln('frobnicate').status).toBe(2);
    expect(kiln('compile', graphFile, '--bogus').status).toBe(2);
    expect(kiln('opt', graphFile).status).toBe(2);
    const t = kiln('compile', graphFile, '--target', 'webgl', '--out', join(work, 'never'));
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/unknown target 'webgl' \(wasm, webgpu, all\)/);
    expect(existsSync(join(work, 'never'))).toBe(false);
  });

  it('compiles a .kgraph and dumps every stage', () => {
    const out = join(work, 'kg');
    const r = kiln('compile', graphFile, '--out', out, '--name', 'small');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['small.d.ts', 'small.js', 'small.json', 'small.shared.wasm', 'small.wasm']);
    const dumpDir = join(work, 'dump');
    const d = kiln('dump', 'examples/mlp.ts', '--fn', 'mlp', '--input', 'x:f32[2,784]', '--out', dumpDir);
    expect(d.stderr).toBe('');
    expect(d.status).toBe(0);
    const sub = readdirSync(dumpDir);
    expect(sub).toHaveLength(1);
    const files = readdirSync(join(dumpDir, sub[0]));
    expect(files[0]).toMatch(/^0000\.graph\.input\.kgraph$/);
    expect(files.some((f) => f.endsWith('.kloop'))).toBe(true);
    expect(files.some((f) => f.endsWith('.wat'))).toBe(true);
    expect(files.some((f) => f.endsWith('.wgsl'))).toBe(true);
  }, 60_000);
});
