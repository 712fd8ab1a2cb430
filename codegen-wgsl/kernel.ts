/**
 * One launch → one WGSL compute shader. Picks the mapping (program.ts WgslMapping):
 * - tiled-matmul when matmul.ts recognises the kernel;
 * - tiled-conv when conv.ts recognises it as an implicit GEMM (convolutions: guarded input patches × filter);
 * - thread-per-element for the common shape `lets without reductions; one parallel for` (elementwise
 *   kernels, convolutions, column reductions, matmuls that are not tiled): the loop joins the grid
 *   and one invocation computes one (grid point, iteration), or four in vec4 lanes;
 * - workgroup-per-point when a grid point has enough work to share (a top-level `for` or a
 *   top-level reduction with more than ROW_WORK_MIN iterations): the threads split each
 *   parallel top-level `for` (vec4 lanes where vectorizeLoop allows), cooperate on top-level
 *   reductions of at least COOPERATIVE_MIN points, compute other top-level lets each, and leave
 *   top-level stores and non-parallel loops to thread 0; storage barriers separate top-level
 *   statements that touch the same buffer. Without cooperative reductions or barriers a grid
 *   point may get several workgroups (`chunks`) when there are few points;
 * - thread-per-point otherwise: one invocation runs the whole body for one grid point (also the
 *   fallback that runs any kernel, e.g. a kernel without grid runs on one thread).
 * Workgroup counts above maxComputeWorkgroupsPerDimension fold into a 2-D dispatch.
 */
import { shortDType } from '../ir/dtype.js';
import type { Expr, Kernel, Stmt } from '../ir/loop.js';
import { AffineScope, containsReduce, loopIsParallel, outermostReduces, pointsOf, statementAccesses, vectorizeLoop } from './analysis.js';
import { KernelEmitter } from './emitter.js';
import { WgslCodegenError } from './errors.js';
import { type DeviceLimits, maxWorkgroupSize } from './limits.js';
import { emitTiledConv } from './conv.js';
import { emitTiledMatmul, matchMatmul } from './matmul.js';
import { runtime } from './ops.js';
import type { WgslKernel, WgslMapping } from './program.js';
import { type CooperativeThreads, emitCooperativeReduce } from './reduce.js';
import { type LaunchBindings, assembleShader, bindGrid, foldDispatch, makeViews } from './shader.js';

/** A top-level reduction over fewer points is computed by every thread on its own. */
export const COOPERATIVE_MIN = 32;
/** A grid point with at most this much work runs on one thread (thread-per-point). */
export const ROW_WORK_MIN = 16;
/** With few grid points, split loops over more workgroups until about this many exist. */
const TARGET_WORKGROUPS = 2048;

export interface KernelOptions {
  /** 'auto' (default) uses the tiled path for matmul-shaped kernels; 'never' disables it. */
  readonly matmul?: 'auto' | 'never' | 'always';
  /** 'auto' (default) uses the tiled implicit-GEMM path for convolution-shaped kernels; 'never' disables it; 'always' ignores the size heuristic. */
  readonly conv?: 'auto' | 'never' | 'always';
  /** Force a mapping for tests ('auto' chooses; thread-per-element applies only where it fits). */
  readonly mapping?: 'auto' | 'thread-per-point' | 'thread-per-element' | 'workgroup-per-point';
}

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

type ForStmt = Extract<Stmt, { kind: 'for' }>;

interface TopLevelPlan {
  readonly stmt: Stmt;
  /** Insert a storage barrier before this statement. */
  readonly barrier: boolean;
  /** Reductions computed cooperatively before the statement. */
  readonly cooperative: readonly Extract<Expr, { kind: 'reduce' }>[];
  /** For loops: run split across threads (else by thread 0 only). */
  readonly parallel: boolean;
  readonly vector: boolean;
}

/** How many stores to each binding `stmts` contain. */
function countStores(stmts: readonly Stmt[], bindingOf: (p: string) => string): Map<string, number> {
  const counts = new Map<string, number>();
  const walk = (s: Stmt): void => {
    if (s.kind === 'store') counts.set(bindingOf(s.buffer), (counts.get(bindingOf(s.buffer)) ?? 0) + 1);
    else if (s.kind === 'for') s.body.forEach(walk);
  };
  stmts.forEach(walk);
  return counts;
}

