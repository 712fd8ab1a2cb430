/** Deterministic random inputs for graphs, with the special values numerics tests need. */
import { type Graph, type HostTensor, type TypedArray, allocArray, sizeOf } from '../../ir/index.js';

const F32_SPECIALS = [0, -0, 1, -1, 0.5, 2, Number.NaN, Infinity, -Infinity, 1e-30, 3.4e38];

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

export function randomInputs(g: Graph, seed: number, { specials = true } = {}): HostTensor[] {
  const r = rng(seed);
  return g.params.map((p) => {
    const n = sizeOf(p.type.shape);
    const data: TypedArray = allocArray(p.type.dtype, n);
    for (let i = 0; i < n; i++) {
      switch (p.type.dtype) {
        case 'float32':
          data[i] = specials && r() < 0.1 ? F32_SPECIALS[Math.floor(r() * F32_SPECIALS.length)] : (r() - 0.5) * 8;
          break;
        case 'int32': data[i] = Math.floor((r() - 0.5) * 20); break;
        case 'uint32': data[i] = Math.floor(r() * 20); break;
        case 'bool': data[i] = r() < 0.5 ? 1 : 0; break;
      }
    }
    return { type: p.type, data };
  });
}

/** Index of the first element that differs (NaN equals NaN), or -1. */
export function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  }
  return -1;
}
