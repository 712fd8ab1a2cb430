/** Basic traversals of loop-IR expressions and statements, shared by the passes and the codegens. */
import type { Expr, Kernel, Stmt } from './loop.js';

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

/** `e` with every use of the variable `name` replaced by `by`. */
export function substituteVar(e: Expr, name: string, by: Expr): Expr {
  return mapExpr(e, (x) => (x.kind === 'var' && x.name === name ? by : x));
}

/** Every name a kernel binds: params, grid, loop and reduction variables, lets. */
export function namesIn(kernel: Kernel): Set<string> {
  const used = new Set<string>([...kernel.params.map((p) => p.name), ...kernel.grid.map((v) => v.name)]);
  const visitExpr = (e: Expr): void => {
    if (e.kind === 'reduce') for (const v of e.vars) used.add(v.name);
    children(e).forEach(visitExpr);
  };
  const visit = (stmts: readonly Stmt[]): void => {
    for (const s of stmts) {
      if (s.kind === 'for') {
        used.add(s.var.name);
        visit(s.body);
        continue;
      }
      if (s.kind === 'let') used.add(s.name);
      else visitExpr(s.index);
      visitExpr(s.value);
    }
  };
  visit(kernel.body);
  return used;
}

/** `base`, or `base_N`, whichever is not in `used`; the name is added to `used`. */
export function freshName(used: Set<string>, base: string): string {
  let name = base;
  for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
  used.add(name);
  return name;
}

/** Whether `e` contains a reduction (memoized by identity). */
export function containsReduce(e: Expr, memo = new Map<Expr, boolean>()): boolean {
  let r = memo.get(e);
  if (r === undefined) {
    r = e.kind === 'reduce' || children(e).some((c) => containsReduce(c, memo));
    memo.set(e, r);
  }
  return r;
}

/** Names an expression reads that it does not bind itself (reduction variables are bound). */
export function freeNames(e: Expr, out: Set<string> = new Set(), bound: ReadonlySet<string> = new Set()): Set<string> {
  switch (e.kind) {
    case 'const': return out;
    case 'var':
      if (!bound.has(e.name)) out.add(e.name);
      return out;
    case 'load':
      freeNames(e.index, out, bound);
      if (e.guard) freeNames(e.guard, out, bound);
      return out;
    case 'unary':
    case 'cast': return freeNames(e.x, out, bound);
    case 'binary':
      freeNames(e.a, out, bound);
      return freeNames(e.b, out, bound);
    case 'select':
      freeNames(e.cond, out, bound);
      freeNames(e.a, out, bound);
      return freeNames(e.b, out, bound);
    case 'reduce': {
      const inner = new Set(bound);
      for (const v of e.vars) inner.add(v.name);
      return freeNames(e.body, out, inner);
    }
  }
}
