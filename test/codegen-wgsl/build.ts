/** Small constructors for hand-built loop-IR programs in the WebGPU codegen tests. */
import type { DType } from '../../ir/dtype.js';
import type { Access, BufferRole, Kernel, Program, Stmt } from '../../ir/loop.js';

// The expression and statement constructors are the ones the wasm codegen tests use.
export {
  add, binary, cast, constOf, f32, i32, let_, load, loop, mul, reduce, select, store, unary, v,
} from '../codegen-wasm/build.js';

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
