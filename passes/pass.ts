/**
 * The pass interface shared by every IR level, the context passes run in, and the per-level
 * table that says how to print, compare and verify each level's IR (so the manager, the
 * `changed` contract check and dumps treat graph and loop IR alike).
 */
import { type Graph, KilnError, graphDiff, printGraph, verifyGraph } from '../ir/index.js';
import type { DumpSink } from './dump.js';

export type PassLevel = 'graph' | 'loop';

export interface PassResult<T> {
  readonly ir: T;
  /** True exactly when `ir` differs from the input (XLA's contract; `ctx.checkChanged` checks it). */
  readonly changed: boolean;
}

/**
 * A named pure function from one IR value to the next: it never mutates its input, builds new
 * objects for what it changes and may share what it leaves alone. `Out` differs from `In` only
 * for lowering passes.
 */
export interface Pass<In, Out = In> {
  readonly name: string;
  /** Level of the IR the pass returns: picks the verifier and the dump printer. */
  readonly level: PassLevel;
  /** Level of the IR the pass takes, when it differs from `level` (lowering). */
  readonly inputLevel?: PassLevel;
  /**
   * Set on pipelines and fixpoint wrappers: the passes inside them are checked, verified and
   * dumped one by one, so the wrapper itself is not.
   */
  readonly composite?: boolean;
  run(ir: In, ctx: PassContext): PassResult<Out>;
}

/** Any pass, for instrumentation and tables that do not care about IR types. */
export type AnyPass = Pass<any, any>;

/** What instrumentation sees when a pass starts. `depth` is 0 for the outermost pass. */
export interface PassStart {
  readonly pass: AnyPass;
  readonly depth: number;
  readonly input: unknown;
}

export interface PassEnd extends PassStart {
  readonly output: unknown;
  readonly changed: boolean;
  /** Wall time of `run`, in milliseconds (inner passes included, verification excluded). */
  readonly ms: number;
}

/**
 * Hooks around every pass (MLIR's pass instrumentation): `beforePass` hooks run in list order,
 * `afterPass` hooks in reverse order, so instrumentations nest.
 */
export interface PassInstrumentation {
  beforePass?(start: PassStart, ctx: PassContext): void;
  afterPass?(end: PassEnd, ctx: PassContext): void;
}

/** A human-readable note from a pass, e.g. why fusion kept two ops apart. */
export interface Remark {
  readonly pass: string;
  readonly message: string;
}

/** Verifies one level's IR; throws (with a readable message) when it is malformed. */
export type Verifier = (ir: never) => unknown;

/** The state one compilation's passes share; make it with `createPassContext` (manager.ts). */
export interface PassContext {
  /** Run after every pass that reports a change, keyed by the level of the pass's result. */
  readonly verify: Readonly<Partial<Record<PassLevel, Verifier>>>;
  /** When on, a pass that reports `changed: false` but alters its IR is an error. */
  readonly checkChanged: boolean;
  readonly instrument: readonly PassInstrumentation[];
  /** Where numbered dumps go; undefined when dumping is off. */
  readonly dump?: DumpSink;
  /** Remarks passes add with `addRemark`; shown in dumps. */
  readonly remarks: Remark[];
}

export function addRemark(ctx: PassContext, pass: string, message: string): void {
  ctx.remarks.push({ pass, message });
}

/** An error from the pass machinery: a pass broke the IR, lied about `changed`, or did not converge. */
export class PassError extends KilnError {
  override name = 'PassError';
}

// ---------------------------------------------------------------------------------------------
// Per-level table: how to print, compare and verify the IR of each level.

export interface IRLevel<T> {
  /** File extension of dumps, without the dot: `kgraph`. */
  readonly ext: string;
  /** Canonical text; also what the `changed` check compares when `diff` finds nothing. */
  print(ir: T): string;
  /** The default verifier of the level, used by contexts created after registration. */
  verify?(ir: T): unknown;
  /** First structural difference, or undefined when equal (catches what the text may not show). */
  diff?(a: T, b: T): string | undefined;
  /** Line-comment marker of the text form, so dumps can append pass remarks the parser skips. */
  readonly comment?: string;
}

const LEVELS = new Map<PassLevel, IRLevel<never>>();

/** Registers a level's printer, verifier and dump extension; each level is registered once. */
export function registerIRLevel<T>(level: PassLevel, def: IRLevel<T>): void {
  if (LEVELS.has(level)) throw new PassError(`IR level '${level}' is registered twice`);
  LEVELS.set(level, def as unknown as IRLevel<never>);
}

export function irLevel(level: PassLevel): IRLevel<unknown> | undefined {
  return LEVELS.get(level) as IRLevel<unknown> | undefined;
}

export function registeredIRLevels(): readonly PassLevel[] {
  return [...LEVELS.keys()];
}

registerIRLevel<Graph>('graph', { ext: 'kgraph', print: printGraph, verify: verifyGraph, diff: graphDiff, comment: '//' });
