/**
 * Numbered dumps: the input and the IR after every pass that changed something, in order, each
 * parsing back; later stages joining the same sequence; KILN_DUMP; Node-only file writing.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Graph, graphDiff, parseGraph, printGraph } from '../../ir/index.js';
import {
  type DumpWriter, type Pass, addRemark, canonicalize, constantFold, createPassContext, cse, dce, dumpFileName, dumpStage,
  fixpoint, pipeline, resolveDumpDir, runPass, runPasses,
} from '../../passes/index.js';

/** Canonicalize removes the mul by 1, folding turns neg(const) into a const, CSE merges the adds, DCE sweeps up. */
const G = parseGraph(`
graph @g(%x: f32[4]) -> (f32[4]) {
  %0 = const {value=1} : f32[4]
  %1 = mul %0, %x : f32[4]
  %2 = const {value=[1,2,3,4]} : f32[4]
  %3 = neg %2 : f32[4]
  %4 = add %1, %3 : f32[4]
  %5 = add %3, %1 : f32[4]
  %6 = sub %4, %5 : f32[4]
  return %6
}`);

/** The four passes, then canonicalize again (which finds nothing, so writes no file), inside a fixpoint. */
const CLEANUP = pipeline('cleanup', [fixpoint(pipeline('round', [canonicalize, constantFold, cse, dce]), 4), canonicalize]);

const EXPECTED_FILES = [
  '0000.graph.input.kgraph',
  '0001.graph.after_canonicalize.kgraph',
  '0002.graph.after_constant-fold.kgraph',
  '0003.graph.after_cse.kgraph',
  '0004.graph.after_dce.kgraph',
];

let dir: string;
let savedEnv: string | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-dump-'));
  savedEnv = process.env.KILN_DUMP;
  delete process.env.KILN_DUMP;
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  if (savedEnv === undefined) delete process.env.KILN_DUMP;
  else process.env.KILN_DUMP = savedEnv;
});

const read = (name: string): string => readFileSync(join(dir, name), 'utf8');

describe('dumps to a directory', () => {
  it('writes the input and the graph after each pass that changed it, numbered in order, each parsing back', () => {
    const { ir, ctx } = runPasses(CLEANUP, G, { dump: dir });
    expect(readdirSync(dir).sort()).toEqual(EXPECTED_FILES);
    expect(ctx.dump?.files).toEqual(EXPECTED_FILES);
    for (const name of EXPECTED_FILES) expect(printGraph(parseGraph(read(name))), name).toBe(read(name));
    expect(read(EXPECTED_FILES[0])).toBe(printGraph(G));
    expect(graphDiff(parseGraph(read(EXPECTED_FILES.at(-1)!)), ir)).toBeUndefined();
    // Each file is the previous one with that pass applied.
    const afterCse = cse.run(parseGraph(read('0002.graph.after_constant-fold.kgraph')), ctx).ir;
    expect(printGraph(afterCse)).toBe(read('0003.graph.after_cse.kgraph'));
  });

  it('creates the directory when it does not exist', () => {
    const nested = join(dir, 'a', 'b');
    runPasses(canonicalize, G, { dump: nested });
    expect(readdirSync(nested).sort()).toEqual(['0000.graph.input.kgraph', '0001.graph.after_canonicalize.kgraph']);
  });

  it('keeps one sequence per context: later passes and later stages (dumpStage) continue the numbering', () => {
    const ctx = createPassContext({ dump: dir });
    const first = runPass(canonicalize, G, ctx).ir;
    runPass(dce, first, ctx);
    expect(dumpStage(ctx, 'module', 'wasm', '(module)\n', 'wat')).toBe('0003.wasm.module.wat');
    expect(dumpStage(ctx, 'kernels', 'wgsl', '// wgsl\n', '.wgsl')).toBe('0004.wgsl.kernels.wgsl');
    expect(readdirSync(dir).sort()).toEqual([
      '0000.graph.input.kgraph', '0001.graph.after_canonicalize.kgraph', '0002.graph.after_dce.kgraph', '0003.wasm.module.wat', '0004.wgsl.kernels.wgsl',
    ]);
    expect(read('0003.wasm.module.wat')).toBe('(module)\n');
  });

  it('writes nothing for passes that changed nothing, and nothing at all when dumping is off', () => {
    const clean = runPasses(CLEANUP, G).ir;
    runPasses(CLEANUP, clean, { dump: dir });
    expect(readdirSync(dir)).toEqual(['0000.graph.input.kgraph']);
    const off = createPassContext();
    expect(off.dump).toBeUndefined();
    expect(dumpStage(off, 'module', 'wasm', '(module)', 'wat')).toBeUndefined();
  });
});

