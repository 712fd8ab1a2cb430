/**
 * One wasm function per launch: `(start: i32, end: i32)` runs the flattened grid iterations
 * [start, end) (clamped to the grid), so a runtime can split a grid across threads. The grid
 * variables are recovered from `start` by div/mod once, then advanced with carries (row-major,
 * last variable fastest), so a full-grid call costs the same as nested loops.
 */
import type { Kernel } from '../ir/loop.js';
import type { Binaryen, Module, Ref } from './binaryen.js';
import { type BufferBinding, type CodegenFlags, KernelContext, Scope } from './context.js';
import { WasmCodegenError } from './errors.js';
import { FunctionBuilder } from './function-builder.js';
import type { ModuleHelpers } from './helpers.js';
import { lowerStmts } from './stmt.js';

const START = 0;
const END = 1;

export function gridSizeOf(kernel: Kernel): number {
  const size = kernel.grid.reduce((n, v) => n * v.extent, 1);
  if (size > 0x7fffffff) throw new WasmCodegenError(`kernel @${kernel.name}: grid of ${size} iterations exceeds 2^31 - 1`);
  return size;
}

/** Adds the launch function `name` for `kernel` with its params bound to `buffers`. */
export function emitLaunchFunction(
  b: Binaryen,
  m: Module,
  helpers: ModuleHelpers,
  name: string,
  kernel: Kernel,
  buffers: ReadonlyMap<string, BufferBinding>,
  flags: CodegenFlags,
): void {
  const fb = new FunctionBuilder(b, m, [b.i32, b.i32]);
  const cx = new KernelContext(fb, helpers, kernel.name, buffers, flags);
  const total = gridSizeOf(kernel);
  const get = (local: number): Ref => m.local.get(local, b.i32);
  const set = (local: number, value: Ref): Ref => m.local.set(local, value);

  if (total > 0) {
    const scope = new Scope();
    const flat = fb.addLocal(b.i32);
    const n = kernel.grid.length;
    const gridLocals = kernel.grid.map((v, i) => (n === 1 && i === 0 ? flat : fb.addLocal(b.i32)));
    kernel.grid.forEach((v, i) => scope.bind(v.name, { kind: 'scalar', local: gridLocals[i], dtype: 'int32' }));

    const body = fb.captureBlock(() => {
      fb.emit(set(flat, get(START)));
      if (n > 1) {
        // Recover the grid variables of the first iteration from the flat index.
        const rest = fb.addLocal(b.i32);
        fb.emit(set(rest, get(START)));
        for (let i = n - 1; i > 0; i--) {
          const extent = m.i32.const(kernel.grid[i].extent);
          fb.emit(set(gridLocals[i], m.i32.rem_u(get(rest), extent)));
          fb.emit(set(rest, m.i32.div_u(get(rest), m.i32.const(kernel.grid[i].extent))));
        }
        fb.emit(set(gridLocals[0], get(rest)));
      }
      const label = fb.label('grid');
      const iteration = fb.captureBlock(() => lowerStmts(cx, kernel.body, scope));
      const advance: Ref[] = [set(flat, m.i32.add(get(flat), m.i32.const(1)))];
      if (n > 1) advance.push(carry(m, gridLocals, kernel.grid.map((v) => v.extent), n - 1, get));
      fb.emit(m.loop(label, m.block(null, [iteration, ...advance, m.br(label, m.i32.lt_s(get(flat), get(END)))], b.none)));
    });
    // Clamp the range to the grid so a caller cannot make the kernel write outside its buffers.
    fb.emit(set(START, m.select(m.i32.lt_s(get(START), m.i32.const(0)), m.i32.const(0), get(START))));
    fb.emit(set(END, m.select(m.i32.gt_s(get(END), m.i32.const(total)), m.i32.const(total), get(END))));
    fb.emit(m.if(m.i32.lt_s(get(START), get(END)), body));
  }
  const { vars, body } = fb.finish();
  m.addFunction(name, b.createType([b.i32, b.i32]), b.none, vars, body);
}

/** g[i] += 1, and when it reaches its extent, reset it and carry into g[i-1]. */
function carry(m: Module, locals: readonly number[], extents: readonly number[], i: number, get: (l: number) => Ref): Ref {
  const bump = m.local.set(locals[i], m.i32.add(get(locals[i]), m.i32.const(1)));
  if (i === 0) return bump;
  const wrap = m.if(
    m.i32.eq(get(locals[i]), m.i32.const(extents[i])),
    m.block(null, [m.local.set(locals[i], m.i32.const(0)), carry(m, locals, extents, i - 1, get)]),
  );
  return m.block(null, [bump, wrap]);
}
