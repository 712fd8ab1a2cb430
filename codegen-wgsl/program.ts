/** What the WGSL code generator produces: one compute shader per launch plus the buffer table. */
import type { BufferDecl } from '../ir/loop.js';

export type WgslAccess = 'read' | 'read_write';

export interface WgslBinding {
  /** The program buffer bound at this binding index (group 0, binding = position). */
  readonly buffer: string;
  readonly access: WgslAccess;
}

/** How a kernel's work is spread over the GPU (reported for tests, dumps and benchmarks). */
export type WgslMapping =
  /** One invocation per grid point runs the whole body. */
  | 'thread-per-point'
  /** One invocation per (grid point, iteration of the kernel's single parallel loop). */
  | 'thread-per-element'
  /** One workgroup (or a few, `chunks`) per grid point; the threads split the loops and cooperate on reductions. */
  | 'workgroup-per-point'
  /** The matmul tiling: workgroup-memory tiles of A and B, several outputs per thread, fused epilogue. */
  | 'tiled-matmul'
  /** Implicit GEMM for convolution-shaped kernels: workgroup-memory tiles of the (guarded) input patches and the filter, fused epilogue. */
  | 'tiled-conv';

export interface WgslKernel {
  /** The loop-IR kernel's name. */
  readonly name: string;
  readonly code: string;
  readonly entryPoint: string;
  readonly bindings: readonly WgslBinding[];
  /** Invocations per workgroup (1-D). */
  readonly workgroupSize: number;
  /** Workgroup counts for dispatchWorkgroups; a zero count means nothing to run. */
  readonly dispatch: readonly [number, number, number];
  readonly mapping: WgslMapping;
}

export interface WgslProgram {
  readonly name: string;
  /** One per launch, in launch order. */
  readonly kernels: readonly WgslKernel[];
  /** The program's buffer table (bool buffers hold one u32 per element on the GPU). */
  readonly buffers: readonly BufferDecl[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}
