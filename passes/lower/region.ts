/**
 * Lowers one fused region (a fusion node's body graph) to a loop-IR kernel. Every graph op
 * becomes an expression for "the value at index idx": views turn into index arithmetic,
 * padding and windows into guarded loads, reductions and contractions into `reduce`
 * expressions. Loop passes later hoist invariant work and name shared subexpressions.
 */
import {
  type DType, type Expr, type Graph, type IndexVar, type Kernel, KilnError, type KernelParam, type Node, type Stmt, type Value,
  type ReduceKind, dimPairs, freeDims, parseDType, reduceIdentity, sizeOf,
} from '../../ir/index.js';
import type { Shape } from '../../ir/index.js';
import {
  and, binary, cast, constant, iadd, idiv, imod, imul, inRange, indexVar, int, isub, load, ravel, reduce, select, unary, unravelIndex,
} from '../loop/build.js';
import { containsReduce, renameReduceVars } from '../loop/walk.js';

export interface BufferRef {
  readonly name: string;
  readonly dtype: DType;
  readonly size: number;
}

export function lowerRegion(body: Graph, name: string, inputs: readonly BufferRef[], outputs: readonly BufferRef[]): Kernel {
  const shape = body.results[0]?.type.shape ?? [];
  if (body.results.some((v) => v.type.shape.join() !== shape.join())) {
    throw new KilnError(`lower: region @${name} has results of different shapes; one kernel iterates one shape`);
  }
  const ctx = new RegionLowering(body, inputs);
  const grid: IndexVar[] = shape.slice(0, -1).map((extent, k) => ({ name: `i${k}`, extent }));
  const idx = grid.map((g) => indexVar(g.name));
  const stmts = (inner: Expr[]): Stmt[] =>
    body.results.map((v, k) => ({ kind: 'store', buffer: outputs[k].name, index: ravel(inner, shape), value: ctx.valueAt(v, inner) }) as Stmt);
  let stmtsOut: Stmt[];
  if (sizeOf(shape) === 0) {
    stmtsOut = []; // nothing to write
  } else if (shape.length === 0) {
    stmtsOut = stmts([]);
  } else {
    const loopVar: IndexVar = { name: 'j', extent: shape[shape.length - 1] };
    stmtsOut = [{ kind: 'for', var: loopVar, vec: 1, body: stmts([...idx, indexVar('j')]) }];
  }
  const params: KernelParam[] = [
    ...outputs.map((b) => ({ name: b.name, dtype: b.dtype, size: b.size, access: 'w' as const })),
    ...inputs.filter((b) => !outputs.some((o) => o.name === b.name)).map((b) => ({ name: b.name, dtype: b.dtype, size: b.size, access: 'r' as const })),
  ];
  return { name, params, grid, body: stmtsOut };
}

/** A kernel that copies one buffer into another (results that alias inputs or each other). */
export function copyKernel(name: string, from: BufferRef, to: BufferRef, shape: Shape): Kernel {
  const grid: IndexVar[] = shape.slice(0, -1).map((extent, k) => ({ name: `i${k}`, extent }));
  const idx = [...grid.map((g) => indexVar(g.name)), ...(shape.length ? [indexVar('j')] : [])];
  const store: Stmt = { kind: 'store', buffer: to.name, index: ravel(idx, shape), value: load(from.name, from.dtype, ravel(idx, shape)) };
  const body: Stmt[] = shape.length ? [{ kind: 'for', var: { name: 'j', extent: shape[shape.length - 1] }, vec: 1, body: [store] }] : [store];
  return {
    name,
    params: [{ name: to.name, dtype: to.dtype, size: to.size, access: 'w' }, { name: from.name, dtype: from.dtype, size: from.size, access: 'r' }],
    grid,
    body,
  };
}

class RegionLowering {
  private readonly producer = new Map<Value, Node>();
  private readonly param = new Map<Value, BufferRef>();
  private readonly memo = new Map<Value, Map<string, Expr>>();
  private nextVar = 0;
  private readonly hasReduce = new Map<Expr, boolean>();

  constructor(body: Graph, inputs: readonly BufferRef[]) {
    body.nodes.forEach((n) => n.outputs.forEach((v) => this.producer.set(v, n)));
    body.params.forEach((p, k) => this.param.set(p, inputs[k]));
  }

