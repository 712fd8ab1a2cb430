/**
 * constant-fold: IR text in, one pass, IR text out, plus the `changed` flag and the interpreter
 * giving bit-identical results before and after (random inputs for the parameters, NaN,
 * infinities, -0 and integer extremes included). Folded-away nodes are replaced in place.
 */
import { describe, expect, it } from 'vitest';
import { type Graph, Value, parseGraph, printGraph, verifyGraph } from '../../../ir/index.js';
import { constantFold, makeConstantFold, runPasses } from '../../../passes/index.js';
import { RANDOM_GRAPH_OPS, arbGraph } from '../../ir/random-graph.js';
import { type Case, expectSoundOnRandomGraphs, ir, runCase } from './helpers.js';

const CASES: readonly Case[] = [
  // ----- elementwise
  {
    name: 'folds a chain of elementwise ops on dense literals in one sweep',
    input: `
      graph @g() -> (f32[3]) {
        %0 = const {value=[1,2,3]} : f32[3]
        %1 = neg %0 : f32[3]
        %2 = const {value=[0.5,0.5,4]} : f32[3]
        %3 = mul %1, %2 : f32[3]
        return %3
      }`,
    output: `
      graph @g() -> (f32[3]) {
        %0 = const {value=[1,2,3]} : f32[3]
        %1 = const {value=[-1,-2,-3]} : f32[3]
        %2 = const {value=[0.5,0.5,4]} : f32[3]
        %3 = const {value=[-0.5,-1,-12]} : f32[3]
        return %3
      }`,
  },
  {
    name: 'splats fold to splats of any size, rounded to f32',
    input: `
      graph @g() -> (f32[64,64]) {
        %0 = const {value=1} : f32[64,64]
        %1 = const {value=3} : f32[64,64]
        %2 = div %0, %1 : f32[64,64]
        return %2
      }`,
    output: `
      graph @g() -> (f32[64,64]) {
        %0 = const {value=1} : f32[64,64]
        %1 = const {value=3} : f32[64,64]
        %2 = const {value=0.3333333432674408} : f32[64,64]
        return %2
      }`,
  },
  {
    name: 'a dense result of one repeated value is written as a splat',
    input: `
      graph @g() -> (i32[3]) {
        %0 = const {value=[1,2,3]} : i32[3]
        %1 = const {value=0} : i32[3]
        %2 = mul %0, %1 : i32[3]
        return %2
      }`,
    output: `
      graph @g() -> (i32[3]) {
        %0 = const {value=[1,2,3]} : i32[3]
        %1 = const {value=0} : i32[3]
        %2 = const {value=0} : i32[3]
        return %2
      }`,
  },
  {
    name: 'keeps signed zeros apart and NaN and infinities as they come out',
    input: `
      graph @g() -> (f32[2], f32[2], f32[2]) {
        %0 = const {value=[1,-1]} : f32[2]
        %1 = const {value=0} : f32[2]
        %2 = mul %0, %1 : f32[2]
        %3 = div %1, %1 : f32[2]
        %4 = div %0, %1 : f32[2]
        return %2, %3, %4
      }`,
    output: `
      graph @g() -> (f32[2], f32[2], f32[2]) {
        %0 = const {value=[1,-1]} : f32[2]
        %1 = const {value=0} : f32[2]
        %2 = const {value=[0,-0.0]} : f32[2]
        %3 = const {value=nan} : f32[2]
        %4 = const {value=[inf,-inf]} : f32[2]
        return %2, %3, %4
      }`,
  },
  {
    name: 'integers wrap, casts saturate and map NaN to 0, comparisons give bool',
    input: `
      graph @g() -> (i32[], i32[3], bool[3]) {
        %0 = const {value=2147483647} : i32[]
        %1 = const {value=1} : i32[]
        %2 = add %0, %1 : i32[]
        %3 = const {value=[nan,10000000000,-2.5]} : f32[3]
        %4 = cast %3 {to=i32} : i32[3]
        %5 = const {value=0} : f32[3]
        %6 = lt %3, %5 : bool[3]
        return %2, %4, %6
      }`,
    output: `
      graph @g() -> (i32[], i32[3], bool[3]) {
        %0 = const {value=2147483647} : i32[]
        %1 = const {value=1} : i32[]
        %2 = const {value=-2147483648} : i32[]
        %3 = const {value=[nan,10000000000,-2.5]} : f32[3]
        %4 = const {value=[0,2147483647,-2]} : i32[3]
        %5 = const {value=0} : f32[3]
        %6 = const {value=[0,0,1]} : bool[3]
        return %2, %4, %6
      }`,
  },
  {
    name: 'select of constants',
    input: `
      graph @g() -> (f32[2]) {
        %0 = const {value=[1,0]} : bool[2]
        %1 = const {value=7} : f32[2]
        %2 = const {value=[8,9]} : f32[2]
        %3 = select %0, %1, %2 : f32[2]
        return %3
      }`,
    output: `
      graph @g() -> (f32[2]) {
        %0 = const {value=[1,0]} : bool[2]
        %1 = const {value=7} : f32[2]
        %2 = const {value=[8,9]} : f32[2]
        %3 = const {value=[7,9]} : f32[2]
        return %3
      }`,
  },
  // ----- layout, reductions, contractions
  {
    name: 'layout ops move dense elements; splats stay splats whatever the size',
    input: `
      graph @g() -> (f32[3,2], f32[100,100], f32[4], f32[4], f32[4], f32[4]) {
        %0 = const {value=[1,2,3,4,5,6]} : f32[2,3]
        %1 = transpose %0 {perm=[1,0]} : f32[3,2]
        %2 = const {value=2} : f32[10000]
        %3 = reshape %2 : f32[100,100]
        %4 = const {value=1} : f32[2]
        %5 = pad %4 {low=[1], high=[1], value=1} : f32[4]
        %6 = pad %4 {low=[1], high=[1], value=0} : f32[4]
        %7 = concat %4, %4 {axis=0} : f32[4]
        %8 = const {value=-1} : f32[2]
        %9 = concat %4, %8 {axis=0} : f32[4]
        return %1, %3, %5, %6, %7, %9
      }`,
    output: `
      graph @g() -> (f32[3,2], f32[100,100], f32[4], f32[4], f32[4], f32[4]) {
        %0 = const {value=[1,2,3,4,5,6]} : f32[2,3]
        %1 = const {value=[1,4,2,5,3,6]} : f32[3,2]
        %2 = const {value=2} : f32[10000]
        %3 = const {value=2} : f32[100,100]
        %4 = const {value=1} : f32[2]
        %5 = const {value=1} : f32[4]
        %6 = const {value=[0,1,1,0]} : f32[4]
        %7 = const {value=1} : f32[4]
        %8 = const {value=-1} : f32[2]
        %9 = const {value=[1,1,-1,-1]} : f32[4]
        return %1, %3, %5, %6, %7, %9
      }`,
  },
  {
    name: 'reductions, argmax and dot_general of constants',
    input: `
      graph @g() -> (f32[], i32[], f32[2,2]) {
        %0 = const {value=0.5} : f32[4]
        %1 = reduce %0 {op=sum, axes=[0]} : f32[]
        %2 = const {value=[3,nan,7]} : f32[3]
        %3 = argmax %2 {axis=0} : i32[]
        %4 = const {value=[1,2,3,4]} : f32[2,2]
        %5 = dot_general %4, %4 {batch=[[],[]], contract=[[1],[0]]} : f32[2,2]
        return %1, %3, %5
      }`,
    output: `
      graph @g() -> (f32[], i32[], f32[2,2]) {
        %0 = const {value=0.5} : f32[4]
        %1 = const {value=2} : f32[]
        %2 = const {value=[3,nan,7]} : f32[3]
        %3 = const {value=1} : i32[]
        %4 = const {value=[1,2,3,4]} : f32[2,2]
        %5 = const {value=[7,10,15,22]} : f32[2,2]
        return %1, %3, %5
      }`,
  },
  {
    name: 'a zero-size result is the splat 0',
    input: `
      graph @g() -> (f32[0,3]) {
        %0 = const {value=[]} : f32[3,0]
        %1 = transpose %0 {perm=[1,0]} : f32[0,3]
        return %1
      }`,
    output: `
      graph @g() -> (f32[0,3]) {
        %0 = const {value=[]} : f32[3,0]
        %1 = const {value=0} : f32[0,3]
        return %1
      }`,
  },
  // ----- what is not folded
  {
    name: 'never folds through parameters, and stops where a parameter enters',
    input: `
      graph @g(%x: f32[2]) -> (f32[2]) {
        %0 = const {value=1} : f32[2]
        %1 = add %x, %0 : f32[2]
        %2 = exp %1 : f32[2]
        return %2
      }`,
  },
  {
    name: 'leaves iota (no operands) and what it feeds alone',
    input: `
      graph @g() -> (i32[4]) {
        %0 = iota {dim=0} : i32[4]
        %1 = const {value=1} : i32[4]
        %2 = add %0, %1 : i32[4]
        return %2
      }`,
  },
  {
    name: 'does not write dense results over 1024 elements',
    input: `
      graph @g() -> (f32[600,2]) {
        %0 = const {value=[1,2]} : f32[2]
        %1 = broadcast %0 {dims=[1]} : f32[600,2]
        return %1
      }`,
  },
  {
    name: 'does not evaluate more than 65536 elements to find out',
    input: `
      graph @g() -> (f32[300]) {
        %0 = const {value=1} : f32[300,300]
        %1 = reduce %0 {op=sum, axes=[1]} : f32[300]
        return %1
      }`,
  },
];

