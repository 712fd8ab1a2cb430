/** Golden texts for the graph printer: every op at least once, and the naming and number rules. */
import { describe, expect, it } from 'vitest';
import {
  FUSION_OP, type Graph, GraphBuilder, type Node, type TensorType, Value, allOps, graphDiff, tensorType,
} from '../../ir/index.js';
import { parseGraph } from '../../ir/parser.js';
import { formatAttrValue, formatNumber, formatSymbolName, printGraph } from '../../ir/printer.js';

const f32 = (...shape: number[]): TensorType => tensorType('float32', shape);
const i32 = (...shape: number[]): TensorType => tensorType('int32', shape);
const u32 = (...shape: number[]): TensorType => tensorType('uint32', shape);
const bool = (...shape: number[]): TensorType => tensorType('bool', shape);

/** A fusion node over `body`: one fresh result per body result. */
function fusion(kind: string, inputs: readonly Value[], body: Graph): Node {
  return { op: FUSION_OP, inputs, attrs: { kind }, outputs: body.results.map((v) => new Value(v.type)), body };
}

/** Each case: a graph built with GraphBuilder and the exact text it must print as. */
const GOLDEN: Record<string, { build: () => Graph; text: string }> = {
  'unary ops, cast': {
    build() {
      const b = new GraphBuilder('unary');
      const x = b.param(f32(2, 3), 'x');
      const n = b.param(i32(4), 'n');
      const p = b.param(bool(2), 'p');
      const outs: Value[] = [];
      for (const op of ['neg', 'abs', 'sign', 'exp', 'log', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf', 'floor', 'ceil', 'round']) {
        outs.push(b.op(op, [x]));
      }
      outs.push(b.op('neg', [n]), b.op('abs', [n]), b.op('not', [p]));
      outs.push(b.op('cast', [x], { to: 'i32' }), b.op('cast', [p], { to: 'f32' }));
      return b.build(outs.slice(-4));
    },
    text: `graph @unary(%x: f32[2,3], %n: i32[4], %p: bool[2]) -> (i32[4], bool[2], i32[2,3], f32[2]) {
  %0 = neg %x : f32[2,3]
  %1 = abs %x : f32[2,3]
  %2 = sign %x : f32[2,3]
  %3 = exp %x : f32[2,3]
  %4 = log %x : f32[2,3]
  %5 = sqrt %x : f32[2,3]
  %6 = rsqrt %x : f32[2,3]
  %7 = sin %x : f32[2,3]
  %8 = cos %x : f32[2,3]
  %9 = tanh %x : f32[2,3]
  %10 = sigmoid %x : f32[2,3]
  %11 = erf %x : f32[2,3]
  %12 = floor %x : f32[2,3]
  %13 = ceil %x : f32[2,3]
  %14 = round %x : f32[2,3]
  %15 = neg %n : i32[4]
  %16 = abs %n : i32[4]
  %17 = not %p : bool[2]
  %18 = cast %x {to=i32} : i32[2,3]
  %19 = cast %p {to=f32} : f32[2]
  return %16, %17, %18, %19
}
`,
  },
  'binary, compare, logical, select': {
    build() {
      const b = new GraphBuilder('binary');
      const x = b.param(f32(2, 3), 'x');
      const y = b.param(f32(2, 3), 'y');
      const k = b.param(u32(3), 'k');
      for (const op of ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'mod']) b.op(op, [x, y]);
      b.op('mod', [k, k]);
      const cmp = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].map((op) => b.op(op, [x, y]));
      const both = b.op('and', [cmp[0], cmp[1]]);
      const either = b.op('or', [both, cmp[5]]);
      return b.build([b.op('select', [either, x, y])]);
    },
    text: `graph @binary(%x: f32[2,3], %y: f32[2,3], %k: u32[3]) -> (f32[2,3]) {
  %0 = add %x, %y : f32[2,3]
  %1 = sub %x, %y : f32[2,3]
  %2 = mul %x, %y : f32[2,3]
  %3 = div %x, %y : f32[2,3]
  %4 = pow %x, %y : f32[2,3]
  %5 = max %x, %y : f32[2,3]
  %6 = min %x, %y : f32[2,3]
  %7 = mod %x, %y : f32[2,3]
  %8 = mod %k, %k : u32[3]
  %9 = eq %x, %y : bool[2,3]
  %10 = ne %x, %y : bool[2,3]
  %11 = lt %x, %y : bool[2,3]
  %12 = le %x, %y : bool[2,3]
  %13 = gt %x, %y : bool[2,3]
  %14 = ge %x, %y : bool[2,3]
  %15 = and %9, %10 : bool[2,3]
  %16 = or %15, %14 : bool[2,3]
  %17 = select %16, %x, %y : f32[2,3]
  return %17
}
`,
  },
  'iota and constants: splat, dense, bool, NaN, infinities, -0, extremes': {
    build() {
      const b = new GraphBuilder('sources');
      return b.build([
        b.op('iota', [], { dim: 0 }, i32(4)),
        b.op('iota', [], { dim: 1 }, f32(2, 3)),
        b.op('const', [], { value: 1.5 }, f32(2, 2)),
        b.op('const', [], { value: [1, -2.5, 0.1, Math.fround(0.1)] }, f32(2, 2)),
        b.op('const', [], { value: [1, 0, 1] }, bool(3)),
        b.op('const', [], { value: NaN }, f32(3)),
        b.op('const', [], { value: Infinity }, f32()),
        b.op('const', [], { value: [-Infinity, -0, 1e-7, 3.4028234663852886e38] }, f32(4)),
        b.op('const', [], { value: [-2147483648, 2147483647] }, i32(2)),
        b.op('const', [], { value: 4294967295 }, u32()),
        b.op('const', [], { value: [] }, f32(0, 3)),
      ]);
    },
    text: `graph @sources() -> (i32[4], f32[2,3], f32[2,2], f32[2,2], bool[3], f32[3], f32[], f32[4], i32[2], u32[], f32[0,3]) {
  %0 = iota {dim=0} : i32[4]
  %1 = iota {dim=1} : f32[2,3]
  %2 = const {value=1.5} : f32[2,2]
  %3 = const {value=[1,-2.5,0.1,0.10000000149011612]} : f32[2,2]
  %4 = const {value=[1,0,1]} : bool[3]
  %5 = const {value=nan} : f32[3]
  %6 = const {value=inf} : f32[]
  %7 = const {value=[-inf,-0.0,1e-7,3.4028234663852886e+38]} : f32[4]
  %8 = const {value=[-2147483648,2147483647]} : i32[2]
  %9 = const {value=4294967295} : u32[]
  %10 = const {value=[]} : f32[0,3]
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10
}
`,
  },
  'layout ops': {
    build() {
      const b = new GraphBuilder('layout');
      const x = b.param(f32(2, 3, 4), 'x');
      const v = b.param(f32(3), 'v');
      const idx = b.param(i32(5), 'idx');
      const parts = [x, b.op('slice', [x], { start: [0, 0, 0], limit: [2, 3, 2], stride: [1, 1, 1] }), x];
      return b.build([
        b.op('reshape', [x], {}, f32(6, 4)),
        b.op('transpose', [x], { perm: [2, 0, 1] }),
        b.op('broadcast', [v], { dims: [1] }, f32(2, 3, 4)),
        b.op('slice', [x], { start: [0, 1, 0], limit: [2, 3, 4], stride: [1, 1, 2] }),
        b.op('pad', [x], { low: [1, 0, -1], high: [0, 2, 0], value: -Infinity }),
        b.op('concat', parts, { axis: 2 }),
        b.op('reverse', [x], { axes: [0, 2] }),
        b.op('gather', [x, idx], { axis: 1 }),
      ]);
    },
    text: `graph @layout(%x: f32[2,3,4], %v: f32[3], %idx: i32[5]) -> (f32[6,4], f32[4,2,3], f32[2,3,4], f32[2,2,2], f32[3,5,3], f32[2,3,10], f32[2,3,4], f32[2,5,4]) {
  %0 = slice %x {start=[0,0,0], limit=[2,3,2], stride=[1,1,1]} : f32[2,3,2]
  %1 = reshape %x : f32[6,4]
  %2 = transpose %x {perm=[2,0,1]} : f32[4,2,3]
  %3 = broadcast %v {dims=[1]} : f32[2,3,4]
  %4 = slice %x {start=[0,1,0], limit=[2,3,4], stride=[1,1,2]} : f32[2,2,2]
  %5 = pad %x {low=[1,0,-1], high=[0,2,0], value=-inf} : f32[3,5,3]
  %6 = concat %x, %0, %x {axis=2} : f32[2,3,10]
  %7 = reverse %x {axes=[0,2]} : f32[2,3,4]
  %8 = gather %x, %idx {axis=1} : f32[2,5,4]
  return %1, %2, %3, %4, %5, %6, %7, %8
}
`,
  },
  'reductions': {
    build() {
      const b = new GraphBuilder('reductions');
      const x = b.param(f32(2, 3, 4), 'x');
      return b.build([
        b.op('reduce', [x], { op: 'sum', axes: [1] }),
        b.op('reduce', [x], { op: 'max', axes: [0, 2] }),
        b.op('reduce', [x], { op: 'min', axes: [] }),
        b.op('reduce', [x], { op: 'prod', axes: [0, 1, 2] }),
        b.op('argmax', [x], { axis: 2 }),
        b.op('argmin', [x], { axis: 0 }),
      ]);
    },
    text: `graph @reductions(%x: f32[2,3,4]) -> (f32[2,4], f32[3], f32[2,3,4], f32[], i32[2,3], i32[3,4]) {
  %0 = reduce %x {op=sum, axes=[1]} : f32[2,4]
  %1 = reduce %x {op=max, axes=[0,2]} : f32[3]
  %2 = reduce %x {op=min, axes=[]} : f32[2,3,4]
  %3 = reduce %x {op=prod, axes=[0,1,2]} : f32[]
  %4 = argmax %x {axis=2} : i32[2,3]
  %5 = argmin %x {axis=0} : i32[3,4]
  return %0, %1, %2, %3, %4, %5
}
`,
  },
  'dot_general, conv, reduce_window': {
    build() {
      const b = new GraphBuilder('contractions');
      const lhs = b.param(f32(2, 3, 4), 'lhs');
      const rhs = b.param(f32(2, 4, 5), 'rhs');
      const image = b.param(f32(1, 5, 5, 4), 'image');
      const filter = b.param(f32(3, 3, 2, 8), 'filter');
      const matmul = b.op('dot_general', [lhs, rhs], { batch: [[0], [0]], contract: [[2], [1]] });
      const conv = b.op('conv', [image, filter], {
        strides: [2, 1], padding: [[1, 1], [0, 0]], lhs_dilation: [1, 1], rhs_dilation: [1, 2], groups: 2,
      });
      const pool = b.op('reduce_window', [image], {
        op: 'max', window: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: [[0, 0], [0, 1], [0, 1], [0, 0]],
      });
      return b.build([matmul, conv, pool]);
    },
    text: `graph @contractions(%lhs: f32[2,3,4], %rhs: f32[2,4,5], %image: f32[1,5,5,4], %filter: f32[3,3,2,8]) -> (f32[2,3,5], f32[1,3,1,8], f32[1,3,3,4]) {
  %0 = dot_general %lhs, %rhs {batch=[[0],[0]], contract=[[2],[1]]} : f32[2,3,5]
  %1 = conv %image, %filter {strides=[2,1], padding=[[1,1],[0,0]], lhs_dilation=[1,1], rhs_dilation=[1,2], groups=2} : f32[1,3,1,8]
  %2 = reduce_window %image {op=max, window=[1,2,2,1], strides=[1,2,2,1], padding=[[0,0],[0,1],[0,1],[0,0]]} : f32[1,3,3,4]
  return %0, %1, %2
}
`,
  },
  'rank-0 and zero-size types': {
    build() {
      const b = new GraphBuilder('edge_shapes');
      const s = b.param(f32(), 's');
      const e = b.param(f32(0, 3), 'e');
      const sum = b.op('reduce', [e], { op: 'sum', axes: [0, 1] });
      const t = b.op('add', [s, sum]);
      const grown = b.op('broadcast', [t], { dims: [] }, f32(0, 3));
      return b.build([t, b.op('mul', [grown, e])]);
    },
    text: `graph @edge_shapes(%s: f32[], %e: f32[0,3]) -> (f32[], f32[0,3]) {
  %0 = reduce %e {op=sum, axes=[0,1]} : f32[]
  %1 = add %s, %0 : f32[]
  %2 = broadcast %1 {dims=[]} : f32[0,3]
  %3 = mul %2, %e : f32[0,3]
  return %1, %3
}
`,
  },
  'fusion nodes: nested indentation, own numbering, several results, %pN params, remarks': {
    build() {
      const k1 = new GraphBuilder('matmul_bias_relu_2x4');
      const [a, w, bias] = [k1.param(f32(2, 3)), k1.param(f32(3, 4)), k1.param(f32(4), 'bias')];
      const mm = k1.op('dot_general', [a, w], { batch: [[], []], contract: [[1], [0]] });
      const sum = k1.op('add', [mm, k1.op('broadcast', [bias], { dims: [1] }, f32(2, 4))]);
      const relu = k1.build([k1.op('max', [sum, k1.op('const', [], { value: 0 }, f32(2, 4))])]);

      const k2 = new GraphBuilder('sum max 2');
      const h = k2.param(f32(2, 4), 'h');
      const sums = k2.build([k2.op('reduce', [h], { op: 'sum', axes: [1] }), k2.op('reduce', [h], { op: 'max', axes: [1] })]);

      const k3 = new GraphBuilder('iota_2');
      const iota = k3.build([k3.op('iota', [], { dim: 0 }, f32(2))]);

      const x = new Value(f32(2, 3), 'x');
      const w0 = new Value(f32(3, 4), 'w');
      const b0 = new Value(f32(4), 'b');
      const f1 = fusion('output', [x, w0, b0], { ...relu, remarks: ['kept the bias add\nin the epilogue'] });
      const f2 = fusion('reduce', f1.outputs, sums);
      const f3 = fusion('loop', [], iota);
      const last: Node = { op: 'add', inputs: [f2.outputs[1], f3.outputs[0]], attrs: {}, outputs: [new Value(f32(2))] };
      return {
        name: 'mlp', params: [x, w0, b0], nodes: [f1, f2, f3, last], results: [f2.outputs[0], last.outputs[0]],
        remarks: ['fusion kept reduce %3 apart from dot_general %0: <reason>', 'second'],
      };
    },
    text: `graph @mlp(%x: f32[2,3], %w: f32[3,4], %b: f32[4]) -> (f32[2], f32[2]) {
  // remark: fusion kept reduce %3 apart from dot_general %0: <reason>
  // remark: second
  %0 = fusion %x, %w, %b {kind=output} : f32[2,4] graph @matmul_bias_relu_2x4(%p0: f32[2,3], %p1: f32[3,4], %bias: f32[4]) -> (f32[2,4]) {
    // remark: kept the bias add in the epilogue
    %0 = dot_general %p0, %p1 {batch=[[],[]], contract=[[1],[0]]} : f32[2,4]
    %1 = broadcast %bias {dims=[1]} : f32[2,4]
    %2 = add %0, %1 : f32[2,4]
    %3 = const {value=0} : f32[2,4]
    %4 = max %2, %3 : f32[2,4]
    return %4
  }
  %1, %2 = fusion %0 {kind=reduce} : f32[2], f32[2] graph @"sum max 2"(%h: f32[2,4]) -> (f32[2], f32[2]) {
    %0 = reduce %h {op=sum, axes=[1]} : f32[2]
    %1 = reduce %h {op=max, axes=[1]} : f32[2]
    return %0, %1
  }
  %3 = fusion {kind=loop} : f32[2] graph @iota_2() -> (f32[2]) {
    %0 = iota {dim=0} : f32[2]
    return %0
  }
  %4 = add %2, %3 : f32[2]
  return %1, %4
}
`,
  },
};

