/**
 * Loop pass: marks innermost loops for SIMD (vec=4) when they store contiguously: every store
 * index is `invariant + var` (unit stride in the loop variable) and no store writes bool
 * (byte-sized) data. The code generators decide per expression how to fill the lanes.
 */
import type { Expr, Kernel, Program, Stmt } from '../../ir/index.js';
import { children, mapKernels } from './walk.js';

export const VECTOR_WIDTH = 4;

function uses(e: Expr, name: string): boolean {
  return (e.kind === 'var' && e.name === name) || children(e).some((c) => uses(c, name));
}

/** True when `index` is `var`, `var + c` or `c + var` with the rest invariant. */
export function isUnitStride(index: Expr, name: string): boolean {
  if (index.kind === 'var') return index.name === name;
  if (index.kind === 'binary' && index.op === 'add') {
    return (isUnitStride(index.a, name) && !uses(index.b, name)) || (isUnitStride(index.b, name) && !uses(index.a, name));
  }
  if (index.kind === 'binary' && index.op === 'sub') return isUnitStride(index.a, name) && !uses(index.b, name);
  return false;
}

function vectorizable(loop: Extract<Stmt, { kind: 'for' }>, dtypeOf: (buffer: string) => string | undefined): boolean {
  if (loop.var.extent < VECTOR_WIDTH) return false;
  let stores = 0;
  for (const s of loop.body) {
    if (s.kind === 'for') return false;
    if (s.kind === 'store') {
      stores++;
      if (dtypeOf(s.buffer) === 'bool' || !isUnitStride(s.index, loop.var.name)) return false;
    }
  }
  return stores > 0;
}

function visit(stmts: readonly Stmt[], dtypeOf: (b: string) => string | undefined): Stmt[] {
  return stmts.map((s) => {
    if (s.kind !== 'for') return s;
    const body = visit(s.body, dtypeOf);
    const loop = { ...s, body };
    return vectorizable(loop, dtypeOf) ? { ...loop, vec: VECTOR_WIDTH } : loop;
  });
}

export function vectorizeKernel(k: Kernel): Kernel {
  const dtypes = new Map(k.params.map((p) => [p.name, p.dtype]));
  return { ...k, body: visit(k.body, (b) => dtypes.get(b)) };
}

export function vectorizeProgram(p: Program): Program {
  return mapKernels(p, vectorizeKernel);
}
