/**
 * `arbGraph(options?)`: a fast-check arbitrary of random VALID graphs drawn from the whole op
 * registry, for round-trip tests now and backend-against-interpreter property tests later.
 *
 * A graph starts with a few parameters of small shapes (rank 0 and zero-size dims included),
 * then appends random nodes. Each op has a generator below that picks operands from the values
 * defined so far and draws attributes that are valid for them; when no earlier value fits, the
 * operand becomes a new parameter, so only ops in `options.ops` ever appear. Every node goes
 * through GraphBuilder, so an invalid draw fails loudly instead of producing a bad graph.
 *
 * `arbFusedGraph(options?)` draws such a graph and wraps random runs of its nodes into fusion
 * nodes (with bodies, several results, remarks), as the fusion pass would; it is verified too.
 */
import fc, { type Arbitrary, type GeneratorValue } from 'fast-check';
import {
  type Attrs, BINARY_OPS, DTYPES, type DType, FUSION_KINDS, FUSION_OP, type Graph, GraphBuilder, type Node, REDUCE_KINDS,
  type TensorType, UNARY_OPS, Value, WINDOW_KINDS, allOps, isNumeric, shortDType, sizeOf, tensorType, typesEqual,
  verifyGraph,
} from '../../ir/index.js';
import { printGraph } from '../../ir/printer.js';

export interface RandomGraphOptions {
  /** Ops nodes are drawn from; default: every op in RANDOM_GRAPH_OPS. */
  readonly ops?: readonly string[];
  /**
   * Dtypes for free choices (parameters, const, iota, cast). Ops still give what they give:
   * comparisons give bool, argmax i32, and operands an op requires (bool for `and`) are made.
   */
  readonly dtypes?: readonly DType[];
  /** Parameters created up front (operands may add more later). Default 3. */
  readonly maxInitialParams?: number;
  readonly minNodes?: number;
  /** Default 8. */
  readonly maxNodes?: number;
  /** Largest rank of drawn shapes, >= 1 (conv operands are rank 3-4 regardless). Default 3. */
  readonly maxRank?: number;
  /** Largest drawn dimension. Default 4. */
  readonly maxDim?: number;
  /** Whether drawn dimensions may be 0. Default true. */
  readonly zeroSizeDims?: boolean;
  /** Default 3; a graph may also return nothing. */
  readonly maxResults?: number;
}

type Settings = Required<Omit<RandomGraphOptions, 'ops' | 'dtypes'>> & { readonly ops: readonly string[]; readonly dtypes: readonly DType[] };

const PARAM_HINTS = ['x', 'y', 'w', 'bias', 'arg1', 'x', '0', 'not an identifier', undefined, undefined, undefined];
const GRAPH_NAMES = ['g', 'mlp', 'f_1', 'main.v2', 'name with spaces'];
const INDEX_DTYPES: readonly DType[] = ['int32', 'uint32'];
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** fast-check biases integers toward small values: right for sizes, wrong for choosing among ops. */
const uniformInt = (min: number, max: number): Arbitrary<number> => fc.noBias(fc.integer({ min, max }));

/** Draws one graph; every random choice goes through `g` so fast-check can replay and shrink it. */
class RandomGraphGenerator {
  private readonly builder: GraphBuilder;
  private readonly pool: Value[] = [];

  constructor(private readonly g: GeneratorValue, readonly settings: Settings) {
    this.builder = new GraphBuilder(this.pick(GRAPH_NAMES));
  }

  generate(): Graph {
    const s = this.settings;
    for (let i = this.int(0, s.maxInitialParams); i > 0; i--) this.newParam(this.type());
    const nodeCount = s.ops.length ? this.int(s.minNodes, s.maxNodes) : 0;
    let last: Value | undefined;
    for (let i = 0; i < nodeCount; i++) {
      const op = this.pick(s.ops);
      last = OP_GENERATORS[op](this, op);
    }
    const results = last && !this.oneIn(8) ? [last] : [];
    if (this.pool.length) for (let i = this.int(0, s.maxResults - results.length); i > 0; i--) results.push(this.pick(this.pool));
    return this.builder.build(results);
  }

