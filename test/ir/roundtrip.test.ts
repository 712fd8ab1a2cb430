/** parse(print(g)) is structurally equal to g, and print(parse(text)) === text for canonical text. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FUSION_OP, type Graph, allOps } from '../../ir/index.js';
import { parseGraph } from '../../ir/parser.js';
import { printGraph } from '../../ir/printer.js';
import { FUSED_MLP_TEXT, GRAPH_TEXT, expectRoundTrip, itKeepsCanonicalText } from './helpers.js';
import { RANDOM_GRAPH_OPS, arbFusedGraph, arbGraph } from './random-graph.js';

/** The round trip keeps remarks too (graphDiff leaves them out). */
function expectGraphRoundTrip(g: Graph): void {
  const back = expectRoundTrip(GRAPH_TEXT, g);
  expect(remarkTree(back), printGraph(g)).toEqual(remarkTree(g));
}

/** The remarks of a graph and, nested, of its fusion bodies, line breaks folded as the printer does. */
function remarkTree(g: Graph): unknown {
  return {
    remarks: (g.remarks ?? []).map((r) => r.replace(/\r\n|\r|\n/g, ' ')),
    bodies: g.nodes.flatMap((n) => (n.body ? [remarkTree(n.body)] : [])),
  };
}

describe('print/parse round trip', () => {
  it('arbGraph can generate every registered op', () => {
    expect([...RANDOM_GRAPH_OPS].sort()).toEqual(allOps().map((d) => d.name).sort());
  });

  for (const op of RANDOM_GRAPH_OPS) {
    it(`round-trips random graphs of ${op}`, () => {
      fc.assert(
        fc.property(arbGraph({ ops: [op], maxNodes: 3 }), (g) => {
          expect(g.nodes.some((n) => n.op === op)).toBe(true);
          expectGraphRoundTrip(g);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('round-trips random graphs over the whole registry', () => {
    fc.assert(fc.property(arbGraph(), expectGraphRoundTrip), { numRuns: 300 });
  });

  it('round-trips graphs of only parameters and of nothing at all', () => {
    fc.assert(fc.property(arbGraph({ ops: [], maxInitialParams: 2 }), expectGraphRoundTrip), { numRuns: 30 });
  });
});

describe('print/parse round trip of fused graphs', () => {
  it('round-trips random fused graphs, remarks included', () => {
    fc.assert(
      fc.property(arbFusedGraph(), (g) => {
        expect(g.nodes.some((n) => n.op === FUSION_OP)).toBe(true);
        expectGraphRoundTrip(g);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips long fused graphs with long fusions', () => {
    fc.assert(fc.property(arbFusedGraph({ minNodes: 8, maxNodes: 16, maxFusionNodes: 8 }), expectGraphRoundTrip), { numRuns: 100 });
  });

  it('arbFusedGraph draws the shapes of fusion that matter', () => {
    const graphs = fc.sample(arbFusedGraph(), { numRuns: 300, seed: 42 });
    const fusions = graphs.flatMap((g) => g.nodes.filter((n) => n.op === FUSION_OP));
    const fedByFusion = (g: Graph): boolean => {
      const fusionResults = new Set(g.nodes.filter((n) => n.op === FUSION_OP).flatMap((n) => n.outputs));
      return g.nodes.some((n) => n.op === FUSION_OP && n.inputs.some((v) => fusionResults.has(v)));
    };
    expect(fusions.some((n) => n.outputs.length >= 2), 'multi-result fusion').toBe(true);
    expect(fusions.some((n) => n.inputs.length === 0), 'fusion without operands').toBe(true);
    expect(fusions.some((n) => n.body!.nodes.length >= 3), 'fusion of 3+ nodes').toBe(true);
    expect(graphs.some(fedByFusion), 'fusion fed by another fusion').toBe(true);
    expect(graphs.some((g) => g.nodes.some((n) => n.op !== FUSION_OP)), 'unfused node beside fusions').toBe(true);
    expect(new Set(fusions.map((n) => n.attrs.kind))).toEqual(new Set(['loop', 'reduce', 'output']));
    expect(fusions.some((n) => n.body!.remarks?.length), 'body remarks').toBe(true);
  });
});

describe('canonical text is a fixed point of parse then print', () => {
  const canonical: Record<string, string> = {
    mlp: `graph @mlp(%x: f32[64,784], %w: f32[784,512], %b: f32[512]) -> (f32[64,512]) {
  %0 = dot_general %x, %w {batch=[[],[]], contract=[[1],[0]]} : f32[64,512]
  %1 = broadcast %b {dims=[1]} : f32[64,512]
  %2 = add %0, %1 : f32[64,512]
  %3 = const {value=0} : f32[64,512]
  %4 = max %2, %3 : f32[64,512]
  return %4
}
`,
    'special numbers and a quoted graph name': `graph @"two words"(%x: f32[6]) -> (f32[6], f32[7]) {
  %0 = const {value=[-0.0,nan,inf,-inf,0.1,1e-7]} : f32[6]
  %1 = add %x, %0 : f32[6]
  %2 = pad %1 {low=[0], high=[1], value=3.4028234663852886e+38} : f32[7]
  return %1, %2
}
`,
    'rank 0, zero-size dims, no results': `graph @g(%s: i32[], %e: f32[0,3], %arg2: bool[2]) -> () {
  %0 = reduce %e {op=sum, axes=[0]} : f32[3]
  %1 = reshape %s : i32[1,1]
  %2 = not %arg2 : bool[2]
  return
}
`,
    'fallback parameter names': `graph @g(%arg0: f32[], %arg1: f32[], %arg1_1: f32[]) -> (f32[]) {
  return %arg1_1
}
`,
    'fused MLP with remarks': FUSED_MLP_TEXT,
    'fusion without operands, body names reused outside': `graph @g(%x: f32[3]) -> (f32[3]) {
  %0 = fusion {kind=loop} : f32[3] graph @iota_exp_3() -> (f32[3]) {
    %0 = iota {dim=0} : f32[3]
    %1 = exp %0 : f32[3]
    return %1
  }
  %1 = fusion %x, %0 {kind=loop} : f32[3] graph @"add 3"(%x: f32[3], %p1: f32[3]) -> (f32[3]) {
    %0 = add %x, %p1 : f32[3]
    return %0
  }
  return %1
}
`,
  };
  itKeepsCanonicalText(GRAPH_TEXT, canonical);

  it('normalises spelling: comments, spacing, long dtypes, value names, 0.0', () => {
    const loose = `// a comment
graph @f( %input : float32[ 2 ] )->( f32[2] ) {  // trailing comment
  %t = const { value = 0.0 } : f32[2]
  %sum = add %input , %t : float32[2]
  return %sum
}`;
    expect(printGraph(parseGraph(loose))).toBe(`graph @f(%input: f32[2]) -> (f32[2]) {
  %0 = const {value=0} : f32[2]
  %1 = add %input, %0 : f32[2]
  return %1
}
`);
  });
});
