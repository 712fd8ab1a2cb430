/**
 * Loop pass: loop-invariant code motion and common subexpressions. Every non-trivial
 * subexpression is placed at the outermost block where all its variables are defined: work
 * that does not depend on a loop's variable (or a reduction's variables) moves in front of
 * that loop as a `let`, and identical hoisted expressions share one `let`. Reductions are
 * always named, so a row statistic (softmax's max, layerNorm's mean) is computed once per row
 * and reused. Expressions that depend on a reduction's own variables stay inside it.
 */
import type { Expr, Kernel, Program, Stmt } from '../../ir/index.js';
import { scalarVar } from './build.js';
import { children, exprKey, mapKernels } from './walk.js';

/** Marks variables bound inside a reduce body: nothing using them can leave the reduce. */
const IN_REDUCE = Number.POSITIVE_INFINITY;

interface Block {
  level: number;
  /** Statements emitted so far in this block (lets are appended before the statement being built). */
  out: Stmt[];
  /** Structural key → let name, for expressions hoisted into this block. */
  named: Map<string, string>;
}

class Hoister {
  private readonly levelOf = new Map<string, number>();
  private readonly blocks: Block[] = [];
  private counter = 0;
  private readonly used: Set<string>;
  /** How many parents each expression object has: shared objects get named. */
  private readonly parents = new Map<Expr, number>();

  constructor(k: Kernel) {
    this.used = new Set(collectNames(k));
    k.grid.forEach((g) => this.levelOf.set(g.name, 0));
  }

  private freshName(): string {
    let n: string;
    do n = `h${this.counter++}`; while (this.used.has(n));
    this.used.add(n);
    return n;
  }

  countParents(stmts: readonly Stmt[]): void {
    const seen = new Set<Expr>();
    const visit = (e: Expr): void => {
      for (const c of children(e)) {
        this.parents.set(c, (this.parents.get(c) ?? 0) + 1);
        if (!seen.has(c)) {
          seen.add(c);
          visit(c);
        }
      }
    };
    for (const s of stmts) {
      if (s.kind === 'for') this.countParents(s.body);
      else for (const e of s.kind === 'let' ? [s.value] : [s.index, s.value]) {
        this.parents.set(e, (this.parents.get(e) ?? 0) + 1);
        if (!seen.has(e)) {
          seen.add(e);
          visit(e);
        }
      }
    }
  }

  run(body: readonly Stmt[]): Stmt[] {
    return this.block(body, 0);
  }

  private block(stmts: readonly Stmt[], level: number): Stmt[] {
    const block: Block = { level, out: [], named: new Map() };
    this.blocks.push(block);
    for (const s of stmts) {
      switch (s.kind) {
        case 'let': {
          block.out.push({ ...s, value: this.visit(s.value, level).expr });
          this.levelOf.set(s.name, level);
          break;
        }
        case 'store': {
          const index = this.root(s.index, level);
          const value = this.root(s.value, level);
          block.out.push({ ...s, index, value });
          break;
        }
        case 'for': {
          // Nothing in an empty loop runs: hoisting would make it run (and maybe read out of bounds).
          if (s.var.extent === 0) {
            block.out.push(s);
            break;
          }
          this.levelOf.set(s.var.name, level + 1);
          const body = this.block(s.body, level + 1);
          block.out.push({ ...s, body });
          break;
        }
      }
    }
    this.blocks.pop();
    return block.out;
  }

