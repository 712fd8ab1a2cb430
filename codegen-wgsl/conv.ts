/**
 * The tiled path for convolution-shaped kernels (implicit GEMM), recognised from dependences:
 *
 *   kernel grid(%g...) {
 *     <lets without reductions>
 *     for %j in 0..J {                       // parallel
 *       <lets and stores; exactly one reduce, somewhere in them:>
 *       reduce sum(%r0, %r1, ...) init c { mul(P, Q) }      // f32; P, Q: any f32 expressions without reductions
 *     }
 *   }
 *
 * The output variables are the grid vars and %j. Q (the column operand, e.g. the filter) depends
 * on the N vars, P (the row operand, e.g. the guarded input patch) on the M vars; the vars both
 * depend on must be grid vars (batch: one per workgroup), and %j must be an N var. For a
 * channels-last convolution, M = batch × output positions (the grid), N = output channels (%j),
 * K = window × input channels (the reduce vars, flattened row-major, last fastest). Neither
 * operand may read a buffer the kernel writes. Grouped convolutions read the input at a channel
 * that depends on %j (and the filter does too), so they do not match and keep the generic path.
 *
 * A workgroup computes a TM×TN tile of outputs: K is walked in steps of TK through workgroup
 * tiles of P (TM×TK) and Q (TK×TN), each element evaluated once by the operand expression itself
 * (guards included: padding reads the expression's own 0.0), so each thread accumulates its
 * RM×RN outputs in flat k order = the reduce's row-major order, one f32 add at a time, exactly
 * like the reference. Then every output runs the kernel's lets and loop body with the reduce
 * replaced by its accumulator: the epilogue (bias, activation, the store) is fused.
 */
import type { Expr, IndexVar, Kernel } from '../ir/loop.js';
import { containsReduce, pointsOf } from './analysis.js';
import type { KernelEmitter } from './emitter.js';
import type { DeviceLimits } from './limits.js';
import { runtime } from './ops.js';
import type { WgslKernel } from './program.js';
import type { LaunchBindings } from './shader.js';
import {
  type ForStmt, type LetStmt, type ReduceExpr, type TileShape, directTile, emitTiledKernel, envInsideReduce, matchReductionLoop, scopeAtReduce, substitute, threadTile, tilesFit,
} from './tiling.js';

export interface ConvShape {
  readonly lets: readonly LetStmt[];
  readonly loop: ForStmt;
  readonly reduce: ReduceExpr;
  /** Row operand (independent of the N vars) and column operand (independent of the M vars), lets substituted. */
  readonly row: Expr;
  readonly col: Expr;
  /** Output variables by role, each list in output order (grid order, then %j). */
  readonly mVars: readonly IndexVar[];
  readonly nVars: readonly IndexVar[];
  readonly batchVars: readonly IndexVar[];
  readonly M: number;
  readonly N: number;
  readonly K: number;
}

/** The implicit-GEMM shape of `kernel`, or undefined. */
export function matchConv(kernel: Kernel, launch: LaunchBindings): ConvShape | undefined {
  const match = matchReductionLoop(kernel, launch);
  if (!match) return undefined;
  const { lets, loop, reduce, body, written } = match;
  if (reduce.vars.length === 0 || body.a.dtype !== 'float32' || body.b.dtype !== 'float32') return undefined;
  if (containsReduce(body.a) || containsReduce(body.b)) return undefined;
  // Variable names must be distinct (no shadowing between grid, loop and reduce vars).
  const allNames = [...kernel.grid.map((g) => g.name), loop.var.name, ...reduce.vars.map((r) => r.name)];
  if (new Set(allNames).size !== allNames.length) return undefined;

  const at = scopeAtReduce(kernel, launch, match);
  if (!at) return undefined;
  const { scope, gridIds, jId, env } = at;
  scope.push();
  const reduceIds = reduce.vars.map((r) => scope.bindIndex(r.name));
  const deps: [Set<string>, Set<string>] = [scope.deps(body.a), scope.deps(body.b)];
  scope.pop();
  scope.pop();
  const known = new Set([...gridIds, jId, ...reduceIds]);
  for (const d of deps) {
    for (const x of d) {
      if (x.startsWith('mem:')) {
        if (written.has(x.slice(4))) return undefined;
      } else if (!known.has(x)) return undefined;
    }
  }
  const inner = envInsideReduce(env, reduce);
  const operands: [Expr, Expr] = [substitute(body.a, inner), substitute(body.b, inner)];

  const outputs: [string, IndexVar][] = [...kernel.grid.map((g, i) => [gridIds[i], g] as [string, IndexVar]), [jId, loop.var]];
  const gridSet = new Set(gridIds);
  const assign = (rowDeps: Set<string>, colDeps: Set<string>) => {
    const batch = outputs.filter(([id]) => rowDeps.has(id) && colDeps.has(id));
    if (batch.some(([id]) => !gridSet.has(id))) return undefined;
    const nVars = outputs.filter(([id]) => colDeps.has(id) && !rowDeps.has(id));
    const mVars = outputs.filter(([id]) => !colDeps.has(id));
    if (nVars.length === 0 || mVars.length === 0) return undefined;
    return { batch: batch.map(([, v]) => v), nVars: nVars.map(([, v]) => v), mVars: mVars.map(([, v]) => v), jInN: nVars.some(([id]) => id === jId) };
  };
  const first = assign(deps[0], deps[1]);
  const second = assign(deps[1], deps[0]);
  // %j must be a column var (channels-last: the output channel, fastest in memory); other layouts keep the generic path.
  const pick = first?.jInN ? { ...first, row: operands[0], col: operands[1] } : second?.jInN ? { ...second, row: operands[1], col: operands[0] } : undefined;
  if (!pick) return undefined;
  const M = pointsOf(pick.mVars);
  const N = pointsOf(pick.nVars);
  const K = pointsOf(reduce.vars);
  if (M * N * pointsOf(pick.batch) > 0x7fffffff || K > 0x7fffffff) return undefined;
  return { lets, loop, reduce, row: pick.row, col: pick.col, mVars: pick.mVars, nVars: pick.nVars, batchVars: pick.batch, M, N, K };
}

