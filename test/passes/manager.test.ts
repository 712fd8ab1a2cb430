/**
 * The pass manager: verification after changed passes, the `changed` contract check, fixpoint
 * loops, nested pipelines, instrumentation order, timing and remarks.
 */
import { describe, expect, it, vi } from 'vitest';
import { type Graph, Value, parseGraph, printGraph, verifyGraph } from '../../ir/index.js';
import {
  type Pass, type PassInstrumentation, type PassLevel, PassError, addRemark, createPassContext, cse, dce, fixpoint,
  pipeline, runPass, runPasses, timingInstrumentation,
} from '../../passes/index.js';

/** neg(x) twice (CSE merges them), plus an unused exp (DCE removes it). */
const G = parseGraph(`
graph @g(%x: f32[2]) -> (f32[2]) {
  %0 = neg %x : f32[2]
  %1 = neg %x : f32[2]
  %2 = exp %x : f32[2]
  %3 = add %0, %1 : f32[2]
  return %3
}`);

const passOf = (name: string, run: (g: Graph) => { ir: Graph; changed: boolean }): Pass<Graph> => ({ name, level: 'graph', run });

/** Drops the first node although it is used, and says so. */
const dropFirstNode = passOf('drop-first-node', (g) => ({ ir: { ...g, nodes: g.nodes.slice(1) }, changed: true }));
/** Runs DCE but claims nothing changed. */
const lyingDce = passOf('lying-dce', (g) => ({ ir: dce.run(g, createPassContext()).ir, changed: false }));
/** Returns an equal copy: new objects, same structure. */
const honestCopy = passOf('honest-copy', (g) => ({ ir: { ...g, nodes: g.nodes.map((n) => ({ ...n })) }, changed: false }));
/** Renames an unused parameter (the structure compares equal, the printed text does not) and claims no change. */
const lyingRename = passOf('lying-rename', (g) => ({ ir: { ...g, params: [new Value(g.params[0].type, 'renamed')] }, changed: false }));
const UNUSED_PARAM = parseGraph(`
graph @h(%x: f32[2]) -> (f32[2]) {
  %0 = const {value=1} : f32[2]
  return %0
}`);

/** Records `before:<name>@<depth>` / `after:<name>` events, tagged with `tag`. */
function recorder(events: string[], tag = ''): PassInstrumentation {
  return {
    beforePass: ({ pass, depth }) => void events.push(`${tag}before:${pass.name}@${depth}`),
    afterPass: ({ pass }) => void events.push(`${tag}after:${pass.name}`),
  };
}

describe('verification after changed passes', () => {
  it('catches a pass that breaks the graph and names it', () => {
    expect(() => runPasses(dropFirstNode, G)).toThrow(PassError);
    expect(() => runPasses(dropFirstNode, G)).toThrow(/pass 'drop-first-node' produced invalid graph IR: .*operand 0 is used before it is defined/);
  });

  it('catches it inside nested pipelines, naming the inner pass', () => {
    const nested = pipeline('outer', [cse, pipeline('inner', [dce, dropFirstNode])]);
    expect(() => runPasses(nested, G)).toThrow(/pass 'drop-first-node' produced invalid graph IR/);
  });

  it('does not verify after a pass that reports no change (the changed check is what catches that)', () => {
    const quietlyBroken = passOf('quietly-broken', (g) => ({ ir: { ...g, nodes: g.nodes.slice(1) }, changed: false }));
    expect(() => runPasses(quietlyBroken, G)).not.toThrow();
    expect(() => runPasses(quietlyBroken, G, { checkChanged: true })).toThrow(/pass 'quietly-broken' reported changed: false/);
  });

  it('can be turned off', () => {
    expect(() => runPasses(dropFirstNode, G, { verify: false })).not.toThrow();
  });

  it('uses the verifier registered for the level of the pass result, and a context can plug in its own', () => {
    const loopVerify = vi.fn((ir: unknown) => {
      if ((ir as { ok: boolean }).ok !== true) throw new Error('kernel is not ok');
    });
    const graphVerify = vi.fn();
    const loopPass = (name: string, ok: boolean): Pass<{ ok: boolean }> => ({ name, level: 'loop', run: () => ({ ir: { ok }, changed: true }) });
    const ctx = createPassContext({ verify: { loop: loopVerify, graph: graphVerify } });
    runPass(loopPass('good-loop-pass', true), { ok: true }, ctx);
    expect(loopVerify).toHaveBeenCalledWith({ ok: true });
    expect(graphVerify).not.toHaveBeenCalled();
    expect(() => runPass(loopPass('bad-loop-pass', false), { ok: true }, ctx)).toThrow(/pass 'bad-loop-pass' produced invalid loop IR: kernel is not ok/);
  });

  it('defaults to verifyGraph for the graph level', () => {
    expect(createPassContext().verify.graph).toBe(verifyGraph);
  });
});

