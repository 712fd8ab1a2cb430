/**
 * WGSL spelling of Kiln's scalar types and constants, and the small code writer the emitters
 * share. WGSL has no NaN or infinity literals and rejects them in constant expressions (even
 * `bitcast<f32>(0x7fc00000u)`), so the emitter spells those (and -0.0 and subnormals) as a call
 * `kiln_bits_f32(0x...u)`, which is never a constant expression; INT32_MIN is
 * `bitcast<i32>(0x80000000u)` since `-2147483648i` negates an out-of-range literal.
 */
import type { DType } from '../ir/dtype.js';

/** The WGSL register type of a dtype (bool values are `bool` in code, one u32 in buffers). */
export function scalarType(d: DType): string {
  switch (d) {
    case 'float32': return 'f32';
    case 'int32': return 'i32';
    case 'uint32': return 'u32';
    case 'bool': return 'bool';
  }
}

/** The element type of a buffer of dtype `d`. */
export function storageType(d: DType): string {
  return d === 'bool' ? 'u32' : scalarType(d);
}

/** The type of a value of dtype `d` in `width` lanes (1 or 4). */
export function valueType(d: DType, width: number): string {
  return width === 1 ? scalarType(d) : `vec${width}<${scalarType(d)}>`;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The bit pattern of f32 value x. */
export function f32Bits(x: number): number {
  F32[0] = x;
  return U32[0];
}

export function hex(bits: number): string {
  return `0x${(bits >>> 0).toString(16)}u`;
}

/** NaN, ±inf, -0 and subnormals: f32 values that have no plain WGSL literal. */
export function isSpecialF32(x: number): boolean {
  const v = Math.fround(x);
  return !Number.isFinite(v) || Object.is(v, -0) || (v !== 0 && Math.abs(v) < 1.1754943508222875e-38);
}

/** A WGSL f32 literal for x (rounded to f32 first); special values go through kiln_bits_f32. */
export function f32Literal(x: number): string {
  const v = Math.fround(x);
  if (isSpecialF32(v)) return `kiln_bits_f32(${hex(f32Bits(v))})`;
  const s = String(v);
  return v < 0 ? `(${s}f)` : `${s}f`;
}

/** A WGSL constant of dtype d (wrapped into the dtype's value set); see f32Literal for specials. */
export function constantLiteral(value: number, d: DType): string {
  switch (d) {
    case 'float32': return f32Literal(value);
    case 'int32': {
      const v = value | 0;
      if (v === -2147483648) return 'bitcast<i32>(0x80000000u)';
      return v < 0 ? `(${v}i)` : `${v}i`;
    }
    case 'uint32': return `${value >>> 0}u`;
    case 'bool': return value !== 0 ? 'true' : 'false';
  }
}

/** Lines of WGSL with indentation. */
export class CodeWriter {
  private readonly out: string[] = [];
  private depth: number;

  constructor(depth = 0) {
    this.depth = depth;
  }

  line(text: string): void {
    this.out.push('  '.repeat(this.depth) + text);
  }

  /** `header {`, the body, `}` (a bare `{ }` block when header is empty). */
  block(header: string, body: () => void): void {
    this.line(header ? `${header} {` : '{');
    this.depth++;
    try {
      body();
    } finally {
      this.depth--;
    }
    this.line('}');
  }

  text(): string {
    return this.out.join('\n');
  }
}

/** Unique WGSL identifiers within one shader: IR names get a prefix, clashes a numeric suffix. */
export class NameAllocator {
  private readonly used = new Set<string>();

  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_]/g, '_').replace(/__+/g, '_');
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }
}
