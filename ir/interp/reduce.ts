/** Reference semantics of reduce{op, axes} and argmax/argmin{axis}. */
import { allocArray } from '../dtype.js';
import { enumAttr, intAttr, intsAttr } from '../ops/attrs.js';
import { REDUCE_KINDS, reduceIdentity } from '../ops/index.js';
import { sizeOf, stridesOf } from '../types.js';
import type { OpImpl } from './host-tensor.js';
import { foldStep } from './arith.js';
import { aroundAxis, stridedOffsets } from './strided.js';

/**
 * Starts every result element at the identity and folds the operand in, walking the operand in
 * row-major order: so each result element sees its inputs in row-major order of the reduced
 * indices, one rounded (f32) or wrapped (integer) step at a time. An empty reduction leaves the
 * identity; max/min propagate NaN.
 */
const reduce: OpImpl = ([x], attrs, outType) => {
  const kind = enumAttr('reduce', attrs, 'op', REDUCE_KINDS);
  const axes = intsAttr('reduce', attrs, 'axes');
  const dtype = x.type.dtype;
  const step = foldStep('reduce', kind, dtype);
  const acc = new Float64Array(sizeOf(outType.shape)).fill(reduceIdentity(kind, dtype));
  // Where each operand element lands: the result's strides on kept dims, 0 on reduced ones.
  const outStrides = stridesOf(outType.shape);
  let kept = 0;
  const landing = x.type.shape.map((_, i) => (axes.includes(i) ? 0 : outStrides[kept++]));
  const target = stridedOffsets(x.type.shape, landing);
  for (let i = 0; i < target.length; i++) acc[target[i]] = step(acc[target[i]], x.data[i]);
  const out = allocArray(outType.dtype, acc.length);
  out.set(acc);
  return out;
};

/**
 * The step of argmax/argmin over elements met in order: whether `v` takes the place of the best
 * value so far. The first extreme wins ties, and the first NaN wins over every number (NumPy).
 * Shared by the graph interpreter and the loop evaluator.
 */
export function argExtremeStep(op: 'argmax' | 'argmin'): (v: number, best: number) => boolean {
  return op === 'argmax'
    ? (v, best) => best === best && (v !== v || v > best)
    : (v, best) => best === best && (v !== v || v < best);
}

/** Index of the largest (argmax) or smallest (argmin) element along `axis` (see argExtremeStep). */
function argExtreme(name: 'argmax' | 'argmin'): OpImpl {
  const replaces = argExtremeStep(name);
  return ([x], attrs, outType) => {
    const axis = intAttr(name, attrs, 'axis');
    const { outer, extent, inner } = aroundAxis(x.type.shape, axis);
    const out = allocArray(outType.dtype, sizeOf(outType.shape));
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * extent * inner + i;
        let best = 0;
        let bestValue = x.data[base];
        for (let k = 1; k < extent; k++) {
          const v = x.data[base + k * inner];
          if (replaces(v, bestValue)) {
            best = k;
            bestValue = v;
          }
        }
        out[o * inner + i] = best;
      }
    }
    return out;
  };
}

export const REDUCE_IMPLS: Record<string, OpImpl> = { reduce, argmax: argExtreme('argmax'), argmin: argExtreme('argmin') };
