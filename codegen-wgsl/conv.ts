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
import type { Expr, IndexVar, Kernel, Stmt } from '../ir/loop.js';
import { AffineScope, containsReduce, loopIsParallel, pointsOf, statementAccesses } from './analysis.js';
import { KernelEmitter } from './emitter.js';
import { type DeviceLimits, maxWorkgroupSize } from './limits.js';
import { runtime } from './ops.js';
import type { WgslKernel } from './program.js';
import { type LaunchBindings, assembleShader, foldDispatch, makeViews } from './shader.js';

type ReduceExpr = Extract<Expr, { kind: 'reduce' }>;
type ForStmt = Extract<Stmt, { kind: 'for' }>;
type LetStmt = Extract<Stmt, { kind: 'let' }>;

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

/** `e` with let-bound names replaced by their (already substituted) definitions. */
function substitute(e: Expr, env: ReadonlyMap<string, Expr>): Expr {
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

/** The implicit-GEMM shape of `kernel`, or undefined. */
export function matchConv(kernel: Kernel, launch: LaunchBindings): ConvShape | undefined {
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
  if (reduce.op !== 'sum' || reduce.dtype !== 'float32' || reduce.vars.length === 0) return undefined;
  const body = reduce.body;
  if (body.kind !== 'binary' || body.op !== 'mul' || body.a.dtype !== 'float32' || body.b.dtype !== 'float32') return undefined;
  if (containsReduce(body.a) || containsReduce(body.b)) return undefined;
  // Variable names must be distinct (no shadowing between grid, loop and reduce vars).
  const allNames = [...kernel.grid.map((g) => g.name), loop.var.name, ...reduce.vars.map((r) => r.name)];
  if (new Set(allNames).size !== allNames.length) return undefined;

  const written = new Set<string>();
  const walk = (s: Stmt): void => {
    if (s.kind === 'store') written.add(launch.bindingOf(s.buffer));
    else if (s.kind === 'for') s.body.forEach(walk);
  };
  kernel.body.forEach(walk);
  // Every output re-runs the lets: they must not read what the kernel writes.
  if (lets.some((s) => [...statementAccesses(s, launch.bindingOf).reads].some((b) => written.has(b)))) return undefined;

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
  let deps: [Set<string>, Set<string>] | undefined;
  let operands: [Expr, Expr] | undefined;
  for (const s of loop.body) {
    const holds = s.kind === 'let' ? contains(s.value, reduce) : s.kind === 'store' && (contains(s.value, reduce) || contains(s.index, reduce));
    if (holds) {
      scope.push();
      const reduceIds = reduce.vars.map((r) => scope.bindIndex(r.name));
      deps = [scope.deps(body.a), scope.deps(body.b)];
      scope.pop();
      const known = new Set([...gridIds, jId, ...reduceIds]);
      for (const d of deps) {
        for (const x of d) {
          if (x.startsWith('mem:')) {
            if (written.has(x.slice(4))) return undefined;
          } else if (!known.has(x)) return undefined;
        }
      }
      const inner = new Map(env);
      for (const r of reduce.vars) inner.delete(r.name);
      operands = [substitute(body.a, inner), substitute(body.b, inner)];
      break;
    }
    if (s.kind === 'let') {
      scope.bindLet(s.name, s.value);
      env.set(s.name, substitute(s.value, env));
    }
  }
  scope.pop();
  if (!deps || !operands) return undefined;

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

/** The tiled shader for a convolution-shaped kernel, or undefined when the kernel is not one. */
export function emitTiledConv(kernel: Kernel, launch: LaunchBindings, limits: DeviceLimits, force: boolean): WgslKernel | undefined {
  const shape = matchConv(kernel, launch);
  if (!shape || (!force && !worthTiling(shape))) return undefined;
  const size = maxWorkgroupSize(limits);
  if (size < 64) return undefined;
  const TX = size >= 256 ? 16 : 8;
  const TY = TX;
  const RN = shape.N > TX ? 2 : 1;
  const TN = TX * RN;
  const TK = 16;
  const fits = (rm: number): boolean => (TY * rm * TK + TK * TN) * 4 <= limits.maxComputeWorkgroupStorageSize;
  // Taller tiles when there are enough rows (8 outputs a column per thread measured ~1.3x faster than 4 on lavapipe).
  const RM = shape.M >= 1024 && fits(8) ? 8 : 4;
  if (!fits(RM)) return undefined;
  const TM = TY * RM;
  const threads = TX * TY;
  const { M, N, K } = shape;
  const rowTiles = Math.ceil(M / TM);
  const colTiles = Math.ceil(N / TN);
  const batch = pointsOf(shape.batchVars);
  const groups = batch * rowTiles * colTiles;
  const name = `kernel @${kernel.name}`;
  const dispatch = foldDispatch(groups, limits, name);
  const gridNames = new Set(kernel.grid.map((g) => g.name));
  const jName = shape.loop.var.name;

  const em = new KernelEmitter(kernel, makeViews(kernel, launch, new Set()));
  em.workgroupVars.set('kiln_tile_a', `var<workgroup> kiln_tile_a: array<f32, ${TM * TK}>;`);
  em.workgroupVars.set('kiln_tile_b', `var<workgroup> kiln_tile_b: array<f32, ${TK * TN}>;`);
  const w = em.w;

  w.line(`let wg = wid.x + wid.y * ${dispatch[0]}u;`);
  w.block(`if (wg < ${groups}u)`, () => {
    w.line(`let col_tile = wg % ${colTiles}u;`);
    w.line(`let row_tile = (wg / ${colTiles}u) % ${rowTiles}u;`);
    w.line(`let batch = wg / ${colTiles * rowTiles}u;`);
    w.line(`let tx = lid % ${TX}u;`);
    w.line(`let ty = lid / ${TX}u;`);
    em.pushScope();
    bindAll(em, decompose(em, 'batch', shape.batchVars));
    const init = em.constant(shape.reduce.init, 'float32').code;
    w.line(`var acc = array<f32, ${RM * RN}>(${Array(RM * RN).fill(init).join(', ')});`);
    w.block(`for (var k0: u32 = 0u; k0 < ${K}u; k0 += ${TK}u)`, () => {
      w.block(`for (var e = lid; e < ${TM * TK}u; e += ${threads}u)`, () => {
        w.line(`let gi = row_tile * ${TM}u + e / ${TK}u;`);
        w.line(`let gk = k0 + e % ${TK}u;`);
        w.line('var v = 0.0f;');
        w.block(`if (gi < ${M}u && gk < ${K}u)`, () => {
          em.pushScope();
          bindAll(em, decompose(em, 'gi', shape.mVars));
          bindZero(em, shape.nVars);
          bindAll(em, decompose(em, 'gk', shape.reduce.vars));
          w.line(`v = ${em.expr(shape.row).code};`);
          em.popScope();
        });
        w.line('kiln_tile_a[e] = v;');
      });
      w.block(`for (var e = lid; e < ${TK * TN}u; e += ${threads}u)`, () => {
        w.line(`let gj = col_tile * ${TN}u + e % ${TN}u;`);
        w.line(`let gk = k0 + e / ${TN}u;`);
        w.line('var v = 0.0f;');
        w.block(`if (gj < ${N}u && gk < ${K}u)`, () => {
          em.pushScope();
          bindAll(em, decompose(em, 'gj', shape.nVars));
          bindZero(em, shape.mVars);
          bindAll(em, decompose(em, 'gk', shape.reduce.vars));
          w.line(`v = ${em.expr(shape.col).code};`);
          em.popScope();
        });
        w.line('kiln_tile_b[e] = v;');
      });
      w.line('workgroupBarrier();');
      // k in flat order within the tile, tiles in order: the reduce's row-major order per output.
      w.line(`let k_end = min(${TK}u, ${K}u - k0);`);
      w.block('for (var kk = 0u; kk < k_end; kk++)', () => {
        for (let b = 0; b < RN; b++) w.line(`let b${b} = kiln_tile_b[kk * ${TN}u + tx + ${b * TX}u];`);
        for (let a = 0; a < RM; a++) {
          w.line(`let a${a} = kiln_tile_a[(ty + ${a * TY}u) * ${TK}u + kk];`);
          for (let b = 0; b < RN; b++) w.line(`acc[${a * RN + b}] = acc[${a * RN + b}] + a${a} * b${b};`);
        }
      });
      w.line('workgroupBarrier();');
    });
    w.block(`for (var ra = 0u; ra < ${RM}u; ra++)`, () => {
      w.block(`for (var rb = 0u; rb < ${RN}u; rb++)`, () => {
        w.line(`let gi = row_tile * ${TM}u + ty + ra * ${TY}u;`);
        w.line(`let gj = col_tile * ${TN}u + tx + rb * ${TX}u;`);
        w.block(`if (gi < ${M}u && gj < ${N}u)`, () => {
          em.pushScope();
          const idents = new Map([...decompose(em, 'gi', shape.mVars), ...decompose(em, 'gj', shape.nVars)]);
          // Grid vars first, then the kernel's lets, then %j (it shadows them inside the loop).
          for (const [n, ident] of idents) if (gridNames.has(n)) em.bind(n, runtime(ident, 'int32', 1));
          for (const s of shape.lets) em.letStmt(s.name, s.value);
          em.bind(jName, runtime(idents.get(jName) ?? em.fail(`%${jName} has no index`), 'int32', 1));
          em.overrides.set(shape.reduce, runtime(`acc[ra * ${RN}u + rb]`, 'float32', 1));
          em.stmts(shape.loop.body);
          em.overrides.delete(shape.reduce);
          em.popScope();
        });
      });
    });
    em.popScope();
  });
  const entry = [
    `@compute @workgroup_size(${threads})`,
    'fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {',
    w.text(),
    '}',
  ].join('\n');
  const roles = `M=${M} [${shape.mVars.map((v) => v.name).join(',')}], N=${N} [${shape.nVars.map((v) => v.name).join(',')}], K=${K} [${shape.reduce.vars.map((v) => v.name).join(',')}], batch ${batch}`;
  const header = `// ${name}: tiled-conv ${TM}x${TN}x${TK} tiles (${roles}), ${threads} threads, dispatch ${dispatch.join('x')}`;
  return {
    name: kernel.name,
    code: assembleShader(em, launch.bindings, header, entry, false),
    entryPoint: 'main',
    bindings: launch.bindings,
    workgroupSize: threads,
    dispatch: groups === 0 ? [0, 1, 1] : dispatch,
    mapping: 'tiled-conv',
  };
}
