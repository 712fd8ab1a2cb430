/**
 * Index analysis for the WGSL mappings. Every i32 expression gets an affine form over atoms:
 * index variables (grid, loop, reduce), and opaque subexpressions (loads, div/mod, casts...)
 * that carry the variables and buffer contents they depend on. Lets are resolved when they are
 * defined, so shadowing cannot confuse a later use. On top of that:
 * - loopIsParallel: may the iterations of a `for` run on different threads? Yes when no
 *   iteration touches an element another iteration writes: every access to a buffer the loop
 *   writes has the same nonzero stride c in the loop variable and the same loop-invariant base,
 *   and all their offsets (from constants and inner loop/reduce variables) fit in a window
 *   narrower than |c|.
 * - vectorizeLoop: may a `vec=4` (or 8, 16) loop run as vec4<f32> lanes (loads/stores unit-stride from a
 *   base that is a multiple of 4, f32 math with a vector form)?
 * - statementAccesses: buffers a statement reads and writes (for barriers between statements).
 */
import type { Expr, IndexVar, Stmt } from '../ir/loop.js';
import { printExpr } from '../ir/loop-printer.js';
import { containsReduce } from '../ir/loop-walk.js';
import { VECTOR_BINARY, VECTOR_UNARY } from './ops.js';

export { containsReduce };

export interface Affine {
  /** atom key → coefficient (nonzero). */
  readonly terms: ReadonlyMap<string, number>;
  readonly constant: number;
  /** atom key → what it depends on (variable ids, `mem:<binding>`). */
  readonly deps: ReadonlyMap<string, ReadonlySet<string>>;
}

const EMPTY_SET: ReadonlySet<string> = new Set();
const constantForm = (c: number): Affine => ({ terms: new Map(), constant: c, deps: new Map() });
const atomForm = (key: string, deps: ReadonlySet<string>): Affine => ({ terms: new Map([[key, 1]]), constant: 0, deps: new Map([[key, deps]]) });

function combine(a: Affine, b: Affine, sb: number): Affine {
  const terms = new Map(a.terms);
  const deps = new Map(a.deps);
  for (const [k, c] of b.terms) {
    const v = (terms.get(k) ?? 0) + sb * c;
    if (v === 0) terms.delete(k);
    else terms.set(k, v);
    deps.set(k, b.deps.get(k)!);
  }
  return { terms, constant: a.constant + sb * b.constant, deps };
}

function scale(a: Affine, c: number): Affine {
  if (c === 0) return constantForm(0);
  const terms = new Map([...a.terms].map(([k, v]) => [k, v * c] as [string, number]));
  return { terms, constant: a.constant * c, deps: a.deps };
}

export const isConstantForm = (a: Affine): boolean => a.terms.size === 0;

/** Everything the form depends on. */
export function formDeps(a: Affine): Set<string> {
  const out = new Set<string>();
  for (const k of a.terms.keys()) for (const d of a.deps.get(k) ?? EMPTY_SET) out.add(d);
  return out;
}

/** Names in scope → their forms; index variables get unique ids. */
export class AffineScope {
  private readonly scopes: Map<string, Affine>[] = [new Map()];
  private counter = 0;

  constructor(private readonly bindingOf: (param: string) => string = (p) => p) {}

  push(): void {
    this.scopes.push(new Map());
  }

  pop(): void {
    this.scopes.pop();
  }

  /** Binds an index variable; returns its id (also its atom key). */
  bindIndex(name: string): string {
    const id = `${name}#${this.counter++}`;
    this.scopes[this.scopes.length - 1].set(name, atomForm(id, new Set([id])));
    return id;
  }

  bindLet(name: string, value: Expr): void {
    const form = value.dtype === 'int32' ? this.form(value) : atomForm(`let:${name}#${this.counter++}`, this.deps(value));
    this.scopes[this.scopes.length - 1].set(name, form);
  }

