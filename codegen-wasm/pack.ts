/**
 * Packing B for large tiled launches (microkernel.ts). Consecutive reduction steps of a strip of
 * NR columns of B lie a row of B apart; when that row is a multiple of 4 KiB every line of the
 * strip maps to the same few cache sets, so the strip does not stay in cache between the row
 * tiles that reuse it (matmul 1024³: ~20 GFLOP/s per core, ~36 packed). A pack launch, run
 * right before the tiled launch, copies the strips into the contiguous packed layout
 * (packedIndex) in a scratch region past the arena; the tiled launch reads its NR-wide tiles
 * from there.
 *
 * The pack launch is an ordinary loop-IR kernel, `grid(#strip, reduction variables...) {
 * for #c in 0..NR vec=4 { packed[...] = B[...] } }`, so it is lowered, exported and split over
 * threads like any launch. Packing only copies values, so results do not change.
 */
import type { Kernel } from '../ir/loop.js';
import { freshName, substituteVar } from '../ir/loop-walk.js';
import type { BufferBinding } from './context.js';
import { int } from './expr-utils.js';
import { gridSizeOf } from './kernel.js';
import { type MatmulKernel, matchMicrokernel, NR, packedIndex } from './microkernel.js';

/** Packing pays when B is at least this large (smaller B stays in L2 unpacked)... */
const MIN_B_BYTES = 256 * 1024;
/**
 * ...and this many grid iterations (rows) share it, so the copy is amortized: the MLP layers
 * 64×784·784×512 and 64×512·512×512 gained (3.4 → 2.4 ms on one thread, pack launches included).
 */
const MIN_ROWS = 64;

export interface PackPlan {
  /** The pack kernel and its buffer bindings. */
  readonly kernel: Kernel;
  readonly buffers: ReadonlyMap<string, BufferBinding>;
  /** Where the tiled launch reads its packed B. */
  readonly packed: BufferBinding;
  readonly bytes: number;
  /** The program buffer the pack launch reads (its export's `args`; the packed copy is no program buffer). */
  readonly args: readonly string[];
}

/** The pack launch for a tiled launch that benefits from one, with the packed copy at `offset` (16-byte aligned). */
export function planPacking(kernel: Kernel, buffers: ReadonlyMap<string, BufferBinding>, offset: number): PackPlan | undefined {
  const mk = gridSizeOf(kernel) >= MIN_ROWS ? matchMicrokernel(kernel, buffers) : undefined;
  if (!mk) return undefined;
  const steps = mk.reduce.vars.reduce((k, v) => k * v.extent, 1);
  const strips = Math.floor(mk.loop.var.extent / NR);
  if (strips === 0 || steps * mk.loop.var.extent * 4 < MIN_B_BYTES) return undefined;
  const size = strips * NR * steps;
  const packed: BufferBinding = { param: 'packed', buffer: `${kernel.name}.packed`, dtype: 'float32', offset, size, access: 'w' };
  const source = buffers.get(mk.b.buffer)!;
  return {
    kernel: packKernel(kernel.name, mk, strips, source.size, size),
    buffers: new Map([['b', { ...source, param: 'b', access: 'r' }], ['packed', packed]]),
    packed,
    bytes: size * 4,
    args: [source.buffer],
  };
}

/** `grid(#strip, reduction variables) { for #c in 0..NR vec=4 { packed[packedIndex + #c] = b[B's index at %j = #strip·NR + #c] } }`. */
function packKernel(name: string, mk: MatmulKernel, strips: number, bSize: number, size: number): Kernel {
  const used = new Set(mk.reduce.vars.map((v) => v.name));
  const strip = freshName(used, 'strip');
  const c = freshName(used, 'c');
  const column = int.mul(int.var(strip), int.const(NR));
  const from = substituteVar(mk.b.index, mk.loop.var.name, int.add(column, int.var(c)));
  return {
    name: `pack_${name}`,
    params: [{ name: 'b', dtype: 'float32', size: bSize, access: 'r' }, { name: 'packed', dtype: 'float32', size, access: 'w' }],
    grid: [{ name: strip, extent: strips }, ...mk.reduce.vars],
    body: [{
      kind: 'for', var: { name: c, extent: NR }, vec: 4,
      body: [{ kind: 'store', buffer: 'packed', index: int.add(packedIndex(mk.reduce.vars, column), int.var(c)), value: { kind: 'load', dtype: 'float32', buffer: 'b', index: from } }],
    }],
  };
}