/** Whether the tiles are worth it: enough reduction work and outputs in both directions. */
function worthTiling(shape: ConvShape): boolean {
  return shape.K >= 8 && shape.N >= 8 && shape.M >= 16;
}

/** Emits WGSL lets for the row-major decomposition of u32 `flat` over `vars`; returns name → identifier. */
function decompose(em: KernelEmitter, flat: string, vars: readonly IndexVar[]): Map<string, string> {
  const out = new Map<string, string>();
  let rest = flat;
  for (let k = vars.length - 1; k >= 0; k--) {
    const v = vars[k];
    const ident = em.names.fresh(`v_${v.name}`);
    if (k === 0) em.w.line(`let ${ident}: i32 = i32(${rest});`);
    else {
      em.w.line(`let ${ident}: i32 = i32(${rest} % ${v.extent}u);`);
      const next = em.names.fresh('rest');
      em.w.line(`let ${next}: u32 = ${rest} / ${v.extent}u;`);
      rest = next;
    }
    out.set(v.name, ident);
  }
  return out;
}

const bindAll = (em: KernelEmitter, idents: ReadonlyMap<string, string>): void => {
  for (const [name, ident] of idents) em.bind(name, runtime(ident, 'int32', 1));
};

const bindZero = (em: KernelEmitter, vars: readonly IndexVar[]): void => {
  for (const v of vars) em.bind(v.name, runtime('0i', 'int32', 1));
};

/** The CPU adapters' direct tiles, else workgroup-memory tiles sized by the shape; undefined when neither fits. */
function convTile(shape: ConvShape, limits: DeviceLimits): TileShape | undefined {
  const direct = directTile(limits);
  if (direct) return direct;
  const tile = threadTile(limits);
  if (!tile) return undefined;
  const { TX, TY, TK } = tile;
  const RN = shape.N > TX ? 2 : 1;
  const fits = (rm: number): boolean => tilesFit(TY * rm, TX * RN, TK, limits);
  // Taller tiles when there are enough rows (8 outputs a column per thread measured ~1.3x faster than 4 on lavapipe).
  const RM = shape.M >= 1024 && fits(8) ? 8 : 4;
  return fits(RM) ? { ...tile, RM, RN, direct: false } : undefined;
}

/** The tiled shader for a convolution-shaped kernel, or undefined when the kernel is not one. */
export function emitTiledConv(kernel: Kernel, launch: LaunchBindings, limits: DeviceLimits, force: boolean): WgslKernel | undefined {
  const shape = matchConv(kernel, launch);
  if (!shape || (!force && !worthTiling(shape))) return undefined;
  const tile = convTile(shape, limits);
  if (!tile) return undefined;
  const { M, N, K } = shape;
  const batch = pointsOf(shape.batchVars);
  const gridNames = new Set(kernel.grid.map((g) => g.name));
  const jName = shape.loop.var.name;
  const roles = `M=${M} [${shape.mVars.map((v) => v.name).join(',')}], N=${N} [${shape.nVars.map((v) => v.name).join(',')}], K=${K} [${shape.reduce.vars.map((v) => v.name).join(',')}], batch ${batch}`;
  return emitTiledKernel(kernel, launch, limits, {
    // Flat u32 indices (decomposed into the vars); b values hoisted out of the row loop.
    mapping: 'tiled-conv', ...tile, M, N, K, batch, index: 'u32', hoistCol: true,
    loop: shape.loop, reduce: shape.reduce, row: shape.row, col: shape.col,
    bindBatch: (em) => bindAll(em, decompose(em, 'batch', shape.batchVars)),
    bindRowLoad: (em) => {
      bindAll(em, decompose(em, 'gi', shape.mVars));
      bindZero(em, shape.nVars);
      bindAll(em, decompose(em, 'gk', shape.reduce.vars));
    },
    bindColLoad: (em) => {
      bindAll(em, decompose(em, 'gj', shape.nVars));
      bindZero(em, shape.mVars);
      bindAll(em, decompose(em, 'gk', shape.reduce.vars));
    },
    bindOutput: (em) => {
      const idents = new Map([...decompose(em, 'gi', shape.mVars), ...decompose(em, 'gj', shape.nVars)]);
      // Grid vars first, then the kernel's lets, then %j (it shadows them inside the loop).
      for (const [n, ident] of idents) if (gridNames.has(n)) em.bind(n, runtime(ident, 'int32', 1));
      for (const s of shape.lets) em.letStmt(s.name, s.value);
      em.bind(jName, runtime(idents.get(jName) ?? em.fail(`%${jName} has no index`), 'int32', 1));
    },
    roles,
  });
}