  lookup(name: string): Affine | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const f = this.scopes[i].get(name);
      if (f) return f;
    }
    return undefined;
  }

  /** The affine form of an i32 expression (anything else is one opaque atom). */
  form(e: Expr): Affine {
    if (e.kind === 'const' && e.dtype === 'int32') return constantForm(e.value);
    if (e.kind === 'var') return this.lookup(e.name) ?? atomForm(`free:${e.name}`, new Set([`free:${e.name}`]));
    if (e.kind === 'binary' && e.dtype === 'int32') {
      if (e.op === 'add') return combine(this.form(e.a), this.form(e.b), 1);
      if (e.op === 'sub') return combine(this.form(e.a), this.form(e.b), -1);
      if (e.op === 'mul') {
        const a = this.form(e.a);
        const b = this.form(e.b);
        if (isConstantForm(a)) return scale(b, a.constant);
        if (isConstantForm(b)) return scale(a, b.constant);
      }
    }
    if (e.kind === 'unary' && e.op === 'neg' && e.dtype === 'int32') return scale(this.form(e.x), -1);
    const deps = this.deps(e);
    return atomForm(`${printExpr(e)}|${[...deps].sort().join(',')}`, deps);
  }

  /** Variable ids and buffer contents (`mem:<binding>`) `e` depends on. */
  deps(e: Expr): Set<string> {
    const out = new Set<string>();
    const walk = (x: Expr): void => {
      switch (x.kind) {
        case 'const': return;
        case 'var': {
          const f = this.lookup(x.name);
          if (!f) out.add(`free:${x.name}`);
          else for (const d of formDeps(f)) out.add(d);
          return;
        }
        case 'load':
          out.add(`mem:${this.bindingOf(x.buffer)}`);
          walk(x.index);
          if (x.guard) walk(x.guard);
          return;
        case 'unary': case 'cast': walk(x.x); return;
        case 'binary': walk(x.a); walk(x.b); return;
        case 'select': walk(x.cond); walk(x.a); walk(x.b); return;
        case 'reduce': {
          this.push();
          const ids = x.vars.map((v) => this.bindIndex(v.name));
          const inner = this.deps(x.body);
          this.pop();
          for (const d of inner) if (!ids.includes(d)) out.add(d);
          return;
        }
      }
    };
    walk(e);
    return out;
  }
}

export interface Access {
  readonly binding: string;
  readonly write: boolean;
  readonly form: Affine;
  /** Ranges of the inner (loop/reduce) variable ids in scope at the access. */
  readonly inner: ReadonlyMap<string, number>;
}

/** Collects the loads and stores of `stmts` (in scope `scope`, which it extends and restores). */
export function collectAccesses(stmts: readonly Stmt[], scope: AffineScope, bindingOf: (p: string) => string, inner = new Map<string, number>()): Access[] {
  const out: Access[] = [];
  const exprAccesses = (e: Expr, innerNow: Map<string, number>): void => {
    switch (e.kind) {
      case 'load':
        out.push({ binding: bindingOf(e.buffer), write: false, form: scope.form(e.index), inner: innerNow });
        exprAccesses(e.index, innerNow);
        if (e.guard) exprAccesses(e.guard, innerNow);
        return;
      case 'unary': case 'cast': exprAccesses(e.x, innerNow); return;
      case 'binary': exprAccesses(e.a, innerNow); exprAccesses(e.b, innerNow); return;
      case 'select': exprAccesses(e.cond, innerNow); exprAccesses(e.a, innerNow); exprAccesses(e.b, innerNow); return;
      case 'reduce': {
        scope.push();
        const withVars = new Map(innerNow);
        for (const v of e.vars) withVars.set(scope.bindIndex(v.name), v.extent);
        exprAccesses(e.body, withVars);
        scope.pop();
        return;
      }
      default: return;
    }
  };
  const block = (body: readonly Stmt[], innerNow: Map<string, number>): void => {
    scope.push();
    for (const s of body) {
      if (s.kind === 'let') {
        exprAccesses(s.value, innerNow);
        scope.bindLet(s.name, s.value);
      } else if (s.kind === 'store') {
        exprAccesses(s.index, innerNow);
        exprAccesses(s.value, innerNow);
        out.push({ binding: bindingOf(s.buffer), write: true, form: scope.form(s.index), inner: innerNow });
      } else {
        scope.push();
        const withVar = new Map(innerNow);
        withVar.set(scope.bindIndex(s.var.name), s.var.extent);
        block(s.body, withVar);
        scope.pop();
      }
    }
    scope.pop();
  };
  block(stmts, inner);
  return out;
}