describe('the changed contract check', () => {
  it('catches a pass that changed the IR but reported changed: false, naming it and the difference', () => {
    expect(() => runPasses(lyingDce, G, { checkChanged: true })).toThrow(/pass 'lying-dce' reported changed: false but changed the graph IR: node counts differ: 4 vs 3/);
  });

  it('compares printed text too, so differences the structure ignores are caught', () => {
    expect(() => runPasses(lyingRename, UNUSED_PARAM, { checkChanged: true })).toThrow(
      /pass 'lying-rename' reported changed: false but changed the graph IR: printed text differs at line 1: "graph @h\(%x: f32\[2\]\) -> \(f32\[2\]\) \{" became "graph @h\(%renamed/,
    );
  });

  it('catches a lying pass inside a pipeline', () => {
    expect(() => runPasses(pipeline('p', [cse, lyingDce]), G, { checkChanged: true })).toThrow(/pass 'lying-dce'/);
  });

  it('accepts a new but structurally equal graph', () => {
    expect(runPasses(honestCopy, G, { checkChanged: true }).changed).toBe(false);
  });

  it('is off unless asked for', () => {
    expect(runPasses(lyingDce, G).changed).toBe(false);
  });
});

describe('fixpoint', () => {
  /** Removes only the last dead node per run, so n dead nodes need n + 1 runs. */
  let runs = 0;
  const dceOne = passOf('dce-one', (g) => {
    runs++;
    const used = new Set([...g.results, ...g.nodes.flatMap((n) => n.inputs)]);
    const dead = g.nodes.map((n) => n.outputs.some((v) => used.has(v))).lastIndexOf(false);
    return dead < 0 ? { ir: g, changed: false } : { ir: { ...g, nodes: g.nodes.filter((_, i) => i !== dead) }, changed: true };
  });
  const chain = parseGraph(`
    graph @chain(%x: f32[2]) -> (f32[2]) {
      %0 = exp %x : f32[2]
      %1 = exp %0 : f32[2]
      %2 = exp %1 : f32[2]
      return %x
    }`);

  it('repeats a pass until it reports no change', () => {
    runs = 0;
    const { ir, changed } = runPasses(fixpoint(dceOne, 10), chain, { checkChanged: true });
    expect(changed).toBe(true);
    expect(ir.nodes).toHaveLength(0);
    expect(runs).toBe(4);
  });

  it('runs once and reports no change when there is nothing to do', () => {
    runs = 0;
    const clean = dce.run(G, createPassContext()).ir;
    const r = runPasses(fixpoint(dceOne), clean);
    expect(r).toMatchObject({ ir: clean, changed: false });
    expect(runs).toBe(1);
  });

  it('fails, naming the pass, when it has not converged within maxIters runs', () => {
    expect(() => runPasses(fixpoint(dceOne, 3), chain)).toThrow(/fixpoint\(dce-one\): pass 'dce-one' did not converge: it still changed the IR on run 3 of 3/);
    const grow = passOf('grow', (g) => {
      const c = new Value({ dtype: 'float32', shape: [] });
      return { ir: { ...g, nodes: [...g.nodes, { op: 'const', inputs: [], attrs: { value: 0 }, outputs: [c] }] }, changed: true };
    });
    expect(() => runPasses(fixpoint(grow, 5, 'grow-forever'), G)).toThrow(/grow-forever: pass 'grow' did not converge/);
  });

  it('rejects a maxIters that is not a positive integer', () => {
    expect(() => fixpoint(dce, 0)).toThrow(/maxIters must be a positive integer/);
  });
});

