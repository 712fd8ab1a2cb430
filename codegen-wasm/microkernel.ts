/**
 * Register-tiled launches ("microkernels") for matmul- and conv-shaped kernels:
 *
 *   grid(...) { lets; for %j in 0..N vec=4 {
 *     %h = reduce sum(%r...) init c { mul(A, B) }
 *     store %out[X + %j], epilogue(%h, %j, ...) } }
 *
 * where A does not depend on %j (a scalar per grid point and reduction step, guards allowed) and
 * B is an unguarded load at `Y + %j` that depends only on %j and the reduction variables, so it
 * is the same for every grid point. A tile of up to MR consecutive grid iterations ("rows") × NR
 * columns keeps its sums in MR·NR/4 f32x4 accumulator locals: each reduction step loads the
 * NR/4 vectors of B once for all rows and splats each row's A once for all columns.
 *
 * Bit-exactness: every output element still folds its terms in the reduction's order, one f32
 * mul and one f32 add per term (acc + A·B, the operands in the IR's order), exactly like the
 * per-iteration lowering; the epilogue and A go through the existing expression lowering.
 *
 * Columns: tiles of NR, one narrower tile for the rest of the multiple of 4, and the last N mod 4
 * columns through the per-iteration lowering. Rows: tiles of MR within [start, end), then single
 * rows. The NR-wide tiles are grouped into column blocks whose B panel (K × block width) stays
 * in the L2 cache while every row of the range goes through the block.
 */
import type { Expr, Kernel, Stmt } from '../ir/loop.js';
import { children, mapExpr } from '../passes/loop/walk.js';
import type { Ref } from './binaryen.js';
import type { BufferBinding, KernelContext } from './context.js';
import { Scope } from './context.js';
import { lowerScalar } from './expr.js';
import { freeNames } from './expr-utils.js';
import { GridCursor, LAUNCH_RANGE } from './grid.js';
import { constVal, kindOf } from './ops.js';
import { lowerStmts } from './stmt.js';

/** Rows (grid iterations) per tile. */
export const MR = 4;
/** Columns per tile (NR / 4 vectors). MR·NR/4 accumulators + NR/4 B vectors + 1 splat fit x64's 16 vector registers. */
export const NR = 8;
/** Bytes of B per column block: the B panel should stay in a core's L2 cache. */
const BLOCK_BYTES = 256 * 1024;

type ForStmt = Extract<Stmt, { kind: 'for' }>;
type LetStmt = Extract<Stmt, { kind: 'let' }>;
type StoreStmt = Extract<Stmt, { kind: 'store' }>;
type ReduceExpr = Extract<Expr, { kind: 'reduce' }>;
type LoadExpr = Extract<Expr, { kind: 'load' }>;

/** The parts of a kernel that matched the microkernel shape. */
export interface MatmulKernel {
  readonly lets: readonly LetStmt[];
  readonly loop: ForStmt;
  /** The name the reduction is bound to. */
  readonly sum: string;
  readonly reduce: ReduceExpr;
  readonly a: Expr;
  readonly b: LoadExpr;
  /** Whether the IR multiplies A·B (else B·A). */
  readonly aFirst: boolean;
  readonly store: StoreStmt;
}

