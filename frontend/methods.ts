/** The common NumPy functions as Tensor methods: `x.add(y).sum({ axis: 1 })`. */
import type { DType } from '../ir/index.js';
import * as np from './numpy/index.js';
import type { TensorLike } from './numpy/index.js';
import { Tensor } from './tensor.js';
import type { ArgOptions, ReduceOptions, VarianceOptions } from './numpy/reduction.js';

declare module './tensor.js' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(other: TensorLike): Tensor;
    mod(other: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    equal(other: TensorLike): Tensor;
    notEqual(other: TensorLike): Tensor;
    less(other: TensorLike): Tensor;
    lessEqual(other: TensorLike): Tensor;
    greater(other: TensorLike): Tensor;
    greaterEqual(other: TensorLike): Tensor;
    matmul(other: TensorLike): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    sum(options?: ReduceOptions): Tensor;
    mean(options?: ReduceOptions): Tensor;
    max(options?: ReduceOptions): Tensor;
    min(options?: ReduceOptions): Tensor;
    prod(options?: ReduceOptions): Tensor;
    var(options?: VarianceOptions): Tensor;
    std(options?: VarianceOptions): Tensor;
    argmax(options?: ArgOptions): Tensor;
    argmin(options?: ArgOptions): Tensor;
    reshape(shape: readonly number[]): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    /** The transpose (all axes reversed). */
    readonly T: Tensor;
    astype(dtype: DType): Tensor;
    flatten(): Tensor;
    squeeze(axis?: number | readonly number[]): Tensor;
    expandDims(axis: number | readonly number[]): Tensor;
    clip(lo: TensorLike | null, hi: TensorLike | null): Tensor;
  }
}

const binary = (f: (a: TensorLike, b: TensorLike) => Tensor) => function (this: Tensor, other: TensorLike) { return f(this, other); };
const unary = <A extends unknown[]>(f: (x: Tensor, ...rest: A) => Tensor) => function (this: Tensor, ...rest: A) { return f(this, ...rest); };

Object.assign(Tensor.prototype, {
  add: binary(np.add), sub: binary(np.subtract), mul: binary(np.multiply), div: binary(np.divide),
  pow: binary(np.power), mod: binary(np.mod), maximum: binary(np.maximum), minimum: binary(np.minimum),
  equal: binary(np.equal), notEqual: binary(np.notEqual), less: binary(np.less), lessEqual: binary(np.lessEqual),
  greater: binary(np.greater), greaterEqual: binary(np.greaterEqual), matmul: binary(np.matmul),
  neg: unary(np.negative), abs: unary(np.abs), exp: unary(np.exp), log: unary(np.log), sqrt: unary(np.sqrt),
  tanh: unary(np.tanh), sigmoid: unary(np.sigmoid),
  sum: unary(np.sum), mean: unary(np.mean), max: unary(np.max), min: unary(np.min), prod: unary(np.prod),
  var: unary(np.var), std: unary(np.std), argmax: unary(np.argmax), argmin: unary(np.argmin),
  reshape: unary(np.reshape), transpose: unary(np.transpose), astype: unary(np.astype), flatten: unary(np.ravel),
  squeeze: unary(np.squeeze), expandDims: unary(np.expandDims), clip: unary(np.clip),
});

Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) { return np.transpose(this); },
});
