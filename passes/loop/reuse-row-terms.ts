/**
 * Loop pass: compute each term of a row reduction once when a later loop over the same row needs
 * it again. Softmax is the case in point: `%s = reduce sum(%r: N) { exp(x[r] - m) }`, then
 * `for %j in 0..N { store out[base + j], exp(x[j] - m) / %s }` evaluates every exp twice. The pass
 * writes the terms into the output row first and lets both users read them back:
 *
 *   for %r_row in 0..N { store out[base + r_row], exp(x[r_row] - m) }
 *   %s = reduce sum(%r: N) { load out[base + r] }
 *   for %j in 0..N { store out[base + j], div(load out[base + j], %s) }
 *
 * The reduction folds the same f32 values in the same order, so results are bit-identical; the
 * row is usually in cache. Applies only to top-level statements of a kernel, to terms with a
 * transcendental in them (re-reading a cheap term would cost more than recomputing it), and when
 * the output is written by that one store and read nowhere else in the kernel.
 */
import type { Expr, Kernel, Program, Stmt, UnaryOp } from '../../ir/index.js';
import { freeNames, freshName, namesIn, substituteVar } from '../../ir/loop-walk.js';
import { isUnitStride } from './vectorize.js';
import { children, containsReduce, exprKey, mapExpr, mapKernels } from './walk.js';

type ForStmt = Extract<Stmt, { kind: 'for' }>;
type StoreStmt = Extract<Stmt, { kind: 'store' }>;
type ReduceExpr = Extract<Expr, { kind: 'reduce' }>;

const EXPENSIVE_UNARY: ReadonlySet<UnaryOp> = new Set(['exp', 'log', 'tanh', 'sigmoid', 'erf', 'sin', 'cos']);

function expensive(e: Expr): boolean {
  if ((e.kind === 'unary' && EXPENSIVE_UNARY.has(e.op)) || (e.kind === 'binary' && e.op === 'pow')) return true;
  return children(e).some(expensive);
}

/** Buffers the statements read, and how many stores each buffer gets. */
function bufferUse(stmts: readonly Stmt[], reads = new Set<string>(), stores = new Map<string, number>()): { reads: Set<string>; stores: Map<string, number> } {
  const visit = (e: Expr): void => {
    if (e.kind === 'load') reads.add(e.buffer);
    children(e).forEach(visit);
  };
  for (const s of stmts) {
    if (s.kind === 'for') bufferUse(s.body, reads, stores);
    else {
      visit(s.value);
      if (s.kind === 'store') {
        visit(s.index);
        stores.set(s.buffer, (stores.get(s.buffer) ?? 0) + 1);
      }
    }
  }
  return { reads, stores };
}

interface Match {
  readonly letAt: number;
  readonly loopAt: number;
  readonly reduce: ReduceExpr;
  readonly loop: ForStmt;
  readonly store: StoreStmt;
  /** The term with the reduction variable replaced by the loop variable, as it appears in the store. */
  readonly termKey: string;
}

/** The first later top-level loop that recomputes every term of the reduction bound at `letAt`. */
function findReuse(k: Kernel, letAt: number): Match | undefined {
  const let_ = k.body[letAt];
  if (let_.kind !== 'let' || let_.value.kind !== 'reduce') return undefined;
  const reduce = let_.value;
  if (reduce.op === 'argmax' || reduce.op === 'argmin' || reduce.vars.length !== 1) return undefined;
  if (reduce.body.dtype !== 'float32' || containsReduce(reduce.body) || !expensive(reduce.body)) return undefined;
  const r = reduce.vars[0];
  const use = bufferUse(k.body);
  const definedBefore = new Set([...k.grid.map((v) => v.name), ...k.body.slice(0, letAt).flatMap((s) => (s.kind === 'let' ? [s.name] : []))]);
  for (let loopAt = letAt + 1; loopAt < k.body.length; loopAt++) {
    const loop = k.body[loopAt];
    if (loop.kind !== 'for' || loop.var.extent !== r.extent || loop.body.length !== 1 || loop.body[0].kind !== 'store') continue;
    const store = loop.body[0];
    const param = k.params.find((p) => p.name === store.buffer);
    if (param?.dtype !== 'float32' || use.reads.has(store.buffer) || use.stores.get(store.buffer) !== 1) continue;
    if (!isUnitStride(store.index, loop.var.name)) continue;
    if ([...freeNames(store.index)].some((v) => v !== loop.var.name && !definedBefore.has(v))) continue;
    const termKey = exprKey(substituteVar(reduce.body, r.name, { kind: 'var', dtype: 'int32', name: loop.var.name }));
    if (!containsKey(store.value, termKey)) continue;
    return { letAt, loopAt, reduce, loop, store, termKey };
  }
  return undefined;
}

function containsKey(e: Expr, key: string): boolean {
  return exprKey(e) === key || children(e).some((c) => containsKey(c, key));
}

function rewrite(k: Kernel, m: Match): Kernel {
  const { reduce, loop, store } = m;
  const r = reduce.vars[0];
  const rowVar = freshName(namesIn(k), `${r.name}_row`);
  const at = (v: string): Expr => substituteVar(store.index, loop.var.name, { kind: 'var', dtype: 'int32', name: v });
  const stored = (v: string): Expr => ({ kind: 'load', dtype: 'float32', buffer: store.buffer, index: at(v) });
  const stash: ForStmt = {
    kind: 'for', var: { name: rowVar, extent: r.extent }, vec: loop.vec,
    body: [{ kind: 'store', buffer: store.buffer, index: at(rowVar), value: substituteVar(reduce.body, r.name, { kind: 'var', dtype: 'int32', name: rowVar }) }],
  };
  const let_ = k.body[m.letAt] as Extract<Stmt, { kind: 'let' }>;
  const reread: Stmt = { ...let_, value: { ...reduce, body: stored(r.name) } };
  const reuse: ForStmt = { ...loop, body: [{ ...store, value: mapExpr(store.value, (x) => (exprKey(x) === m.termKey ? stored(loop.var.name) : x)) }] };
  const body = k.body.flatMap((s, i) => (i === m.letAt ? [stash, reread] : i === m.loopAt ? [reuse] : [s]));
  const params = k.params.map((p) => (p.name === store.buffer ? { ...p, access: 'rw' as const } : p));
  return { ...k, params, body };
}

export function reuseRowTermsKernel(k: Kernel): Kernel {
  let out = k;
  for (let i = 0; i < out.body.length; i++) {
    const m = findReuse(out, i);
    if (m) out = rewrite(out, m);
  }
  return out;
}

export function reuseRowTermsProgram(p: Program): Program {
  return mapKernels(p, reuseRowTermsKernel);
}
