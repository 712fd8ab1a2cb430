/**
 * What the tiled matmul path (matmul.ts) and the tiled implicit-GEMM conv path (conv.ts) share:
 * recognising "grid { lets; for %j { ...one reduce sum(...) { mul(P, Q) }... } }", the tile sizes,
 * and the shader itself: a workgroup computes a TM×TN tile of outputs, each thread accumulating
 * RM×RN outputs in k order; then each output runs the loop body with the reduce replaced by its
 * accumulator (the fused epilogue). K is walked in one of two ways: on GPUs through
 * workgroup-memory tiles of the row operand (TM×TK) and the column operand (TK×TN); on CPU
 * adapters with direct loads into registers (see directTile). The paths differ in how they match,
 * in how index variables are bound from the flat tile indices, and in the index type (matmul
 * indexes in i32, conv in u32).
 */
import type { Expr, Kernel, Stmt } from '../ir/loop.js';
import { AffineScope, containsReduce, loopIsParallel, statementAccesses } from './analysis.js';
import { KernelEmitter } from './emitter.js';
import { type DeviceLimits, maxWorkgroupSize } from './limits.js';
import { runtime } from './ops.js';
import type { WgslKernel } from './program.js';
import { type LaunchBindings, assembleShader, foldDispatch, makeViews } from './shader.js';

export type ReduceExpr = Extract<Expr, { kind: 'reduce' }>;
export type ForStmt = Extract<Stmt, { kind: 'for' }>;
export type LetStmt = Extract<Stmt, { kind: 'let' }>;

/** `e` with let-bound names replaced by their (already substituted) definitions. */
export function substitute(e: Expr, env: ReadonlyMap<string, Expr>): Expr {
  switch (e.kind) {
    case 'const': return e;
    case 'var': return env.get(e.name) ?? e;
    case 'load': return { ...e, index: substitute(e.index, env), ...(e.guard ? { guard: substitute(e.guard, env) } : {}) };
    case 'unary': case 'cast': return { ...e, x: substitute(e.x, env) };
    case 'binary': return { ...e, a: substitute(e.a, env), b: substitute(e.b, env) };
    case 'select': return { ...e, cond: substitute(e.cond, env), a: substitute(e.a, env), b: substitute(e.b, env) };
    case 'reduce': {
      const inner = new Map(env);
      for (const v of e.vars) inner.delete(v.name);
      return { ...e, body: substitute(e.body, inner) };
    }
  }
}

function reducesIn(e: Expr, out: ReduceExpr[]): void {
  switch (e.kind) {
    case 'reduce': out.push(e); reducesIn(e.body, out); return;
    case 'load': reducesIn(e.index, out); if (e.guard) reducesIn(e.guard, out); return;
    case 'unary': case 'cast': reducesIn(e.x, out); return;
    case 'binary': reducesIn(e.a, out); reducesIn(e.b, out); return;
    case 'select': reducesIn(e.cond, out); reducesIn(e.a, out); reducesIn(e.b, out); return;
    default: return;
  }
}

function contains(e: Expr, target: Expr): boolean {
  if (e === target) return true;
  switch (e.kind) {
    case 'load': return contains(e.index, target) || (e.guard ? contains(e.guard, target) : false);
    case 'unary': case 'cast': return contains(e.x, target);
    case 'binary': return contains(e.a, target) || contains(e.b, target);
    case 'select': return contains(e.cond, target) || contains(e.a, target) || contains(e.b, target);
    case 'reduce': return contains(e.body, target);
    default: return false;
  }
}

/** A kernel "grid { lets; for %j { lets and stores holding one f32 reduce sum { mul(P, Q) } } }". */
export interface ReductionLoop {
  readonly lets: readonly LetStmt[];
  readonly loop: ForStmt;
  readonly reduce: ReduceExpr;
  readonly body: Extract<Expr, { kind: 'binary' }>;
  /** Bindings the kernel stores to. */
  readonly written: ReadonlySet<string>;
}

/**
 * The reduction loop of `kernel`, or undefined: the lets before the loop have no reductions and
 * read nothing the kernel writes (every output re-runs them), the loop body has no loops and
 * exactly one reduce, an f32 sum of a product.
 */
