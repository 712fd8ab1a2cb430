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
 * per-iteration lowering. The epilogue and A go through the existing expression lowering, except
 * that an A which is a plain load becomes one load-and-splat of the same value.
 *
 * Columns: tiles of NR, one narrower tile for the rest of the multiple of 4, and the last N mod 4
 * columns through the per-iteration lowering. Rows: tiles of MR within [start, end), then single
 * rows. When B is large, the reduction is cut into blocks (see ReductionBlock) so the part of B
 * in use stays in the L2 cache while every tile of the range goes through it. Large B may come
 * packed (pack.ts): then each strip of NR columns is contiguous, and the tiles go strip by strip.
 */
import type { Expr, IndexVar, Kernel, Stmt } from '../ir/loop.js';
import { children, freeNames, substituteVar } from '../ir/loop-walk.js';
import type { Ref } from './binaryen.js';
import type { BufferBinding, KernelContext } from './context.js';
import { Scope } from './context.js';
import { lowerScalar } from './expr.js';
import { int } from './expr-utils.js';
import { GridCursor, LAUNCH_RANGE } from './grid.js';
import { constVal, kindOf } from './ops.js';
import { lowerStmts } from './stmt.js';

/**
 * Tile shape, rows (grid iterations) × columns: 8 accumulators + 4 B vectors + 1 splat stay in
 * x64's 16 vector registers. Measured with V8 against 4×8, 6×8, 5×8, 4×12, 3×12, 3×16, 2×12,
 * 2×20, 2×24 and 1×32, 2×16 was fastest on matmul, dense and conv launches: few address streams
 * per step, and a guarded conv A operand is evaluated once per 16 columns.
 */
export const MR = 2;
export const NR = 16;
/** Bytes of B per reduction block: the part of B that all tiles of a launch range fold before moving on stays in L2. */
const BLOCK_BYTES = 256 * 1024;
/**
 * Bytes of a packed strip per reduction block. A contiguous strip streams well from L2, and
 * fewer blocks save passes of partial sums through the output: measured on 1024³, 512×4096×1024
 * and 256×8192×512, 16–32 KiB (L1-sized) strips were 10–25% slower than 64–256 KiB.
 */
const STRIP_BLOCK_BYTES = 128 * 1024;

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
  /** Whether partial sums may wait in the output elements (f32, and the epilogue does not read the output). */
  readonly partialSums: boolean;
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
    e.kind === 'load' && !e.guard && buffers.get(e.buffer)?.dtype === 'float32' && unitStride(e.index, j) && [...freeNames(e.index)].every((n) => n === j || reduceVars.has(n));
  const aFirst = isB(product.b);
  const [a, b] = aFirst ? [product.a, product.b] : [product.b, product.a];
  if (!isB(b) || freeNames(a).has(j)) return undefined;
  // The tiled order must not be observable: the sum is only a value (no index depends on it)
  // and the output does not overlap what the reduction reads.
  if (!unitStride(store.index, j) || freeNames(store.index).has(def.name) || indexUses(store.value, def.name)) return undefined;
  const out = buffers.get(store.buffer);
  if (!out || loadedBuffers(product).some((name) => overlaps(out, buffers.get(name)))) return undefined;
  const partialSums = out.dtype === 'float32' && !loadedBuffers(store.value).some((name) => overlaps(out, buffers.get(name)));
  return { lets, loop, sum: def.name, reduce, a, b, aFirst, store, partialSums };
}

/** Where a tile reads B from: a buffer and the index of B's element at column %j (bound to the tile's first column). */
interface BSource {
  readonly buffer: BufferBinding;
  readonly index: Expr;
}

/**
 * Emits the tiled launch over the (non-empty, clamped) launch range. With `packed`, the NR-wide
 * tiles read B from that copy in the packed layout (see packedIndex), and every row tile of the
 * range goes through one strip of a reduction block before the next strip: the strip is
 * contiguous, so it stays in cache without set conflicts while the rows sweep it.
 */