describe('printGraph golden texts', () => {
  for (const [name, { build, text }] of Object.entries(GOLDEN)) {
    it(name, () => {
      const g = build();
      expect(printGraph(g)).toBe(text);
      expect(graphDiff(parseGraph(text), g)).toBeUndefined();
    });
  }

  it('the goldens use every registered op', () => {
    const used = new Set(Object.values(GOLDEN).flatMap(({ build }) => build().nodes.map((n) => n.op)));
    expect(allOps().map((d) => d.name).filter((op) => !used.has(op))).toEqual([]);
  });
});

describe('number and attribute formatting', () => {
  it.each([
    [0, '0'], [-3, '-3'], [4294967295, '4294967295'], [1.5, '1.5'], [-0, '-0.0'], [NaN, 'nan'],
    [Infinity, 'inf'], [-Infinity, '-inf'], [1e-7, '1e-7'], [1e21, '1e+21'],
    [Math.fround(0.1), '0.10000000149011612'], [Math.fround(3.4e38), '3.3999999521443642e+38'],
  ])('formatNumber(%s) is %s', (x, text) => {
    expect(formatNumber(x)).toBe(text);
    expect(Object.is(Number(text.replace('nan', 'NaN').replace('inf', 'Infinity')), x)).toBe(true);
  });

  it('prints strings bare unless they would read back as something else', () => {
    expect(formatAttrValue('sum')).toBe('sum');
    expect(formatAttrValue('inf')).toBe('"inf"');
    expect(formatAttrValue('true')).toBe('"true"');
    expect(formatAttrValue('two words')).toBe('"two words"');
    expect(formatAttrValue(true)).toBe('true');
    expect(formatAttrValue([[1, 1], [], [0]])).toBe('[[1,1],[],[0]]');
  });

  it('quotes graph names that are not bare symbols', () => {
    expect(formatSymbolName('mlp.v2_1')).toBe('@mlp.v2_1');
    expect(formatSymbolName('two words')).toBe('@"two words"');
    expect(formatSymbolName('')).toBe('@""');
  });
});