export function matchReductionLoop(kernel: Kernel, launch: LaunchBindings): ReductionLoop | undefined {
  if (kernel.grid.length === 0 || kernel.body.length === 0) return undefined;
  const loop = kernel.body[kernel.body.length - 1];
  if (loop.kind !== 'for') return undefined;
  const lets = kernel.body.slice(0, -1);
  if (!lets.every((s): s is LetStmt => s.kind === 'let' && !containsReduce(s.value))) return undefined;
  if (!loop.body.every((s) => s.kind !== 'for')) return undefined;
  const found: ReduceExpr[] = [];
  for (const s of loop.body) {
    if (s.kind === 'let') reducesIn(s.value, found);
    else if (s.kind === 'store') { reducesIn(s.index, found); reducesIn(s.value, found); }
  }
  if (found.length !== 1) return undefined;
  const reduce = found[0];
  if (reduce.op !== 'sum' || reduce.dtype !== 'float32') return undefined;
  const body = reduce.body;
  if (body.kind !== 'binary' || body.op !== 'mul') return undefined;

  const written = new Set<string>();
  const walk = (s: Stmt): void => {
    if (s.kind === 'store') written.add(launch.bindingOf(s.buffer));
    else if (s.kind === 'for') s.body.forEach(walk);
  };
  kernel.body.forEach(walk);
  // Every output re-runs the lets: they must not read what the kernel writes.
  if (lets.some((s) => [...statementAccesses(s, launch.bindingOf).reads].some((b) => written.has(b)))) return undefined;
  return { lets, loop, reduce, body, written };
}

/** The affine view of a reduction loop at its reduce, with the substitution environment built side by side. */
export interface ReduceScope {
  readonly scope: AffineScope;
  readonly gridIds: readonly string[];
  readonly jId: string;
  /** Let-bound names (kernel lets and the loop body's lets before the reduce) → substituted definitions. */
  readonly env: ReadonlyMap<string, Expr>;
}

/**
 * Binds the grid, the kernel's lets, %j and the loop body's lets up to the statement holding the
 * reduce; undefined when the loop is not parallel or no statement holds it. The scope is left
 * pushed for %j: the caller may push and pop around it, then pops it.
 */
export function scopeAtReduce(kernel: Kernel, launch: LaunchBindings, match: ReductionLoop): ReduceScope | undefined {
  const { lets, loop, reduce } = match;
  const scope = new AffineScope(launch.bindingOf);
  const gridIds = kernel.grid.map((g) => scope.bindIndex(g.name));
  const env = new Map<string, Expr>();
  for (const s of lets) {
    scope.bindLet(s.name, s.value);
    env.set(s.name, substitute(s.value, env));
  }
  if (!loopIsParallel(loop, scope, launch.bindingOf)) return undefined;
  scope.push();
  const jId = scope.bindIndex(loop.var.name);
  for (const s of loop.body) {
    const holds = s.kind === 'let' ? contains(s.value, reduce) : s.kind === 'store' && (contains(s.value, reduce) || contains(s.index, reduce));
    if (holds) return { scope, gridIds, jId, env };
    if (s.kind === 'let') {
      scope.bindLet(s.name, s.value);
      env.set(s.name, substitute(s.value, env));
    }
  }
  return undefined;
}

/** `env` without the reduce's own variables (they shadow lets of the same name inside it). */
export function envInsideReduce(env: ReadonlyMap<string, Expr>, reduce: ReduceExpr): Map<string, Expr> {
  const inner = new Map(env);
  for (const r of reduce.vars) inner.delete(r.name);
  return inner;
}

/** The sizes of a tiled kernel: TX×TY threads, each computing RM×RN outputs; K in steps of TK. */
export interface TileShape {
  readonly TX: number;
  readonly TY: number;
  readonly RM: number;
  readonly RN: number;
  readonly TK: number;
  /**
   * Direct loads into registers instead of workgroup-memory tiles (CPU adapters). TY is then 1:
   * the workgroup's rows are the same for all its threads, and TK is the k chunk whose row values
   * a subgroup loads once, one per lane, and broadcasts (1 without subgroups).
   */
  readonly direct: boolean;
}

/** The workgroup's thread grid (TX×TY threads) and the K step, or undefined when workgroups are too small. */
export function threadTile(limits: DeviceLimits): { TX: number; TY: number; TK: number } | undefined {
  const size = maxWorkgroupSize(limits);
  if (size < 64) return undefined;
  const TX = size >= 256 ? 16 : 8;
  return { TX, TY: TX, TK: 16 };
}