  int(min: number, max: number): number {
    return this.g(fc.integer, { min, max });
  }

  /** Shrinks toward false: toward the common case. */
  oneIn(n: number): boolean {
    return this.int(1, n) === n;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.g(uniformInt, 0, xs.length - 1)];
  }

  permutation(n: number): number[] {
    return this.g(fc.shuffledSubarray, range(n), { minLength: n, maxLength: n });
  }

  /** A sorted subset of 0..n-1. */
  subset(n: number, size?: number): number[] {
    return this.g(fc.subarray, range(n), size === undefined ? {} : { minLength: size, maxLength: size });
  }

  dim(): number {
    return this.settings.zeroSizeDims && this.oneIn(6) ? 0 : this.int(1, this.settings.maxDim);
  }

  shape(minRank = 0, maxRank = this.settings.maxRank): number[] {
    return range(this.int(minRank, Math.max(minRank, maxRank))).map(() => this.dim());
  }

  dtype(allowed: (d: DType) => boolean = () => true): DType {
    const preferred = this.settings.dtypes.filter(allowed);
    return this.pick(preferred.length ? preferred : DTYPES.filter(allowed));
  }

  type(allowed?: (d: DType) => boolean, minRank = 0): TensorType {
    return tensorType(this.dtype(allowed), this.shape(minRank));
  }

  /** One element of `d`: float32 values include NaN, infinities and -0. */
  scalar(d: DType): number {
    switch (d) {
      case 'float32': return this.g(fc.float);
      case 'int32': return this.int(-0x80000000, 0x7fffffff);
      case 'uint32': return this.int(0, 0xffffffff);
      case 'bool': return this.int(0, 1);
    }
  }

  newParam(type: TensorType): Value {
    const v = this.builder.param(type, this.pick(PARAM_HINTS));
    this.pool.push(v);
    return v;
  }

  /** Mostly an earlier value that `fits`, else a new parameter of type `make()`. */
  operand(fits: (t: TensorType) => boolean, make: () => TensorType): Value {
    const candidates = this.pool.filter((v) => fits(v.type));
    return candidates.length && !this.oneIn(4) ? this.pick(candidates) : this.newParam(make());
  }

  anyOperand(): Value {
    return this.operand(() => true, () => this.type());
  }

  ofType(t: TensorType): Value {
    return this.operand((u) => typesEqual(u, t), () => t);
  }

  emit(op: string, inputs: readonly Value[], attrs: Attrs = {}, declared?: TensorType): Value {
    const v = this.builder.op(op, inputs, attrs, declared);
    this.pool.push(v);
    return v;
  }
}

type OpGenerator = (gen: RandomGraphGenerator, op: string) => Value;

function elementwise(allowed: (d: DType) => boolean, arity: 1 | 2): OpGenerator {
  return (gen, op) => {
    const a = gen.operand((t) => allowed(t.dtype), () => gen.type(allowed));
    return gen.emit(op, arity === 1 ? [a] : [a, gen.ofType(a.type)]);
  };
}

/** Window extent, stride and padding of one dim that keep the window inside the padded input. */
function windowDim(gen: RandomGraphGenerator, inSize: number, inDilation = 1, winDilation = 1) {
  const lo = gen.int(0, 2);
  let hi = gen.int(0, 2);
  const dilatedIn = inSize === 0 ? 0 : (inSize - 1) * inDilation + 1;
  if (dilatedIn + lo + hi === 0) hi = 1;
  const padded = dilatedIn + lo + hi;
  const window = gen.int(1, Math.min(3, Math.floor((padded - 1) / winDilation) + 1));
  return { window, stride: gen.int(1, 2), padding: [lo, hi] };
}

function primeFactors(n: number): number[] {
  const out: number[] = [];
  for (let p = 2; p * p <= n; p++) for (; n % p === 0; n /= p) out.push(p);
  if (n > 1) out.push(n);
  return out;
}