export function compileKernel(kernel: Kernel, launch: LaunchBindings, limits: DeviceLimits, options: KernelOptions = {}): WgslKernel {
  if (launch.bindings.length > limits.maxStorageBuffersPerShaderStage) {
    throw new WgslCodegenError(
      `kernel @${kernel.name} binds ${launch.bindings.length} storage buffers (${launch.bindings.map((b) => `%${b.buffer}`).join(', ')}), ` +
      `but the device allows ${limits.maxStorageBuffersPerShaderStage} per shader stage; fusion must split it`,
    );
  }
  for (const p of kernel.params) {
    if (p.size * 4 > limits.maxStorageBufferBindingSize) {
      throw new WgslCodegenError(`kernel @${kernel.name}: %${p.name} (${shortDType(p.dtype)}[${p.size}]) is larger than maxStorageBufferBindingSize (${limits.maxStorageBufferBindingSize} bytes)`);
    }
  }
  const points = pointsOf(kernel.grid);
  if (points > 0x7fffffff) throw new WgslCodegenError(`kernel @${kernel.name}: grid of ${points} points exceeds 2^31 - 1`);
  if (points === 0) return emptyKernel(kernel, launch);
  if (options.matmul !== 'never' && options.mapping === undefined) {
    const tiled = emitTiledMatmul(kernel, launch, limits, options.matmul === 'always');
    if (tiled) return tiled;
  }
  // Matmul-shaped kernels are matmul.ts's business (its options decide them), the rest may be convolutions.
  if (options.conv !== 'never' && options.mapping === undefined && !matchMatmul(kernel, launch)) {
    const tiled = emitTiledConv(kernel, launch, limits, options.conv === 'always');
    if (tiled) return tiled;
  }
  return compileRowOrPoint(kernel, launch, limits, options);
}

interface VectorUse {
  /** Bindings read or written as aligned vec4s. */
  readonly accessed: Set<string>;
  /** Stores per binding inside vectorized loops (all of them are vec4 stores). */
  readonly stores: Map<string, number>;
}

/** A kernel whose grid has no points: nothing to run, but the shader must still be valid. */
function emptyKernel(kernel: Kernel, launch: LaunchBindings): WgslKernel {
  const em = new KernelEmitter(kernel, makeViews(kernel, launch, new Set()));
  const entry = '@compute @workgroup_size(1)\nfn main() {\n}';
  return {
    name: kernel.name,
    code: assembleShader(em, launch.bindings, `// kernel @${kernel.name}: empty grid, nothing to run`, entry, false),
    entryPoint: 'main',
    bindings: launch.bindings,
    workgroupSize: 1,
    dispatch: [0, 1, 1],
    mapping: 'thread-per-point',
  };
}

function planTopLevel(kernel: Kernel, launch: LaunchBindings): { plans: TopLevelPlan[]; vectorUse: VectorUse } {
  const scope = new AffineScope(launch.bindingOf);
  for (const g of kernel.grid) scope.bindIndex(g.name);
  const dtypeOf = (param: string): string => kernel.params.find((p) => p.name === param)?.dtype ?? '';
  const plans: TopLevelPlan[] = [];
  const vectorUse: VectorUse = { accessed: new Set(), stores: new Map() };
  let reads = new Set<string>();
  let writes = new Set<string>();
  for (const s of kernel.body) {
    const acc = statementAccesses(s, launch.bindingOf);
    const conflict = [...acc.writes].some((b) => reads.has(b) || writes.has(b)) || [...acc.reads].some((b) => writes.has(b));
    if (conflict) {
      reads = new Set();
      writes = new Set();
    }
    acc.reads.forEach((b) => reads.add(b));
    acc.writes.forEach((b) => writes.add(b));
    let cooperative: Extract<Expr, { kind: 'reduce' }>[] = [];
    let parallel = false;
    let vector = false;
    if (s.kind === 'let') cooperative = outermostReduces(s.value);
    else if (s.kind === 'store') cooperative = [...outermostReduces(s.index), ...outermostReduces(s.value)];
    else {
      parallel = loopIsParallel(s, scope, launch.bindingOf);
      const plan = parallel ? vectorizeLoop(s, scope, launch.bindingOf, dtypeOf) : undefined;
      if (plan) {
        vector = true;
        plan.vectorAccesses.forEach((b) => vectorUse.accessed.add(b));
        for (const [b, n] of countStores([s], launch.bindingOf)) vectorUse.stores.set(b, (vectorUse.stores.get(b) ?? 0) + n);
      }
    }
    cooperative = cooperative.filter((r) => pointsOf(r.vars) >= COOPERATIVE_MIN);
    plans.push({ stmt: s, barrier: conflict && plans.length > 0, cooperative, parallel, vector });
    if (s.kind === 'let') scope.bindLet(s.name, s.value);
  }
  return { plans, vectorUse };
}

