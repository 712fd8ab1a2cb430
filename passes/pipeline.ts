/**
 * The compilation pipeline from a traced graph to a planned loop-IR program:
 * graph cleanup → fusion → lowering → loop optimisation → memory planning. Every step is a
 * pass run by the pass manager, so verification after each change and numbered dumps
 * (`jit(fn, { dump })` or KILN_DUMP) apply throughout.
 */
import { type Graph, type Program, printGraph } from '../ir/index.js';
import { type FusionOptions, fuseGraph } from './graph/fusion.js';
import { graphCleanup } from './graph/index.js';
import { lowerToProgram } from './lower/index.js';
import { loopOptimize } from './loop/index.js';
import { type PassOptions, createPassContext, runPass } from './manager.js';
import { type MemoryStats, planMemory } from './memory-plan.js';
import { type Pass, type PassContext, addRemark } from './pass.js';

export function makeFusion(options: FusionOptions = {}): Pass<Graph> {
  return {
    name: 'fusion',
    level: 'graph',
    run(ir, ctx) {
      const { graph, remarks } = fuseGraph(ir, options);
      for (const r of remarks) addRemark(ctx, 'fusion', r);
      return { ir: graph, changed: printGraph(graph) !== printGraph(ir) };
    },
  };
}

export const fusion = makeFusion();

export const lower: Pass<Graph, Program> = {
  name: 'lower',
  level: 'loop',
  inputLevel: 'graph',
  run: (ir) => ({ ir: lowerToProgram(ir), changed: true }),
};

export interface CompiledProgram {
  /** After graph cleanup, before fusion. */
  readonly graph: Graph;
  readonly fused: Graph;
  /** Optimised and memory-planned. */
  readonly program: Program;
  readonly memory: MemoryStats;
  readonly ctx: PassContext;
}

export interface PipelineOptions extends PassOptions {
  /** Target constraints for fusion (e.g. the device's storage-buffer limit). */
  fusion?: FusionOptions;
}

export function compileToProgram(g: Graph, options: PipelineOptions = {}): CompiledProgram {
  const ctx = createPassContext(options);
  const graph = runPass(graphCleanup(), g, ctx).ir;
  const fused = runPass(options.fusion ? makeFusion(options.fusion) : fusion, graph, ctx).ir;
  const lowered = runPass(lower, fused, ctx).ir;
  const optimized = runPass(loopOptimize(), lowered, ctx).ir;
  let memory: MemoryStats | undefined;
  const planned = runPass<Program, Program>({
    name: 'memory-plan',
    level: 'loop',
    run(ir) {
      const r = planMemory(ir);
      memory = r.stats;
      return { ir: r.program, changed: true };
    },
  }, optimized, ctx).ir;
  return { graph, fused, program: planned, memory: memory!, ctx };
}