/** The kernel as a MatmulKernel when it has the microkernel shape (see the file comment). */
export function matchMicrokernel(kernel: Kernel, buffers: ReadonlyMap<string, BufferBinding>): MatmulKernel | undefined {
  const lets = kernel.body.slice(0, -1);
  const loop = kernel.body[kernel.body.length - 1];
  if (loop?.kind !== 'for' || loop.vec < 4 || loop.vec % 4 !== 0 || !lets.every((s): s is LetStmt => s.kind === 'let')) return undefined;
  const [def, store] = loop.body;
  if (loop.body.length !== 2 || def.kind !== 'let' || store.kind !== 'store') return undefined;
  const reduce = def.value;
  if (reduce.kind !== 'reduce' || reduce.op !== 'sum' || reduce.dtype !== 'float32') return undefined;
  const product = reduce.body;
  if (product.kind !== 'binary' || product.op !== 'mul') return undefined;
  const j = loop.var.name;
  const reduceVars = new Set(reduce.vars.map((v) => v.name));
  const isB = (e: Expr): e is LoadExpr =>
    e.kind === 'load' && !e.guard && unitStride(e.index, j) && [...freeNames(e.index)].every((n) => n === j || reduceVars.has(n));
  const aFirst = isB(product.b);
  const [a, b] = aFirst ? [product.a, product.b] : [product.b, product.a];
  if (!isB(b) || freeNames(a).has(j)) return undefined;
  // The tiled order must not be observable: the sum is only a value (no index depends on it)
  // and the output does not overlap what the reduction reads.
  if (!unitStride(store.index, j) || freeNames(store.index).has(def.name) || indexUses(store.value, def.name)) return undefined;
  const out = buffers.get(store.buffer);
  if (!out || loadedBuffers(product).some((name) => overlaps(out, buffers.get(name)))) return undefined;
  return { lets, loop, sum: def.name, reduce, a, b, aFirst, store };
}

/** Emits the tiled launch over the (non-empty, clamped) launch range. */
export function emitTiledLaunch(cx: KernelContext, kernel: Kernel, mk: MatmulKernel): void {
  const { fb, m, b } = cx;
  const n = mk.loop.var.extent;
  const vectorEnd = n - (n % 4);
  const mainEnd = vectorEnd - (vectorEnd % NR);
  const cursor = new GridCursor(fb, kernel);
  const get = (local: number) => m.local.get(local, b.i32);

  if (mainEnd > 0) {
    const reduceSize = mk.reduce.vars.reduce((k, v) => k * v.extent, 1);
    const blockWidth = Math.max(NR, Math.floor(BLOCK_BYTES / (4 * Math.max(reduceSize, 1)) / NR) * NR);
    const block = fb.addLocal(b.i32);
    const blockEnd = fb.addLocal(b.i32);
    const column = fb.addLocal(b.i32);
    fb.emit(m.local.set(block, m.i32.const(0)));
    emitLoop(cx, () => {
      fb.emit(m.local.set(blockEnd, m.i32.add(get(block), m.i32.const(blockWidth))));
      fb.emit(m.local.set(blockEnd, m.select(m.i32.lt_s(get(blockEnd), m.i32.const(mainEnd)), get(blockEnd), m.i32.const(mainEnd))));
      emitRows(cx, cursor, mk, (rows) => {
        fb.emit(m.local.set(column, get(block)));
        emitLoop(cx, () => {
          emitTile(cx, mk, rows, column, NR / 4);
          fb.emit(m.local.set(column, m.i32.add(get(column), m.i32.const(NR))));
          return m.i32.lt_s(get(column), get(blockEnd));
        });
      });
      fb.emit(m.local.set(block, m.i32.add(get(block), m.i32.const(blockWidth))));
      return m.i32.lt_s(get(block), m.i32.const(mainEnd));
    });
  }
  if (mainEnd < n) {
    const column = fb.addLocal(b.i32);
    emitRows(cx, cursor, mk, (rows) => {
      if (vectorEnd > mainEnd) {
        fb.emit(m.local.set(column, m.i32.const(mainEnd)));
        emitTile(cx, mk, rows, column, (vectorEnd - mainEnd) / 4);
      }
      if (n > vectorEnd) for (const row of rows) emitTailColumns(cx, mk, row, vectorEnd);
    });
  }
}

// ---- rows ------------------------------------------------------------------------------------------

/**
 * Walks the launch range from its start: tiles of MR rows while MR remain, then single rows.
 * `columns` emits the work of one tile given each row's scope (grid variables and lets).
 */
