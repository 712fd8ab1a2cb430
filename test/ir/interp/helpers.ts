/** Shared helpers for the interpreter tests: tensors from plain numbers, one-op graphs, ulp distance. */
import { type Attrs, type DType, type HostTensor, type Shape, type TensorType, GraphBuilder, evaluateGraph, getOp } from '../../../ir/index.js';
import { hostTensorFrom } from '../../../ir/interp/index.js';

export const tensor = (dtype: DType, shape: Shape, values: ArrayLike<number>): HostTensor => hostTensorFrom(dtype, shape, values);
export const f32 = (shape: Shape, values: ArrayLike<number>): HostTensor => tensor('float32', shape, values);
export const i32 = (shape: Shape, values: ArrayLike<number>): HostTensor => tensor('int32', shape, values);
export const u32 = (shape: Shape, values: ArrayLike<number>): HostTensor => tensor('uint32', shape, values);
export const bool = (shape: Shape, values: ArrayLike<number>): HostTensor => tensor('bool', shape, values);

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
export const UINT32_MAX = 4294967295;

/**
 * Evaluates `op` as a one-node graph built with GraphBuilder and run by evaluateGraph (so the
 * op's type rule runs in the builder and again in evaluateOp). `declared` is the result type,
 * needed only by ops whose type is declared (iota, const, reshape, broadcast).
 */
export function run(op: string, inputs: readonly HostTensor[], attrs: Attrs = {}, declared?: TensorType): HostTensor {
  const b = new GraphBuilder(op);
  const params = inputs.map((x, i) => b.param(x.type, `x${i}`));
  const out = b.op(op, params, attrs, getOp(op).declaredType ? declared : undefined);
  const [result] = evaluateGraph(b.build([out]), inputs);
  return result;
}

/** The elements as a plain array (toEqual on it distinguishes -0 from +0 and matches NaN with NaN). */
export const values = (t: HostTensor): number[] => Array.from(t.data);

const bits = new DataView(new ArrayBuffer(4));

/** float32 bit pattern mapped to an integer line on which adjacent floats are adjacent (-0 and +0 both 0). */
function orderedBits(x: number): number {
  bits.setFloat32(0, x);
  const b = bits.getInt32(0);
  return b < 0 ? -(b & 0x7fffffff) : b;
}

/** Units in the last place between two float32 values; 0 for NaN vs NaN, Infinity for NaN vs a number. */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  return Math.abs(orderedBits(a) - orderedBits(b));
}