/**
 * The tile shape on a CPU adapter, else undefined. There a workgroup of 8 invocations is one
 * AVX2 vector, and a load from a computed address is a loop of bounds-checked scalar loads over
 * the lanes, even when all lanes read the same element (lavapipe only broadcasts loads from
 * constant addresses). So the kernel keeps loads per multiply-add low: 8×2 outputs per invocation
 * (rows shared by the workgroup, columns 8 apart), and each row value is loaded by one lane of a
 * subgroup and broadcast. Measured on
 * lavapipe (1024³, CPU time): ~8× less than the 32×32×16 workgroup-memory tiles, about the same
 * for 6×2 up to 32×2 or 16×4 outputs (spills offset the saved loads) and for vec4 column loads;
 * without subgroups 4×4 outputs with a row load per lane came out best (~5× less).
 */
export function directTile(limits: DeviceLimits): TileShape | undefined {
  if (!limits.cpuAdapter || maxWorkgroupSize(limits) < 8) return undefined;
  return limits.subgroups
    ? { TX: 8, TY: 1, RM: 8, RN: 2, TK: Math.min(8, limits.subgroupMinSize), direct: true }
    : { TX: 8, TY: 1, RM: 4, RN: 4, TK: 1, direct: true };
}

/** Whether the f32 tiles (TM×TK and TK×TN) fit the device's workgroup memory. */
export function tilesFit(TM: number, TN: number, TK: number, limits: DeviceLimits): boolean {
  return (TM * TK + TK * TN) * 4 <= limits.maxComputeWorkgroupStorageSize;
}

export interface TiledKernel extends TileShape {
  readonly mapping: 'tiled-matmul' | 'tiled-conv';
  readonly M: number;
  readonly N: number;
  readonly K: number;
  /** Points of the batch (one per workgroup row of tiles). */
  readonly batch: number;
  /** WGSL type of the flat indices gi, gj, gk, k0 and kk. */
  readonly index: 'i32' | 'u32';
  /** Workgroup tiles: load b values once per kk before the rows of the product (instead of inline in each product); direct loads always do. */
  readonly hoistCol: boolean;
  readonly loop: ForStmt;
  readonly reduce: ReduceExpr;
  /** Row operand (TM×TK tile) and column operand (TK×TN tile). */
  readonly row: Expr;
  readonly col: Expr;
  /** Binds the batch variables from the u32 `batch`. */
  bindBatch(em: KernelEmitter): void;
  /** Bind the variables for a row-tile load from `gi` and `gk`, for a column-tile load from `gj` and `gk`. */
  bindRowLoad(em: KernelEmitter): void;
  bindColLoad(em: KernelEmitter): void;
  /** Binds what the loop body needs (grid vars, kernel lets, %j) from `gi` and `gj`. */
  bindOutput(em: KernelEmitter): void;
  /** The header's description of M, N, K and the batch. */
  readonly roles: string;
}

/** What the K loops of both strategies need: the emitter, the kernel, and its index type spelled out. */
interface LoopContext {
  readonly em: KernelEmitter;
  readonly t: TiledKernel;
  /** Suffix of index literals ('i' or 'u'). */
  readonly s: string;
  /** A u32 expression as an index. */
  readonly idx: (u32: string) => string;
}

