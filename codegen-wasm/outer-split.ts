/**
 * Worker threads split launches by grid iterations, so a kernel without a grid (a flat
 * elementwise loop, a reduction over rows that was vectorized across rows) would run on one
 * thread however large it is. `splitOuterLoop` gives such a kernel a grid: its single outer loop
 * `for %j in 0..E` becomes `grid(%c: G) { for %j in 0..E/G { body[%j := %c * (E/G) + %j] } }`.
 * Iterations and their order are unchanged, so results are bit-identical. WebGPU maps grid-less
 * loops to threads itself, so this is a wasm-only rewrite.
 */
import type { Expr, Kernel, Stmt } from '../ir/loop.js';
import { children, freshName, mapStmts, namesIn, substituteVar } from '../ir/loop-walk.js';

/** Below this many innermost iterations a kernel is not worth handing to other threads. */
const MIN_WORK = 1 << 15;
/** Chunk counts tried, most first: enough to balance a few threads, each chunk a real loop. */
const CHUNK_COUNTS = [64, 32, 16, 8, 4, 2];
const MIN_CHUNK = 64;

export function splitOuterLoop(kernel: Kernel): Kernel {
  if (kernel.grid.length > 0 || kernel.body.length !== 1 || kernel.body[0].kind !== 'for') return kernel;
  const loop = kernel.body[0];
  const extent = loop.var.extent;
  if (workOf(kernel.body) < MIN_WORK) return kernel;
  const chunks = CHUNK_COUNTS.find((g) => extent % g === 0 && (extent / g) % loop.vec === 0 && extent / g >= MIN_CHUNK);
  if (chunks === undefined) return kernel;
  const chunk = extent / chunks;
  const gridVar = { name: freshName(namesIn(kernel), `${loop.var.name}_chunk`), extent: chunks };
  const index: Expr = {
    kind: 'binary', dtype: 'int32', op: 'add',
    a: { kind: 'binary', dtype: 'int32', op: 'mul', a: { kind: 'var', dtype: 'int32', name: gridVar.name }, b: { kind: 'const', dtype: 'int32', value: chunk } },
    b: { kind: 'var', dtype: 'int32', name: loop.var.name },
  };
  const body = mapStmts(loop.body, (e) => substituteVar(e, loop.var.name, index));
  return { ...kernel, grid: [gridVar], body: [{ ...loop, var: { ...loop.var, extent: chunk }, body }] };
}

/** Innermost iterations the statements run: loop extents times reduction extents. */
function workOf(stmts: readonly Stmt[]): number {
  return stmts.reduce((n, s) => n + (s.kind === 'for' ? s.var.extent * workOf(s.body) : iterationsOf(s.value)), 0);
}

function iterationsOf(e: Expr): number {
  const inner = Math.max(1, ...children(e).map(iterationsOf));
  return e.kind === 'reduce' ? e.vars.reduce((n, v) => n * v.extent, inner) : inner;
}
