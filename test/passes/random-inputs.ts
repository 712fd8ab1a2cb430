/** Deterministic random inputs for graphs, with the special values numerics tests need. */
import {
  type DType, type Graph, type HostTensor, type TensorType, type TypedArray, allocArray, sizeOf,
} from '../../ir/index.js';

const F32_SPECIALS = [0, -0, 1, -1, 0.5, 2, Number.NaN, Infinity, -Infinity, 1e-30, 3.4e38];

export interface RandomInputOptions {
  /** Mix special float32 values in (NaN, infinities, -0, tiny and huge numbers), 1 element in 10. Default true. */
  readonly specials?: boolean;
  /**
   * For bit-exact comparisons (rewrite passes): 3 elements in 10 special, the integer extremes
   * (INT32_MIN, INT32_MAX, UINT32_MAX) and the f32 limits (FLT_MAX, the smallest subnormal) among
   * them, and wider ranges for the rest. Default false; overrides `specials`.
   */
  readonly extremes?: boolean;
}

/** How values are drawn: special values at `specialRate`, else uniform over a range around 0 (from 0 for u32). */
interface Draw {
  readonly specialRate: number;
  readonly specials: Partial<Record<DType, readonly number[]>>;
  readonly floatSpan: number;
  readonly intSpan: number;
}

const PLAIN: Draw = { specialRate: 0.1, specials: { float32: F32_SPECIALS }, floatSpan: 8, intSpan: 20 };
const NO_SPECIALS: Draw = { ...PLAIN, specials: {} };
const EXTREMES: Draw = {
  specialRate: 0.3,
  specials: {
    float32: [...F32_SPECIALS, 3.4028234663852886e38, 1e-45],
    int32: [-2147483648, 2147483647, 0, 1, -1],
    uint32: [0, 1, 4294967295],
  },
  floatSpan: 20,
  intSpan: 100,
};

/** xorshift32: small, seeded, reproducible. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function randomValue(dtype: DType, r: () => number, draw: Draw): number {
  const specials = draw.specials[dtype];
  if (specials && r() < draw.specialRate) return specials[Math.floor(r() * specials.length)];
  switch (dtype) {
    case 'float32': return (r() - 0.5) * draw.floatSpan;
    case 'int32': return Math.floor((r() - 0.5) * draw.intSpan);
    case 'uint32': return Math.floor(r() * draw.intSpan);
    case 'bool': return r() < 0.5 ? 1 : 0;
  }
}

/** One random tensor of `type`, drawn from the stream `random` (see rng). */
export function randomTensor(type: TensorType, random: () => number, { specials = true, extremes = false }: RandomInputOptions = {}): HostTensor {
  const draw = extremes ? EXTREMES : specials ? PLAIN : NO_SPECIALS;
  const n = sizeOf(type.shape);
  const data: TypedArray = allocArray(type.dtype, n);
  for (let i = 0; i < n; i++) data[i] = randomValue(type.dtype, random, draw);
  return { type, data };
}

/** One random tensor per parameter of `g`, from the seed `seed`. */
export function randomInputs(g: Graph, seed: number, options: RandomInputOptions = {}): HostTensor[] {
  const r = rng(seed);
  return g.params.map((p) => randomTensor(p.type, r, options));
}

/** Index of the first element that differs (NaN equals NaN), or -1. */
export function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  }
  return -1;
}
