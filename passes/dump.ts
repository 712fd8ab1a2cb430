/**
 * Numbered IR dumps, XLA style: the input IR as `0000.<level>.input.<ext>`, then the IR after
 * every pass that changed something as `NNNN.<level>.after_<pass>.<ext>`, and later stages
 * (WAT, WGSL) through `dumpStage`, all in one sequence per compilation.
 *
 * Writing to a directory needs Node: `node:fs` is looked up only when a directory dump is asked
 * for, so this module still loads in a browser (where asking for one is a clear error).
 */
import { type AnyPass, type PassContext, type PassInstrumentation, type PassLevel, PassError, irLevel } from './pass.js';

/** Receives dump files; the directory writer is the usual one, tests and browsers may bring their own. */
export interface DumpWriter {
  write(fileName: string, text: string): void;
}

/** One compilation's dump sequence. */
export interface DumpSink {
  readonly writer: DumpWriter;
  /** The directory, when files go to one. */
  readonly dir?: string;
  /** Number the next file gets. */
  next: number;
  /** File names written so far, in order. */
  readonly files: string[];
}

type NodeFs = typeof import('node:fs');
type NodePath = typeof import('node:path');

interface NodeProcess {
  readonly env?: Record<string, string | undefined>;
  getBuiltinModule?(id: string): unknown;
}

/** `process` when running under Node (or anything that provides it), else undefined. */
function nodeProcess(): NodeProcess | undefined {
  return (globalThis as { process?: NodeProcess }).process;
}

/**
 * The dump directory: `option` when it is a non-empty string, nothing when it is `false`, else
 * the `KILN_DUMP` environment variable when set and non-empty.
 */
export function resolveDumpDir(option?: string | false): string | undefined {
  if (option === false) return undefined;
  if (option) return option;
  const fromEnv = nodeProcess()?.env?.KILN_DUMP;
  return fromEnv ? fromEnv : undefined;
}

/** Writes each dump as a file in `dir` (created on first write). Throws at once where there is no `node:fs`. */
export function directoryWriter(dir: string): DumpWriter {
  const proc = nodeProcess();
  const fs = proc?.getBuiltinModule?.('node:fs') as NodeFs | undefined;
  const path = proc?.getBuiltinModule?.('node:path') as NodePath | undefined;
  if (!fs || !path) {
    throw new PassError(
      `cannot dump IR to directory '${dir}': writing files needs Node.js (>= 20.16, for node:fs), ` +
        'and this environment has no file system; turn dumping off or give a DumpWriter instead',
    );
  }
  let made = false;
  return {
    write(fileName, text) {
      if (!made) fs.mkdirSync(dir, { recursive: true });
      made = true;
      fs.writeFileSync(path.join(dir, fileName), text);
    },
  };
}

export function createDumpSink(target: string | DumpWriter): DumpSink {
  return typeof target === 'string'
    ? { writer: directoryWriter(target), dir: target, next: 0, files: [] }
    : { writer: target, next: 0, files: [] };
}

/** Characters other than letters, digits, `_`, `.` and `-` become `_`, so any pass name is a safe file name. */
const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '_');

/** `0003.graph.after_cse.kgraph`: the counter padded to 4 digits, then level, stage name and extension. */
export function dumpFileName(index: number, level: string, name: string, ext: string): string {
  return `${String(index).padStart(4, '0')}.${safe(level)}.${safe(name)}.${safe(ext.replace(/^\./, ''))}`;
}

/**
 * Adds one file to the compilation's dump sequence (a no-op when dumping is off) and returns its
 * name. Later stages use it directly: `dumpStage(ctx, 'module', 'wasm', wat, 'wat')`.
 */
export function dumpStage(ctx: PassContext, name: string, level: string, text: string, ext: string): string | undefined {
  const sink = ctx.dump;
  if (!sink) return undefined;
  const fileName = dumpFileName(sink.next++, level, name, ext);
  sink.writer.write(fileName, text);
  sink.files.push(fileName);
  return fileName;
}

/** The level's canonical text, plus the given remarks as comments the parser skips. */
function dumpText(level: PassLevel, ir: unknown, remarks: readonly string[]): { text: string; ext: string } {
  const def = irLevel(level);
  if (!def) throw new PassError(`cannot dump ${level} IR: no printer is registered for level '${level}' (see registerIRLevel)`);
  let text = def.print(ir);
  if (def.comment && remarks.length) text += remarks.map((r) => `${def.comment} ${r}\n`).join('');
  return { text, ext: def.ext };
}

function dumpIR(ctx: PassContext, name: string, level: PassLevel, ir: unknown, remarks: readonly string[] = []): void {
  const { text, ext } = dumpText(level, ir, remarks);
  dumpStage(ctx, name, level, text, ext);
}

/**
 * Dumps the first pass's input and the result of every non-composite pass that reports a change,
 * with the remarks the pass added to `ctx.remarks` appended as `// pass <name>: <text>` comments
 * (plain comments: the parser skips them, unlike `// remark:` lines, which are graph remarks).
 */
export function dumpInstrumentation(): PassInstrumentation {
  const remarkMarks: number[] = [];
  return {
    beforePass({ pass, input }, ctx) {
      remarkMarks.push(ctx.remarks.length);
      if (ctx.dump && ctx.dump.next === 0) dumpIR(ctx, 'input', inputLevel(pass), input);
    },
    afterPass({ pass, output, changed }, ctx) {
      const mark = remarkMarks.pop() ?? ctx.remarks.length;
      if (!ctx.dump || pass.composite || !changed) return;
      const remarks = ctx.remarks.slice(mark).map((r) => `pass ${r.pass}: ${r.message.replace(/\s*[\r\n]+\s*/g, ' ')}`);
      dumpIR(ctx, `after_${pass.name}`, pass.level, output, remarks);
    },
  };
}

const inputLevel = (pass: AnyPass): PassLevel => pass.inputLevel ?? pass.level;
