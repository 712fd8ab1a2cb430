/**
 * Level 2 of Kiln: the loop IR. Kernels work on flat, typed buffers; broadcasting, strides and
 * padding are index arithmetic and guarded loads. A program is the ordered list of kernel
 * launches plus the buffer table (sizes, roles, arena offsets after memory planning).
 *
 * Scalars are typed with the graph dtypes; index arithmetic is int32. Expressions are trees of
 * plain objects (treat them as immutable); `let` statements name shared subexpressions.
 */
import type { DType } from './dtype.js';

export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'sin' | 'cos' | 'tanh'
  | 'sigmoid' | 'erf' | 'floor' | 'ceil' | 'round' | 'not';

/** Same semantics as the graph ops of the same names (see ir/ops/elementwise.ts). */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'max' | 'min' | 'mod'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or';

export const LOOP_UNARY_OPS: readonly UnaryOp[] = [
  'neg', 'abs', 'sign', 'exp', 'log', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf', 'floor', 'ceil', 'round', 'not',
];
export const LOOP_BINARY_OPS: readonly BinaryOp[] = [
  'add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'mod', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or',
];
export const COMPARE_OPS: readonly BinaryOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

/** sum/prod/max/min fold values; argmax/argmin yield the i32 position (over the flattened vars) of the first extreme, NaN winning. */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';
export const LOOP_REDUCE_OPS: readonly ReduceOp[] = ['sum', 'prod', 'max', 'min', 'argmax', 'argmin'];

/** A loop/reduction variable: ranges over 0 .. extent-1 (int32). */
export interface IndexVar {
  readonly name: string;
  readonly extent: number;
}

export type Expr =
  | { readonly kind: 'const'; readonly dtype: DType; readonly value: number }
  /** A grid, loop or reduction variable (int32), or a `let`-bound scalar. */
  | { readonly kind: 'var'; readonly dtype: DType; readonly name: string }
  /**
   * buffer[index]. With a guard, the load happens only where the guard is true and `other`
   * is the value elsewhere (padding, out-of-range taps): the index need not be valid then.
   */
  | { readonly kind: 'load'; readonly dtype: DType; readonly buffer: string; readonly index: Expr; readonly guard?: Expr; readonly other?: number }
  | { readonly kind: 'unary'; readonly dtype: DType; readonly op: UnaryOp; readonly x: Expr }
  | { readonly kind: 'cast'; readonly dtype: DType; readonly x: Expr }
  | { readonly kind: 'binary'; readonly dtype: DType; readonly op: BinaryOp; readonly a: Expr; readonly b: Expr }
  | { readonly kind: 'select'; readonly dtype: DType; readonly cond: Expr; readonly a: Expr; readonly b: Expr }
  /**
   * Folds `body` over every point of `vars` (row-major, last var fastest), starting from `init`
   * (the op's identity unless stated). For argmax/argmin the result is an int32 position.
   */
  | { readonly kind: 'reduce'; readonly dtype: DType; readonly op: ReduceOp; readonly vars: readonly IndexVar[]; readonly init: number; readonly body: Expr };

export type Stmt =
  /** Binds a scalar name, visible to the statements after it in the same block. */
  | { readonly kind: 'let'; readonly name: string; readonly value: Expr }
  /** for var in 0..extent; `vec` > 1 asks codegen for SIMD lanes of that width. */
  | { readonly kind: 'for'; readonly var: IndexVar; readonly vec: number; readonly body: readonly Stmt[] }
  | { readonly kind: 'store'; readonly buffer: string; readonly index: Expr; readonly value: Expr };

export type Access = 'r' | 'w' | 'rw';

export interface KernelParam {
  readonly name: string;
  readonly dtype: DType;
  /** Elements. */
  readonly size: number;
  readonly access: Access;
}

export interface Kernel {
  readonly name: string;
  readonly params: readonly KernelParam[];
  /** Independent iterations: outer loops on WASM (split over threads), workgroups on WebGPU. */
  readonly grid: readonly IndexVar[];
  readonly body: readonly Stmt[];
}

export type BufferRole = 'input' | 'output' | 'constant' | 'temp';

export interface BufferDecl {
  readonly name: string;
  readonly dtype: DType;
  /** Elements. */
  readonly size: number;
  readonly role: BufferRole;
  /** Byte offset in the arena, set by memory planning. */
  readonly offset?: number;
  /** Values of a constant buffer (row-major). */
  readonly data?: readonly number[];
}

export interface Launch {
  readonly kernel: string;
  /** Buffer names bound to the kernel's params, in order. */
  readonly args: readonly string[];
}

export interface Program {
  readonly name: string;
  readonly buffers: readonly BufferDecl[];
  readonly kernels: readonly Kernel[];
  readonly launches: readonly Launch[];
  /** Buffer names of the graph params / results, in order (a name may repeat in outputs). */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Total arena bytes, set by memory planning. */
  readonly arenaBytes?: number;
}