/** The tiled shader described by `t`. */
export function emitTiledKernel(kernel: Kernel, launch: LaunchBindings, limits: DeviceLimits, t: TiledKernel): WgslKernel {
  const { TX, TY, RM, RN, TK, M, N, batch } = t;
  const TM = TY * RM;
  const TN = TX * RN;
  const threads = TX * TY;
  const rowTiles = Math.ceil(M / TM);
  const colTiles = Math.ceil(N / TN);
  const groups = batch * rowTiles * colTiles;
  const name = `kernel @${kernel.name}`;
  const dispatch = foldDispatch(groups, limits, name);
  const cx: LoopContext = {
    em: new KernelEmitter(kernel, makeViews(kernel, launch, new Set())),
    t,
    s: t.index === 'i32' ? 'i' : 'u',
    idx: (u32) => (t.index === 'i32' ? `i32(${u32})` : u32),
  };
  const { em } = cx;
  const w = em.w;
  const broadcast = t.direct && TK > 1;

  w.line(`let wg = wid.x + wid.y * ${dispatch[0]}u;`);
  w.block(`if (wg < ${groups}u)`, () => {
    w.line(`let col_tile = wg % ${colTiles}u;`);
    w.line(`let row_tile = (wg / ${colTiles}u) % ${rowTiles}u;`);
    w.line(`let batch = wg / ${colTiles * rowTiles}u;`);
    w.line(`let tx = lid % ${TX}u;`);
    w.line(`let ty = lid / ${TX}u;`);
    em.pushScope();
    t.bindBatch(em);
    if (t.direct) directLoops(cx);
    else workgroupTileLoop(cx);
    w.block(`for (var ra = 0u; ra < ${RM}u; ra++)`, () => {
      w.block(`for (var rb = 0u; rb < ${RN}u; rb++)`, () => {
        w.line(`let gi = ${cx.idx(`row_tile * ${TM}u + ty + ra * ${TY}u`)};`);
        w.line(`let gj = ${cx.idx(`col_tile * ${TN}u + tx + rb * ${TX}u`)};`);
        w.block(`if (gi < ${M}${cx.s} && gj < ${N}${cx.s})`, () => {
          em.pushScope();
          t.bindOutput(em);
          em.overrides.set(t.reduce, runtime(`acc[ra * ${RN}u + rb]`, 'float32', 1));
          em.stmts(t.loop.body);
          em.overrides.delete(t.reduce);
          em.popScope();
        });
      });
    });
    em.popScope();
  });
  const sgLane = broadcast ? ', @builtin(subgroup_invocation_id) sg_lane: u32' : '';
  const entry = [
    `@compute @workgroup_size(${threads})`,
    `fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32${sgLane}) {`,
    w.text(),
    '}',
  ].join('\n');
  const how = t.direct ? `, direct loads${broadcast ? `, row values broadcast in subgroups ${TK} k at a time` : ''}` : '';
  const header = `// ${name}: ${t.mapping} ${TM}x${TN}x${TK} tiles (${t.roles}${how}), ${threads} threads, dispatch ${dispatch.join('x')}`;
  return {
    name: kernel.name,
    code: assembleShader(em, launch.bindings, header, entry, broadcast),
    entryPoint: 'main',
    bindings: launch.bindings,
    workgroupSize: threads,
    dispatch: groups === 0 ? [0, 1, 1] : dispatch,
    mapping: t.mapping,
  };
}

/** Evaluates `operand` with the index variables `bind` declares (from gi/gj and gk) into a new f32 variable; returns its name. */
function operandValue(em: KernelEmitter, operand: Expr, bind: () => void, indices: string): string {
  const v = em.names.fresh('v');
  em.w.line(`var ${v} = 0.0f;`);
  em.w.block('', () => {
    em.w.line(indices);
    em.pushScope();
    bind();
    em.w.line(`${v} = ${em.expr(operand).code};`);
    em.popScope();
  });
  return v;
}

/** Workgroup-memory tiles (GPUs): the threads stage TM×TK and TK×TN tiles, then each accumulates from them. */
function workgroupTileLoop({ em, t, s, idx }: LoopContext): void {
  const { TX, TY, RM, RN, TK, M, N, K } = t;
  const TM = TY * RM;
  const TN = TX * RN;
  const threads = TX * TY;
  const kk = t.index === 'i32' ? 'u32(kk)' : 'kk';
  const w = em.w;
  em.workgroupVars.set('kiln_tile_a', `var<workgroup> kiln_tile_a: array<f32, ${TM * TK}>;`);
  em.workgroupVars.set('kiln_tile_b', `var<workgroup> kiln_tile_b: array<f32, ${TK * TN}>;`);
  const load = (operand: Expr, bind: () => void): void => {
    em.pushScope();
    bind();
    w.line(`v = ${em.expr(operand).code};`);
    em.popScope();
  };
  const init = em.constant(t.reduce.init, 'float32').code;
  w.line(`var acc = array<f32, ${RM * RN}>(${Array(RM * RN).fill(init).join(', ')});`);
  w.block(`for (var k0: ${t.index} = 0${s}; k0 < ${K}${s}; k0 += ${TK}${s})`, () => {
    w.block(`for (var e = lid; e < ${TM * TK}u; e += ${threads}u)`, () => {
      w.line(`let gi = ${idx(`row_tile * ${TM}u + e / ${TK}u`)};`);
      w.line(`let gk = k0 + ${idx(`e % ${TK}u`)};`);
      w.line('var v = 0.0f;');
      w.block(`if (gi < ${M}${s} && gk < ${K}${s})`, () => load(t.row, () => t.bindRowLoad(em)));
      w.line('kiln_tile_a[e] = v;');
    });
    w.block(`for (var e = lid; e < ${TK * TN}u; e += ${threads}u)`, () => {
      w.line(`let gj = ${idx(`col_tile * ${TN}u + e % ${TN}u`)};`);
      w.line(`let gk = k0 + ${idx(`e / ${TN}u`)};`);
      w.line('var v = 0.0f;');
      w.block(`if (gj < ${N}${s} && gk < ${K}${s})`, () => load(t.col, () => t.bindColLoad(em)));
      w.line('kiln_tile_b[e] = v;');
    });
    w.line('workgroupBarrier();');
    // k in order within the tile, tiles in order: the reduce's order per output.
    w.line(`let k_end = min(${TK}${s}, ${K}${s} - k0);`);
    w.block(`for (var kk = 0${s}; kk < k_end; kk++)`, () => {
      const colAt = (b: number): string => `kiln_tile_b[${kk} * ${TN}u + tx + ${b * TX}u]`;
      if (t.hoistCol) for (let b = 0; b < RN; b++) w.line(`let b${b} = ${colAt(b)};`);
      for (let a = 0; a < RM; a++) {
        w.line(`let a${a} = kiln_tile_a[(ty + ${a * TY}u) * ${TK}u + ${kk}];`);
        for (let b = 0; b < RN; b++) w.line(`acc[${a * RN + b}] = acc[${a * RN + b}] + a${a} * ${t.hoistCol ? `b${b}` : colAt(b)};`);
      }
    });
    w.line('workgroupBarrier();');
  });
}