describe('parameter names', () => {
  const namesOf = (hints: (string | undefined)[]): string => {
    const b = new GraphBuilder('g');
    hints.forEach((h) => b.param(f32(), h));
    return printGraph(b.build([])).split('\n')[0];
  };

  it('uses hints that are unique identifiers', () => {
    expect(namesOf(['x', 'w_1', undefined])).toBe('graph @g(%x: f32[], %w_1: f32[], %arg2: f32[]) -> () {');
  });

  it('falls back to %argN for duplicate, numeric and non-identifier hints', () => {
    expect(namesOf(['x', 'x', '0', 'a b'])).toBe('graph @g(%arg0: f32[], %arg1: f32[], %arg2: f32[], %arg3: f32[]) -> () {');
  });

  it('keeps fallback names clear of hints already in use', () => {
    expect(namesOf(['arg1', undefined])).toBe('graph @g(%arg1: f32[], %arg1_1: f32[]) -> () {');
  });
});

describe('body parameter names', () => {
  const bodyParamsOf = (hints: (string | undefined)[]): string => {
    const k = new GraphBuilder('k');
    const params = hints.map((h) => k.param(f32(), h));
    const outer = hints.map(() => new Value(f32(), 'x'));
    const node = fusion('loop', outer, k.build([params[0]]));
    const text = printGraph({ name: 'g', params: outer, nodes: [node], results: node.outputs });
    return /graph @k\((.*)\) -> /.exec(text)![1];
  };

  it('uses hints that are unique identifiers, else %pN (made unique like top-level names)', () => {
    expect(bodyParamsOf([undefined, 'x', 'p0', 'y', 'y', '1'])).toBe('%p0_1: f32[], %x: f32[], %p0: f32[], %p3: f32[], %p4: f32[], %p5: f32[]');
  });
});

describe('invalid graphs still print', () => {
  it('shows an operand no parameter or earlier node defines', () => {
    const other = new GraphBuilder('other').param(f32(2));
    const b = new GraphBuilder('g');
    const y = b.op('exp', [other]);
    expect(printGraph(b.build([y]))).toBe(`graph @g() -> (f32[2]) {
  %0 = exp <<undefined value>> : f32[2]
  return %0
}
`);
  });

  it('shows a body operand from the outer graph as undefined, and a fusion without a body as is', () => {
    const x = new Value(f32(2), 'x');
    const k = new GraphBuilder('k');
    const body = k.build([k.op('neg', [x])]);
    const leaky = fusion('loop', [], body);
    const bare: Node = { op: FUSION_OP, inputs: [x], attrs: { kind: 'loop' }, outputs: [new Value(f32(2))] };
    expect(printGraph({ name: 'g', params: [x], nodes: [leaky, bare], results: [] })).toBe(`graph @g(%x: f32[2]) -> () {
  %0 = fusion {kind=loop} : f32[2] graph @k() -> (f32[2]) {
    %0 = neg <<undefined value>> : f32[2]
    return %0
  }
  %1 = fusion %x {kind=loop} : f32[2]
  return
}
`);
  });
});