function compileRowOrPoint(kernel: Kernel, launch: LaunchBindings, limits: DeviceLimits, options: KernelOptions): WgslKernel {
  const points = pointsOf(kernel.grid);
  const { plans, vectorUse } = planTopLevel(kernel, launch);
  const iterations = (p: TopLevelPlan): number => (p.stmt.kind === 'for' && p.parallel ? Math.ceil(p.stmt.var.extent / (p.vector ? 4 : 1)) : 0);
  const rowWork = Math.max(0, ...plans.map(iterations), ...plans.flatMap((p) => p.cooperative.map((r) => pointsOf(r.vars))));
  const last = plans[plans.length - 1];
  // (no barrier: the lets must not read what the loop writes, since every invocation re-runs them)
  const flattenable = last !== undefined && last.stmt.kind === 'for' && last.parallel && !last.barrier && last.stmt.var.extent > 0 &&
    plans.slice(0, -1).every((p) => p.stmt.kind === 'let' && !containsReduce(p.stmt.value)) &&
    points * iterations(last) <= 0x7fffffff;
  const forced = options.mapping && options.mapping !== 'auto' && (options.mapping !== 'thread-per-element' || flattenable) ? options.mapping : undefined;
  const mapping: WgslMapping = forced ?? (flattenable ? 'thread-per-element' : rowWork > ROW_WORK_MIN ? 'workgroup-per-point' : 'thread-per-point');
  // Cooperative reductions use up to four workgroup arrays of one 32-bit slot per thread.
  let maxSize = maxWorkgroupSize(limits);
  while (maxSize > 1 && maxSize * 16 > limits.maxComputeWorkgroupStorageSize) maxSize /= 2;

  // vec4 views: f32 bindings with aligned vector accesses, when every store to them is a vec4
  // store (a scalar store through a vec4 view could be a read-modify-write of its neighbours).
  const vec4 = new Set<string>();
  if (mapping === 'workgroup-per-point' || mapping === 'thread-per-element') {
    const stores = countStores(kernel.body, launch.bindingOf);
    for (const b of vectorUse.accessed) {
      const size = launch.sizes.get(b)!;
      if (size % 4 === 0 && size > 0 && (stores.get(b) ?? 0) === (vectorUse.stores.get(b) ?? 0)) vec4.add(b);
    }
  }
  const em = new KernelEmitter(kernel, makeViews(kernel, launch, vec4));
  const name = `kernel @${kernel.name}`;
  let workgroupSize: number;
  let dispatch: [number, number, number];
  let subgroups = false;
  const entry: string[] = [];
  if (mapping === 'thread-per-point') {
    workgroupSize = Math.min(maxSize, nextPow2(points), 64 <= maxSize && points < 4096 ? 64 : maxSize);
    const groups = Math.ceil(points / workgroupSize);
    dispatch = foldDispatch(groups, limits, name);
    em.w.line(`let point = (wid.x + wid.y * ${dispatch[0]}u) * ${workgroupSize}u + lid;`);
    em.w.block(`if (point < ${points}u)`, () => {
      bindGrid(em, kernel, 'point');
      em.stmts(kernel.body);
    });
    entry.push(`@compute @workgroup_size(${workgroupSize})`, 'fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {');
  } else if (mapping === 'thread-per-element') {
    const loop = last.stmt as ForStmt;
    const perPoint = iterations(last);
    const total = points * perPoint;
    workgroupSize = Math.min(maxSize, total < 4096 ? 64 : 256);
    dispatch = foldDispatch(Math.ceil(total / workgroupSize), limits, name);
    em.w.line(`let flat = (wid.x + wid.y * ${dispatch[0]}u) * ${workgroupSize}u + lid;`);
    em.w.block(`if (flat < ${total}u)`, () => {
      em.w.line(`let point = flat / ${perPoint}u;`);
      bindGrid(em, kernel, 'point');
      em.pushScope();
      for (const p of plans.slice(0, -1)) em.stmt(p.stmt);
      const ident = em.names.fresh(`v_${loop.var.name}`);
      em.w.line(`let ${ident}: i32 = i32(flat % ${perPoint}u)${last.vector ? ' * 4i' : ''};`);
      em.bind(loop.var.name, runtime(ident, 'int32', 1), last.vector);
      if (last.vector) em.vectorVar = loop.var.name;
      em.stmts(loop.body);
      em.vectorVar = undefined;
      em.popScope();
    });
    entry.push(`@compute @workgroup_size(${workgroupSize})`, 'fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {');
  } else {
    workgroupSize = Math.max(Math.min(maxSize, 64), Math.min(maxSize, nextPow2(rowWork)));
    const cooperative = plans.some((p) => p.cooperative.length > 0);
    const barriers = plans.some((p) => p.barrier);
    subgroups = cooperative && limits.subgroups;
    let chunks = 1;
    if (!cooperative && !barriers) {
      const maxIterations = Math.max(1, ...plans.map(iterations));
      chunks = Math.max(1, Math.min(Math.ceil(maxIterations / workgroupSize), Math.ceil(TARGET_WORKGROUPS / Math.max(1, points))));
    }
    const groups = points * chunks;
    dispatch = foldDispatch(groups, limits, name);
    const stride = workgroupSize * chunks;
    const threads: CooperativeThreads = { lane: 'lane', lid: 'lid', threads: workgroupSize, subgroups };
    em.w.line(`let wg = wid.x + wid.y * ${dispatch[0]}u;`);
    em.w.block(`if (wg < ${groups}u)`, () => {
      em.w.line(chunks === 1 ? 'let point = wg;' : `let point = wg / ${chunks}u;`);
      em.w.line(chunks === 1 ? 'let lane = lid;' : `let lane = (wg % ${chunks}u) * ${workgroupSize}u + lid;`);
      bindGrid(em, kernel, 'point');
      em.pushScope();
      for (const plan of plans) emitTopLevel(em, plan, threads, stride);
      em.popScope();
    });
    const sgParams = subgroups ? ', @builtin(subgroup_invocation_id) sg_lane: u32, @builtin(subgroup_id) sg_id: u32, @builtin(num_subgroups) n_sg: u32' : '';
    entry.push(`@compute @workgroup_size(${workgroupSize})`, `fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32${sgParams}) {`);
  }
  entry.push(em.w.text(), '}');
  const header = `// ${name}: ${mapping}, ${workgroupSize} threads per workgroup, dispatch ${dispatch.join('x')}`;
  return {
    name: kernel.name,
    code: assembleShader(em, launch.bindings, header, entry.join('\n'), subgroups),
    entryPoint: 'main',
    bindings: launch.bindings,
    workgroupSize,
    dispatch: points === 0 ? [0, 1, 1] : dispatch,
    mapping,
  };
}