  /**
   * Rewrites `e` evaluated in a block at `ctx` level and returns it with the level it depends
   * on. Naming is decided by the parent: a child is bound to a `let` when it is invariant where
   * the parent is not (only the largest invariant subtrees move), when it is shared, or when it
   * is a reduction. Reduce bodies are visited at IN_REDUCE with their vars bound there.
   */
  private visit(e: Expr, ctx: number): { expr: Expr; level: number } {
    if (e.kind === 'const') return { expr: e, level: 0 };
    if (e.kind === 'var') return { expr: e, level: this.levelOf.get(e.name) ?? 0 };
    const kids: { expr: Expr; level: number; node: Expr }[] = [];
    const sub = (x: Expr, c = ctx) => {
      const r = this.visit(x, c);
      kids.push({ ...r, node: x });
      return r;
    };
    let level = 0;
    let rebuild: (place: (k: { expr: Expr; level: number; node: Expr }, c: number) => Expr) => Expr;
    if (e.kind === 'reduce') {
      e.vars.forEach((v) => this.levelOf.set(v.name, IN_REDUCE));
      if (e.vars.some((v) => v.extent === 0)) return { expr: e, level: Math.max(0, ...freeLevels(e, new Set(), this.levelOf)) };
      sub(e.body, IN_REDUCE);
      // The reduce as a whole depends on what its body uses, minus its own variables.
      level = Math.max(0, ...freeLevels(e, new Set(), this.levelOf));
      rebuild = (place) => ({ ...e, body: place(kids[0], IN_REDUCE) });
    } else {
      children(e).forEach((c) => sub(c));
      level = Math.max(0, ...kids.map((k) => k.level));
      rebuild = (place) => withChildren(e, kids.map((k) => place(k, ctx)));
    }
    const invariantHere = level < ctx;
    const place = (k: { expr: Expr; level: number; node: Expr }, c: number): Expr => {
      if (k.level === IN_REDUCE || k.expr.kind === 'const' || k.expr.kind === 'var') return k.expr;
      const hoistable = k.level < c && !(invariantHere && c === ctx);
      const shared = (this.parents.get(k.node) ?? 0) > 1 && !isCheapIndex(k.expr);
      return hoistable || shared || k.expr.kind === 'reduce' ? this.name(k.expr, k.level) : k.expr;
    };
    return { expr: rebuild(place), level };
  }

  /** Names a statement-level expression when it is invariant in the current block or a reduction. */
  private root(e: Expr, ctx: number): Expr {
    const r = this.visit(e, ctx);
    if (r.level === IN_REDUCE || r.expr.kind === 'const' || r.expr.kind === 'var') return r.expr;
    return r.level < ctx || r.expr.kind === 'reduce' ? this.name(r.expr, r.level) : r.expr;
  }

  /** Binds `e` to a let in the innermost open block at `level` (reusing an equal one) and returns the variable. */
  private name(e: Expr, level: number): Expr {
    const target = [...this.blocks].reverse().find((b) => b.level <= level) ?? this.blocks[0];
    const key = exprKey(e);
    for (const b of this.blocks) {
      const hit = b.level <= target.level ? b.named.get(key) : undefined;
      if (hit) return scalarVar(hit, e.dtype);
    }
    const name = this.freshName();
    target.out.push({ kind: 'let', name, value: e });
    target.named.set(key, name);
    this.levelOf.set(name, target.level);
    return scalarVar(name, e.dtype);
  }
}

function withChildren(e: Expr, c: Expr[]): Expr {
  switch (e.kind) {
    case 'load': return { ...e, index: c[0], ...(e.guard ? { guard: c[1] } : {}) };
    case 'unary':
    case 'cast': return { ...e, x: c[0] };
    case 'binary': return { ...e, a: c[0], b: c[1] };
    case 'select': return { ...e, cond: c[0], a: c[1], b: c[2] };
    default: return e;
  }
}

/** Cheap index arithmetic on loop variables is not worth a let of its own when shared. */
function isCheapIndex(e: Expr): boolean {
  return e.dtype === 'int32' && e.kind === 'binary' && ['add', 'sub', 'mul'].includes(e.op) && children(e).every((c) => c.kind === 'var' || c.kind === 'const');
}

/** Levels of the free variables of `e`, ignoring `bound` names. */
function freeLevels(e: Expr, bound: Set<string>, levelOf: Map<string, number>): number[] {
  const out: number[] = [];
  const seen = new Set<Expr>();
  const visit = (x: Expr): void => {
    if (seen.has(x)) return;
    seen.add(x);
    if (x.kind === 'var' && !bound.has(x.name)) {
      const l = levelOf.get(x.name) ?? 0;
      // A variable of an enclosing reduce keeps this reduce inside it.
      out.push(l);
    }
    if (x.kind === 'reduce') {
      const inner = new Set([...bound, ...x.vars.map((v) => v.name)]);
      out.push(...freeLevels(x.body, inner, levelOf));
      return;
    }
    children(x).forEach(visit);
  };
  visit(e);
  return out;
}

function collectNames(k: Kernel): string[] {
  const names: string[] = k.grid.map((g) => g.name);
  const visit = (stmts: readonly Stmt[]) => {
    for (const s of stmts) {
      if (s.kind === 'let') names.push(s.name);
      if (s.kind === 'for') {
        names.push(s.var.name);
        visit(s.body);
      }
    }
  };
  visit(k.body);
  return names;
}

export function hoistKernel(k: Kernel): Kernel {
  const h = new Hoister(k);
  h.countParents(k.body);
  return { ...k, body: h.run(k.body) };
}

export function hoistProgram(p: Program): Program {
  return mapKernels(p, hoistKernel);
}
