/** Basic traversals of loop-IR expressions and statements, shared by the passes and the codegens. */
import type { Expr, Stmt } from './loop.js';

/** Rebuilds `e` bottom-up with `f` applied to every node after its children (memoized by identity). */
export function mapExpr(e: Expr, f: (e: Expr) => Expr, memo = new Map<Expr, Expr>()): Expr {
  const done = memo.get(e);
  if (done) return done;
  const rec = (x: Expr) => mapExpr(x, f, memo);
  let out: Expr;
  switch (e.kind) {
    case 'const':
    case 'var': out = e; break;
    case 'load': out = { ...e, index: rec(e.index), ...(e.guard ? { guard: rec(e.guard) } : {}) }; break;
    case 'unary': out = { ...e, x: rec(e.x) }; break;
    case 'cast': out = { ...e, x: rec(e.x) }; break;
    case 'binary': out = { ...e, a: rec(e.a), b: rec(e.b) }; break;
    case 'select': out = { ...e, cond: rec(e.cond), a: rec(e.a), b: rec(e.b) }; break;
    case 'reduce': out = { ...e, body: rec(e.body) }; break;
  }
  const r = f(out);
  memo.set(e, r);
  return r;
}

export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'const':
    case 'var': return [];
    case 'load': return e.guard ? [e.index, e.guard] : [e.index];
    case 'unary':
    case 'cast': return [e.x];
    case 'binary': return [e.a, e.b];
    case 'select': return [e.cond, e.a, e.b];
    case 'reduce': return [e.body];
  }
}

/** Applies `f` to every expression root of the statements, recursing into loops. */
export function mapStmts(stmts: readonly Stmt[], f: (e: Expr) => Expr): Stmt[] {
  return stmts.map((s) => {
    switch (s.kind) {
      case 'let': return { ...s, value: f(s.value) };
      case 'store': return { ...s, index: f(s.index), value: f(s.value) };
      case 'for': return { ...s, body: mapStmts(s.body, f) };
    }
  });
}
