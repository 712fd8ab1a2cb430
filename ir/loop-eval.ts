/**
 * A reference evaluator of the loop IR (level 2): runs kernels and whole programs on typed
 * arrays, with no code generator. It is the second oracle, next to the graph interpreter: every
 * scalar op has exactly the graph op's semantics (the same functions from ir/interp), so a
 * lowering that is right gives bit-identical results. With `{ arena: true }` all buffers are
 * views into one ArrayBuffer at their planned offsets, which is how memory plans are tested.
 *
 * Semantics, briefly: grid vars are the outermost loops (row-major, last fastest); `for` runs its
 * var over 0..extent-1 (`vec` is a codegen hint and ignored); `let` binds in its block; stores
 * convert with wrapScalar; an unguarded load or any store out of bounds throws (naming kernel,
 * buffer, index, size and the loop vars); a guarded load evaluates its index only where the
 * guard holds; both branches of a select are evaluated. See ir/loop-eval/compile.ts.
 */
import { type TypedArray, allocArray, byteSize, shortDType, typedArrayFor, wrapScalar } from './dtype.js';
import type { BufferDecl, Kernel, Program } from './loop.js';
import { LoopEvalError, arrayProblem, compileKernel } from './loop-eval/compile.js';

export { LoopEvalError } from './loop-eval/compile.js';

export interface EvaluateProgramOptions {
  /**
   * Place every buffer at its planned `offset` in one ArrayBuffer of `arenaBytes` bytes (bool is
   * one byte per element). Overlapping buffers then really share memory, and nothing is zeroed
   * but the fresh arena itself: a temp or output overlapping an input or constant starts with
   * its bytes, as in a real runtime.
   */
  readonly arena?: boolean;
}

/**
 * Runs one kernel in place on `buffers` (one typed array per param name, of the param's dtype
 * and size; extra entries are ignored).
 */
export function evaluateKernel(k: Kernel, buffers: Readonly<Record<string, TypedArray>>): void {
  const bound = new Map<string, TypedArray>();
  for (const p of k.params) {
    const array = Object.hasOwn(buffers, p.name) ? buffers[p.name] : undefined;
    const problem = arrayProblem(p, array);
    if (problem) throw new LoopEvalError(`kernel @${k.name}: param %${p.name} ${problem}`);
    bound.set(p.name, array!);
  }
  compileKernel(k, bound)();
}

/**
 * Runs program `p` on `inputs` (one per name in `p.inputs`, in order, each a typed array of the
 * buffer's dtype and size; they are copied, never written) and returns fresh copies of the
 * `p.outputs` buffers. Constants are filled from their data; temps and outputs start zeroed.
 */
export function evaluateProgram(p: Program, inputs: readonly TypedArray[], options: EvaluateProgramOptions = {}): TypedArray[] {
  const fail = (message: string): never => {
    throw new LoopEvalError(`program @${p.name}: ${message}`);
  };
  const decls = new Map<string, BufferDecl>();
  for (const d of p.buffers) {
    if (decls.has(d.name)) fail(`buffer %${d.name} is declared twice`);
    if (!Number.isInteger(d.size) || d.size < 0) fail(`buffer %${d.name} has size ${d.size}`);
    if (d.role === 'constant' && d.data?.length !== d.size) {
      fail(`constant %${d.name} needs ${d.size} values, has ${d.data ? d.data.length : 'no data'}`);
    }
    decls.set(d.name, d);
  }
  const decl = (name: string, what: string): BufferDecl => decls.get(name) ?? fail(`${what} %${name} is not in the buffer table`);

  // Inputs: count, names, then each array's kind and length.
  if (inputs.length !== p.inputs.length) {
    fail(`expected ${p.inputs.length} input(s) (${p.inputs.map((n) => `%${n}`).join(', ')}), got ${inputs.length}`);
  }
  p.inputs.forEach((name, i) => {
    const d = decl(name, `input ${i}`);
    if (d.role !== 'input') fail(`input ${i} %${name} has role ${d.role}, not input`);
    const problem = arrayProblem(d, inputs[i]);
    if (problem) fail(`input ${i} (%${name}) ${problem}`);
  });
  for (const d of p.buffers) if (d.role === 'input' && !p.inputs.includes(d.name)) fail(`input buffer %${d.name} is not listed in the program's inputs`);
  for (const name of p.outputs) decl(name, 'output');

  const storage = options.arena ? arenaStorage(p, fail) : new Map(p.buffers.map((d) => [d.name, allocArray(d.dtype, d.size)]));
  for (const d of p.buffers) {
    if (d.role !== 'constant') continue;
    const array = storage.get(d.name)!;
    d.data!.forEach((v, i) => { array[i] = wrapScalar(v, d.dtype); });
  }
  p.inputs.forEach((name, i) => storage.get(name)!.set(inputs[i]));

  const kernels = new Map<string, Kernel>();
  for (const k of p.kernels) {
    if (kernels.has(k.name)) fail(`kernel @${k.name} is defined twice`);
    kernels.set(k.name, k);
  }
  p.launches.forEach((launch, li) => {
    const k = kernels.get(launch.kernel) ?? fail(`launch ${li} calls @${launch.kernel}, which is not a kernel of the program`);
    const where = `launch ${li} (@${k.name})`;
    if (launch.args.length !== k.params.length) fail(`${where} passes ${launch.args.length} buffer(s) to ${k.params.length} param(s)`);
    const bound = new Map<string, TypedArray>();
    k.params.forEach((param, j) => {
      const d = decl(launch.args[j], `${where} arg ${j}`);
      if (d.dtype !== param.dtype || d.size !== param.size) {
        fail(`${where} binds %${d.name} (${shortDType(d.dtype)}[${d.size}]) to param %${param.name} (${shortDType(param.dtype)}[${param.size}])`);
      }
      bound.set(param.name, storage.get(d.name)!);
    });
    compileKernel(k, bound)();
  });
  return p.outputs.map((name) => storage.get(name)!.slice());
}

/** One view per buffer into a single ArrayBuffer of `p.arenaBytes` bytes, at the planned offsets. */
function arenaStorage(p: Program, fail: (message: string) => never): Map<string, TypedArray> {
  const bytes = p.arenaBytes;
  if (bytes === undefined) fail('arena mode needs arenaBytes (run memory planning first)');
  if (!Number.isInteger(bytes) || bytes < 0) fail(`arenaBytes is ${bytes}`);
  const arena = new ArrayBuffer(bytes);
  const storage = new Map<string, TypedArray>();
  for (const d of p.buffers) {
    const offset = d.offset;
    if (offset === undefined) fail(`arena mode needs an offset for every buffer; %${d.name} has none`);
    const width = byteSize(d.dtype);
    if (!Number.isInteger(offset) || offset < 0 || offset % width !== 0) fail(`buffer %${d.name} has offset ${offset}; expected a multiple of ${width}`);
    if (offset + d.size * width > bytes) fail(`buffer %${d.name} (bytes ${offset}..${offset + d.size * width}) does not fit in the ${bytes}-byte arena`);
    storage.set(d.name, new (typedArrayFor(d.dtype))(arena, offset, d.size));
  }
  return storage;
}
