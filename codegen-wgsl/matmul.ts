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
import type { Expr, Kernel, Stmt } from '../ir/loop.js';
import { AffineScope, containsReduce, formDeps, loopIsParallel, pointsOf, statementAccesses } from './analysis.js';
import { KernelEmitter } from './emitter.js';
import { type LaunchBindings, assembleShader, bindGrid, foldDispatch, makeViews } from './shader.js';
import { type DeviceLimits, maxWorkgroupSize } from './limits.js';
import { runtime } from './ops.js';
import type { WgslKernel } from './program.js';

type ReduceExpr = Extract<Expr, { kind: 'reduce' }>;
type LoadExpr = Extract<Expr, { kind: 'load' }>;
type ForStmt = Extract<Stmt, { kind: 'for' }>;

interface MatmulShape {
  readonly lets: readonly Extract<Stmt, { kind: 'let' }>[];
  readonly loop: ForStmt;
  readonly reduce: ReduceExpr;
  /** The row operand and the column operand, lets substituted into their indices. */
  readonly a: LoadExpr;
  readonly b: LoadExpr;
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

const isPlainF32Load = (e: Expr): e is LoadExpr => e.kind === 'load' && e.dtype === 'float32' && !e.guard && !containsReduce(e.index);

/** The matmul shape of `kernel`, or undefined. */
export function matchMatmul(kernel: Kernel, launch: LaunchBindings): MatmulShape | undefined {
  if (kernel.grid.length === 0 || kernel.body.length === 0) return undefined;
  const loop = kernel.body[kernel.body.length - 1];
  if (loop.kind !== 'for') return undefined;
  const lets = kernel.body.slice(0, -1);
  if (!lets.every((s): s is Extract<Stmt, { kind: 'let' }> => s.kind === 'let' && !containsReduce(s.value))) return undefined;
  if (!loop.body.every((s) => s.kind !== 'for')) return undefined;
  const found: ReduceExpr[] = [];
  for (const s of loop.body) {
    if (s.kind === 'let') reducesIn(s.value, found);
    else if (s.kind === 'store') { reducesIn(s.index, found); reducesIn(s.value, found); }
  }
  if (found.length !== 1) return undefined;
  const reduce = found[0];
  if (reduce.op !== 'sum' || reduce.dtype !== 'float32' || reduce.vars.length !== 1) return undefined;
  const body = reduce.body;
  if (body.kind !== 'binary' || body.op !== 'mul' || !isPlainF32Load(body.a) || !isPlainF32Load(body.b)) return undefined;

  const written = new Set<string>();
  const walk = (s: Stmt): void => {
    if (s.kind === 'store') written.add(launch.bindingOf(s.buffer));
    else if (s.kind === 'for') s.body.forEach(walk);
  };
  kernel.body.forEach(walk);
  if (written.has(launch.bindingOf(body.a.buffer)) || written.has(launch.bindingOf(body.b.buffer))) return undefined;
  // Every output re-runs the lets: they must not read what the kernel writes.
  if (lets.some((s) => [...statementAccesses(s, launch.bindingOf).reads].some((b) => written.has(b)))) return undefined;

  // Affine view (for the dependence tests) and substitution environment, built side by side.
  const scope = new AffineScope(launch.bindingOf);
  const gridIds = kernel.grid.map((g) => scope.bindIndex(g.name));
  const rowId = gridIds[gridIds.length - 1];
  const env = new Map<string, Expr>();
  for (const s of lets) {
    scope.bindLet(s.name, s.value);
    env.set(s.name, substitute(s.value, env));
  }
  if (!loopIsParallel(loop, scope, launch.bindingOf)) return undefined;
  scope.push();
  const jId = scope.bindIndex(loop.var.name);
  let operands: [LoadExpr, LoadExpr] | undefined;
  for (const s of loop.body) {
    const holds = s.kind === 'let' ? found.length > 0 && contains(s.value, reduce) : s.kind === 'store' && (contains(s.value, reduce) || contains(s.index, reduce));
    if (holds) {
      scope.push();
      scope.bindIndex(reduce.vars[0].name);
      const depsA = formDeps(scope.form(body.a.index));
      const depsB = formDeps(scope.form(body.b.index));
      scope.pop();
      const rowOperand = (d: Set<string>): boolean => !d.has(jId);
      const colOperand = (d: Set<string>): boolean => !d.has(rowId);
      const inner = new Map(env);
      inner.delete(reduce.vars[0].name);
      const a = substitute(body.a, inner) as LoadExpr;
      const b = substitute(body.b, inner) as LoadExpr;
      if (rowOperand(depsA) && colOperand(depsB)) operands = [a, b];
      else if (rowOperand(depsB) && colOperand(depsA)) operands = [b, a];
      break;
    }
    if (s.kind === 'let') {
      scope.bindLet(s.name, s.value);
      env.set(s.name, substitute(s.value, env));
    }
  }
  scope.pop();
  if (!operands) return undefined;
  const M = kernel.grid[kernel.grid.length - 1].extent;
  return { lets, loop, reduce, a: operands[0], b: operands[1], M, N: loop.var.extent, K: reduce.vars[0].extent };
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

/** Whether the tiles are worth it: big enough in every direction. */
function worthTiling(shape: MatmulShape): boolean {
  return shape.K >= 8 && shape.N >= 8 && shape.M >= 4;
}

/** The tiled shader for a matmul-shaped kernel, or undefined when the kernel is not one. */
export function emitTiledMatmul(kernel: Kernel, launch: LaunchBindings, limits: DeviceLimits, force: boolean): WgslKernel | undefined {
  const shape = matchMatmul(kernel, launch);
  if (!shape || (!force && !worthTiling(shape))) return undefined;
  const size = maxWorkgroupSize(limits);
  if (size < 64) return undefined;
  const TX = size >= 256 ? 16 : 8;
  const TY = TX;
  const RM = 2;
  const RN = 2;
  const TM = TY * RM;
  const TN = TX * RN;
  const TK = 16;
  if ((TM * TK + TK * TN) * 4 > limits.maxComputeWorkgroupStorageSize) return undefined;
  const threads = TX * TY;
  const { M, N, K } = shape;
  const rowTiles = Math.ceil(M / TM);
  const colTiles = Math.ceil(N / TN);
  const batchVars = kernel.grid.slice(0, -1);
  const batch = pointsOf(batchVars);
  const groups = batch * rowTiles * colTiles;
  const name = `kernel @${kernel.name}`;
  const dispatch = foldDispatch(groups, limits, name);
  const rowVar = kernel.grid[kernel.grid.length - 1].name;
  const kVar = shape.reduce.vars[0].name;

  const em = new KernelEmitter(kernel, makeViews(kernel, launch, new Set()));
  em.workgroupVars.set('kiln_tile_a', `var<workgroup> kiln_tile_a: array<f32, ${TM * TK}>;`);
  em.workgroupVars.set('kiln_tile_b', `var<workgroup> kiln_tile_b: array<f32, ${TK * TN}>;`);
  const w = em.w;
  const loadInto = (target: string, load: LoadExpr, binds: [string, string][]): void => {
    em.pushScope();
    for (const [n, ident] of binds) em.bind(n, runtime(ident, 'int32', 1));
    w.line(`${target} = ${em.expr(load).code};`);
    em.popScope();
  };

  w.line(`let wg = wid.x + wid.y * ${dispatch[0]}u;`);
  w.block(`if (wg < ${groups}u)`, () => {
    w.line(`let col_tile = wg % ${colTiles}u;`);
    w.line(`let row_tile = (wg / ${colTiles}u) % ${rowTiles}u;`);
    w.line(`let batch = wg / ${colTiles * rowTiles}u;`);
    w.line(`let tx = lid % ${TX}u;`);
    w.line(`let ty = lid / ${TX}u;`);
    em.pushScope();
    bindGrid(em, { ...kernel, grid: batchVars }, 'batch');
    const init = em.constant(shape.reduce.init, 'float32').code;
    w.line(`var acc = array<f32, ${RM * RN}>(${Array(RM * RN).fill(init).join(', ')});`);
    w.block(`for (var k0: i32 = 0i; k0 < ${K}i; k0 += ${TK}i)`, () => {
      w.block(`for (var e = lid; e < ${TM * TK}u; e += ${threads}u)`, () => {
        w.line(`let gi = i32(row_tile * ${TM}u + e / ${TK}u);`);
        w.line(`let gk = k0 + i32(e % ${TK}u);`);
        w.line('var v = 0.0f;');
        w.block(`if (gi < ${M}i && gk < ${K}i)`, () => loadInto('v', shape.a, [[rowVar, 'gi'], [shape.loop.var.name, '0i'], [kVar, 'gk']]));
        w.line('kiln_tile_a[e] = v;');
      });
      w.block(`for (var e = lid; e < ${TK * TN}u; e += ${threads}u)`, () => {
        w.line(`let gj = i32(col_tile * ${TN}u + e % ${TN}u);`);
        w.line(`let gk = k0 + i32(e / ${TN}u);`);
        w.line('var v = 0.0f;');
        w.block(`if (gj < ${N}i && gk < ${K}i)`, () => loadInto('v', shape.b, [[rowVar, '0i'], [shape.loop.var.name, 'gj'], [kVar, 'gk']]));
        w.line('kiln_tile_b[e] = v;');
      });
      w.line('workgroupBarrier();');
      w.line(`let k_end = min(${TK}i, ${K}i - k0);`);
      w.block('for (var kk = 0i; kk < k_end; kk++)', () => {
        for (let a = 0; a < RM; a++) {
          w.line(`let a${a} = kiln_tile_a[(ty + ${a * TY}u) * ${TK}u + u32(kk)];`);
          for (let b = 0; b < RN; b++) {
            w.line(`acc[${a * RN + b}] = acc[${a * RN + b}] + a${a} * kiln_tile_b[u32(kk) * ${TN}u + tx + ${b * TX}u];`);
          }
        }
      });
      w.line('workgroupBarrier();');
    });
    w.block(`for (var ra = 0u; ra < ${RM}u; ra++)`, () => {
      w.block(`for (var rb = 0u; rb < ${RN}u; rb++)`, () => {
        w.line(`let gi = i32(row_tile * ${TM}u + ty + ra * ${TY}u);`);
        w.line(`let gj = i32(col_tile * ${TN}u + tx + rb * ${TX}u);`);
        w.block(`if (gi < ${M}i && gj < ${N}i)`, () => {
          em.pushScope();
          em.bind(rowVar, runtime('gi', 'int32', 1));
          for (const s of shape.lets) em.letStmt(s.name, s.value);
          em.bind(shape.loop.var.name, runtime('gj', 'int32', 1));
          em.overrides.set(shape.reduce, runtime(`acc[ra * ${RN}u + rb]`, 'float32', 1));
          em.stmts(shape.loop.body);
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
  const header = `// ${name}: tiled-matmul ${TM}x${TN}x${TK} tiles (M=${M}, N=${N}, K=${K}, batch ${batch}), ${threads} threads, dispatch ${dispatch.join('x')}`;
  return {
    name: kernel.name,
    code: assembleShader(em, launch.bindings, header, entry, false),
    entryPoint: 'main',
    bindings: launch.bindings,
    workgroupSize: threads,
    dispatch: groups === 0 ? [0, 1, 1] : dispatch,
    mapping: 'tiled-matmul',
  };
}
