/**
 * Loop pass: index simplification. Integer expressions are rewritten through linear forms
 * (sum of coefficient × atom + constant) with value ranges from the loop extents, so
 * `(i*S + j) / S` becomes `i` and `(i*S + j) % S` becomes `j` when 0 <= j < S; comparisons and
 * min/max that ranges decide fold to one side; selects on constant conditions pick a branch.
 * Floating-point expressions are never reassociated.
 */
import type { Expr, Kernel, Program, Stmt } from '../../ir/index.js';
import { binary, constant, int } from './build.js';
import { exprKey, mapExpr, mapKernels } from './walk.js';

type Range = readonly [number, number];
const FULL: Range = [-Infinity, Infinity];

interface Term {
  atom: Expr;
  coef: number;
}

interface Linear {
  terms: Map<string, Term>;
  c: number;
}

const isI32 = (e: Expr) => e.dtype === 'int32';
const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

class Simplifier {
  private readonly ranges = new Map<string, Range>();

  bind(name: string, r: Range): void {
    this.ranges.set(name, r);
  }

  range(e: Expr): Range {
    switch (e.kind) {
      case 'const': return [e.value, e.value];
      case 'var': return this.ranges.get(e.name) ?? FULL;
      case 'binary': {
        if (!isI32(e)) return FULL;
        const [a0, a1] = this.range(e.a);
        const [b0, b1] = this.range(e.b);
        let r: Range = FULL;
        switch (e.op) {
          case 'add': r = [a0 + b0, a1 + b1]; break;
          case 'sub': r = [a0 - b1, a1 - b0]; break;
          case 'mul': {
            const p = [a0 * b0, a0 * b1, a1 * b0, a1 * b1].map((x) => (Number.isNaN(x) ? 0 : x));
            r = [Math.min(...p), Math.max(...p)];
            break;
          }
          case 'div': r = b0 === b1 && b0 > 0 && a0 >= 0 ? [Math.floor(a0 / b0), Math.floor(a1 / b0)] : FULL; break;
          case 'mod': r = b0 === b1 && b0 > 0 ? (a0 >= 0 && a1 < b0 ? [a0, a1] : [0, b0 - 1]) : FULL; break;
          case 'min': r = [Math.min(a0, b0), Math.min(a1, b1)]; break;
          case 'max': r = [Math.max(a0, b0), Math.max(a1, b1)]; break;
        }
        // Out of int32 range the arithmetic would wrap: no claim.
        return r[0] >= I32_MIN && r[1] <= I32_MAX ? r : FULL;
      }
      case 'select': {
        const [a0, a1] = this.range(e.a);
        const [b0, b1] = this.range(e.b);
        return [Math.min(a0, b0), Math.max(a1, b1)];
      }
      case 'reduce': return e.op === 'argmax' || e.op === 'argmin' ? [0, e.vars.reduce((n, v) => n * v.extent, 1) - 1] : FULL;
      default: return FULL;
    }
  }

  private linear(e: Expr): Linear {
    if (e.kind === 'const') return { terms: new Map(), c: e.value };
    if (e.kind === 'binary' && isI32(e)) {
      if (e.op === 'add' || e.op === 'sub') {
        const a = this.linear(e.a);
        const b = this.linear(e.b);
        const sign = e.op === 'add' ? 1 : -1;
        for (const [k, t] of b.terms) {
          const cur = a.terms.get(k);
          a.terms.set(k, { atom: t.atom, coef: (cur?.coef ?? 0) + sign * t.coef });
        }
        return { terms: a.terms, c: a.c + sign * b.c };
      }
      if (e.op === 'mul' && (e.a.kind === 'const' || e.b.kind === 'const')) {
        const [k, x] = e.a.kind === 'const' ? [e.a.value, e.b] : [(e.b as { value: number }).value, e.a];
        const l = this.linear(x);
        for (const t of l.terms.values()) t.coef *= k;
        return { terms: l.terms, c: l.c * k };
      }
    }
    return { terms: new Map([[exprKey(e), { atom: e, coef: 1 }]]), c: 0 };
  }

  private fromLinear(l: Linear): Expr {
    let out: Expr | undefined;
    for (const { atom, coef } of l.terms.values()) {
      if (coef === 0) continue;
      const term = coef === 1 ? atom : coef === -1 && out ? atom : binary('mul', atom, int(coef));
      out = !out ? term : coef === -1 ? binary('sub', out, term) : binary('add', out, term);
    }
    if (!out) return int(l.c);
    if (l.c > 0) return binary('add', out, int(l.c));
    if (l.c < 0) return binary('sub', out, int(-l.c));
    return out;
  }

  private linearRange(l: Linear): Range {
    let lo = l.c;
    let hi = l.c;
    for (const { atom, coef } of l.terms.values()) {
      const [a, b] = this.range(atom);
      lo += Math.min(a * coef, b * coef);
      hi += Math.max(a * coef, b * coef);
    }
    return [lo, hi];
  }