export function emitTiledLaunch(cx: KernelContext, kernel: Kernel, mk: MatmulKernel, packed?: BufferBinding): void {
  const { fb, m, b } = cx;
  const n = mk.loop.var.extent;
  const vectorEnd = n - (n % 4);
  const mainEnd = vectorEnd - (vectorEnd % NR);
  const cursor = new GridCursor(fb, kernel);
  const get = (local: number) => m.local.get(local, b.i32);
  const original: BSource = { buffer: cx.buffer(mk.b.buffer), index: mk.b.index };
  const main: BSource = packed ? { buffer: packed, index: packedIndex(mk.reduce.vars, int.var(mk.loop.var.name)) } : original;

  if (vectorEnd > 0) {
    const column = fb.addLocal(b.i32);
    // Column loop over the NR-wide tiles.
    const strips = (body: () => void): void => {
      fb.emit(m.local.set(column, m.i32.const(0)));
      emitLoop(cx, () => {
        body();
        fb.emit(m.local.set(column, m.i32.add(get(column), m.i32.const(NR))));
        return m.i32.lt_s(get(column), m.i32.const(mainEnd));
      });
    };
    const mainTile = (rows: readonly Scope[], block: ReductionBlock) => emitTile(cx, mk, rows, column, NR / 4, block, main);
    const narrowTile = (rows: readonly Scope[], block: ReductionBlock) => {
      fb.emit(m.local.set(column, m.i32.const(mainEnd)));
      emitTile(cx, mk, rows, column, (vectorEnd - mainEnd) / 4, block, original);
    };
    emitReductionBlocks(cx, mk, packed ? STRIP_BLOCK_BYTES / (4 * NR) : BLOCK_BYTES / (4 * n), (block) => {
      if (packed) {
        if (mainEnd > 0) strips(() => emitRows(cx, cursor, mk, (rows) => mainTile(rows, block)));
        if (vectorEnd > mainEnd) emitRows(cx, cursor, mk, (rows) => narrowTile(rows, block));
        return;
      }
      emitRows(cx, cursor, mk, (rows) => {
        if (mainEnd > 0) strips(() => mainTile(rows, block));
        if (vectorEnd > mainEnd) narrowTile(rows, block);
      });
    });
  }
  if (n > vectorEnd) emitRows(cx, cursor, mk, (rows) => rows.forEach((row) => emitTailColumns(cx, mk, row, vectorEnd)));
}

/**
 * The packed layout of B for NR-wide tiles: strip by strip (column / NR), and within a strip one
 * row of NR floats per reduction step, the steps in the reduction's order (the first variable
 * outermost), so every reduction block of a strip is contiguous. The index of B's element at a
 * `column` that is a multiple of NR, and the reduction variables: column·steps + NR·step.
 */
export function packedIndex(vars: readonly IndexVar[], column: Expr): Expr {
  const steps = vars.reduce((k, v) => k * v.extent, 1);
  const step = vars.reduce<Expr>((flat, v, i) => (i === 0 ? int.var(v.name) : int.add(int.mul(flat, int.const(v.extent)), int.var(v.name))), int.const(0));
  return int.add(int.mul(column, int.const(steps)), int.mul(step, int.const(NR)));
}

// ---- reduction blocks -----------------------------------------------------------------------------

/**
 * A range of the first reduction variable, [start, end) in locals, that every tile of the launch
 * range folds before the next range starts, so that part of B stays in the L2 cache. Between
 * ranges the partial sums wait in the output elements, as f32 like the accumulators themselves,
 * so the fold order and the result do not change; the epilogue runs after the last range. (Each
 * grid iteration and column stores its own element, as independent grid iterations do.)
 */
interface ReductionBlock {
  readonly start: number;
  readonly end: number;
  /** Locals: whether the range is the first / the last (undefined: one range covers everything). */
  readonly first?: number;
  readonly last?: number;
}

