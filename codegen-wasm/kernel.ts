/**
 * One wasm function per launch: `(start: i32, end: i32)` runs the flattened grid iterations
 * [start, end) (clamped to the grid), so a runtime can split a grid across threads. The grid
 * variables are recovered from `start` by div/mod once, then advanced with carries (row-major,
 * last variable fastest), so a full-grid call costs the same as nested loops. Matmul- and
 * conv-shaped kernels get a register-tiled launch instead (microkernel.ts).
 */
import type { Kernel } from '../ir/loop.js';
import type { Binaryen, Module, Ref } from './binaryen.js';
import { type BufferBinding, type CodegenFlags, KernelContext, Scope } from './context.js';
import { WasmCodegenError } from './errors.js';
import { FunctionBuilder } from './function-builder.js';
import { GridCursor, LAUNCH_RANGE } from './grid.js';
import type { ModuleHelpers } from './helpers.js';
import { emitTiledLaunch, matchMicrokernel } from './microkernel.js';
import { lowerStmts } from './stmt.js';

export function gridSizeOf(kernel: Kernel): number {
  const size = kernel.grid.reduce((n, v) => n * v.extent, 1);
  if (size > 0x7fffffff) throw new WasmCodegenError(`kernel @${kernel.name}: grid of ${size} iterations exceeds 2^31 - 1`);
  return size;
}

/**
 * Adds the launch function `name` for `kernel` with its params bound to `buffers`; returns whether
 * it is register-tiled. A tiled launch reads B's packed copy from `packed` when given (pack.ts).
 */
export function emitLaunchFunction(
  b: Binaryen,
  m: Module,
  helpers: ModuleHelpers,
  name: string,
  kernel: Kernel,
  buffers: ReadonlyMap<string, BufferBinding>,
  flags: CodegenFlags,
  packed?: BufferBinding,
): boolean {
  const fb = new FunctionBuilder(b, m, [b.i32, b.i32]);
  const cx = new KernelContext(fb, helpers, kernel.name, buffers, flags);
  const total = gridSizeOf(kernel);
  const get = (local: number): Ref => m.local.get(local, b.i32);
  const set = (local: number, value: Ref): Ref => m.local.set(local, value);
  const { start, end } = LAUNCH_RANGE;

  const tiled = total > 0 && flags.simd ? matchMicrokernel(kernel, buffers) : undefined;
  if (total > 0) {
    const body = fb.captureBlock(() => (tiled ? emitTiledLaunch(cx, kernel, tiled, packed) : emitGridLoop(cx, kernel)));
    // Clamp the range to the grid so a caller cannot make the kernel write outside its buffers.
    fb.emit(set(start, m.select(m.i32.lt_s(get(start), m.i32.const(0)), m.i32.const(0), get(start))));
    fb.emit(set(end, m.select(m.i32.gt_s(get(end), m.i32.const(total)), m.i32.const(total), get(end))));
    fb.emit(m.if(m.i32.lt_s(get(start), get(end)), body));
  }
  const { vars, body } = fb.finish();
  m.addFunction(name, b.createType([b.i32, b.i32]), b.none, vars, body);
  return tiled !== undefined;
}

/** One iteration of the kernel body per grid point of the (non-empty) launch range. */
function emitGridLoop(cx: KernelContext, kernel: Kernel): void {
  const { fb, m, b } = cx;
  const cursor = new GridCursor(fb, kernel);
  const scope = cursor.bind(new Scope());
  cursor.seek(LAUNCH_RANGE.start);
  const label = fb.label('grid');
  const iteration = fb.captureBlock(() => lowerStmts(cx, kernel.body, scope));
  const again = m.br(label, m.i32.lt_s(m.local.get(cursor.flat, b.i32), m.local.get(LAUNCH_RANGE.end, b.i32)));
  fb.emit(m.loop(label, m.block(null, [iteration, cursor.next(), again], b.none)));
}
