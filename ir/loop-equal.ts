/**
 * Structural equality of loop IR values. Numbers compare with Object.is where the dtype is f32
 * (NaN equals NaN, -0 differs from 0) and with === otherwise. Each *Diff returns undefined when
 * equal, else a short description of the first difference with its path.
 */
import type { DType } from './dtype.js';
import type { BufferDecl, Expr, IndexVar, Kernel, Program, Stmt } from './loop.js';
import { printExpr } from './loop-printer.js';

const sameNumber = (a: number | undefined, b: number | undefined, dtype: DType): boolean =>
  dtype === 'float32' ? Object.is(a, b) : a === b;

const show = (x: unknown): string => (typeof x === 'number' && Object.is(x, -0) ? '-0' : String(x));

function differ(path: string, what: string, a: unknown, b: unknown): string {
  return `${path}: ${what} ${show(a)} vs ${show(b)}`;
}

function listDiff<T>(path: string, what: string, a: readonly T[], b: readonly T[], itemDiff: (x: T, y: T, path: string) => string | undefined): string | undefined {
  if (a.length !== b.length) return differ(path, `${what} counts differ:`, a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    const d = itemDiff(a[i], b[i], `${path}${what}[${i}]`);
    if (d) return d;
  }
  return undefined;
}

function varDiff(a: IndexVar, b: IndexVar, path: string): string | undefined {
  if (a.name !== b.name) return differ(path, 'names', a.name, b.name);
  if (a.extent !== b.extent) return differ(path, `extents of %${a.name}`, a.extent, b.extent);
  return undefined;
}

/** The node's own fields (not its operands) are equal; kinds and dtypes already are. */
function sameNode(a: Expr, b: Expr): boolean {
  switch (a.kind) {
    case 'const': return sameNumber(a.value, (b as typeof a).value, a.dtype);
    case 'var': return a.name === (b as typeof a).name;
    case 'load': {
      const y = b as typeof a;
      return a.buffer === y.buffer && (a.guard === undefined) === (y.guard === undefined) && sameNumber(a.other, y.other, a.dtype);
    }
    case 'unary':
    case 'binary': return a.op === (b as typeof a).op;
    case 'reduce': {
      const y = b as typeof a;
      return a.op === y.op && sameNumber(a.init, y.init, a.dtype) && a.vars.length === y.vars.length
        && a.vars.every((v, i) => v.name === y.vars[i].name && v.extent === y.vars[i].extent);
    }
    case 'cast':
    case 'select': return true;
  }
}

function operands(e: Expr): [string, Expr][] {
  switch (e.kind) {
    case 'const':
    case 'var': return [];
    case 'load': return e.guard ? [['index', e.index], ['guard', e.guard]] : [['index', e.index]];
    case 'unary':
    case 'cast': return [['x', e.x]];
    case 'binary': return [['a', e.a], ['b', e.b]];
    case 'select': return [['cond', e.cond], ['a', e.a], ['b', e.b]];
    case 'reduce': return [['body', e.body]];
  }
}

export function exprDiff(a: Expr, b: Expr, path = 'expr'): string | undefined {
  if (a.kind !== b.kind || a.dtype !== b.dtype || !sameNode(a, b)) {
    return `${path}: ${printExpr(a)} (${a.kind}, ${a.dtype}) vs ${printExpr(b)} (${b.kind}, ${b.dtype})`;
  }
  const ys = operands(b);
  for (const [i, [field, x]] of operands(a).entries()) {
    const d = exprDiff(x, ys[i][1], `${path}.${field}`);
    if (d) return d;
  }
  return undefined;
}

function stmtDiff(a: Stmt, b: Stmt, path: string): string | undefined {
  if (a.kind !== b.kind) return differ(path, 'statement kinds', a.kind, b.kind);
  switch (a.kind) {
    case 'let': {
      const y = b as typeof a;
      return a.name !== y.name ? differ(path, 'let names', a.name, y.name) : exprDiff(a.value, y.value, `${path}.value`);
    }
    case 'store': {
      const y = b as typeof a;
      if (a.buffer !== y.buffer) return differ(path, 'store buffers', a.buffer, y.buffer);
      return exprDiff(a.index, y.index, `${path}.index`) ?? exprDiff(a.value, y.value, `${path}.value`);
    }
    case 'for': {
      const y = b as typeof a;
      if (a.vec !== y.vec) return differ(path, 'vec widths', a.vec, y.vec);
      return varDiff(a.var, y.var, path) ?? listDiff(`${path}.`, 'body', a.body, y.body, stmtDiff);
    }
  }
}

export function kernelDiff(a: Kernel, b: Kernel, path = 'kernel'): string | undefined {
  const here = `${path} @${a.name}`;
  if (a.name !== b.name) return differ(path, 'kernel names', a.name, b.name);
  const params = listDiff(`${here}.`, 'params', a.params, b.params, (x, y, p) =>
    x.name !== y.name || x.dtype !== y.dtype || x.size !== y.size || x.access !== y.access
      ? `${p}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`
      : undefined);
  return params ?? listDiff(`${here}.`, 'grid', a.grid, b.grid, varDiff) ?? listDiff(`${here}.`, 'body', a.body, b.body, stmtDiff);
}

function bufferDiff(a: BufferDecl, b: BufferDecl, path: string): string | undefined {
  const here = `${path} (%${a.name})`;
  if (a.name !== b.name || a.dtype !== b.dtype || a.size !== b.size || a.role !== b.role || a.offset !== b.offset) {
    const head = (x: BufferDecl) => JSON.stringify({ name: x.name, dtype: x.dtype, size: x.size, role: x.role, offset: x.offset });
    return `${here}: ${head(a)} vs ${head(b)}`;
  }
  if ((a.data === undefined) !== (b.data === undefined)) return `${here}: only one has data`;
  if (a.data && b.data) {
    if (a.data.length !== b.data.length) return differ(here, 'data lengths', a.data.length, b.data.length);
    const i = a.data.findIndex((x, j) => !sameNumber(x, b.data![j], a.dtype));
    if (i >= 0) return differ(here, `data[${i}]`, a.data[i], b.data[i]);
  }
  return undefined;
}

const namesDiff = (what: string, a: readonly string[], b: readonly string[]): string | undefined =>
  a.length === b.length && a.every((x, i) => x === b[i]) ? undefined : `${what} differ: [${a.join(', ')}] vs [${b.join(', ')}]`;

export function programDiff(a: Program, b: Program): string | undefined {
  if (a.name !== b.name) return differ('program', 'names', a.name, b.name);
  if (a.arenaBytes !== b.arenaBytes) return differ('program', 'arena sizes', a.arenaBytes, b.arenaBytes);
  return listDiff('', 'buffers', a.buffers, b.buffers, bufferDiff)
    ?? namesDiff('inputs', a.inputs, b.inputs)
    ?? namesDiff('outputs', a.outputs, b.outputs)
    ?? listDiff('', 'kernels', a.kernels, b.kernels, kernelDiff)
    ?? listDiff('', 'launches', a.launches, b.launches, (x, y, p) =>
      x.kernel !== y.kernel ? differ(p, 'kernels', x.kernel, y.kernel) : namesDiff(`${p} args`, x.args, y.args));
}

export function programsEqual(a: Program, b: Program): boolean {
  return programDiff(a, b) === undefined;
}

export function kernelsEqual(a: Kernel, b: Kernel): boolean {
  return kernelDiff(a, b) === undefined;
}

export function exprsEqual(a: Expr, b: Expr): boolean {
  return exprDiff(a, b) === undefined;
}
