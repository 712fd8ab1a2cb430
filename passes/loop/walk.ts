/** Generic traversal helpers for loop-IR expressions and statements (the basic walkers live in ir/). */
import type { Expr, Kernel, Program } from '../../ir/index.js';
import { children } from '../../ir/loop-walk.js';

export { children, containsReduce, mapExpr, mapStmts } from '../../ir/loop-walk.js';

export function mapKernels(p: Program, f: (k: Kernel) => Kernel): Program {
  return { ...p, kernels: p.kernels.map(f) };
}

/**
 * A structural key: equal keys mean equal expressions, up to the names of reduction variables
 * (alpha-equivalence), so the same reduction lowered twice with fresh variables still matches.
 */
export function exprKey(e: Expr, memo = new Map<Expr, string>(), bound: ReadonlyMap<string, string> = new Map()): string {
  const cacheable = bound.size === 0;
  const done = cacheable ? memo.get(e) : undefined;
  if (done !== undefined) return done;
  const k = (x: Expr) => exprKey(x, memo, bound);
  let key: string;
  switch (e.kind) {
    case 'const': key = `${e.dtype}:${Object.is(e.value, -0) ? '-0' : e.value}`; break;
    case 'var': key = `%${bound.get(e.name) ?? e.name}`; break;
    case 'load': key = `load ${e.buffer}[${k(e.index)}]${e.guard ? ` if ${k(e.guard)} else ${e.other}` : ''}`; break;
    case 'unary': key = `${e.op}(${k(e.x)})`; break;
    case 'cast': key = `cast<${e.dtype}>(${k(e.x)})`; break;
    case 'binary': key = `${e.op}(${k(e.a)},${k(e.b)})`; break;
    case 'select': key = `select(${k(e.cond)},${k(e.a)},${k(e.b)})`; break;
    case 'reduce': {
      const inner = new Map(bound);
      e.vars.forEach((v, i) => inner.set(v.name, `$${bound.size}.${i}`));
      key = `reduce ${e.op}(${e.vars.map((v) => `${inner.get(v.name)}:${v.extent}`).join(',')}) ${e.init} {${exprKey(e.body, memo, inner)}}`;
      break;
    }
  }
  if (cacheable) memo.set(e, key);
  return key;
}


/** A copy of `e` whose reduction variables get fresh names from `fresh`. */
export function renameReduceVars(e: Expr, fresh: () => string, names: ReadonlyMap<string, string> = new Map()): Expr {
  const rec = (x: Expr) => renameReduceVars(x, fresh, names);
  switch (e.kind) {
    case 'const': return e;
    case 'var': return names.has(e.name) ? { ...e, name: names.get(e.name)! } : e;
    case 'load': return { ...e, index: rec(e.index), ...(e.guard ? { guard: rec(e.guard) } : {}) };
    case 'unary':
    case 'cast': return { ...e, x: rec(e.x) };
    case 'binary': return { ...e, a: rec(e.a), b: rec(e.b) };
    case 'select': return { ...e, cond: rec(e.cond), a: rec(e.a), b: rec(e.b) };
    case 'reduce': {
      const inner = new Map(names);
      const vars = e.vars.map((v) => {
        const name = fresh();
        inner.set(v.name, name);
        return { name, extent: v.extent };
      });
      return { ...e, vars, body: renameReduceVars(e.body, fresh, inner) };
    }
  }
}