/** Buffers a statement reads and writes (binding names). */
export function statementAccesses(s: Stmt, bindingOf: (p: string) => string): { reads: Set<string>; writes: Set<string> } {
  const reads = new Set<string>();
  const writes = new Set<string>();
  const expr = (e: Expr): void => {
    switch (e.kind) {
      case 'load': reads.add(bindingOf(e.buffer)); expr(e.index); if (e.guard) expr(e.guard); return;
      case 'unary': case 'cast': expr(e.x); return;
      case 'binary': expr(e.a); expr(e.b); return;
      case 'select': expr(e.cond); expr(e.a); expr(e.b); return;
      case 'reduce': expr(e.body); return;
      default: return;
    }
  };
  const stmt = (x: Stmt): void => {
    if (x.kind === 'let') expr(x.value);
    else if (x.kind === 'store') { writes.add(bindingOf(x.buffer)); expr(x.index); expr(x.value); }
    else x.body.forEach(stmt);
  };
  stmt(s);
  return { reads, writes };
}

function sameUniformPart(a: Affine, b: Affine, skip: (key: string) => boolean): boolean {
  const filtered = (f: Affine): [string, number][] => [...f.terms].filter(([k]) => !skip(k)).sort(([x], [y]) => (x < y ? -1 : 1));
  return JSON.stringify(filtered(a)) === JSON.stringify(filtered(b));
}

/**
 * Whether the iterations of `loop` (a statement at the point where `scope` describes the
 * enclosing names) touch disjoint elements of every buffer they write; see the file comment.
 */
export function loopIsParallel(loop: Extract<Stmt, { kind: 'for' }>, scope: AffineScope, bindingOf: (p: string) => string): boolean {
  scope.push();
  const id = scope.bindIndex(loop.var.name);
  const accesses = collectAccesses(loop.body, scope, bindingOf);
  scope.pop();
  const written = new Set(accesses.filter((a) => a.write).map((a) => a.binding));
  const varying = (deps: ReadonlySet<string>, inner: ReadonlyMap<string, number>): boolean =>
    [...deps].some((d) => d === id || inner.has(d) || (d.startsWith('mem:') && written.has(d.slice(4))));
  for (const binding of written) {
    const mine = accesses.filter((a) => a.binding === binding);
    let stride: number | undefined;
    let lo = Infinity;
    let hi = -Infinity;
    for (const a of mine) {
      let offLo = a.form.constant;
      let offHi = a.form.constant;
      for (const [key, c] of a.form.terms) {
        if (key === id) continue;
        const extent = a.inner.get(key);
        if (extent !== undefined) {
          offLo += Math.min(0, c * (extent - 1));
          offHi += Math.max(0, c * (extent - 1));
        } else if (varying(a.form.deps.get(key) ?? EMPTY_SET, a.inner)) {
          return false; // an opaque part that changes between iterations
        }
      }
      const c = a.form.terms.get(id) ?? 0;
      if (c === 0 || (stride !== undefined && c !== stride)) return false;
      if (!sameUniformPart(a.form, mine[0].form, (k) => k === id || a.inner.has(k) || mine[0].inner.has(k))) return false;
      stride = c;
      lo = Math.min(lo, offLo);
      hi = Math.max(hi, offHi);
    }
    if (stride === undefined || hi - lo >= Math.abs(stride)) return false;
  }
  return true;
}

/** A load or store index of the form base + var with base ≡ 0 (mod 4) whatever the other atoms. */
export function isAlignedUnitStride(form: Affine, varId: string, uniform: (deps: ReadonlySet<string>) => boolean): boolean {
  if (form.terms.get(varId) !== 1 || form.constant % 4 !== 0) return false;
  for (const [key, c] of form.terms) {
    if (key === varId) continue;
    if (c % 4 !== 0 || !uniform(form.deps.get(key) ?? EMPTY_SET)) return false;
  }
  return true;
}

export interface VectorPlan {
  /** Buffers (bindings) accessed with aligned vec4 loads or stores in the loop. */
  readonly vectorAccesses: ReadonlySet<string>;
}

/**
 * Whether a parallel `for` with vec=4 (or 8, 16) can run in vec4<f32> lanes: its extent is a
 * multiple of 4, it has no nested loops or reductions, every load/store that depends on the loop
 * variable is an aligned unit-stride f32 access, and everything that varies is f32/bool math with
 * a vector form. Returns the buffers it accesses as vectors, or undefined.
 */