  /** Splits a non-negative linear form by divisor d into (quotient, remainder) when exact. */
  private divmod(l: Linear, d: number): { q: Linear; r: Linear } | undefined {
    const q: Linear = { terms: new Map(), c: 0 };
    const r: Linear = { terms: new Map(), c: 0 };
    for (const [k, t] of l.terms) {
      if (t.coef % d === 0) q.terms.set(k, { atom: t.atom, coef: t.coef / d });
      else r.terms.set(k, { ...t });
    }
    q.c = Math.floor(l.c / d);
    r.c = l.c - q.c * d;
    const [lo, hi] = this.linearRange(r);
    const [qlo] = this.linearRange(q);
    if (lo >= 0 && hi < d && qlo >= 0) return { q, r };
    return undefined;
  }

  simplify(e: Expr): Expr {
    return mapExpr(e, (x) => this.rewrite(x));
  }

  private rewrite(e: Expr): Expr {
    if (e.kind === 'select' && e.cond.kind === 'const') return e.cond.value ? e.a : e.b;
    if (e.kind !== 'binary') return e;
    const { a, b } = e;
    if (e.op === 'and' || e.op === 'or') {
      const isTrue = (x: Expr) => x.kind === 'const' && x.value === 1;
      const isFalse = (x: Expr) => x.kind === 'const' && x.value === 0;
      if (e.op === 'and') return isTrue(a) ? b : isTrue(b) ? a : isFalse(a) || isFalse(b) ? constant(0, 'bool') : e;
      return isFalse(a) ? b : isFalse(b) ? a : isTrue(a) || isTrue(b) ? constant(1, 'bool') : e;
    }
    if (!isI32(a) || !isI32(b)) return e;
    const [a0, a1] = this.range(a);
    const [b0, b1] = this.range(b);
    switch (e.op) {
      case 'lt': return a1 < b0 ? constant(1, 'bool') : a0 >= b1 ? constant(0, 'bool') : e;
      case 'le': return a1 <= b0 ? constant(1, 'bool') : a0 > b1 ? constant(0, 'bool') : e;
      case 'gt': return a0 > b1 ? constant(1, 'bool') : a1 <= b0 ? constant(0, 'bool') : e;
      case 'ge': return a0 >= b1 ? constant(1, 'bool') : a1 < b0 ? constant(0, 'bool') : e;
      case 'min': return a1 <= b0 ? a : b1 <= a0 ? b : e;
      case 'max': return a0 >= b1 ? a : b0 >= a1 ? b : e;
      case 'add':
      case 'sub':
      case 'mul': {
        const [lo, hi] = this.range(e);
        if (lo === hi && Number.isFinite(lo)) return int(lo);
        return this.fromLinear(this.linear(e));
      }
      case 'div':
      case 'mod': {
        if (b.kind !== 'const' || b.value <= 0) return e;
        const d = b.value;
        if (d === 1) return e.op === 'div' ? a : int(0);
        const split = this.divmod(this.linear(a), d);
        if (!split) return e;
        return e.op === 'div' ? this.fromLinear(split.q) : this.fromLinear(split.r);
      }
      default: return e;
    }
  }
}

function simplifyStmts(stmts: readonly Stmt[], s: Simplifier): Stmt[] {
  return stmts.map((st) => {
    switch (st.kind) {
      case 'let': {
        const value = s.simplify(st.value);
        if (value.dtype === 'int32') s.bind(st.name, s.range(value));
        return { ...st, value };
      }
      case 'store': return { ...st, index: s.simplify(st.index), value: s.simplify(st.value) };
      case 'for':
        s.bind(st.var.name, [0, st.var.extent - 1]);
        return { ...st, body: simplifyStmts(st.body, s) };
    }
  });
}

/** Binds reduce vars before their bodies are simplified. */
function withReduceRanges(stmts: readonly Stmt[], s: Simplifier): void {
  const visit = (e: Expr): void => {
    if (e.kind === 'reduce') e.vars.forEach((v) => s.bind(v.name, [0, v.extent - 1]));
    switch (e.kind) {
      case 'load': visit(e.index); if (e.guard) visit(e.guard); break;
      case 'unary': case 'cast': visit(e.x); break;
      case 'binary': visit(e.a); visit(e.b); break;
      case 'select': visit(e.cond); visit(e.a); visit(e.b); break;
      case 'reduce': visit(e.body); break;
    }
  };
  for (const st of stmts) {
    if (st.kind === 'let') visit(st.value);
    else if (st.kind === 'store') { visit(st.index); visit(st.value); }
    else withReduceRanges(st.body, s);
  }
}

export function simplifyKernel(k: Kernel): Kernel {
  const s = new Simplifier();
  k.grid.forEach((g) => s.bind(g.name, [0, g.extent - 1]));
  withReduceRanges(k.body, s);
  return { ...k, body: simplifyStmts(k.body, s) };
}

export function simplifyProgram(p: Program): Program {
  return mapKernels(p, simplifyKernel);
}
