/**
 * Fusion: partitions a graph into regions that each become one kernel, as `fusion` nodes.
 *
 * Each region iterates over the shape R of its root (grid over R[:-1], an inner loop over the
 * last dim). Producers are pulled into their consumer's region in reverse topological order
 * when every consumer is already there and recomputation stays bounded:
 * - cheap ops (elementwise, layout, splat constants, iota) join freely — layout ops become
 *   index arithmetic, so they never materialise unless they are a result;
 * - except into a contraction (dot_general, conv, reduce_window) operand, where only
 *   index-only layout ops may join: an elementwise producer would be recomputed per output;
 * - a heavy op (reduce, argmax/min, dot_general, conv, reduce_window) joins only when every
 *   path from it to the region's root stays in the root's "full" shape R or its "row" shape
 *   R[:-1] (elementwise ops, keepdims reshapes, leading broadcasts back to R, and last-axis
 *   reductions of full-shaped values): then it is computed once per element (full), or once per
 *   grid point (row) after loop-invariant hoisting. This is how matmul+bias+relu, softmax and
 *   layerNorm each become one kernel.
 * Sibling reductions of the same shape that read a common input merge into one multi-output
 * kernel. Refused fusions are recorded as remarks on the fused graph.
 */
import {
  FUSION_OP, type FusionKind, type Graph, type Node, Value, formatType, getOp, shapesEqual,
} from '../../ir/index.js';
import type { Shape } from '../../ir/index.js';

const HEAVY = new Set(['reduce', 'argmax', 'argmin', 'dot_general', 'conv', 'reduce_window']);
const CONTRACTIONS = new Set(['dot_general', 'conv', 'reduce_window']);
const INDEX_ONLY = new Set(['reshape', 'transpose', 'broadcast', 'slice', 'reverse', 'pad', 'concat']);

/** Dense constants stay top-level and become constant buffers shared by kernels. */
export function isDenseConst(n: Node): boolean {
  return n.op === 'const' && Array.isArray(n.attrs.value);
}

/** Splat constants and iota are recomputed wherever they are used instead of being stored. */
function isSplatSource(n: Node): boolean {
  return (n.op === 'const' && !Array.isArray(n.attrs.value)) || n.op === 'iota';
}

function isCheap(n: Node): boolean {
  return !HEAVY.has(n.op) && !isDenseConst(n);
}

function isElementwise(n: Node): boolean {
  const c = getOp(n.op).category;
  return c === 'unary' || c === 'binary' || c === 'compare' || c === 'logical' || c === 'select' || c === 'cast';
}

interface Region {
  id: number;
  /** Node indices, ascending. */
  members: number[];
  /** Values produced in the region and used outside it (or graph results). */
  roots: Value[];
  /** The shape every root shares: the kernel's iteration space. */
  shape: Shape;
}

export interface FusionResult {
  graph: Graph;
  remarks: string[];
}

export interface FusionOptions {
  /**
   * Most buffers (operands + results) one kernel may bind: WebGPU devices cap storage buffers
   * per shader stage (often 8). A fusion that would exceed it is refused with a remark.
   */
  maxBuffers?: number;
}

/** Buffers a kernel made of `members` would bind: outside values it reads plus values it writes. */
function bufferCount(g: Graph, members: ReadonlySet<number>, producer: Map<Value, number>, resultSet: ReadonlySet<Value>): number {
  const reads = new Set<Value>();
  let writes = 0;
  for (const m of members) {
    for (const v of g.nodes[m].inputs) {
      const p = producer.get(v);
      const local = p !== undefined && (members.has(p) || (isSplatSource(g.nodes[p]) && !resultSet.has(v)));
      if (!local) reads.add(v);
    }
    for (const v of g.nodes[m].outputs) {
      if (resultSet.has(v) || g.nodes.some((n, i) => !members.has(i) && n.inputs.includes(v))) writes++;
    }
  }
  return reads.size + writes;
}

