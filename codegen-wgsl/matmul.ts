/**
 * The tiled path for matmul-shaped kernels, recognised from index expressions:
 *
 *   kernel grid(%b..., %i: M) {          // %i: the last grid var (rows); %b: batch vars
 *     <lets without reductions>
 *     for %j in 0..N {
 *       <lets and stores; exactly one reduce, somewhere in them:>
 *       reduce sum(%k: K) init c { mul(load A[f(b, i, k)], load B[g(b, k, j)]) }   // f32
 *     }
 *   }
 *
 * where A's index does not involve %j, B's does not involve %i, neither buffer is written by the
 * kernel, and the %j loop is parallel. A workgroup computes a TM×TN tile of (i, j) outputs for one
 * batch point: K is walked in steps of TK through workgroup-memory tiles of A (TM×TK) and B
 * (TK×TN), each thread accumulating RM×RN outputs in k order, exactly like the reference (so the
 * result is bit-identical); then each thread evaluates the loop body for its outputs with the
 * reduce replaced by its accumulator: the epilogue (bias, activation, the store) is fused.
 * Tile loads evaluate A's and B's index expressions with the kernel's lets substituted in.
 */
import type { Expr, Kernel } from '../ir/loop.js';
import { containsReduce, formDeps, pointsOf } from './analysis.js';
import type { KernelEmitter } from './emitter.js';
import { type LaunchBindings, bindGrid } from './shader.js';
import type { DeviceLimits } from './limits.js';
import { runtime } from './ops.js';
import type { WgslKernel } from './program.js';
import {
  type ForStmt, type LetStmt, type ReduceExpr, type TileShape, directTile, emitTiledKernel, envInsideReduce, matchReductionLoop, scopeAtReduce, substitute, threadTile, tilesFit,
} from './tiling.js';

type LoadExpr = Extract<Expr, { kind: 'load' }>;

interface MatmulShape {
  readonly lets: readonly LetStmt[];
  readonly loop: ForStmt;
  readonly reduce: ReduceExpr;
  /** The row operand and the column operand, lets substituted into their indices. */
  readonly a: LoadExpr;
  readonly b: LoadExpr;
  readonly M: number;
  readonly N: number;
  readonly K: number;
}

const isPlainF32Load = (e: Expr): e is LoadExpr => e.kind === 'load' && e.dtype === 'float32' && !e.guard && !containsReduce(e.index);

/** The matmul shape of `kernel`, or undefined. */
export function matchMatmul(kernel: Kernel, launch: LaunchBindings): MatmulShape | undefined {
  const match = matchReductionLoop(kernel, launch);
  if (!match) return undefined;
  const { lets, loop, reduce, body, written } = match;
  if (reduce.vars.length !== 1 || !isPlainF32Load(body.a) || !isPlainF32Load(body.b)) return undefined;
  if (written.has(launch.bindingOf(body.a.buffer)) || written.has(launch.bindingOf(body.b.buffer))) return undefined;

  // Affine view (for the dependence tests) and substitution environment, built side by side.
  const at = scopeAtReduce(kernel, launch, match);
  if (!at) return undefined;
  const { scope, gridIds, jId, env } = at;
  const rowId = gridIds[gridIds.length - 1];
  scope.push();
  scope.bindIndex(reduce.vars[0].name);
  const depsA = formDeps(scope.form(body.a.index));
  const depsB = formDeps(scope.form(body.b.index));
  scope.pop();
  scope.pop();
  const rowOperand = (d: Set<string>): boolean => !d.has(jId);
  const colOperand = (d: Set<string>): boolean => !d.has(rowId);
  const inner = envInsideReduce(env, reduce);
  const a = substitute(body.a, inner) as LoadExpr;
  const b = substitute(body.b, inner) as LoadExpr;
  const operands = rowOperand(depsA) && colOperand(depsB) ? [a, b] : rowOperand(depsB) && colOperand(depsA) ? [b, a] : undefined;
  if (!operands) return undefined;
  const M = kernel.grid[kernel.grid.length - 1].extent;
  return { lets, loop, reduce, a: operands[0], b: operands[1], M, N: loop.var.extent, K: reduce.vars[0].extent };
}

/** Whether the tiles are worth it: big enough in every direction. */
function worthTiling(shape: MatmulShape): boolean {
  return shape.K >= 8 && shape.N >= 8 && shape.M >= 4;
}

/** The CPU adapters' direct tiles, else 2×2 outputs per thread in workgroup-memory tiles; undefined when neither fits. */
function matmulTile(limits: DeviceLimits): TileShape | undefined {
  const direct = directTile(limits);
  if (direct) return direct;
  const tile = threadTile(limits);
  if (!tile || !tilesFit(tile.TY * 2, tile.TX * 2, tile.TK, limits)) return undefined;
  return { ...tile, RM: 2, RN: 2, direct: false };
}

/** The tiled shader for a matmul-shaped kernel, or undefined when the kernel is not one. */
export function emitTiledMatmul(kernel: Kernel, launch: LaunchBindings, limits: DeviceLimits, force: boolean): WgslKernel | undefined {
  const shape = matchMatmul(kernel, launch);
  if (!shape || (!force && !worthTiling(shape))) return undefined;
  const tile = matmulTile(limits);
  if (!tile) return undefined;
  const { M, N, K } = shape;
  const batchVars = kernel.grid.slice(0, -1);
  const batch = pointsOf(batchVars);
  const rowVar = kernel.grid[kernel.grid.length - 1].name;
  const jVar = shape.loop.var.name;
  const kVar = shape.reduce.vars[0].name;
  const bind = (em: KernelEmitter, binds: [string, string][]): void => {
    for (const [n, ident] of binds) em.bind(n, runtime(ident, 'int32', 1));
  };
  return emitTiledKernel(kernel, launch, limits, {
    mapping: 'tiled-matmul', ...tile, M, N, K, batch, index: 'i32', hoistCol: false,
    loop: shape.loop, reduce: shape.reduce, row: shape.a, col: shape.b,
    bindBatch: (em) => bindGrid(em, { ...kernel, grid: batchVars }, 'batch'),
    bindRowLoad: (em) => bind(em, [[rowVar, 'gi'], [jVar, '0i'], [kVar, 'gk']]),
    bindColLoad: (em) => bind(em, [[rowVar, '0i'], [jVar, 'gj'], [kVar, 'gk']]),
    bindOutput: (em) => {
      em.bind(rowVar, runtime('gi', 'int32', 1));
      for (const s of shape.lets) em.letStmt(s.name, s.value);
      em.bind(jVar, runtime('gj', 'int32', 1));
    },
    roles: `M=${M}, N=${N}, K=${K}, batch ${batch}`,
  });
}
