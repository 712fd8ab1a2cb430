/** Small constructors for hand-written loop-IR programs in the wasm codegen tests. */
import type { DType, TypedArray } from '../../ir/dtype.js';
import type {
  Access, BinaryOp, BufferDecl, BufferRole, Expr, IndexVar, Kernel, Program, ReduceOp, Stmt, UnaryOp,
} from '../../ir/loop.js';
import { COMPARE_OPS } from '../../ir/loop.js';
import { compileProgram, type CompileOptions, type CompiledWasmProgram } from '../../codegen-wasm/codegen.js';
import { instantiateProgram, type WasmProgramInstance } from '../../codegen-wasm/runtime.js';

// ---- expressions --------------------------------------------------------------------------------

export const f32 = (value: number): Expr => ({ kind: 'const', dtype: 'float32', value });
export const i32 = (value: number): Expr => ({ kind: 'const', dtype: 'int32', value });
export const u32 = (value: number): Expr => ({ kind: 'const', dtype: 'uint32', value });
export const bool = (value: boolean): Expr => ({ kind: 'const', dtype: 'bool', value: value ? 1 : 0 });
export const constOf = (dtype: DType, value: number): Expr => ({ kind: 'const', dtype, value });
export const v = (name: string, dtype: DType = 'int32'): Expr => ({ kind: 'var', dtype, name });

export function load(buffer: string, dtype: DType, index: Expr, guard?: Expr, other?: number): Expr {
  return guard ? { kind: 'load', dtype, buffer, index, guard, other } : { kind: 'load', dtype, buffer, index };
}

export const unary = (op: UnaryOp, x: Expr): Expr => ({ kind: 'unary', dtype: x.dtype, op, x });
export const cast = (x: Expr, dtype: DType): Expr => ({ kind: 'cast', dtype, x });

export function binary(op: BinaryOp, a: Expr, b: Expr): Expr {
  const dtype: DType = COMPARE_OPS.includes(op) ? 'bool' : a.dtype;
  return { kind: 'binary', dtype, op, a, b };
}

export const add = (a: Expr, b: Expr): Expr => binary('add', a, b);
export const sub = (a: Expr, b: Expr): Expr => binary('sub', a, b);
export const mul = (a: Expr, b: Expr): Expr => binary('mul', a, b);
export const and = (a: Expr, b: Expr): Expr => binary('and', a, b);
export const ge = (a: Expr, b: Expr): Expr => binary('ge', a, b);
export const lt = (a: Expr, b: Expr): Expr => binary('lt', a, b);
export const select = (cond: Expr, a: Expr, b: Expr): Expr => ({ kind: 'select', dtype: a.dtype, cond, a, b });

export function reduce(op: ReduceOp, vars: readonly [string, number][], init: number, body: Expr): Expr {
  const dtype: DType = op === 'argmax' || op === 'argmin' ? 'int32' : body.dtype;
  return { kind: 'reduce', dtype, op, vars: vars.map(([name, extent]) => ({ name, extent })), init, body };
}

// ---- statements ----------------------------------------------------------------------------------

export const store = (buffer: string, index: Expr, value: Expr): Stmt => ({ kind: 'store', buffer, index, value });
export const let_ = (name: string, value: Expr): Stmt => ({ kind: 'let', name, value });

export function loop(name: string, extent: number, body: readonly Stmt[], vec = 1): Stmt {
  return { kind: 'for', var: { name, extent }, vec, body };
}

// ---- kernels and programs ----------------------------------------------------------------------

export type ParamSpec = readonly [name: string, dtype: DType, size: number, access: Access];

export function kernel(name: string, params: readonly ParamSpec[], grid: readonly [string, number][], body: readonly Stmt[]): Kernel {
  return {
    name,
    params: params.map(([n, dtype, size, access]) => ({ name: n, dtype, size, access })),
    grid: grid.map(([n, extent]): IndexVar => ({ name: n, extent })),
    body,
  };
}

export interface BufferSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly size: number;
  readonly role: BufferRole;
  readonly data?: readonly number[];
}

/** A program with every buffer placed at a 16-byte aligned offset (in declaration order). */
export function program(spec: {
  name?: string;
  buffers: readonly BufferSpec[];
  kernels: readonly Kernel[];
  launches: readonly { kernel: string; args: readonly string[] }[];
  inputs: readonly string[];
  outputs: readonly string[];
}): Program {
  let offset = 0;
  const buffers: BufferDecl[] = spec.buffers.map((b) => {
    const placed: BufferDecl = { ...b, offset };
    offset += Math.ceil((b.size * (b.dtype === 'bool' ? 1 : 4)) / 16) * 16;
    return placed;
  });
  return {
    name: spec.name ?? 'test', buffers, kernels: spec.kernels, launches: spec.launches, inputs: spec.inputs, outputs: spec.outputs,
    arenaBytes: Math.max(offset, 16),
  };
}

/** A one-kernel program: 'r' params are inputs, 'w'/'rw' params outputs, in param order. */
export function singleKernelProgram(k: Kernel): Program {
  const buffers = k.params.map((p): BufferSpec => ({ name: p.name, dtype: p.dtype, size: p.size, role: p.access === 'r' ? 'input' : 'output' }));
  return program({
    name: k.name,
    buffers,
    kernels: [k],
    launches: [{ kernel: k.name, args: k.params.map((p) => p.name) }],
    inputs: k.params.filter((p) => p.access === 'r').map((p) => p.name),
    outputs: k.params.filter((p) => p.access !== 'r').map((p) => p.name),
  });
}

export function compileAndInstantiate(p: Program, options?: CompileOptions): { compiled: CompiledWasmProgram; instance: WasmProgramInstance } {
  const compiled = compileProgram(p, options);
  return { compiled, instance: instantiateProgram(p, compiled) };
}

export function runWasm(p: Program, inputs: readonly TypedArray[], options?: CompileOptions): TypedArray[] {
  return compileAndInstantiate(p, options).instance.run(inputs);
}

// ---- comparisons --------------------------------------------------------------------------------

/** Equal as stored values: same bits for ints; for floats the same value and sign of zero, any NaN equals any NaN. */
export function sameValue(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

/** Indices where two arrays differ (sameValue), with both values, for readable failures. */
export function mismatches(got: ArrayLike<number>, want: ArrayLike<number>, limit = 8): string[] {
  const out: string[] = [];
  if (got.length !== want.length) return [`length ${got.length} vs ${want.length}`];
  for (let i = 0; i < got.length && out.length < limit; i++) {
    if (!sameValue(got[i], want[i])) out.push(`[${i}] got ${got[i]} want ${want[i]}`);
  }
  return out;
}