export function fuseGraph(g: Graph, options: FusionOptions = {}): FusionResult {
  const maxBuffers = options.maxBuffers ?? Infinity;
  const producer = new Map<Value, number>();
  g.nodes.forEach((n, i) => n.outputs.forEach((v) => producer.set(v, i)));
  const users = new Map<number, number[]>();
  g.nodes.forEach((n, i) => n.inputs.forEach((v) => {
    const p = producer.get(v);
    if (p !== undefined && !users.get(p)?.includes(i)) users.set(p, [...(users.get(p) ?? []), i]);
  }));
  const resultSet = new Set(g.results);
  const regionOf = new Array<number>(g.nodes.length).fill(-1);
  const regions: Region[] = [];
  const remarks: string[] = [];
  const describe = (i: number) => `${g.nodes[i].op} ${formatType(g.nodes[i].outputs[0].type)}`;
  const describeRegion = (r: Region) => `the kernel of ${describe(r.members[0])}`;

  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (isDenseConst(n)) continue;
    const us = users.get(i) ?? [];
    const isResult = n.outputs.some((v) => resultSet.has(v));
    if (!isResult && us.length === 0) continue; // dead: DCE's business, no kernel
    if (!isResult && isSplatSource(n)) continue; // cloned into each region that reads it
    const targets = new Set(us.map((u) => regionOf[u]));
    if (!isResult && targets.size === 1 && !targets.has(-1)) {
      const region = regions[[...targets][0]];
      let why = refusal(g, i, region, users, regionOf);
      if (!why && Number.isFinite(maxBuffers)) {
        const count = bufferCount(g, new Set([...region.members, i]), producer, resultSet);
        if (count > maxBuffers) why = `the kernel would bind ${count} buffers, more than the device allows (${maxBuffers})`;
      }
      if (!why) {
        region.members.push(i);
        regionOf[i] = region.id;
        continue;
      }
      remarks.push(`${describe(i)} kept apart from ${describeRegion(region)}: ${why}`);
    } else if (!isResult && targets.size > 1) {
      remarks.push(`${describe(i)} materialised: used by ${targets.size} kernels`);
    }
    const region: Region = { id: regions.length, members: [i], roots: [], shape: n.outputs[0].type.shape };
    regions.push(region);
    regionOf[i] = region.id;
  }
  for (const r of regions) r.members.sort((a, b) => a - b);
  mergeSiblings(g, regions, regionOf, producer, (members) => bufferCount(g, members, producer, resultSet) <= maxBuffers);
  return buildFusedGraph(g, regions.filter((r) => r.members.length), regionOf, producer, remarks);
}

/** Why node `i` may not join `region`, or undefined when it may. */
function refusal(g: Graph, i: number, region: Region, users: Map<number, number[]>, regionOf: number[]): string | undefined {
  const n = g.nodes[i];
  if (isCheap(n)) {
    if (INDEX_ONLY.has(n.op) || n.op === 'iota' || n.op === 'const') return undefined;
    return feedsContraction(g, i, users, regionOf, region.id)
      ? `${n.op} would be recomputed for every output of the contraction it feeds`
      : undefined;
  }
  if (feedsContraction(g, i, users, regionOf, region.id)) return `${n.op} would be recomputed for every output of the contraction it feeds`;
  const space = spaceOf(n.outputs[0].type.shape, region.shape);
  if (!space) return `its shape is neither the kernel's iteration shape ${fmt(region.shape)} nor a row of it`;
  return pathsStayInSpaces(g, i, space, region, users, regionOf);
}

const fmt = (s: Shape) => `[${s.join(',')}]`;

type Space = 'full' | 'row' | 'rowk';

function spaceOf(shape: Shape, full: Shape): Space | undefined {
  if (shapesEqual(shape, full)) return 'full';
  if (full.length === 0) return undefined;
  const row = full.slice(0, -1);
  if (shapesEqual(shape, row)) return 'row';
  if (shapesEqual(shape, [...row, 1])) return 'rowk';
  return undefined;
}

/** True when `i` reaches a contraction operand inside the region through layout ops only. */
function feedsContraction(g: Graph, i: number, users: Map<number, number[]>, regionOf: number[], rid: number): boolean {
  for (const u of users.get(i) ?? []) {
    if (regionOf[u] !== rid) continue;
    const un = g.nodes[u];
    if (CONTRACTIONS.has(un.op)) return true;
    if (INDEX_ONLY.has(un.op) && feedsContraction(g, u, users, regionOf, rid)) return true;
  }
  return false;
}

