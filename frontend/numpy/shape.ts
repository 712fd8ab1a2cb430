/** Shape manipulation: reshape, transpose, broadcasting, slicing, padding, joining, gathering. */
import { type DType, convertScalar, formatShape, isValidShape, sizeOf } from '../../ir/index.js';
import { bind } from '../dispatch.js';
import { Tensor } from '../tensor.js';
import {
  type TensorLike, broadcastTo as broadcastToShape, cast, describe, fail, normAxes, normAxis, promoteTypes, reshape as reshapeTo, toTensor,
} from './core.js';

/** New shape, same elements (row-major); one dimension may be -1 and is inferred. */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const t = toTensor('reshape', x);
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1 || !shape.every((d) => d === -1 || (Number.isInteger(d) && d >= 0))) {
    fail('reshape', `shape ${formatShape(shape)} must hold non-negative integers and at most one -1`);
  }
  const known = sizeOf(shape.filter((d) => d !== -1));
  let resolved = [...shape];
  if (unknown) {
    if (known === 0 || t.size % known !== 0) fail('reshape', `cannot reshape ${formatShape(t.shape)} (${t.size} elements) to ${formatShape(shape)}`);
    resolved = shape.map((d) => (d === -1 ? t.size / known : d));
  }
  if (sizeOf(resolved) !== t.size) fail('reshape', `cannot reshape ${formatShape(t.shape)} (${t.size} elements) to ${formatShape(shape)} (${sizeOf(resolved)} elements)`);
  return reshapeTo(t, resolved);
}

export function ravel(x: TensorLike): Tensor {
  const t = toTensor('ravel', x);
  return reshapeTo(t, [t.size]);
}

/** Permutes dimensions (default: reverses them). Result dim i is input dim perm[i]. */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const t = toTensor('transpose', x);
  const p = perm ? perm.map((a) => normAxis('transpose', a, t.ndim)) : t.shape.map((_, i) => t.ndim - 1 - i);
  if (p.length !== t.ndim || new Set(p).size !== p.length) fail('transpose', `perm ${JSON.stringify(perm)} is not a permutation of the ${t.ndim} axes of ${formatShape(t.shape)}`);
  if (p.every((a, i) => a === i)) return t;
  return bind('transpose', [t], { perm: p });
}

export function swapaxes(x: TensorLike, a: number, b: number): Tensor {
  const t = toTensor('swapaxes', x);
  const perm = t.shape.map((_, i) => i);
  const [i, j] = [normAxis('swapaxes', a, t.ndim), normAxis('swapaxes', b, t.ndim)];
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return transpose(t, perm);
}