  private freshVars(extents: readonly number[]): IndexVar[] {
    return extents.map((extent) => ({ name: `r${this.nextVar++}`, extent }));
  }

  /** The element of `v` at `idx`; loads are guarded by `guard` (they may be out of range where it is false). */
  valueAt(v: Value, idx: readonly Expr[], guard?: Expr): Expr {
    const key = JSON.stringify([idx, guard ?? null]);
    let byIndex = this.memo.get(v);
    if (!byIndex) this.memo.set(v, (byIndex = new Map()));
    const e = byIndex.get(key);
    if (!e) {
      const made = this.compute(v, idx, guard);
      byIndex.set(key, made);
      return made;
    }
    // Reusing a reduction verbatim would bind its variables twice in one kernel; give the copy
    // fresh names (the hoisting pass still recognises the two as one value).
    return containsReduce(e, this.hasReduce) ? renameReduceVars(e, () => `r${this.nextVar++}`) : e;
  }

  private compute(v: Value, idx: readonly Expr[], guard: Expr | undefined): Expr {
    const buf = this.param.get(v);
    if (buf) return load(buf.name, buf.dtype, ravel(idx, v.type.shape), guard);
    const n = this.producer.get(v);
    if (!n) throw new KilnError('lower: value has no producer in the region');
    const at = (k: number, i: readonly Expr[], g: Expr | undefined = guard) => this.valueAt(n.inputs[k], i, g);
    const inShape = (k: number) => n.inputs[k].type.shape;
    const dtype = v.type.dtype;
    const a = n.attrs;
    switch (n.op) {
      case 'const': return constant(a.value as number, dtype);
      case 'iota': return cast(idx[a.dim as number], dtype);
      case 'cast': return cast(at(0, idx), parseDType(a.to as string)!);
      case 'select': return select(at(0, idx), at(1, idx), at(2, idx));
      case 'reshape': return at(0, reshapeIndex(idx, v.type.shape, inShape(0)));
      case 'transpose': {
        const perm = a.perm as number[];
        const src: Expr[] = new Array(perm.length);
        perm.forEach((p, i) => (src[p] = idx[i]));
        return at(0, src);
      }
      case 'broadcast': {
        const dims = a.dims as number[];
        return at(0, dims.map((d, i) => (inShape(0)[i] === 1 ? int(0) : idx[d])));
      }
      case 'slice': {
        const start = a.start as number[];
        const stride = a.stride as number[];
        return at(0, idx.map((e, i) => iadd(imul(e, int(stride[i])), int(start[i]))));
      }
      case 'reverse': {
        const axes = a.axes as number[];
        return at(0, idx.map((e, i) => (axes.includes(i) ? isub(int(inShape(0)[i] - 1), e) : e)));
      }
      case 'pad': return this.pad(n, idx, guard, at);
      case 'concat': return this.concat(n, idx, guard);
      case 'gather': return this.gather(n, idx, guard);
      case 'reduce': {
        const axes = a.axes as number[];
        const vars = this.freshVars(axes.map((ax) => inShape(0)[ax]));
        const src = expandAt(idx, axes, vars.map((x) => indexVar(x.name)));
        return reduce(a.op as 'sum', vars, reduceIdentity(a.op as ReduceKind, dtype), at(0, src));
      }
      case 'argmax':
      case 'argmin': {
        const axis = a.axis as number;
        const vars = this.freshVars([inShape(0)[axis]]);
        return reduce(n.op, vars, 0, at(0, expandAt(idx, [axis], [indexVar(vars[0].name)])));
      }
      case 'dot_general': return this.dot(n, idx, guard);
      case 'conv': return this.conv(n, idx, guard);
      case 'reduce_window': return this.window(n, idx, guard);
      default: {
        if (n.inputs.length === 1) return unary(n.op as 'exp', at(0, idx));
        if (n.inputs.length === 2) return binary(n.op as 'add', at(0, idx), at(1, idx));
        throw new KilnError(`lower: no lowering for op '${n.op}'`);
      }
    }
  }