/**
 * Walks every path from node `i` (whose value is in `space`) to the region's roots and checks
 * each step keeps the value in the full/row spaces without recomputation.
 */
function pathsStayInSpaces(g: Graph, i: number, space: Space, region: Region, users: Map<number, number[]>, regionOf: number[]): string | undefined {
  for (const u of users.get(i) ?? []) {
    if (regionOf[u] !== region.id) continue;
    const un = g.nodes[u];
    const out = spaceOf(un.outputs[0].type.shape, region.shape);
    let ok = false;
    if (isElementwise(un)) ok = out === space || (out === 'row' && space === 'rowk') || (out === 'rowk' && space === 'row');
    else if (un.op === 'reshape') ok = (space === 'row' && out === 'rowk') || (space === 'rowk' && out === 'row') || out === space;
    else if (un.op === 'broadcast') {
      const dims = un.attrs.dims as number[];
      ok = out === 'full' && (space === 'row' || space === 'rowk') && dims.every((d, k) => d === k);
    } else if (un.op === 'reduce' || un.op === 'argmax' || un.op === 'argmin') {
      const axes = un.op === 'reduce' ? (un.attrs.axes as number[]) : [un.attrs.axis as number];
      ok = space === 'full' && out === 'row' && axes.length === 1 && axes[0] === region.shape.length - 1;
    }
    if (!ok || !out) return `${un.op} ${formatType(un.outputs[0].type)} downstream would recompute it (only elementwise ops, keepdims reshapes, leading broadcasts and last-axis reductions keep it computed once)`;
    const deeper = pathsStayInSpaces(g, u, out, region, users, regionOf);
    if (deeper) return deeper;
  }
  return undefined;
}

/** Values a region reads from outside; splat sources it reads are cloned in instead (see `clonedSources`). */
function regionInputs(g: Graph, r: Region, regionOf: number[], producer: Map<Value, number>): Value[] {
  const inputs: Value[] = [];
  for (const m of r.members) {
    for (const v of g.nodes[m].inputs) {
      const p = producer.get(v);
      const local = p !== undefined && (regionOf[p] === r.id || (regionOf[p] < 0 && isSplatSource(g.nodes[p])));
      if (!local && !inputs.includes(v)) inputs.push(v);
    }
  }
  return inputs;
}