export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  if (!isValidShape(shape)) fail('broadcastTo', `shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
  return broadcastToShape('broadcastTo', toTensor('broadcastTo', x), shape);
}

/** Inserts size-1 dimensions; axes index the result, as in NumPy. */
export function expandDims(x: TensorLike, axis: number | readonly number[]): Tensor {
  const t = toTensor('expandDims', x);
  const list = typeof axis === 'number' ? [axis] : axis;
  const rank = t.ndim + list.length;
  const axes = normAxes('expandDims', list, rank);
  const shape: number[] = [];
  for (let i = 0, j = 0; i < rank; i++) shape.push(axes.includes(i) ? 1 : t.shape[j++]);
  return reshapeTo(t, shape);
}

/** Removes size-1 dimensions (all of them, or the given ones, which must have size 1). */
export function squeeze(x: TensorLike, axis?: number | readonly number[]): Tensor {
  const t = toTensor('squeeze', x);
  const axes = axis === undefined ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes('squeeze', axis, t.ndim);
  for (const a of axes) if (t.shape[a] !== 1) fail('squeeze', `axis ${a} of shape ${formatShape(t.shape)} has size ${t.shape[a]}, not 1`);
  return reshapeTo(t, t.shape.filter((_, i) => !axes.includes(i)));
}

function joinDType(fn: string, ts: readonly Tensor[]): DType {
  if (ts.length === 0) fail(fn, 'needs at least one tensor');
  return ts.map((t) => t.dtype).reduce(promoteTypes);
}

function asTensorList(fn: string, xs: readonly TensorLike[]): Tensor[] {
  if (!Array.isArray(xs)) fail(fn, `expected a list of tensors, got ${describe(xs)}`);
  return xs.map((x) => toTensor(fn, x));
}

/** Joins tensors along an existing axis; dtypes promote, other dims must match. */
export function concatenate(xs: readonly TensorLike[], axis = 0): Tensor {
  const ts = asTensorList('concatenate', xs);
  const dtype = joinDType('concatenate', ts);
  const rank = ts[0].ndim;
  if (rank === 0) fail('concatenate', 'cannot concatenate rank-0 tensors; use stack');
  const a = normAxis('concatenate', axis, rank);
  for (const t of ts) {
    if (t.ndim !== rank || t.shape.some((d, i) => i !== a && d !== ts[0].shape[i])) {
      fail('concatenate', `shapes ${ts.map((u) => formatShape(u.shape)).join(', ')} must match in every dimension but axis ${a}`);
    }
  }
  if (ts.length === 1) return cast(ts[0], dtype);
  return bind('concat', ts.map((t) => cast(t, dtype)), { axis: a });
}

/** Joins same-shaped tensors along a new axis. */
export function stack(xs: readonly TensorLike[], axis = 0): Tensor {
  const ts = asTensorList('stack', xs);
  joinDType('stack', ts);
  if (ts.some((t) => t.ndim !== ts[0].ndim || t.shape.some((d, i) => d !== ts[0].shape[i]))) {
    fail('stack', `all tensors must have one shape, got ${ts.map((t) => formatShape(t.shape)).join(', ')}`);
  }
  const a = normAxis('stack', axis, ts[0].ndim + 1);
  return concatenate(ts.map((t) => expandDims(t, a)), a);
}

export interface SliceOptions {
  /** Which axes `starts`/`ends` refer to (default 0, 1, ...). */
  axes?: readonly number[];
  /** Step per listed axis (default 1); negative steps walk backwards. */
  steps?: readonly number[];
}

/**
 * Python slicing per axis: `x[starts[i]:ends[i]:steps[i]]`. Negative indices count from the
 * end and out-of-range bounds clamp, exactly as Python does; unlisted axes are kept whole.
 */
export function slice(x: TensorLike, starts: readonly number[], ends: readonly number[], options: SliceOptions = {}): Tensor {
  let t = toTensor('slice', x);
  const axes = options.axes ?? starts.map((_, i) => i);
  const steps = options.steps ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    fail('slice', `starts (${starts.length}), ends (${ends.length}), axes (${axes.length}) and steps (${steps.length}) must have one length`);
  }
  const start = t.shape.map(() => 0);
  const limit = [...t.shape];
  const stride = t.shape.map(() => 1);
  const reversed: number[] = [];
  const seen = new Set<number>();
  axes.forEach((ax, i) => {
    const a = normAxis('slice', ax, t.ndim);
    if (seen.has(a)) fail('slice', `axis ${a} is listed twice`);
    seen.add(a);
    const n = t.shape[a];
    const step = steps[i];
    if (!Number.isInteger(step) || step === 0) fail('slice', `step ${step} for axis ${a} must be a non-zero integer`);
    const norm = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
    if (step > 0) {
      const s = norm(starts[i], 0, n);
      const e = norm(ends[i], 0, n);
      start[a] = s;
      limit[a] = Math.max(s, e);
      stride[a] = step;
    } else {
      // Walk backwards = reverse the axis, then slice forwards from the mirrored start.
      const s = norm(starts[i], -1, n - 1);
      const e = norm(ends[i], -1, n - 1);
      const count = s > e ? Math.ceil((s - e) / -step) : 0;
      reversed.push(a);
      start[a] = count ? n - 1 - s : 0;
      limit[a] = count ? start[a] + (count - 1) * -step + 1 : 0;
      stride[a] = -step;
    }
  });
  if (reversed.length) t = bind('reverse', [t], { axes: reversed.sort((p, q) => p - q) });
  if (start.every((s, i) => s === 0 && limit[i] === t.shape[i] && stride[i] === 1)) return t;
  return bind('slice', [t], { start, limit, stride });
}

/** Pads with a constant (default 0): one [before, after] pair per axis, or one pair / one number for all. Negative widths crop. */
export function pad(x: TensorLike, width: number | readonly [number, number] | readonly (readonly [number, number])[], options: { value?: number } = {}): Tensor {
  const t = toTensor('pad', x);
  const pairs: readonly (readonly number[])[] =
    typeof width === 'number' ? t.shape.map(() => [width, width])
    : typeof width[0] === 'number' ? t.shape.map(() => width as readonly number[])
    : (width as readonly (readonly number[])[]);
  if (pairs.length !== t.ndim || pairs.some((p) => p.length !== 2 || !p.every(Number.isInteger))) {
    fail('pad', `width ${JSON.stringify(width)} needs one [before, after] integer pair per axis of ${formatShape(t.shape)}`);
  }
  pairs.forEach((p, i) => {
    if (p[0] + t.shape[i] + p[1] < 0) fail('pad', `axis ${i} of ${formatShape(t.shape)} would have negative size with width [${p.join(',')}]`);
  });
  const value = convertScalar(options.value ?? 0, 'float32', t.dtype);
  return bind('pad', [t], { low: pairs.map((p) => p[0]), high: pairs.map((p) => p[1]), value });
}

/** Reverses the order of elements along the given axes (default: all). */
export function flip(x: TensorLike, axis?: number | readonly number[]): Tensor {
  const t = toTensor('flip', x);
  const axes = normAxes('flip', axis, t.ndim);
  return axes.length ? bind('reverse', [t], { axes }) : t;
}

/**
 * NumPy take: picks elements along `axis` (default: of the flattened tensor) at `indices`.
 * Negative indices count from the end; out-of-range indices clamp to the nearest end
 * (compiled code cannot raise, so Kiln clamps as JAX does).
 */
export function take(x: TensorLike, indices: TensorLike, options: { axis?: number } = {}): Tensor {
  let t = toTensor('take', x);
  const idx = indices instanceof Tensor ? indices : toTensor('take', indices, 'int32');
  if (idx.dtype !== 'int32' && idx.dtype !== 'uint32') fail('take', `indices ${describe(idx)} must be int32 or uint32`);
  let axis = 0;
  if (options.axis === undefined) t = reshapeTo(t, [t.size]);
  else axis = normAxis('take', options.axis, t.ndim);
  if (t.shape[axis] === 0 && idx.size > 0) fail('take', `cannot take from empty axis ${axis} of ${formatShape(t.shape)}`);
  return bind('gather', [t, idx], { axis });
}