/** Runs `body` once per reduction block (once in all when B is small or partial sums cannot be kept in the output). */
function emitReductionBlocks(cx: KernelContext, mk: MatmulKernel, maxSteps: number, body: (block: ReductionBlock) => void): void {
  const { fb, m, b } = cx;
  const i32 = (local: number) => m.local.get(local, b.i32);
  const [outer, ...inner] = mk.reduce.vars;
  const extent = outer?.extent ?? 1;
  const blockSteps = Math.max(1, Math.floor(maxSteps / inner.reduce((k, v) => k * v.extent, 1)));
  const start = fb.addLocal(b.i32);
  const end = fb.addLocal(b.i32);
  if (blockSteps >= extent || !mk.partialSums) {
    fb.emit(m.local.set(start, m.i32.const(0)));
    fb.emit(m.local.set(end, m.i32.const(extent)));
    body({ start, end });
    return;
  }
  // Equal blocks (the last one at most `blocks - 1` steps shorter).
  const blocks = Math.ceil(extent / blockSteps);
  const size = Math.ceil(extent / blocks);
  const first = fb.addLocal(b.i32);
  const last = fb.addLocal(b.i32);
  fb.emit(m.local.set(start, m.i32.const(0)));
  emitLoop(cx, () => {
    fb.emit(m.local.set(end, m.i32.add(i32(start), m.i32.const(size))));
    fb.emit(m.local.set(last, m.i32.ge_s(i32(end), m.i32.const(extent))));
    fb.emit(m.local.set(end, m.select(i32(last), m.i32.const(extent), i32(end))));
    fb.emit(m.local.set(first, m.i32.eqz(i32(start))));
    body({ start, end, first, last });
    fb.emit(m.local.set(start, i32(end)));
    return m.i32.eqz(i32(last));
  });
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

/** One tile: `rows` × `vectors`·4 columns from the column in local `column`, over one reduction block, B read from `source`. */
function emitTile(cx: KernelContext, mk: MatmulKernel, rows: readonly Scope[], column: number, vectors: number, block: ReductionBlock, source: BSource): void {
  const { fb, m, b, L1, L4 } = cx;
  const { first, last } = block;
  const out = cx.buffer(mk.store.buffer);
  const j = mk.loop.var.name;
  // Where the partial sums of each row wait between reduction blocks: its output elements.
  const partials = first === undefined ? [] : rows.map((row) => L1.bind(lowerScalar(cx, mk.store.index, row.child().bind(j, { kind: 'scalar', local: column, dtype: 'int32' }))));
  const partialAt = (v: number): BufferBinding => ({ ...out, offset: out.offset + 16 * v });
  const acc = rows.map((_, r) =>
    Array.from({ length: vectors }, (_, v) => {
      const local = fb.addLocal(b.v128);
      const init = L4.broadcast(constVal(L1, 'float32', mk.reduce.init)).one();
      fb.emit(m.local.set(local, first === undefined ? init : m.if(m.local.get(first, b.i32), init, cx.loadVector(partialAt(v), partials[r].one()))));
      return L4.fromLocals('f', [local]);
    }),
  );
  const counters = mk.reduce.vars.map(() => fb.addLocal(b.i32));
  const withCounters = (scope: Scope): Scope => {
    mk.reduce.vars.forEach((v, i) => scope.bind(v.name, { kind: 'scalar', local: counters[i], dtype: 'int32' }));
    return scope;
  };
  const innermost = mk.reduce.vars[mk.reduce.vars.length - 1]?.name;
  const bBuffer = source.buffer;
  const bAddress = addressStream(cx, source.index, withCounters(new Scope()).bind(j, { kind: 'scalar', local: column, dtype: 'int32' }), innermost);
  const aScopes = rows.map((row) => withCounters(row.child()));
  // A plain load of A is one load-and-splat from a strided address; anything else goes through the expression lowering.
  const aLoad = mk.a.kind === 'load' && !mk.a.guard && cx.buffer(mk.a.buffer).dtype === 'float32' ? mk.a : undefined;
  const aAddresses = aLoad ? aScopes.map((scope) => addressStream(cx, aLoad.index, scope, innermost)) : [];
  const streams = [bAddress, ...aAddresses];

  const step = (): void => {
    const bs = Array.from({ length: vectors }, (_, v) => L4.bind(L4.wrap('f', m.v128.load(bBuffer.offset + 16 * v, 4, bAddress.address()))));
    aScopes.forEach((scope, r) => {
      const splat = aLoad ? L4.wrap('f', m.v128.load32_splat(cx.buffer(aLoad.buffer).offset, 4, aAddresses[r].address())) : L4.broadcast(lowerScalar(cx, mk.a, scope));
      const a = L4.bind(splat);
      bs.forEach((bv, v) => L4.assign(acc[r][v], L4.add(acc[r][v], mk.aFirst ? L4.mul(a, bv) : L4.mul(bv, a))));
    });
  };
  // Loops over the reduction variables; the first one over the block's range.
  const i32 = (local: number) => m.local.get(local, b.i32);
  const nest = (depth: number): void => {
    if (depth === counters.length) return step();
    const counter = counters[depth];
    const end = () => (depth === 0 ? i32(block.end) : m.i32.const(mk.reduce.vars[depth].extent));
    const innermostLoop = depth === counters.length - 1;
    fb.emit(m.local.set(counter, depth === 0 ? i32(block.start) : m.i32.const(0)));
    if (innermostLoop) streams.forEach((s) => s.start());
    const loop = fb.captureBlock(() =>
      emitLoop(cx, () => {
        if (innermostLoop) {
          step();
          streams.forEach((s) => s.advance());
        } else nest(depth + 1);
        fb.emit(m.local.set(counter, m.i32.add(i32(counter), m.i32.const(1))));
        return m.i32.lt_s(i32(counter), end());
      }),
    );
    fb.emit(m.if(m.i32.lt_s(i32(counter), end()), loop));
  };
  nest(0);

  const epilogue = fb.captureBlock(() =>
    rows.forEach((row, r) =>
      acc[r].forEach((sum, v) => {
        // `def` feeds only stride analysis of indices, and no index uses the sum (matchMicrokernel).
        const scope = row.child()
          .bind(mk.sum, { kind: 'vector', local: sum.locals![0], dtype: 'float32', def: mk.reduce, defScope: row })
          .bind(TILE_COLUMN, { kind: 'scalar', local: column, dtype: 'int32' });
        lowerStmts(cx, [epilogueLoop(mk, v)], scope);
      }),
    ),
  );
  if (last === undefined) return fb.emit(epilogue);
  const keep = rows.flatMap((_, r) => acc[r].map((sum, v) => cx.storeVector(partialAt(v), partials[r].one(), sum.one())));
  fb.emit(m.if(m.local.get(last, b.i32), epilogue, fb.seq(keep)));
}

/**
 * The byte address of a load, `index` · 4, in a scope. When the index is affine in the innermost
 * reduction variable the address lives in a local: set at the innermost loop's start, advanced
 * by a constant per step. Otherwise it is computed from the index at every use.
 */
interface AddressStream {
  start(): void;
  address(): Ref;
  advance(): void;
}

function addressStream(cx: KernelContext, index: Expr, scope: Scope, innermost: string | undefined): AddressStream {
  const { fb, m, b } = cx;
  const compute = (): Ref => m.i32.shl(lowerScalar(cx, index, scope).one(), m.i32.const(2));
  const stride = innermost === undefined ? undefined : affineCoefficient(index, innermost);
  if (stride === undefined) return { start: () => {}, address: compute, advance: () => {} };
  const local = fb.addLocal(b.i32);
  return {
    start: () => fb.emit(m.local.set(local, compute())),
    address: () => m.local.get(local, b.i32),
    advance: () => fb.emit(m.local.set(local, m.i32.add(m.local.get(local, b.i32), m.i32.const(4 * stride)))),
  };
}

/** Names of the synthetic loops' variables (not valid IR names, so they cannot clash). */
const LANE = '#lane';
const TILE_COLUMN = '#column';

/** `for #lane in 0..4 vec=4 { store }` with %j = #column + 4·vector + #lane: the epilogue of one accumulator vector. */
function epilogueLoop(mk: MatmulKernel, vector: number): ForStmt {
  const j = int.add(int.var(LANE), int.add(int.var(TILE_COLUMN), int.const(4 * vector)));
  return { kind: 'for', var: { name: LANE, extent: 4 }, vec: 4, body: [substituteStore(mk.store, mk.loop.var.name, j)] };
}

/** The columns from `first` to the end, one row, through the per-iteration lowering. */
function emitTailColumns(cx: KernelContext, mk: MatmulKernel, row: Scope, first: number): void {
  const j = int.add(int.var(LANE), int.const(first));
  const name = mk.loop.var.name;
  const body: Stmt[] = [{ kind: 'let', name: mk.sum, value: substituteVar(mk.reduce, name, j) }, substituteStore(mk.store, name, j)];
  lowerStmts(cx, [{ kind: 'for', var: { name: LANE, extent: mk.loop.var.extent - first }, vec: 1, body }], row);
}

// ---- expression helpers ----------------------------------------------------------------------------

function substituteStore(s: StoreStmt, name: string, value: Expr): StoreStmt {
  return { ...s, index: substituteVar(s.index, name, value), value: substituteVar(s.value, name, value) };
}

/** The coefficient of %name in the integer expression `e` when `e` is affine in it, else undefined. */
function affineCoefficient(e: Expr, name: string): number | undefined {
  if (!freeNames(e).has(name)) return 0;
  if (e.kind === 'var') return 1;
  if (e.kind !== 'binary') return undefined;
  const a = affineCoefficient(e.a, name);
  const b = affineCoefficient(e.b, name);
  if (a === undefined || b === undefined) return undefined;
  switch (e.op) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul':
      if (e.a.kind === 'const') return e.a.value * b;
      if (e.b.kind === 'const') return a * e.b.value;
      return undefined;
    default: return undefined;
  }
}

/** Whether `index` is `%j`, `X + %j` or `%j + X` with X free of %j. */
function unitStride(index: Expr, j: string): boolean {
  const isJ = (e: Expr) => e.kind === 'var' && e.name === j;
  if (isJ(index)) return true;
  if (index.kind !== 'binary' || index.op !== 'add') return false;
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