/** Splat sources outside any region that `r` reads, as node indices. */
function clonedSources(g: Graph, r: Region, regionOf: number[], producer: Map<Value, number>): number[] {
  const out = new Set<number>();
  for (const m of r.members) {
    for (const v of g.nodes[m].inputs) {
      const p = producer.get(v);
      if (p !== undefined && regionOf[p] < 0 && isSplatSource(g.nodes[p])) out.add(p);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** Merges same-shaped reduction regions that share an input and do not depend on each other. */
function mergeSiblings(g: Graph, regions: Region[], regionOf: number[], producer: Map<Value, number>, fits: (members: ReadonlySet<number>) => boolean): void {
  const isReduction = (r: Region) => r.members.length > 0 && ['reduce', 'argmax', 'argmin'].includes(g.nodes[r.members[r.members.length - 1]].op);
  const dependsOn = (a: Region, b: Region, seen = new Set<number>()): boolean => {
    // Does region a (transitively) read an output of region b?
    for (const v of regionInputs(g, a, regionOf, producer)) {
      const p = producer.get(v);
      if (p === undefined || regionOf[p] < 0) continue;
      const src = regions[regionOf[p]];
      if (src.id === b.id) return true;
      if (!seen.has(src.id)) {
        seen.add(src.id);
        if (dependsOn(src, b, seen)) return true;
      }
    }
    return false;
  };
  for (const a of regions) {
    if (!isReduction(a)) continue;
    for (const b of regions) {
      if (b.id <= a.id || !isReduction(b) || !shapesEqual(a.shape, b.shape)) continue;
      const shared = regionInputs(g, a, regionOf, producer).some((v) => regionInputs(g, b, regionOf, producer).includes(v));
      if (!shared || dependsOn(a, b) || dependsOn(b, a) || !fits(new Set([...a.members, ...b.members]))) continue;
      for (const m of b.members) regionOf[m] = a.id;
      a.members = [...a.members, ...b.members].sort((x, y) => x - y);
      b.members = [];
    }
  }
}

function kindOf(g: Graph, r: Region): FusionKind {
  const ops = r.members.map((m) => g.nodes[m].op);
  if (ops.some((op) => op === 'dot_general' || op === 'conv')) return 'output';
  if (ops.some((op) => HEAVY.has(op))) return 'reduce';
  return 'loop';
}

const OP_NICKNAMES: Record<string, string> = { dot_general: 'matmul', reduce_window: 'pool', broadcast: '', reshape: '', const: '', transpose: 'transpose' };

/** Kernel names from their ops and iteration shape, tinygrad style: `matmul_add_max_64x512`. */
function kernelName(g: Graph, r: Region, taken: Set<string>): string {
  const parts: string[] = [];
  for (const m of r.members) {
    const n = g.nodes[m];
    const nick = n.op === 'reduce' ? String(n.attrs.op) : OP_NICKNAMES[n.op] ?? n.op;
    if (nick && !parts.includes(nick)) parts.push(nick);
  }
  const head = parts.slice(0, 4).join('_') || 'copy';
  const base = `${head}_${r.shape.length ? r.shape.join('x') : 'scalar'}`;
  let name = base;
  for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
  taken.add(name);
  return name;
}

function buildFusedGraph(g: Graph, regions: Region[], regionOf: number[], producer: Map<Value, number>, remarks: string[]): FusionResult {
  const resultSet = new Set(g.results);
  const outside = new Map<Value, Value>(); // original value → value in the fused graph
  g.params.forEach((p) => outside.set(p, p));
  const nodes: Node[] = [];
  const taken = new Set<string>();
  // A region's last member is its latest node; ordering regions by it is a topological order.
  const order = [...regions].sort((a, b) => a.members[a.members.length - 1] - b.members[b.members.length - 1]);
  const emitted = new Set<number>();
  const emitDenseConstsBefore = (limit: number) => {
    g.nodes.forEach((n, i) => {
      if (i < limit && isDenseConst(n) && !emitted.has(i)) {
        emitted.add(i);
        nodes.push(n);
        outside.set(n.outputs[0], n.outputs[0]);
      }
    });
  };
  for (const r of order) {
    emitDenseConstsBefore(r.members[r.members.length - 1]);
    const memberSet = new Set(r.members);
    const inputs = regionInputs(g, r, regionOf, producer);
    const roots: Value[] = [];
    for (const m of r.members) {
      for (const v of g.nodes[m].outputs) {
        const usedOutside = g.nodes.some((n, i) => !memberSet.has(i) && n.inputs.includes(v));
        if (usedOutside || resultSet.has(v)) roots.push(v);
      }
    }
    const inner = new Map<Value, Value>();
    const params = inputs.map((v, k) => {
      const p = new Value(v.type, `p${k}`);
      inner.set(v, p);
      return p;
    });
    const bodyNodes: Node[] = [...clonedSources(g, r, regionOf, producer), ...r.members].map((m) => {
      const n = g.nodes[m];
      const outputs = n.outputs.map((v) => {
        const nv = new Value(v.type);
        inner.set(v, nv);
        return nv;
      });
      return { op: n.op, inputs: n.inputs.map((v) => inner.get(v)!), attrs: n.attrs, outputs };
    });
    const name = kernelName(g, r, taken);
    const body: Graph = { name, params, nodes: bodyNodes, results: roots.map((v) => inner.get(v)!) };
    const outputs = roots.map((v) => new Value(v.type));
    roots.forEach((v, k) => outside.set(v, outputs[k]));
    nodes.push({ op: FUSION_OP, inputs: inputs.map((v) => outside.get(v)!), attrs: { kind: kindOf(g, r) }, outputs, body });
  }
  emitDenseConstsBefore(g.nodes.length);
  const results = g.results.map((v) => outside.get(v)!);
  return { graph: { name: g.name, params: g.params, nodes, results, remarks }, remarks };
}