function emitRows(cx: KernelContext, cursor: GridCursor, mk: MatmulKernel, columns: (rows: readonly Scope[]) => void): void {
  const { fb, m, b } = cx;
  const left = () => m.i32.sub(m.local.get(LAUNCH_RANGE.end, b.i32), m.local.get(cursor.flat, b.i32));
  cursor.seek(LAUNCH_RANGE.start);
  for (const count of [MR, 1]) {
    const done = fb.label('rows_done');
    const body = fb.captureBlock(() =>
      emitLoop(cx, () => {
        fb.emit(m.br(done, m.i32.lt_s(left(), m.i32.const(count))));
        columns(emitRowScopes(cx, cursor, mk, count));
        return undefined;
      }),
    );
    fb.emit(m.block(done, [body], b.none));
  }
}

/** Scopes of the next `count` grid iterations (copies of the grid variables, and the lets); advances the cursor past them. */
function emitRowScopes(cx: KernelContext, cursor: GridCursor, mk: MatmulKernel, count: number): Scope[] {
  const { fb, m, b } = cx;
  return Array.from({ length: count }, () => {
    const locals = cursor.locals.map((from) => {
      const local = fb.addLocal(b.i32);
      fb.emit(m.local.set(local, m.local.get(from, b.i32)));
      return local;
    });
    fb.emit(cursor.next());
    return bindLets(cx, mk.lets, cursor.bind(new Scope(), locals));
  });
}

function bindLets(cx: KernelContext, lets: readonly LetStmt[], outer: Scope): Scope {
  let scope = outer;
  for (const s of lets) {
    const local = cx.fb.addLocal(cx.L1.typeOf(kindOf(s.value.dtype)));
    cx.fb.emit(cx.m.local.set(local, lowerScalar(cx, s.value, scope).one()));
    scope = scope.child().bind(s.name, { kind: 'scalar', local, dtype: s.value.dtype });
  }
  return scope;
}

// ---- tiles -----------------------------------------------------------------------------------------

/** One tile: `rows` × `vectors`·4 columns from the column in local `column`, reduction and epilogue. */
function emitTile(cx: KernelContext, mk: MatmulKernel, rows: readonly Scope[], column: number, vectors: number): void {
  const { fb, m, b, L1, L4 } = cx;
  const acc = rows.map(() =>
    Array.from({ length: vectors }, () => {
      const local = fb.addLocal(b.v128);
      fb.emit(m.local.set(local, L4.broadcast(constVal(L1, 'float32', mk.reduce.init)).one()));
      return L4.fromLocals('f', [local]);
    }),
  );
  const counters = mk.reduce.vars.map(() => fb.addLocal(b.i32));
  const withCounters = (scope: Scope): Scope => {
    mk.reduce.vars.forEach((v, i) => scope.bind(v.name, { kind: 'scalar', local: counters[i], dtype: 'int32' }));
    return scope;
  };
  const bScope = withCounters(new Scope()).bind(mk.loop.var.name, { kind: 'scalar', local: column, dtype: 'int32' });
  const aScopes = rows.map((row) => withCounters(row.child()));
  const bBuffer = cx.buffer(mk.b.buffer);

  const step = (): void => {
    const index = L1.bind(lowerScalar(cx, mk.b.index, bScope));
    const bs = Array.from({ length: vectors }, (_, v) => L4.bind(L4.wrap('f', cx.loadVector({ ...bBuffer, offset: bBuffer.offset + 16 * v }, index.one()))));
    aScopes.forEach((scope, r) => {
      const a = L4.bind(L4.broadcast(lowerScalar(cx, mk.a, scope)));
      bs.forEach((bv, v) => L4.assign(acc[r][v], L4.add(acc[r][v], mk.aFirst ? L4.mul(a, bv) : L4.mul(bv, a))));
    });
  };
  const nest = (depth: number): void => {
    if (depth === counters.length) return step();
    fb.emitCountedLoop(counters[depth], 0, mk.reduce.vars[depth].extent, 1, () => nest(depth + 1));
  };
  nest(0);

  rows.forEach((row, r) =>
    acc[r].forEach((sum, v) => {
      const scope = row.child()
        .bind(mk.sum, { kind: 'vector', local: sum.locals![0], dtype: 'float32', def: mk.reduce, defScope: row })
        .bind(TILE_COLUMN, { kind: 'scalar', local: column, dtype: 'int32' });
      lowerStmts(cx, [epilogueLoop(mk, v)], scope);
    }),
  );
}