describe('constant-fold', () => {
  for (const c of CASES) it(c.name, () => runCase(constantFold, c));

  it('writes bigger dense results and evaluates bigger operands when the limits allow', () => {
    const big = makeConstantFold({ maxDenseElements: 2000, maxEvalElements: 100_000 });
    const dense = runPasses(big, parseGraph(ir(CASES.at(-2)!.input)), { checkChanged: true }).ir;
    expect(dense.nodes[1].op).toBe('const');
    expect(dense.nodes[1].attrs.value).toEqual(Array.from({ length: 1200 }, (_, i) => (i % 2) + 1));
    const reduced = runPasses(big, parseGraph(ir(CASES.at(-1)!.input)), { checkChanged: true }).ir;
    expect(printGraph(reduced)).toContain('%1 = const {value=300} : f32[300]');
  });

  it('does not fold fusion nodes, even of constants, and leaves their bodies alone', () => {
    const body = parseGraph(ir(`
      graph @fused(%a: f32[2]) -> (f32[2]) {
        %0 = neg %a : f32[2]
        return %0
      }`));
    const c = new Value({ dtype: 'float32', shape: [2] });
    const fused = new Value(c.type);
    const g: Graph = verifyGraph({
      name: 'g', params: [], results: [fused],
      nodes: [
        { op: 'const', inputs: [], attrs: { value: [1, 2] }, outputs: [c] },
        { op: 'fusion', inputs: [c], attrs: { kind: 'loop' }, outputs: [fused], body },
      ],
    });
    const { ir: out, changed } = runPasses(constantFold, g, { checkChanged: true });
    expect(changed).toBe(false);
    expect(out).toBe(g);
  });

  it('keeps random graphs valid and their results bit-identical, and is idempotent', () => {
    // Mostly constants, so that many nodes have only constant operands.
    expectSoundOnRandomGraphs(constantFold, arbGraph({ maxNodes: 12, maxInitialParams: 0, ops: [...Array<string>(12).fill('const'), ...RANDOM_GRAPH_OPS] }));
  });
});