/**
 * Direct loads (CPU adapters): each thread keeps RM×RN accumulators in scalar variables (an
 * array indexed in the k loop would live in memory), walking k in order. Rows and columns are
 * clamped into range for the loads (the surplus outputs are computed on duplicates and not
 * stored), so every invocation stays active through the subgroup broadcasts. With TK > 1 the row
 * values of TK consecutive k are loaded one per lane and broadcast; the K % TK last k load directly.
 */
function directLoops(cx: LoopContext): void {
  const { em, t, s, idx } = cx;
  const { TX, RM, RN, TK, M, N, K } = t;
  const w = em.w;
  const init = em.constant(t.reduce.init, 'float32').code;
  for (let a = 0; a < RM; a++) w.line(`let row${a} = ${idx(`min(row_tile * ${RM}u + ${a}u, ${Math.max(M - 1, 0)}u)`)};`);
  for (let b = 0; b < RN; b++) w.line(`let col${b} = ${idx(`min(col_tile * ${TX * RN}u + tx + ${b * TX}u, ${Math.max(N - 1, 0)}u)`)};`);
  for (let a = 0; a < RM; a++) for (let b = 0; b < RN; b++) w.line(`var acc${a}_${b} = ${init};`);
  const rowAt = (a: number, k: string): string => operandValue(em, t.row, () => t.bindRowLoad(em), `let gi = row${a}; let gk = ${k};`);
  const step = (k: string, rowValue: (a: number) => string): void => {
    const cols = Array.from({ length: RN }, (_, b) => operandValue(em, t.col, () => t.bindColLoad(em), `let gj = col${b}; let gk = ${k};`));
    for (let a = 0; a < RM; a++) {
      const r = em.names.fresh('a');
      w.line(`let ${r} = ${rowValue(a)};`);
      for (let b = 0; b < RN; b++) w.line(`acc${a}_${b} = acc${a}_${b} + ${r} * ${cols[b]};`);
    }
  };
  const chunked = K - (K % TK);
  if (TK > 1 && chunked > 0) {
    w.block(`for (var k0: ${t.index} = 0${s}; k0 < ${chunked}${s}; k0 += ${TK}${s})`, () => {
      const lanes = Array.from({ length: RM }, (_, a) => rowAt(a, `k0 + ${idx(`sg_lane % ${TK}u`)}`));
      for (let kk = 0; kk < TK; kk++) step(`k0 + ${kk}${s}`, (a) => `subgroupBroadcast(${lanes[a]}, ${kk}u)`);
    });
  }
  if (chunked < K || TK === 1) {
    const from = TK > 1 ? chunked : 0;
    w.block(`for (var k: ${t.index} = ${from}${s}; k < ${K}${s}; k++)`, () => step('k', (a) => rowAt(a, 'k')));
  }
  const accs = Array.from({ length: RM * RN }, (_, i) => `acc${Math.floor(i / RN)}_${i % RN}`);
  w.line(`var acc = array<f32, ${RM * RN}>(${accs.join(', ')});`);
}