const layoutGenerators: Record<string, OpGenerator> = {
  reshape(gen, op) {
    const x = gen.anyOperand();
    const n = sizeOf(x.type.shape);
    let shape: number[];
    if (n === 0) {
      shape = gen.shape(1);
      shape[gen.int(0, shape.length - 1)] = 0;
    } else {
      const factors = primeFactors(n);
      shape = new Array<number>(gen.int(factors.length ? 1 : 0, gen.settings.maxRank)).fill(1);
      for (const f of factors) shape[gen.int(0, shape.length - 1)] *= f;
    }
    return gen.emit(op, [x], {}, tensorType(x.type.dtype, shape));
  },
  transpose(gen, op) {
    const x = gen.anyOperand();
    return gen.emit(op, [x], { perm: gen.permutation(x.type.shape.length) });
  },
  broadcast(gen, op) {
    const maxRank = gen.settings.maxRank;
    const x = gen.operand((t) => t.shape.length <= maxRank, () => gen.type());
    const rank = x.type.shape.length;
    const outRank = gen.int(rank, maxRank);
    const dims = gen.subset(outRank, rank);
    const shape = range(outRank).map(() => gen.dim());
    dims.forEach((d, i) => {
      if (x.type.shape[i] !== 1) shape[d] = x.type.shape[i];
    });
    return gen.emit(op, [x], { dims }, tensorType(x.type.dtype, shape));
  },
  slice(gen, op) {
    const x = gen.anyOperand();
    const start = x.type.shape.map((d) => gen.int(0, d));
    const limit = x.type.shape.map((d, i) => gen.int(start[i], d));
    const stride = x.type.shape.map(() => gen.int(1, 3));
    return gen.emit(op, [x], { start, limit, stride });
  },
  pad(gen, op) {
    const x = gen.anyOperand();
    // `0 - n` rather than `-n`: a -0 bound could come back as a -0 pad amount.
    const low = x.type.shape.map((d) => gen.int(0 - d, 2));
    const high = x.type.shape.map((d, i) => gen.int(0 - (d + low[i]), 2));
    return gen.emit(op, [x], { low, high, value: gen.scalar(x.type.dtype) });
  },
  concat(gen, op) {
    const x = gen.operand((t) => t.shape.length >= 1, () => gen.type(undefined, 1));
    const { dtype, shape } = x.type;
    const axis = gen.int(0, shape.length - 1);
    const fits = (t: TensorType): boolean =>
      t.dtype === dtype && t.shape.length === shape.length && t.shape.every((d, i) => i === axis || d === shape[i]);
    const others = range(gen.int(0, 2)).map(() => gen.operand(fits, () => tensorType(dtype, shape.map((d, i) => (i === axis ? gen.dim() : d)))));
    return gen.emit(op, [x, ...others], { axis });
  },
  reverse(gen, op) {
    const x = gen.anyOperand();
    return gen.emit(op, [x], { axes: gen.subset(x.type.shape.length) });
  },
  gather(gen, op) {
    const x = gen.operand((t) => t.shape.length >= 1, () => gen.type(undefined, 1));
    const axis = gen.int(0, x.type.shape.length - 1);
    const emptyAxis = x.type.shape[axis] === 0;
    const indices = gen.operand(
      (t) => INDEX_DTYPES.includes(t.dtype) && (!emptyAxis || sizeOf(t.shape) === 0),
      () => {
        const shape = gen.shape(emptyAxis ? 1 : 0, 2);
        if (emptyAxis) shape[gen.int(0, shape.length - 1)] = 0;
        return tensorType(gen.pick(INDEX_DTYPES), shape);
      },
    );
    return gen.emit(op, [x, indices], { axis });
  },
};