describe('pipelines', () => {
  it('run their passes in order, nest, and report a change when any pass changed', () => {
    const events: string[] = [];
    const p = pipeline('outer', [pipeline('inner', [cse, dce]), fixpoint(cse)]);
    const { ir, changed } = runPasses(p, G, { instrument: [recorder(events)], checkChanged: true });
    expect(events.filter((e) => e.startsWith('before'))).toEqual([
      'before:outer@0', 'before:inner@1', 'before:cse@2', 'before:dce@2', 'before:fixpoint(cse)@1', 'before:cse@2',
    ]);
    expect(changed).toBe(true);
    expect(printGraph(ir)).toBe(printGraph(dce.run(cse.run(G, createPassContext()).ir, createPassContext()).ir));
    expect(p.passes.map((q) => q.name)).toEqual(['inner', 'fixpoint(cse)']);
  });

  it('report no change when no pass changed anything', () => {
    const clean = runPasses(pipeline('clean', [cse, dce]), G).ir;
    expect(runPasses(pipeline('again', [cse, dce]), clean)).toMatchObject({ ir: clean, changed: false });
  });

  it('need a level and passes of that level', () => {
    expect(() => pipeline('empty', [])).toThrow(/pipeline 'empty' is empty/);
    expect(pipeline<Graph>('empty', [], 'graph').run(G, createPassContext())).toEqual({ ir: G, changed: false });
    const loopPass: Pass<Graph> = { name: 'loopy', level: 'loop' as PassLevel, run: (g) => ({ ir: g, changed: false }) };
    expect(() => pipeline('mixed', [cse, loopPass])).toThrow(/pipeline 'mixed' works on graph IR but pass 'loopy' returns loop IR/);
  });
});

describe('instrumentation', () => {
  it('runs before hooks in list order and after hooks in reverse, nested like the passes', () => {
    const events: string[] = [];
    runPasses(pipeline('p', [cse, dce]), G, { instrument: [recorder(events, 'A.'), recorder(events, 'B.')] });
    expect(events).toEqual([
      'A.before:p@0', 'B.before:p@0',
      'A.before:cse@1', 'B.before:cse@1', 'B.after:cse', 'A.after:cse',
      'A.before:dce@1', 'B.before:dce@1', 'B.after:dce', 'A.after:dce',
      'B.after:p', 'A.after:p',
    ]);
  });

  it('hands after hooks the input, the output, the changed flag and the time', () => {
    const ends: { input: unknown; output: unknown; changed: boolean; ms: number }[] = [];
    const { ir } = runPasses(dce, G, { instrument: [{ afterPass: (end) => void ends.push(end) }] });
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ input: G, output: ir, changed: true });
    expect(ends[0].ms).toBeGreaterThanOrEqual(0);
  });

  it('restores the nesting depth when a pass throws', () => {
    const events: string[] = [];
    const ctx = createPassContext({ instrument: [recorder(events)] });
    const boom = passOf('boom', () => {
      throw new Error('boom');
    });
    expect(() => runPass(pipeline('p', [boom]), G, ctx)).toThrow('boom');
    runPass(dce, G, ctx);
    expect(events.at(-2)).toBe('before:dce@0');
  });

  it('timing records every run in start order with its depth, and reports it as a table', () => {
    const timing = timingInstrumentation();
    runPasses(pipeline('cleanup', [cse, dce, dce]), G, { instrument: [timing] });
    expect(timing.timings.map((t) => [t.pass, t.depth, t.changed])).toEqual([
      ['cleanup', 0, true], ['cse', 1, true], ['dce', 1, true], ['dce', 1, false],
    ]);
    expect(timing.timings.every((t) => t.ms >= 0 && t.level === 'graph')).toBe(true);
    const lines = timing.report().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^\s*\d+\.\d{3} ms {4}cse$/);
    expect(lines[3]).toMatch(/ms {4}dce {2}\(no change\)$/);
  });
});

describe('remarks', () => {
  it('collects what passes add, in order, with the pass name', () => {
    const chatty: Pass<Graph> = {
      name: 'chatty', level: 'graph',
      run(g, ctx) {
        addRemark(ctx, 'chatty', 'kept neg %0 apart from exp %2: different shapes');
        return { ir: g, changed: false };
      },
    };
    const ctx = createPassContext();
    runPass(pipeline('p', [chatty, chatty]), G, ctx);
    expect(ctx.remarks).toEqual([
      { pass: 'chatty', message: 'kept neg %0 apart from exp %2: different shapes' },
      { pass: 'chatty', message: 'kept neg %0 apart from exp %2: different shapes' },
    ]);
  });
});
