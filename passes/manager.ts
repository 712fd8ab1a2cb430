/**
 * The pass manager: runs passes with instrumentation, verifies the IR after every pass that
 * changed it, optionally checks the `changed` claim, and builds pipelines and fixpoint loops
 * (which are passes themselves, so they nest).
 */
import { type DumpWriter, createDumpSink, dumpInstrumentation, resolveDumpDir } from './dump.js';
import {
  type AnyPass, type Pass, type PassContext, type PassEnd, type PassInstrumentation, type PassLevel, type PassResult,
  type PassStart, type Verifier, PassError, irLevel, registeredIRLevels,
} from './pass.js';

export interface PassOptions {
  /**
   * Verifiers per level: `true` (the default) takes each registered level's own, `false` turns
   * verification off, a table replaces the defaults for the levels it names.
   */
  readonly verify?: boolean | Readonly<Partial<Record<PassLevel, Verifier>>>;
  /** Check that passes reporting `changed: false` left their IR alone (tests turn it on). */
  readonly checkChanged?: boolean;
  readonly instrument?: readonly PassInstrumentation[];
  /** A dump directory, a writer, or `false`; when absent, `KILN_DUMP` decides (see resolveDumpDir). */
  readonly dump?: string | DumpWriter | false;
}

/** A fresh context for one compilation. */
export function createPassContext(options: PassOptions = {}): PassContext {
  const verify: Partial<Record<PassLevel, Verifier>> = {};
  if (options.verify !== false) {
    for (const level of registeredIRLevels()) {
      const v = irLevel(level)?.verify;
      if (v) verify[level] = v as Verifier;
    }
    if (typeof options.verify === 'object') Object.assign(verify, options.verify);
  }
  const target = typeof options.dump === 'object' ? options.dump : resolveDumpDir(options.dump);
  const dump = target === undefined ? undefined : createDumpSink(target);
  const instrument = [...(dump ? [dumpInstrumentation()] : []), ...(options.instrument ?? [])];
  return { verify, checkChanged: options.checkChanged ?? false, instrument, dump, remarks: [] };
}

/** Nesting depth of the pass currently running in each context. */
const depths = new WeakMap<PassContext, number>();

const now = (): number => globalThis.performance?.now() ?? Date.now();

/**
 * Runs one pass: instrumentation before, the pass, then (for non-composite passes) the
 * `changed` check and the verifier of the result's level when it changed, then instrumentation
 * after. Pipelines run their passes through here, so every inner pass gets the same treatment.
 */
export function runPass<In, Out>(pass: Pass<In, Out>, ir: In, ctx: PassContext): PassResult<Out> {
  const depth = depths.get(ctx) ?? 0;
  const start: PassStart = { pass, depth, input: ir };
  for (const hook of ctx.instrument) hook.beforePass?.(start, ctx);
  depths.set(ctx, depth + 1);
  const t0 = now();
  let result: PassResult<Out>;
  try {
    result = pass.run(ir, ctx);
  } finally {
    depths.set(ctx, depth);
  }
  const ms = now() - t0;
  if (!pass.composite) {
    if (!result.changed && ctx.checkChanged) checkUnchanged(pass, ir, result.ir);
    if (result.changed) verifyResult(pass, result.ir, ctx);
  }
  const end: PassEnd = { ...start, output: result.ir, changed: result.changed, ms };
  for (let i = ctx.instrument.length - 1; i >= 0; i--) ctx.instrument[i].afterPass?.(end, ctx);
  return result;
}

function verifyResult(pass: AnyPass, ir: unknown, ctx: PassContext): void {
  const verify = ctx.verify[pass.level] as ((ir: unknown) => unknown) | undefined;
  if (!verify) return;
  try {
    verify(ir);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new PassError(`pass '${pass.name}' produced invalid ${pass.level} IR: ${detail}`, { cause: e });
  }
}

