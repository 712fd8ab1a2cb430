/** Small constructors for hand-built loop-IR programs in the WebGPU codegen tests. */
import type { DType } from '../../ir/dtype.js';
import { type Access, type BinaryOp, type BufferRole, COMPARE_OPS, type Expr, type Kernel, type Program, type ReduceOp, type Stmt, type UnaryOp } from '../../ir/loop.js';

export const f32 = (value: number): Expr => ({ kind: 'const', dtype: 'float32', value });
export const i32 = (value: number): Expr => ({ kind: 'const', dtype: 'int32', value });
export const constOf = (dtype: DType, value: number): Expr => ({ kind: 'const', dtype, value });
export const v = (name: string, dtype: DType = 'int32'): Expr => ({ kind: 'var', dtype, name });

export function load(buffer: string, dtype: DType, index: Expr, guard?: Expr, other?: number): Expr {
  return guard ? { kind: 'load', dtype, buffer, index, guard, other: other ?? 0 } : { kind: 'load', dtype, buffer, index };
}
export const unary = (op: UnaryOp, x: Expr): Expr => ({ kind: 'unary', dtype: x.dtype, op, x });
export const cast = (x: Expr, dtype: DType): Expr => ({ kind: 'cast', dtype, x });
export function binary(op: BinaryOp, a: Expr, b: Expr): Expr {
  return { kind: 'binary', dtype: COMPARE_OPS.includes(op) ? 'bool' : a.dtype, op, a, b };
}
export const add = (a: Expr, b: Expr): Expr => binary('add', a, b);
export const mul = (a: Expr, b: Expr): Expr => binary('mul', a, b);
export const select = (cond: Expr, a: Expr, b: Expr): Expr => ({ kind: 'select', dtype: a.dtype, cond, a, b });
export function reduce(op: ReduceOp, vars: readonly [string, number][], init: number, body: Expr): Expr {
  const dtype: DType = op === 'argmax' || op === 'argmin' ? 'int32' : body.dtype;
  return { kind: 'reduce', dtype, op, vars: vars.map(([name, extent]) => ({ name, extent })), init, body };
}

export const store = (buffer: string, index: Expr, value: Expr): Stmt => ({ kind: 'store', buffer, index, value });
export const let_ = (name: string, value: Expr): Stmt => ({ kind: 'let', name, value });
export const loop = (name: string, extent: number, body: readonly Stmt[], vec = 1): Stmt => ({ kind: 'for', var: { name, extent }, vec, body });

export type BufferSpec = readonly [name: string, dtype: DType, size: number, role: BufferRole, data?: readonly number[]];

/**
 * A program with one kernel launched on buffers of the same names; the kernel's params are the
 * buffers (outputs and temps written, inputs and constants read) unless `access` says otherwise.
 */
export function singleKernel(name: string, buffers: readonly BufferSpec[], grid: readonly [string, number][], body: readonly Stmt[], access: Record<string, Access> = {}): Program {
  const kernel: Kernel = {
    name,
    params: buffers.map(([n, dtype, size, role]) => ({ name: n, dtype, size, access: access[n] ?? (role === 'output' || role === 'temp' ? 'w' : 'r') })),
    grid: grid.map(([n, extent]) => ({ name: n, extent })),
    body,
  };
  return {
    name,
    buffers: buffers.map(([n, dtype, size, role, data]) => ({ name: n, dtype, size, role, ...(data ? { data } : {}) })),
    kernels: [kernel],
    launches: [{ kernel: name, args: buffers.map(([n]) => n) }],
    inputs: buffers.filter((b) => b[3] === 'input').map((b) => b[0]),
    outputs: buffers.filter((b) => b[3] === 'output').map((b) => b[0]),
  };
}