export function vectorizeLoop(
  loop: Extract<Stmt, { kind: 'for' }>,
  scope: AffineScope,
  bindingOf: (p: string) => string,
  dtypeOf: (p: string) => string,
): VectorPlan | undefined {
  if (loop.vec < 4 || loop.vec % 4 !== 0 || loop.var.extent % 4 !== 0 || loop.var.extent === 0) return undefined;
  scope.push();
  const id = scope.bindIndex(loop.var.name);
  const vectorAccesses = new Set<string>();
  const varyingNames = new Set<string>();
  const isVarying = (e: Expr): boolean => scope.deps(e).has(id) || referencesVarying(e);
  const referencesVarying = (e: Expr): boolean => {
    switch (e.kind) {
      case 'var': return varyingNames.has(e.name);
      case 'load': return referencesVarying(e.index) || (e.guard ? referencesVarying(e.guard) : false);
      case 'unary': case 'cast': return referencesVarying(e.x);
      case 'binary': return referencesVarying(e.a) || referencesVarying(e.b);
      case 'select': return referencesVarying(e.cond) || referencesVarying(e.a) || referencesVarying(e.b);
      default: return false;
    }
  };
  const uniform = (deps: ReadonlySet<string>): boolean => !deps.has(id);
  const alignedIndex = (index: Expr, buffer: string): boolean => {
    if (dtypeOf(buffer) !== 'float32' || referencesVarying(index)) return false;
    if (!isAlignedUnitStride(scope.form(index), id, uniform)) return false;
    vectorAccesses.add(bindingOf(buffer));
    return true;
  };
  /** Can `e` be computed (as lanes when it varies)? */
  const ok = (e: Expr): boolean => {
    if (!isVarying(e)) return !containsReduce(e);
    switch (e.kind) {
      case 'const': return true;
      case 'var': return e.dtype === 'float32' || e.dtype === 'bool' ? varyingNames.has(e.name) : false;
      case 'load': return alignedIndex(e.index, e.buffer) && (e.guard === undefined || ok(e.guard));
      case 'unary':
        return VECTOR_UNARY.has(e.op) && (e.dtype === 'float32' || (e.op === 'not' && e.dtype === 'bool')) && ok(e.x);
      case 'binary': {
        const operand = e.a.dtype;
        const fine = operand === 'float32' || (operand === 'bool' && ['and', 'or', 'eq', 'ne'].includes(e.op));
        return fine && VECTOR_BINARY.has(e.op) && ok(e.a) && ok(e.b);
      }
      case 'select': return e.dtype === 'float32' && ok(e.cond) && ok(e.a) && ok(e.b);
      default: return false;
    }
  };
  let fine = true;
  for (const s of loop.body) {
    if (s.kind === 'for') { fine = false; break; }
    if (s.kind === 'let') {
      if (!ok(s.value)) { fine = false; break; }
      if (isVarying(s.value)) {
        if (s.value.dtype !== 'float32' && s.value.dtype !== 'bool') { fine = false; break; }
        varyingNames.add(s.name);
      } else {
        varyingNames.delete(s.name);
      }
      scope.bindLet(s.name, s.value);
    } else {
      if (!alignedIndex(s.index, s.buffer) || !ok(s.value)) { fine = false; break; }
    }
  }
  scope.pop();
  return fine ? { vectorAccesses } : undefined;
}


/** The outermost reduce nodes inside `e` (not inside another reduce). */
export function outermostReduces(e: Expr, out: Extract<Expr, { kind: 'reduce' }>[] = []): Extract<Expr, { kind: 'reduce' }>[] {
  switch (e.kind) {
    case 'reduce': out.push(e); break;
    case 'load': outermostReduces(e.index, out); if (e.guard) outermostReduces(e.guard, out); break;
    case 'unary': case 'cast': outermostReduces(e.x, out); break;
    case 'binary': outermostReduces(e.a, out); outermostReduces(e.b, out); break;
    case 'select': outermostReduces(e.cond, out); outermostReduces(e.a, out); outermostReduces(e.b, out); break;
    default: break;
  }
  return out;
}

export const pointsOf = (vars: readonly IndexVar[]): number => vars.reduce((n, v) => n * v.extent, 1);
