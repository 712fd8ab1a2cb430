/**
 * Tensor: the user-facing array. A tensor is either concrete (storage on a backend, freed
 * automatically when collected or explicitly by dispose()) or traced (a value in a graph that
 * `jit` is building). Users never count references.
 */
import {
  type DType, KilnError, type TensorType, type TypedArray, type Value, formatType, shortDType, sizeOf, stridesOf,
} from '../ir/index.js';
import type { Backend, Storage } from './backend.js';
import type { Trace } from './trace.js';

type Impl =
  | { readonly kind: 'concrete'; readonly backend: Backend; readonly storage: Storage }
  | { readonly kind: 'traced'; readonly trace: Trace; readonly value: Value }
  | { readonly kind: 'disposed' };

interface Held {
  readonly backend: Backend;
  readonly storage: Storage;
}

const collector = new FinalizationRegistry<Held>((held) => held.backend.release(held.storage));

export type NestedArray = number | boolean | NestedArray[];

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  #impl: Impl;

  private constructor(type: TensorType, impl: Impl) {
    this.shape = Object.freeze([...type.shape]);
    this.dtype = type.dtype;
    this.#impl = impl;
  }

  /**
   * Host copy of a small tensor made from host data, so `jit` can inline it as a constant even
   * on backends that cannot read synchronously.
   */
  smallHostData?: TypedArray;

  /** Wraps backend storage; the tensor now owns it. */
  static fromStorage(backend: Backend, storage: Storage, smallHostData?: TypedArray): Tensor {
    const t = new Tensor(storage.type, { kind: 'concrete', backend, storage });
    if (smallHostData) t.smallHostData = smallHostData;
    collector.register(t, { backend, storage }, t);
    return t;
  }

  static traced(trace: Trace, value: Value): Tensor {
    return new Tensor(value.type, { kind: 'traced', trace, value });
  }

  get type(): TensorType {
    return { dtype: this.dtype, shape: this.shape };
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get isTraced(): boolean {
    return this.#impl.kind === 'traced';
  }

  get isDisposed(): boolean {
    return this.#impl.kind === 'disposed';
  }

  /** @internal The concrete storage; throws a readable error for traced or disposed tensors. */
  concrete(what: string): { backend: Backend; storage: Storage } {
    const impl = this.#impl;
    if (impl.kind === 'concrete') return impl;
    if (impl.kind === 'disposed') throw new KilnError(`${what}: tensor ${formatType(this.type)} was disposed`);
    throw tracedValueError(what, this);
  }

  /** @internal The trace and graph value of a traced tensor, or undefined for a concrete one. */
  tracedValue(): { trace: Trace; value: Value } | undefined {
    const impl = this.#impl;
    if (impl.kind === 'disposed') throw new KilnError(`tensor ${formatType(this.type)} was disposed and cannot be used`);
    return impl.kind === 'traced' ? impl : undefined;
  }

  /** Reads the elements (row-major) into a new typed array. Works on every backend. */
  async data(): Promise<TypedArray> {
    const { backend, storage } = this.concrete('data()');
    return backend.read(storage);
  }

  /** Reads the elements synchronously where the backend allows it (interp, wasm). */
  dataSync(): TypedArray {
    const { backend, storage } = this.concrete('dataSync()');
    if (!backend.readSync) throw new KilnError(`dataSync(): the '${backend.name}' backend cannot read synchronously; use \`await t.data()\``);
    return backend.readSync(storage);
  }

  /** Nested JS arrays (booleans for bool tensors); a plain number/boolean for rank 0. */
  toArray(): NestedArray {
    return nest(this.dataSync(), this.shape, this.dtype);
  }

  /** Like toArray(), read asynchronously: works on every backend (webgpu included). */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape, this.dtype);
  }

  /** The single element of a size-1 tensor. */
  item(): number | boolean {
    if (this.size !== 1) throw new KilnError(`item(): tensor ${formatType(this.type)} has ${this.size} elements; item() needs exactly 1`);
    const v = this.dataSync()[0];
    return this.dtype === 'bool' ? v !== 0 : v;
  }

  /** Frees the storage now instead of waiting for garbage collection. Safe to call twice. */
  dispose(): void {
    const impl = this.#impl;
    if (impl.kind !== 'concrete') return;
    this.#impl = { kind: 'disposed' };
    collector.unregister(this);
    impl.backend.release(impl.storage);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * `x > 0`, `Number(x)`, `${x}`: allowed for concrete tensors, an error for traced ones, since
   * a traced value has no number yet and a JS branch on it would be silently baked in.
   */
  [Symbol.toPrimitive](hint: string): number | string {
    const traced = this.#impl.kind === 'traced';
    if (traced) throw tracedValueError(hint === 'string' ? 'converting to a string' : 'converting to a number/boolean', this);
    if (hint === 'string') return this.toString();
    const v = this.item();
    return typeof v === 'boolean' ? Number(v) : v;
  }

  toString(): string {
    const impl = this.#impl;
    if (impl.kind === 'traced') throw tracedValueError('toString()', this);
    if (impl.kind === 'disposed') return `Tensor(${formatType(this.type)}, disposed)`;
    if (!impl.backend.readSync) return `Tensor(${formatType(this.type)}, on ${impl.backend.name}; read it with await t.array())`;
    return `Tensor(${formatType(this.type)}) ${JSON.stringify(this.toArray())}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const impl = this.#impl;
    return impl.kind === 'concrete' ? this.toString() : `Tensor(${formatType(this.type)}, ${impl.kind})`;
  }
}

function tracedValueError(what: string, t: Tensor): KilnError {
  return new KilnError(
    `${what}: this tensor (${shortDType(t.dtype)}[${t.shape.join(',')}]) is a traced value inside jit and has no concrete value yet. ` +
      'For a data-dependent choice use np.where(cond, a, b); for a value that decides control flow, pass it as a static ' +
      'argument (a plain JS number) instead of a tensor; to read values, return them from the jitted function.',
  );
}

function nest(data: TypedArray, shape: readonly number[], dtype: DType): NestedArray {
  const conv = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (shape.length === 0) return conv(data[0]);
  const strides = stridesOf(shape);
  const build = (dim: number, offset: number): NestedArray[] => {
    const out: NestedArray[] = [];
    for (let i = 0; i < shape[dim]; i++) {
      const o = offset + i * strides[dim];
      out.push(dim === shape.length - 1 ? conv(data[o]) : build(dim + 1, o));
    }
    return out;
  };
  return build(0, 0);
}