describe('KILN_DUMP', () => {
  it('turns dumping on when no option is given', () => {
    process.env.KILN_DUMP = dir;
    const { ctx } = runPasses(canonicalize, G);
    expect(ctx.dump?.dir).toBe(dir);
    expect(readdirSync(dir).sort()).toEqual(['0000.graph.input.kgraph', '0001.graph.after_canonicalize.kgraph']);
  });

  it('loses to an explicit directory and to dump: false', () => {
    process.env.KILN_DUMP = join(dir, 'from-env');
    expect(resolveDumpDir(join(dir, 'from-option'))).toBe(join(dir, 'from-option'));
    expect(resolveDumpDir(false)).toBeUndefined();
    expect(createPassContext({ dump: false }).dump).toBeUndefined();
    expect(resolveDumpDir()).toBe(join(dir, 'from-env'));
    expect(resolveDumpDir('')).toBe(join(dir, 'from-env'));
  });

  it('is ignored when unset or empty', () => {
    expect(resolveDumpDir()).toBeUndefined();
    process.env.KILN_DUMP = '';
    expect(resolveDumpDir()).toBeUndefined();
  });
});

describe('dump writers and file names', () => {
  it('takes any writer, and appends the remarks a pass made as comments the parser skips', () => {
    const files = new Map<string, string>();
    const writer: DumpWriter = { write: (name, text) => void files.set(name, text) };
    const remarking: Pass<Graph> = {
      name: 'remarking', level: 'graph',
      run(g, ctx) {
        addRemark(ctx, 'remarking', 'kept %3 apart:\nits operand is used twice');
        return canonicalize.run(g, ctx);
      },
    };
    const { ir } = runPasses(remarking, G, { dump: writer });
    expect([...files.keys()]).toEqual(['0000.graph.input.kgraph', '0001.graph.after_remarking.kgraph']);
    const text = files.get('0001.graph.after_remarking.kgraph')!;
    expect(text).toBe(`${printGraph(ir)}// pass remarking: kept %3 apart: its operand is used twice\n`);
    expect(graphDiff(parseGraph(text), ir)).toBeUndefined();
    expect(parseGraph(text).remarks ?? []).toEqual([]);
  });

  it('names files NNNN.<level>.<stage>.<ext>, making any pass name safe for a file system', () => {
    expect(dumpFileName(0, 'graph', 'input', 'kgraph')).toBe('0000.graph.input.kgraph');
    expect(dumpFileName(12, 'graph', 'after_fixpoint(cse)', '.kgraph')).toBe('0012.graph.after_fixpoint_cse_.kgraph');
    expect(dumpFileName(12345, 'loop', 'after_a/b c', 'kloop')).toBe('12345.loop.after_a_b_c.kloop');
  });

  it('fails clearly where there is no file system (a browser), and only when a directory dump is asked for', () => {
    // Without `process` for the length of three synchronous calls (vitest itself needs it back at once).
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'process')!;
    Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
    let directoryDump: unknown;
    let noDump: unknown;
    let writerDump: unknown;
    try {
      try {
        createPassContext({ dump: '/tmp/kiln-dumps' });
      } catch (e) {
        directoryDump = e;
      }
      noDump = createPassContext().dump;
      writerDump = createPassContext({ dump: { write() {} } }).dump;
    } finally {
      Object.defineProperty(globalThis, 'process', saved);
    }
    expect(String(directoryDump)).toMatch(/cannot dump IR to directory '\/tmp\/kiln-dumps': writing files needs Node.js/);
    expect(noDump).toBeUndefined();
    expect(writerDump).toBeDefined();
  });
});