/** XLA's contract check: `changed: false` must mean the result is structurally the input. */
function checkUnchanged(pass: AnyPass, input: unknown, output: unknown): void {
  if (input === output) return;
  const level = (pass.inputLevel ?? pass.level) === pass.level ? irLevel(pass.level) : undefined;
  if (!level) return;
  const difference = level.diff?.(input, output) ?? textDifference(level.print(input), level.print(output));
  if (difference !== undefined) {
    throw new PassError(`pass '${pass.name}' reported changed: false but changed the ${pass.level} IR: ${difference}`);
  }
}

function textDifference(a: string, b: string): string | undefined {
  if (a === b) return undefined;
  const la = a.split('\n');
  const lb = b.split('\n');
  const i = la.findIndex((line, k) => line !== lb[k]);
  const at = i === -1 ? la.length : i;
  return `printed text differs at line ${at + 1}: ${JSON.stringify(la[at] ?? '')} became ${JSON.stringify(lb[at] ?? '')}`;
}

export interface Pipeline<T> extends Pass<T> {
  readonly passes: readonly Pass<T>[];
}

/** Runs `passes` in order; a pipeline is a pass, so pipelines nest. `level` defaults to the first pass's. */
export function pipeline<T>(name: string, passes: readonly Pass<T>[], level: PassLevel | undefined = passes[0]?.level): Pipeline<T> {
  if (!level) throw new PassError(`pipeline '${name}' is empty; give its level explicitly`);
  const mismatch = passes.find((p) => p.level !== level);
  if (mismatch) throw new PassError(`pipeline '${name}' works on ${level} IR but pass '${mismatch.name}' returns ${mismatch.level} IR`);
  return {
    name, level, composite: true, passes: [...passes],
    run(ir, ctx) {
      let changed = false;
      for (const p of passes) {
        const r = runPass(p, ir, ctx);
        ir = r.ir;
        changed ||= r.changed;
      }
      return { ir, changed };
    },
  };
}

/**
 * Repeats `pass` until a run reports no change. A pass still changing the IR on its
 * `maxIters`-th run has not converged: that is an error naming it.
 */
export function fixpoint<T>(pass: Pass<T>, maxIters = 16, name = `fixpoint(${pass.name})`): Pass<T> {
  if (!(Number.isInteger(maxIters) && maxIters >= 1)) throw new PassError(`${name}: maxIters must be a positive integer, got ${maxIters}`);
  return {
    name, level: pass.level, composite: true,
    run(ir, ctx) {
      let changed = false;
      for (let i = 0; i < maxIters; i++) {
        const r = runPass(pass, ir, ctx);
        ir = r.ir;
        if (!r.changed) return { ir, changed };
        changed = true;
      }
      throw new PassError(`${name}: pass '${pass.name}' did not converge: it still changed the IR on run ${maxIters} of ${maxIters}`);
    },
  };
}

/** Runs `pass` on `ir` in a fresh context (or the given one): the usual entry point. */
export function runPasses<T>(pass: Pass<T>, ir: T, options: PassOptions | PassContext = {}): PassResult<T> & { ctx: PassContext } {
  const ctx = 'remarks' in options ? options : createPassContext(options);
  return { ...runPass(pass, ir, ctx), ctx };
}

export interface PassTiming {
  readonly pass: string;
  readonly level: PassLevel;
  readonly depth: number;
  readonly ms: number;
  readonly changed: boolean;
}

export interface TimingInstrumentation extends PassInstrumentation {
  /** One entry per pass run, in the order the runs started (a pipeline before its passes). */
  readonly timings: readonly PassTiming[];
  /** A table of the timings, indented by nesting depth. */
  report(): string;
}

export function timingInstrumentation(): TimingInstrumentation {
  const timings: PassTiming[] = [];
  const open: number[] = [];
  return {
    timings,
    beforePass({ pass, depth }) {
      open.push(timings.length);
      timings.push({ pass: pass.name, level: pass.level, depth, ms: 0, changed: false });
    },
    afterPass({ ms, changed }) {
      const i = open.pop();
      if (i !== undefined) timings[i] = { ...timings[i], ms, changed };
    },
    report() {
      return timings
        .map((t) => `${t.ms.toFixed(3).padStart(10)} ms  ${'  '.repeat(t.depth)}${t.pass}${t.changed ? '' : '  (no change)'}`)
        .join('\n');
    },
  };
}