  private pad(n: Node, idx: readonly Expr[], guard: Expr | undefined, at: (k: number, i: readonly Expr[], g?: Expr) => Expr): Expr {
    const low = n.attrs.low as number[];
    const dims = n.inputs[0].type.shape;
    const src = idx.map((e, i) => isub(e, int(low[i])));
    let valid: Expr | undefined;
    src.forEach((e, i) => {
      const high = (n.attrs.high as number[])[i];
      if (low[i] > 0 || high > 0) valid = and(valid, inRange(e, dims[i]));
    });
    const inner = at(0, src, and(guard, valid));
    return valid ? select(valid, inner, constant(n.attrs.value as number, n.outputs[0].type.dtype)) : inner;
  }

  private concat(n: Node, idx: readonly Expr[], guard: Expr | undefined): Expr {
    const axis = n.attrs.axis as number;
    const offsets: number[] = [];
    let total = 0;
    for (const x of n.inputs) {
      offsets.push(total);
      total += x.type.shape[axis];
    }
    // Last piece first, then wrap: select(idx < off[k+1], piece k, rest).
    let result: Expr | undefined;
    for (let k = n.inputs.length - 1; k >= 0; k--) {
      if (n.inputs[k].type.shape[axis] === 0) continue;
      const local = idx.map((e, i) => (i === axis ? isub(e, int(offsets[k])) : e));
      const upper = k === n.inputs.length - 1 ? undefined : binary('lt', idx[axis], int(offsets[k] + n.inputs[k].type.shape[axis]));
      const lower = k === 0 ? undefined : binary('ge', idx[axis], int(offsets[k]));
      const piece = this.valueAt(n.inputs[k], local, and(guard, and(lower, upper)));
      result = result && upper ? select(upper, piece, result) : piece;
    }
    return result ?? constant(0, n.outputs[0].type.dtype);
  }

  private gather(n: Node, idx: readonly Expr[], guard: Expr | undefined): Expr {
    const axis = n.attrs.axis as number;
    const [x, indices] = n.inputs;
    const size = x.type.shape[axis];
    const r = indices.type.shape.length;
    const raw = this.valueAt(indices, idx.slice(axis, axis + r), guard);
    let k: Expr;
    if (raw.dtype === 'uint32') {
      k = cast(binary('min', raw, constant(Math.max(size - 1, 0), 'uint32')), 'int32');
    } else {
      const wrapped = select(binary('lt', raw, int(0)), iadd(raw, int(size)), raw);
      k = binary('max', binary('min', wrapped, int(size - 1)), int(0));
    }
    return this.valueAt(x, [...idx.slice(0, axis), k, ...idx.slice(axis + r)], guard);
  }

  private dot(n: Node, idx: readonly Expr[], guard: Expr | undefined): Expr {
    const [lhs, rhs] = n.inputs;
    const [lb, rb] = dimPairs(n.attrs, 'batch');
    const [lc, rc] = dimPairs(n.attrs, 'contract');
    const lf = freeDims(lhs.type.shape.length, lb, lc);
    const rf = freeDims(rhs.type.shape.length, rb, rc);
    const vars = this.freshVars(lc.map((d) => lhs.type.shape[d]));
    const cv = vars.map((x) => indexVar(x.name));
    const li: Expr[] = new Array(lhs.type.shape.length);
    const ri: Expr[] = new Array(rhs.type.shape.length);
    lb.forEach((d, k) => { li[d] = idx[k]; ri[rb[k]] = idx[k]; });
    lc.forEach((d, k) => { li[d] = cv[k]; ri[rc[k]] = cv[k]; });
    lf.forEach((d, k) => (li[d] = idx[lb.length + k]));
    rf.forEach((d, k) => (ri[d] = idx[lb.length + lf.length + k]));
    const body = binary('mul', this.valueAt(lhs, li, guard), this.valueAt(rhs, ri, guard));
    return vars.length ? reduce('sum', vars, 0, body) : binary('add', constant(0, body.dtype), body);
  }