/** Names of the synthetic loops' variables (not valid IR names, so they cannot clash). */
const LANE = '#lane';
const TILE_COLUMN = '#column';

/** `for #lane in 0..4 vec=4 { store }` with %j = #column + 4·vector + #lane: the epilogue of one accumulator vector. */
function epilogueLoop(mk: MatmulKernel, vector: number): ForStmt {
  const column: Expr = { kind: 'binary', dtype: 'int32', op: 'add', a: varOf(TILE_COLUMN), b: { kind: 'const', dtype: 'int32', value: 4 * vector } };
  const j: Expr = { kind: 'binary', dtype: 'int32', op: 'add', a: varOf(LANE), b: column };
  return { kind: 'for', var: { name: LANE, extent: 4 }, vec: 4, body: [substituteStore(mk.store, mk.loop.var.name, j)] };
}

/** The columns from `first` to the end, one row, through the per-iteration lowering. */
function emitTailColumns(cx: KernelContext, mk: MatmulKernel, row: Scope, first: number): void {
  const j: Expr = { kind: 'binary', dtype: 'int32', op: 'add', a: varOf(LANE), b: { kind: 'const', dtype: 'int32', value: first } };
  const name = mk.loop.var.name;
  const [def, store] = mk.loop.body as [LetStmt, StoreStmt];
  const body: Stmt[] = [{ ...def, value: substitute(def.value, name, j) }, substituteStore(store, name, j)];
  lowerStmts(cx, [{ kind: 'for', var: { name: LANE, extent: mk.loop.var.extent - first }, vec: 1, body }], row);
}

// ---- expression helpers ----------------------------------------------------------------------------

const varOf = (name: string): Expr => ({ kind: 'var', dtype: 'int32', name });

function substitute(e: Expr, name: string, value: Expr): Expr {
  return mapExpr(e, (x) => (x.kind === 'var' && x.name === name ? value : x));
}

function substituteStore(s: StoreStmt, name: string, value: Expr): StoreStmt {
  return { ...s, index: substitute(s.index, name, value), value: substitute(s.value, name, value) };
}

/** Whether `index` is `X + %j` or `%j + X` with X free of %j. */
function unitStride(index: Expr, j: string): boolean {
  if (index.kind !== 'binary' || index.op !== 'add') return false;
  const isJ = (e: Expr) => e.kind === 'var' && e.name === j;
  return (isJ(index.b) && !freeNames(index.a).has(j)) || (isJ(index.a) && !freeNames(index.b).has(j));
}

/** Whether a load index or guard inside `e` reads `name`. */
function indexUses(e: Expr, name: string): boolean {
  if (e.kind === 'load' && (freeNames(e.index).has(name) || (e.guard !== undefined && freeNames(e.guard).has(name)))) return true;
  return children(e).some((c) => indexUses(c, name));
}

function loadedBuffers(e: Expr, out: string[] = []): string[] {
  if (e.kind === 'load') out.push(e.buffer);
  for (const c of children(e)) loadedBuffers(c, out);
  return out;
}

function overlaps(x: BufferBinding, y: BufferBinding | undefined): boolean {
  if (!y) return true;
  const bytes = (buf: BufferBinding) => buf.size * (buf.dtype === 'bool' ? 1 : 4);
  return x.offset < y.offset + bytes(y) && y.offset < x.offset + bytes(x);
}

// ---- control flow -----------------------------------------------------------------------------------

/** A do-while loop: `body` emits the statements and returns the condition to go again (none: always, until a break). */
function emitLoop(cx: KernelContext, body: () => Ref | undefined): void {
  const { fb, m, b } = cx;
  const label = fb.label('tile');
  const { stmts, value } = fb.capture(body);
  fb.emit(m.loop(label, m.block(null, [...stmts, m.br(label, value)], b.none)));
}
