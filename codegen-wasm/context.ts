/**
 * Per-kernel lowering state: the buffers a launch binds (with compile-time arena offsets), the
 * lexical scope of names, the function being built, and the memory access primitives.
 */
import type { DType } from '../ir/dtype.js';
import type { Access, Expr } from '../ir/loop.js';
import type { Binaryen, Module, Ref } from './binaryen.js';
import { WasmCodegenError } from './errors.js';
import type { FunctionBuilder } from './function-builder.js';
import type { ModuleHelpers } from './helpers.js';
import { Lanes } from './lanes.js';

/** A kernel param bound to an arena buffer: its base offset is a compile-time constant. */
export interface BufferBinding {
  readonly param: string;
  readonly buffer: string;
  readonly dtype: DType;
  readonly offset: number;
  readonly size: number;
  readonly access: Access;
}

export type Binding =
  /** A let, or a grid/loop/reduction variable, held in one scalar local. */
  | { readonly kind: 'scalar'; readonly local: number; readonly dtype: DType }
  /** A let whose value differs per lane inside a vectorized loop (a v128 local); `def` feeds stride analysis. */
  | { readonly kind: 'vector'; readonly local: number; readonly dtype: DType; readonly def: Expr; readonly defScope: Scope }
  /** The vectorized loop variable: lane l holds `local + l`. */
  | { readonly kind: 'lanes'; readonly local: number };

export class Scope {
  private readonly names = new Map<string, Binding>();

  constructor(readonly parent?: Scope) {}

  lookup(name: string): Binding | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }

  get(name: string): Binding {
    const b = this.lookup(name);
    if (!b) throw new WasmCodegenError(`unknown name %${name}`);
    return b;
  }

  bind(name: string, binding: Binding): this {
    this.names.set(name, binding);
    return this;
  }

  child(): Scope {
    return new Scope(this);
  }
}

export interface CodegenFlags {
  /** Emit SIMD for `vec=4` loops (default true). */
  readonly simd: boolean;
  /**
   * Keep float sums and products in the sequential order of the loop IR, bit-identical to the
   * reference interpreters (default false: contiguous folds run in several vector accumulators,
   * which reassociates them, as XLA, TF.js and ORT do). max, min and integer folds are exact in
   * any order and are vectorized either way.
   */
  readonly exactReductions: boolean;
}

export class KernelContext {
  readonly b: Binaryen;
  readonly m: Module;
  readonly L1: Lanes;
  readonly L4: Lanes;

  constructor(
    readonly fb: FunctionBuilder,
    readonly helpers: ModuleHelpers,
    readonly kernelName: string,
    private readonly buffers: ReadonlyMap<string, BufferBinding>,
    readonly flags: CodegenFlags,
  ) {
    this.b = fb.b;
    this.m = fb.m;
    this.L1 = new Lanes(fb, 1);
    this.L4 = new Lanes(fb, 4);
  }

  buffer(name: string): BufferBinding {
    const buf = this.buffers.get(name);
    if (!buf) throw new WasmCodegenError(`kernel @${this.kernelName} accesses %${name}, which is not one of its params`);
    return buf;
  }

  // ---- memory ------------------------------------------------------------------------------------

  private address(index: Ref, dtype: DType): Ref {
    return dtype === 'bool' ? index : this.m.i32.shl(index, this.m.i32.const(2));
  }

  /** buffer[index] as a scalar register value (bool as i32 0/1). */
  loadScalar(buf: BufferBinding, index: Ref): Ref {
    const m = this.m;
    const ptr = this.address(index, buf.dtype);
    switch (buf.dtype) {
      case 'float32': return m.f32.load(buf.offset, 4, ptr);
      case 'bool': return m.i32.load8_u(buf.offset, 1, ptr);
      default: return m.i32.load(buf.offset, 4, ptr);
    }
  }

  storeScalar(buf: BufferBinding, index: Ref, value: Ref): Ref {
    const m = this.m;
    const ptr = this.address(index, buf.dtype);
    switch (buf.dtype) {
      case 'float32': return m.f32.store(buf.offset, 4, ptr, value);
      case 'bool': return m.i32.store8(buf.offset, 1, ptr, value);
      default: return m.i32.store(buf.offset, 4, ptr, value);
    }
  }

  /** buffer[index0 .. index0+3] as one vector (bool: four bytes widened to a lane mask). */
  loadVector(buf: BufferBinding, index0: Ref): Ref {
    const m = this.m;
    const ptr = this.address(index0, buf.dtype);
    if (buf.dtype !== 'bool') return m.v128.load(buf.offset, 4, ptr);
    const bytes = m.v128.load32_zero(buf.offset, 1, ptr);
    const words = m.i32x4.extend_low_i16x8_u(m.i16x8.extend_low_i8x16_u(bytes));
    return m.i32x4.neg(words); // 0/1 → 0/-1
  }

  storeVector(buf: BufferBinding, index0: Ref, value: Ref): Ref {
    const m = this.m;
    const ptr = this.address(index0, buf.dtype);
    if (buf.dtype !== 'bool') return m.v128.store(buf.offset, 4, ptr, value);
    const ones = m.v128.and(value, m.i32x4.splat(m.i32.const(1))); // mask → 0/1 per lane
    const halves = m.i16x8.narrow_i32x4_u(ones, m.i32x4.splat(m.i32.const(0)));
    const bytes = m.i8x16.narrow_i16x8_u(halves, m.i32x4.splat(m.i32.const(0)));
    return m.v128.store32_lane(buf.offset, 1, 0, ptr, bytes);
  }
}
