/** parse(print(g)) is structurally equal to g, and print(parse(text)) === text for canonical text. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Graph, allOps, graphDiff } from '../../ir/index.js';
import { parseGraph } from '../../ir/parser.js';
import { printGraph } from '../../ir/printer.js';
import { RANDOM_GRAPH_OPS, arbGraph } from './random-graph.js';

function expectRoundTrip(g: Graph): void {
  const text = printGraph(g);
  const back = parseGraph(text);
  expect(graphDiff(back, g), text).toBeUndefined();
  expect(printGraph(back)).toBe(text);
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
          expectRoundTrip(g);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('round-trips random graphs over the whole registry', () => {
    fc.assert(fc.property(arbGraph(), expectRoundTrip), { numRuns: 300 });
  });

  it('round-trips graphs of only parameters and of nothing at all', () => {
    fc.assert(fc.property(arbGraph({ ops: [], maxInitialParams: 2 }), expectRoundTrip), { numRuns: 30 });
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
  };
  for (const [name, text] of Object.entries(canonical)) {
    it(name, () => expect(printGraph(parseGraph(text))).toBe(text));
  }

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