const otherGenerators: Record<string, OpGenerator> = {
  select(gen, op) {
    const a = gen.anyOperand();
    const b = gen.ofType(a.type);
    const cond = gen.ofType(tensorType('bool', a.type.shape));
    return gen.emit(op, [cond, a, b]);
  },
  cast(gen, op) {
    const to = gen.dtype();
    return gen.emit(op, [gen.anyOperand()], { to: shortDType(to) });
  },
  iota(gen, op) {
    const t = gen.type(isNumeric, 1);
    return gen.emit(op, [], { dim: gen.int(0, t.shape.length - 1) }, t);
  },
  const(gen, op) {
    const t = gen.type();
    const n = sizeOf(t.shape);
    const value = n <= 12 && !gen.oneIn(3) ? range(n).map(() => gen.scalar(t.dtype)) : gen.scalar(t.dtype);
    return gen.emit(op, [], { value }, t);
  },
  reduce(gen, op) {
    const x = gen.operand((t) => isNumeric(t.dtype), () => gen.type(isNumeric));
    return gen.emit(op, [x], { op: gen.pick(REDUCE_KINDS), axes: gen.subset(x.type.shape.length) });
  },
  dot_general(gen, op) {
    const lhs = gen.operand((t) => isNumeric(t.dtype), () => gen.type(isNumeric));
    const rank = lhs.type.shape.length;
    const order = gen.permutation(rank);
    const nBatch = gen.int(0, rank);
    const nContract = gen.int(0, rank - nBatch);
    const lb = order.slice(0, nBatch);
    const lc = order.slice(nBatch, nBatch + nContract);
    if (gen.oneIn(4)) return gen.emit(op, [lhs, lhs], { batch: [lb, lb], contract: [lc, lc] });
    const rhsRank = nBatch + nContract + gen.int(0, Math.max(0, gen.settings.maxRank - nBatch - nContract));
    const positions = gen.permutation(rhsRank);
    const rb = positions.slice(0, nBatch);
    const rc = positions.slice(nBatch, nBatch + nContract);
    const shape = range(rhsRank).map(() => gen.dim());
    rb.forEach((p, i) => (shape[p] = lhs.type.shape[lb[i]]));
    rc.forEach((p, i) => (shape[p] = lhs.type.shape[lc[i]]));
    const rhs = gen.ofType(tensorType(lhs.type.dtype, shape));
    return gen.emit(op, [lhs, rhs], { batch: [lb, rb], contract: [lc, rc] });
  },
  conv(gen, op) {
    const x = gen.operand(
      (t) => isNumeric(t.dtype) && (t.shape.length === 3 || t.shape.length === 4),
      () => tensorType(gen.dtype(isNumeric), gen.shape(3, 4)),
    );
    const k = x.type.shape.length - 2;
    const channels = x.type.shape[k + 1];
    const groups = gen.pick([1, 2, 3].filter((g) => channels % g === 0));
    const outChannels = groups * (gen.settings.zeroSizeDims && gen.oneIn(8) ? 0 : gen.int(1, 2));
    const lhsDilation = range(k).map(() => gen.int(1, 2));
    const rhsDilation = range(k).map(() => gen.int(1, 2));
    const dims = range(k).map((i) => windowDim(gen, x.type.shape[i + 1], lhsDilation[i], rhsDilation[i]));
    const filter = gen.ofType(tensorType(x.type.dtype, [...dims.map((d) => d.window), channels / groups, outChannels]));
    return gen.emit(op, [x, filter], {
      strides: dims.map((d) => d.stride), padding: dims.map((d) => d.padding),
      lhs_dilation: lhsDilation, rhs_dilation: rhsDilation, groups,
    });
  },
  reduce_window(gen, op) {
    const x = gen.operand((t) => isNumeric(t.dtype), () => gen.type(isNumeric));
    const dims = x.type.shape.map((d) => windowDim(gen, d));
    return gen.emit(op, [x], {
      op: gen.pick(WINDOW_KINDS), window: dims.map((d) => d.window), strides: dims.map((d) => d.stride), padding: dims.map((d) => d.padding),
    });
  },
};