function emitTopLevel(em: KernelEmitter, plan: TopLevelPlan, threads: CooperativeThreads, stride: number): void {
  const s = plan.stmt;
  if (plan.barrier) em.w.line('storageBarrier();');
  for (const r of plan.cooperative) em.overrides.set(r, emitCooperativeReduce(em, r, threads));
  switch (s.kind) {
    case 'let':
      em.letStmt(s.name, s.value);
      return;
    case 'store':
      em.w.block(`if (${threads.lane} == 0u)`, () => em.store(s.buffer, s.index, s.value));
      return;
    case 'for':
      if (plan.parallel) splitFor(em, s, threads.lane, stride, plan.vector);
      else em.w.block(`if (${threads.lane} == 0u)`, () => em.sequentialFor(s));
  }
}

/**
 * A parallel loop split over `stride` threads (4 iterations per step in vec4 lanes). The counter
 * is u32 so that stepping past an extent near 2^31 cannot wrap.
 */
function splitFor(em: KernelEmitter, s: ForStmt, lane: string, stride: number, vector: boolean): void {
  const counter = em.names.fresh(`q_${s.var.name}`);
  const step = vector ? 4 : 1;
  const start = vector ? `${lane} * 4u` : lane;
  em.w.block(`for (var ${counter}: u32 = ${start}; ${counter} < ${s.var.extent}u; ${counter} += ${stride * step}u)`, () => {
    const ident = em.names.fresh(`v_${s.var.name}`);
    em.w.line(`let ${ident}: i32 = i32(${counter});`);
    em.pushScope();
    em.bind(s.var.name, runtime(ident, 'int32', 1), vector);
    const saved = em.vectorVar;
    if (vector) em.vectorVar = s.var.name;
    em.stmts(s.body);
    em.vectorVar = saved;
    em.popScope();
  });
}