  private conv(n: Node, idx: readonly Expr[], guard: Expr | undefined): Expr {
    const [x, w] = n.inputs;
    const k = x.type.shape.length - 2;
    const strides = n.attrs.strides as number[];
    const padding = n.attrs.padding as number[][];
    const lhsDil = n.attrs.lhs_dilation as number[];
    const rhsDil = n.attrs.rhs_dilation as number[];
    const groups = n.attrs.groups as number;
    const cin = w.type.shape[k];
    const cout = w.type.shape[k + 1];
    // Window positions row-major with the input channel innermost, as the reference sums.
    const vars = this.freshVars([...w.type.shape.slice(0, k), cin]);
    const wv = vars.map((v) => indexVar(v.name));
    let valid: Expr | undefined;
    const spatial: Expr[] = [];
    for (let s = 0; s < k; s++) {
      const pos = isub(iadd(imul(idx[s + 1], int(strides[s])), imul(wv[s], int(rhsDil[s]))), int(padding[s][0]));
      let src = pos;
      if (lhsDil[s] > 1) {
        valid = and(valid, and(binary('ge', pos, int(0)), binary('eq', imod(pos, lhsDil[s]), int(0))));
        src = idiv(pos, lhsDil[s]);
      }
      if (padding[s][0] !== 0 || padding[s][1] !== 0 || lhsDil[s] > 1) valid = and(valid, inRange(src, x.type.shape[s + 1]));
      spatial.push(src);
    }
    const o = idx[k + 1];
    const channel = groups === 1 ? wv[k] : iadd(imul(idiv(o, cout / groups), int(cin)), wv[k]);
    const xv = this.valueAt(x, [idx[0], ...spatial, channel], and(guard, valid));
    const input = valid ? select(valid, xv, constant(0, xv.dtype)) : xv;
    const weight = this.valueAt(w, [...wv.slice(0, k), wv[k], o], guard);
    return reduce('sum', vars, 0, binary('mul', input, weight));
  }

  private window(n: Node, idx: readonly Expr[], guard: Expr | undefined): Expr {
    const x = n.inputs[0];
    const window = n.attrs.window as number[];
    const strides = n.attrs.strides as number[];
    const padding = n.attrs.padding as number[][];
    const dtype = n.outputs[0].type.dtype;
    const identity = reduceIdentity(n.attrs.op as ReduceKind, dtype);
    const windowDims = window.flatMap((wd, i) => (wd > 1 ? [i] : []));
    const vars = this.freshVars(windowDims.map((i) => window[i]));
    let valid: Expr | undefined;
    const src = idx.map((e, i) => {
      const slot = windowDims.indexOf(i);
      const pos = isub(iadd(imul(e, int(strides[i])), slot >= 0 ? indexVar(vars[slot].name) : int(0)), int(padding[i][0]));
      if (padding[i][0] > 0 || padding[i][1] > 0) valid = and(valid, inRange(pos, x.type.shape[i]));
      return pos;
    });
    const xv = this.valueAt(x, src, and(guard, valid));
    const body = valid ? select(valid, xv, constant(identity, dtype)) : xv;
    return vars.length ? reduce(n.attrs.op as 'sum', vars, identity, body) : body;
  }
}

/** Inserts `vals` at positions `axes` (sorted) among `idx`. */
function expandAt(idx: readonly Expr[], axes: readonly number[], vals: readonly Expr[]): Expr[] {
  const out: Expr[] = [];
  let next = 0;
  for (let i = 0; i < idx.length + axes.length; i++) {
    const slot = axes.indexOf(i);
    out.push(slot >= 0 ? vals[slot] : idx[next++]);
  }
  return out;
}

/** Index into `inShape` of the element at `idx` of a reshape to `outShape`. */
function reshapeIndex(idx: readonly Expr[], outShape: Shape, inShape: Shape): Expr[] {
  const outDims = outShape.flatMap((d, i) => (d === 1 ? [] : [i]));
  const inDims = inShape.flatMap((d, i) => (d === 1 ? [] : [i]));
  const sameNonUnit = outDims.length === inDims.length && outDims.every((o, k) => outShape[o] === inShape[inDims[k]]);
  if (sameNonUnit) {
    // Only unit dims added or removed: map the remaining dims one to one.
    const src: Expr[] = inShape.map(() => int(0));
    inDims.forEach((d, k) => (src[d] = idx[outDims[k]]));
    return src;
  }
  if (sizeOf(inShape) === 0) return inShape.map(() => int(0));
  return unravelIndex(ravel(idx, outShape), inShape);
}