function argReduce(gen: RandomGraphGenerator, op: string): Value {
  const x = gen.operand(
    (t) => isNumeric(t.dtype) && t.shape.some((d) => d > 0),
    () => {
      const t = gen.type(isNumeric, 1);
      return t.shape.some((d) => d > 0) ? t : tensorType(t.dtype, [1, ...t.shape.slice(1)]);
    },
  );
  const axes = range(x.type.shape.length).filter((i) => x.type.shape[i] > 0);
  return gen.emit(op, [x], { axis: gen.pick(axes) });
}

const OP_GENERATORS: Record<string, OpGenerator> = {
  ...Object.fromEntries(Object.entries(UNARY_OPS).map(([name, { rule }]) => [name, elementwise(rule.allowed, 1)])),
  ...Object.fromEntries(Object.entries(BINARY_OPS).map(([name, { rule }]) => [name, elementwise(rule.allowed, 2)])),
  ...layoutGenerators,
  ...otherGenerators,
  argmax: argReduce,
  argmin: argReduce,
};

/** Ops arbGraph can generate; a test checks this covers the registry. */
export const RANDOM_GRAPH_OPS: readonly string[] = allOps().map((d) => d.name).filter((name) => name in OP_GENERATORS);

function settingsOf(options: RandomGraphOptions): Settings {
  const settings: Settings = {
    ops: options.ops ?? RANDOM_GRAPH_OPS,
    dtypes: options.dtypes ?? DTYPES,
    maxInitialParams: options.maxInitialParams ?? 3,
    minNodes: options.minNodes ?? 1,
    maxNodes: options.maxNodes ?? 8,
    maxRank: options.maxRank ?? 3,
    maxDim: options.maxDim ?? 4,
    zeroSizeDims: options.zeroSizeDims ?? true,
    maxResults: options.maxResults ?? 3,
  };
  const unknown = settings.ops.filter((op) => !(op in OP_GENERATORS));
  if (unknown.length) throw new Error(`arbGraph: no generator for op(s) ${unknown.join(', ')}`);
  if (settings.maxRank < 1) throw new Error('arbGraph: maxRank must be >= 1');
  return settings;
}

/** Random valid graphs; failing cases print as IR text. */
export function arbGraph(options: RandomGraphOptions = {}): Arbitrary<Graph> {
  const settings = settingsOf(options);
  return fc.gen().map((g) => withTextForm(new RandomGraphGenerator(g, settings).generate()));
}

export interface RandomFusedGraphOptions extends RandomGraphOptions {
  /** Most nodes wrapped into one fusion. Default 4. */
  readonly maxFusionNodes?: number;
  /** Whether the graph and the bodies get remarks (some with line breaks). Default true. */
  readonly remarks?: boolean;
}

const KERNEL_NAMES = ['fused', 'matmul_bias_relu_64x512', 'loop_fusion.1', 'kernel with spaces', 'g'];
/** Body parameter hints: any name is fine, a body has a scope of its own. */
const BODY_PARAM_HINTS = ['p0', 'p1', 'x', 'arg0', '0', undefined, undefined, undefined];
const REMARKS = [
  'fusion kept reduce %3 apart from dot_general %0: the reduce would recompute its operand',
  '',
  '  leading spaces, // slashes, braces } { and @names %0',
  'a remark over\nseveral lines\r\nfolds into one',
  'unicode: ∑ ≤ 4096 — ok ',
];

/**
 * Random valid graphs with fusion nodes, as a fusion pass would leave them: an `arbGraph` graph
 * whose random runs of consecutive nodes (at least one run) become fusion nodes. A fusion's
 * operands are the values its run uses from outside (first use first), its results the values
 * the run defines that later nodes or the graph results use (plus, at random, others; at least
 * one), in definition order, so fusions with no operands and with several results both occur.
 */
export function arbFusedGraph(options: RandomFusedGraphOptions = {}): Arbitrary<Graph> {
  const settings = settingsOf(options);
  const maxFusionNodes = options.maxFusionNodes ?? 4;
  const remarks = options.remarks ?? true;
  return fc.gen().map((g) => {
    const gen = new RandomGraphGenerator(g, settings);
    const fused = fuseRandomRuns(gen, gen.generate(), maxFusionNodes);
    const withRemarks = remarks ? addRemarks(gen, fused) : fused;
    return withTextForm(verifyGraph(withRemarks));
  });
}

/** Sorted, disjoint `[start, end)` runs of node indices; at least one when there are nodes. */
function randomRuns(gen: RandomGraphGenerator, n: number, maxLength: number): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < n;) {
    if (gen.oneIn(2)) {
      const end = i + gen.int(1, Math.min(maxLength, n - i));
      runs.push([i, end]);
      i = end;
    } else {
      i++;
    }
  }
  if (!runs.length && n) {
    const start = gen.int(0, n - 1);
    runs.push([start, start + gen.int(1, Math.min(maxLength, n - start))]);
  }
  return runs;
}

function fuseRandomRuns(gen: RandomGraphGenerator, graph: Graph, maxLength: number): Graph {
  /** Outer values a fusion replaced: a run's escaping value -> the fusion's result. */
  const replaced = new Map<Value, Value>();
  const current = (v: Value): Value => replaced.get(v) ?? v;
  const nodes: Node[] = [];
  let next = 0;
  for (const [start, end] of randomRuns(gen, graph.nodes.length, maxLength)) {
    for (; next < start; next++) nodes.push(rewire(graph.nodes[next], current));
    const usedLater = new Set([...graph.nodes.slice(end).flatMap((n) => n.inputs), ...graph.results]);
    nodes.push(fuseRun(gen, graph.nodes.slice(start, end), usedLater, current, replaced));
    next = end;
  }
  for (; next < graph.nodes.length; next++) nodes.push(rewire(graph.nodes[next], current));
  return { ...graph, nodes, results: graph.results.map(current) };
}

function rewire(node: Node, current: (v: Value) => Value): Node {
  return { ...node, inputs: node.inputs.map(current) };
}

function fuseRun(
  gen: RandomGraphGenerator, run: readonly Node[], usedLater: ReadonlySet<Value>, current: (v: Value) => Value, replaced: Map<Value, Value>,
): Node {
  const defined = run.flatMap((n) => n.outputs);
  const operands: Value[] = [];
  for (const v of run.flatMap((n) => n.inputs)) if (!defined.includes(v) && !operands.includes(v)) operands.push(v);
  const params = operands.map((v) => new Value(v.type, gen.pick(BODY_PARAM_HINTS)));
  const param = new Map(operands.map((v, i) => [v, params[i]]));
  const bodyNodes = run.map((n) => ({ ...n, inputs: n.inputs.map((v) => param.get(v) ?? v) }));
  let escaping = defined.filter((v) => usedLater.has(v) || gen.oneIn(4));
  if (!escaping.length) escaping = [defined.at(-1)!];
  const outputs = escaping.map((v) => new Value(v.type));
  escaping.forEach((v, i) => replaced.set(v, outputs[i]));
  const body: Graph = { name: gen.pick(KERNEL_NAMES), params, nodes: bodyNodes, results: escaping };
  return { op: FUSION_OP, inputs: operands.map(current), attrs: { kind: gen.pick(FUSION_KINDS) }, outputs, body };
}

/** Up to two remarks on the graph and on each body. */
function addRemarks(gen: RandomGraphGenerator, graph: Graph): Graph {
  const remarks = Array.from({ length: gen.int(0, 2) }, () => gen.pick(REMARKS));
  const nodes = graph.nodes.map((n) => (n.body ? { ...n, body: addRemarks(gen, n.body) } : n));
  return { ...graph, nodes, ...(remarks.length && { remarks }) };
}

/** Makes fast-check report a graph as its IR text. */
function withTextForm(graph: Graph): Graph {
  return Object.defineProperty(graph, fc.toStringMethod, { value: () => printGraph(graph), enumerable: false });
}
