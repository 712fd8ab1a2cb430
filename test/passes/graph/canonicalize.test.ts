/**
 * canonicalize: IR text in, one pass, IR text out (XLA/MLIR style), plus the `changed` flag and
 * the interpreter giving bit-identical results before and after on random inputs that include
 * NaN, infinities, -0 and integer extremes. Unused nodes stay: removing them is DCE's job.
 */
import { describe, expect, it } from 'vitest';
import { type Graph, Value, parseGraph, printGraph, verifyGraph } from '../../../ir/index.js';
import { CANONICALIZE_RULES, canonicalize, runPasses } from '../../../passes/index.js';
import { arbGraph } from '../../ir/random-graph.js';
import { type Case, expectSoundOnRandomGraphs, ir, runCase } from './helpers.js';

/** `x op c` is x for a float and an integer operand (`c` is the op's right identity on both). */
function rightIdentity(name: string, rule: string, op: string, c: number, float: string, int: string): Case {
  return {
    name, rule,
    input: `
      graph @g(%x: ${float}, %i: ${int}) -> (${float}, ${int}) {
        %0 = const {value=${c}} : ${float}
        %1 = ${op} %x, %0 : ${float}
        %2 = const {value=${c}} : ${int}
        %3 = ${op} %i, %2 : ${int}
        return %1, %3
      }`,
    output: `
      graph @g(%x: ${float}, %i: ${int}) -> (${float}, ${int}) {
        %0 = const {value=${c}} : ${float}
        %1 = const {value=${c}} : ${int}
        return %x, %i
      }`,
  };
}

/** A layout op that moves nothing is its operand: `%0 = <op %x ...> : t` becomes `%x`. */
function layoutNoOp(name: string, rule: string, op: string, type: string): Case {
  return {
    name, rule,
    input: `
      graph @g(%x: ${type}) -> (${type}) {
        %0 = ${op} : ${type}
        return %0
      }`,
    output: `
      graph @g(%x: ${type}) -> (${type}) {
        return %x
      }`,
  };
}

const CASES: readonly Case[] = [
  // ----- operand order
  {
    name: 'moves a constant to the right of a commutative op', rule: 'constant-on-right',
    input: `
      graph @g(%x: f32[3]) -> (bool[3]) {
        %0 = const {value=2} : f32[3]
        %1 = eq %0, %x : bool[3]
        return %1
      }`,
    output: `
      graph @g(%x: f32[3]) -> (bool[3]) {
        %0 = const {value=2} : f32[3]
        %1 = eq %x, %0 : bool[3]
        return %1
      }`,
  },
  {
    name: 'leaves non-commutative ops and const-const pairs in place',
    input: `
      graph @g(%x: f32[3]) -> (f32[3], f32[3]) {
        %0 = const {value=2} : f32[3]
        %1 = sub %0, %x : f32[3]
        %2 = mul %0, %0 : f32[3]
        return %1, %2
      }`,
  },
  // ----- additive and multiplicative identities
  {
    name: 'x + 0 is x for integers, either side', rule: 'add-zero',
    input: `
      graph @g(%x: i32[4]) -> (i32[4], i32[4]) {
        %0 = const {value=0} : i32[4]
        %1 = add %x, %0 : i32[4]
        %2 = add %0, %x : i32[4]
        return %1, %2
      }`,
    output: `
      graph @g(%x: i32[4]) -> (i32[4], i32[4]) {
        %0 = const {value=0} : i32[4]
        return %x, %x
      }`,
  },
  {
    name: 'x + (-0.0) is x for floats', rule: 'add-zero',
    input: `
      graph @g(%x: f32[4]) -> (f32[4]) {
        %0 = const {value=-0.0} : f32[4]
        %1 = add %0, %x : f32[4]
        return %1
      }`,
    output: `
      graph @g(%x: f32[4]) -> (f32[4]) {
        %0 = const {value=-0.0} : f32[4]
        return %x
      }`,
  },
  {
    name: 'x + (+0.0) stays for floats (-0.0 + 0.0 is +0.0); dense zeros and non-zeros stay too',
    input: `
      graph @g(%x: f32[2]) -> (f32[2], f32[2], f32[2]) {
        %0 = const {value=0} : f32[2]
        %1 = add %x, %0 : f32[2]
        %2 = const {value=[0,1]} : f32[2]
        %3 = add %x, %2 : f32[2]
        %4 = const {value=3} : f32[2]
        %5 = add %x, %4 : f32[2]
        return %1, %3, %5
      }`,
  },
  rightIdentity('x - 0 is x for integers and x - (+0.0) for floats', 'sub-zero', 'sub', 0, 'f32[4]', 'u32[4]'),
  {
    name: 'x - (-0.0) and 0 - x stay',
    input: `
      graph @g(%x: f32[4]) -> (f32[4], f32[4]) {
        %0 = const {value=-0.0} : f32[4]
        %1 = sub %x, %0 : f32[4]
        %2 = const {value=0} : f32[4]
        %3 = sub %2, %x : f32[4]
        return %1, %3
      }`,
  },
  {
    name: 'x * 1 and 1 * x are x', rule: 'mul-one',
    input: `
      graph @g(%x: f32[2,2]) -> (f32[2,2], f32[2,2]) {
        %0 = const {value=1} : f32[2,2]
        %1 = mul %0, %x : f32[2,2]
        %2 = mul %x, %0 : f32[2,2]
        return %1, %2
      }`,
    output: `
      graph @g(%x: f32[2,2]) -> (f32[2,2], f32[2,2]) {
        %0 = const {value=1} : f32[2,2]
        return %x, %x
      }`,
  },
  rightIdentity('x / 1 is x for floats and integers', 'div-one', 'div', 1, 'f32[3]', 'i32[3]'),
  {
    name: 'x * 0 is 0 for integers', rule: 'mul-zero-int',
    input: `
      graph @g(%i: i32[3]) -> (i32[3]) {
        %0 = const {value=0} : i32[3]
        %1 = mul %0, %i : i32[3]
        return %1
      }`,
    output: `
      graph @g(%i: i32[3]) -> (i32[3]) {
        %0 = const {value=0} : i32[3]
        return %0
      }`,
  },
  {
    name: 'x * 0 stays for floats (NaN * 0 and inf * 0 are NaN, -1 * 0 is -0)',
    input: `
      graph @g(%x: f32[3]) -> (f32[3]) {
        %0 = const {value=0} : f32[3]
        %1 = mul %x, %0 : f32[3]
        return %1
      }`,
  },
  {
    name: 'x - x is 0 for integers', rule: 'sub-self-int',
    input: `
      graph @g(%i: i32[2]) -> (i32[2]) {
        %0 = sub %i, %i : i32[2]
        return %0
      }`,
    output: `
      graph @g(%i: i32[2]) -> (i32[2]) {
        %0 = const {value=0} : i32[2]
        return %0
      }`,
  },
  {
    name: 'x - x stays for floats (inf - inf is NaN)',
    input: `
      graph @g(%x: f32[2]) -> (f32[2]) {
        %0 = sub %x, %x : f32[2]
        return %0
      }`,
  },
  {
    name: 'max(x, x), min(x, x), and(b, b), or(b, b) are x, b', rule: 'idempotent-self',
    input: `
      graph @g(%x: f32[3], %b: bool[3]) -> (f32[3], f32[3], bool[3], bool[3]) {
        %0 = max %x, %x : f32[3]
        %1 = min %x, %x : f32[3]
        %2 = and %b, %b : bool[3]
        %3 = or %b, %b : bool[3]
        return %0, %1, %2, %3
      }`,
    output: `
      graph @g(%x: f32[3], %b: bool[3]) -> (f32[3], f32[3], bool[3], bool[3]) {
        return %x, %x, %b, %b
      }`,
  },
  {
    name: 'and/or with a constant: identity gives b, absorbing value gives the constant', rule: 'logical-constant',
    input: `
      graph @g(%b: bool[2]) -> (bool[2], bool[2], bool[2], bool[2]) {
        %0 = const {value=1} : bool[2]
        %1 = const {value=0} : bool[2]
        %2 = and %b, %0 : bool[2]
        %3 = and %1, %b : bool[2]
        %4 = or %b, %1 : bool[2]
        %5 = or %0, %b : bool[2]
        return %2, %3, %4, %5
      }`,
    output: `
      graph @g(%b: bool[2]) -> (bool[2], bool[2], bool[2], bool[2]) {
        %0 = const {value=1} : bool[2]
        %1 = const {value=0} : bool[2]
        return %b, %1, %b, %0
      }`,
  },
  // ----- unary pairs, select, cast
  {
    name: 'neg(neg(x)) and not(not(b)) cancel (INT_MIN included)', rule: 'double-negation',
    input: `
      graph @g(%i: i32[4], %b: bool[4]) -> (i32[4], bool[4], i32[4]) {
        %0 = neg %i : i32[4]
        %1 = neg %0 : i32[4]
        %2 = not %b : bool[4]
        %3 = not %2 : bool[4]
        return %1, %3, %0
      }`,
    output: `
      graph @g(%i: i32[4], %b: bool[4]) -> (i32[4], bool[4], i32[4]) {
        %0 = neg %i : i32[4]
        %1 = not %b : bool[4]
        return %i, %b, %0
      }`,
  },
  {
    name: 'select with a splat-constant condition picks its branch', rule: 'select-constant-condition',
    input: `
      graph @g(%x: f32[2], %y: f32[2]) -> (f32[2], f32[2]) {
        %0 = const {value=1} : bool[2]
        %1 = select %0, %x, %y : f32[2]
        %2 = const {value=0} : bool[2]
        %3 = select %2, %x, %y : f32[2]
        return %1, %3
      }`,
    output: `
      graph @g(%x: f32[2], %y: f32[2]) -> (f32[2], f32[2]) {
        %0 = const {value=1} : bool[2]
        %1 = const {value=0} : bool[2]
        return %x, %y
      }`,
  },
  {
    name: 'select with equal branches is the branch; a dense condition stays', rule: 'select-same-branches',
    input: `
      graph @g(%c: bool[2], %x: f32[2], %y: f32[2]) -> (f32[2], f32[2]) {
        %0 = select %c, %x, %x : f32[2]
        %1 = const {value=[1,0]} : bool[2]
        %2 = select %1, %x, %y : f32[2]
        return %0, %2
      }`,
    output: `
      graph @g(%c: bool[2], %x: f32[2], %y: f32[2]) -> (f32[2], f32[2]) {
        %0 = const {value=[1,0]} : bool[2]
        %1 = select %0, %x, %y : f32[2]
        return %x, %1
      }`,
  },
  {
    name: 'cast to the same dtype is the operand; a real cast stays', rule: 'cast-same-dtype',
    input: `
      graph @g(%x: f32[3]) -> (f32[3], i32[3]) {
        %0 = cast %x {to=f32} : f32[3]
        %1 = cast %x {to=i32} : i32[3]
        return %0, %1
      }`,
    output: `
      graph @g(%x: f32[3]) -> (f32[3], i32[3]) {
        %0 = cast %x {to=i32} : i32[3]
        return %x, %0
      }`,
  },
  // ----- layout
  layoutNoOp('reshape to the same shape is the operand', 'reshape-same-shape', 'reshape %x', 'f32[2,3]'),
  {
    name: 'reshape of reshape is one reshape, or the operand when the shapes come back', rule: 'reshape-of-reshape',
    input: `
      graph @g(%x: f32[2,3]) -> (f32[3,2], f32[2,3]) {
        %0 = reshape %x : f32[6]
        %1 = reshape %0 : f32[3,2]
        %2 = reshape %1 : f32[1,6]
        %3 = reshape %2 : f32[2,3]
        return %1, %3
      }`,
    output: `
      graph @g(%x: f32[2,3]) -> (f32[3,2], f32[2,3]) {
        %0 = reshape %x : f32[6]
        %1 = reshape %x : f32[3,2]
        %2 = reshape %x : f32[1,6]
        return %1, %x
      }`,
  },
  layoutNoOp('transpose with the identity permutation is the operand', 'transpose-identity', 'transpose %x {perm=[0,1]}', 'f32[2,3]'),
  {
    name: 'transpose of transpose composes the permutations', rule: 'transpose-of-transpose',
    input: `
      graph @g(%x: f32[2,3,4]) -> (f32[3,4,2], f32[2,3,4]) {
        %0 = transpose %x {perm=[1,0,2]} : f32[3,2,4]
        %1 = transpose %0 {perm=[0,2,1]} : f32[3,4,2]
        %2 = transpose %x {perm=[1,2,0]} : f32[3,4,2]
        %3 = transpose %2 {perm=[2,0,1]} : f32[2,3,4]
        return %1, %3
      }`,
    output: `
      graph @g(%x: f32[2,3,4]) -> (f32[3,4,2], f32[2,3,4]) {
        %0 = transpose %x {perm=[1,0,2]} : f32[3,2,4]
        %1 = transpose %x {perm=[1,2,0]} : f32[3,4,2]
        %2 = transpose %x {perm=[1,2,0]} : f32[3,4,2]
        return %1, %x
      }`,
  },
  {
    name: 'broadcast of a splat constant is a bigger splat constant', rule: 'broadcast-of-splat',
    input: `
      graph @g(%x: f32[2,3]) -> (f32[2,3]) {
        %0 = const {value=nan} : f32[]
        %1 = broadcast %0 {dims=[]} : f32[2,3]
        %2 = max %x, %1 : f32[2,3]
        return %2
      }`,
    output: `
      graph @g(%x: f32[2,3]) -> (f32[2,3]) {
        %0 = const {value=nan} : f32[]
        %1 = const {value=nan} : f32[2,3]
        %2 = max %x, %1 : f32[2,3]
        return %2
      }`,
  },
  {
    name: 'broadcast to the same shape is the operand; stretching a size-1 dim stays', rule: 'broadcast-identity',
    input: `
      graph @g(%x: f32[2,3], %y: f32[1,3]) -> (f32[2,3], f32[2,3]) {
        %0 = broadcast %x {dims=[0,1]} : f32[2,3]
        %1 = broadcast %y {dims=[0,1]} : f32[2,3]
        return %0, %1
      }`,
    output: `
      graph @g(%x: f32[2,3], %y: f32[1,3]) -> (f32[2,3], f32[2,3]) {
        %0 = broadcast %y {dims=[0,1]} : f32[2,3]
        return %x, %0
      }`,
  },
  {
    name: 'slice of the full range with stride 1 is the operand; other slices stay', rule: 'slice-full-range',
    input: `
      graph @g(%x: f32[4,3]) -> (f32[4,3], f32[2,3], f32[3,3]) {
        %0 = slice %x {start=[0,0], limit=[4,3], stride=[1,1]} : f32[4,3]
        %1 = slice %x {start=[0,0], limit=[4,3], stride=[2,1]} : f32[2,3]
        %2 = slice %x {start=[1,0], limit=[4,3], stride=[1,1]} : f32[3,3]
        return %0, %1, %2
      }`,
    output: `
      graph @g(%x: f32[4,3]) -> (f32[4,3], f32[2,3], f32[3,3]) {
        %0 = slice %x {start=[0,0], limit=[4,3], stride=[2,1]} : f32[2,3]
        %1 = slice %x {start=[1,0], limit=[4,3], stride=[1,1]} : f32[3,3]
        return %x, %0, %1
      }`,
  },
  {
    name: 'pad by nothing is the operand, whatever the value; real padding stays', rule: 'pad-nothing',
    input: `
      graph @g(%x: f32[2,2]) -> (f32[2,2], f32[3,2]) {
        %0 = pad %x {low=[0,0], high=[0,0], value=7} : f32[2,2]
        %1 = pad %x {low=[1,0], high=[0,0], value=0} : f32[3,2]
        return %0, %1
      }`,
    output: `
      graph @g(%x: f32[2,2]) -> (f32[2,2], f32[3,2]) {
        %0 = pad %x {low=[1,0], high=[0,0], value=0} : f32[3,2]
        return %x, %0
      }`,
  },
  layoutNoOp('reverse of no axes is the operand', 'reverse-nothing', 'reverse %x {axes=[]}', 'i32[3]'),
  {
    name: 'reverse of reverse cancels on shared axes and keeps the others', rule: 'reverse-of-reverse',
    input: `
      graph @g(%x: f32[2,3]) -> (f32[2,3], f32[2,3]) {
        %0 = reverse %x {axes=[0,1]} : f32[2,3]
        %1 = reverse %0 {axes=[0,1]} : f32[2,3]
        %2 = reverse %x {axes=[0]} : f32[2,3]
        %3 = reverse %2 {axes=[0,1]} : f32[2,3]
        return %1, %3
      }`,
    output: `
      graph @g(%x: f32[2,3]) -> (f32[2,3], f32[2,3]) {
        %0 = reverse %x {axes=[0,1]} : f32[2,3]
        %1 = reverse %x {axes=[0]} : f32[2,3]
        %2 = reverse %x {axes=[1]} : f32[2,3]
        return %x, %2
      }`,
  },
  {
    name: 'concat of one operand is the operand', rule: 'concat-single',
    input: `
      graph @g(%x: f32[2,3]) -> (f32[2,3], f32[4,3]) {
        %0 = concat %x {axis=0} : f32[2,3]
        %1 = concat %x, %x {axis=0} : f32[4,3]
        return %0, %1
      }`,
    output: `
      graph @g(%x: f32[2,3]) -> (f32[2,3], f32[4,3]) {
        %0 = concat %x, %x {axis=0} : f32[4,3]
        return %x, %0
      }`,
  },
  {
    name: 'a dense literal of one repeated value becomes a splat; +0 and -0 differ', rule: 'dense-const-to-splat',
    input: `
      graph @g() -> (f32[3], f32[2], f32[2]) {
        %0 = const {value=[nan,nan,nan]} : f32[3]
        %1 = const {value=[0,-0.0]} : f32[2]
        %2 = const {value=[2.5,2.5]} : f32[2]
        return %0, %1, %2
      }`,
    output: `
      graph @g() -> (f32[3], f32[2], f32[2]) {
        %0 = const {value=nan} : f32[3]
        %1 = const {value=[0,-0.0]} : f32[2]
        %2 = const {value=2.5} : f32[2]
        return %0, %1, %2
      }`,
  },
  // ----- rules working together in one sweep
  {
    name: 'rules chain within one sweep: (1 * broadcast(x)) reshaped twice',
    input: `
      graph @g(%x: f32[6]) -> (f32[6]) {
        %0 = broadcast %x {dims=[0]} : f32[6]
        %1 = const {value=1} : f32[]
        %2 = broadcast %1 {dims=[]} : f32[6]
        %3 = mul %2, %0 : f32[6]
        %4 = reshape %3 : f32[2,3]
        %5 = reshape %4 : f32[6]
        return %5
      }`,
    output: `
      graph @g(%x: f32[6]) -> (f32[6]) {
        %0 = const {value=1} : f32[]
        %1 = const {value=1} : f32[6]
        %2 = reshape %x : f32[2,3]
        return %x
      }`,
  },
];

describe('canonicalize', () => {
  for (const c of CASES) it(`${c.name}${c.rule ? ` [${c.rule}]` : ''}`, () => runCase(canonicalize, c));

  it('has a rewriting case for every rule', () => {
    const covered = new Set(CASES.filter((c) => c.output !== undefined).map((c) => c.rule));
    expect(CANONICALIZE_RULES.map((r) => r.name).filter((name) => !covered.has(name))).toEqual([]);
  });

  it('returns the same graph object when nothing matches', () => {
    const g = parseGraph(ir(CASES[1].input));
    expect(runPasses(canonicalize, g).ir).toBe(g);
  });

  it('never mutates its input', () => {
    const g = parseGraph(ir(CASES[CASES.length - 1].input));
    const text = printGraph(g);
    runPasses(canonicalize, g);
    expect(printGraph(g)).toBe(text);
  });

  it('rewrites around fusion nodes, remapping their operands and leaving their bodies alone', () => {
    const body = parseGraph(ir(`
      graph @fused(%a: f32[4]) -> (f32[4]) {
        %0 = neg %a : f32[4]
        %1 = neg %0 : f32[4]
        return %1
      }`));
    const x = new Value({ dtype: 'float32', shape: [4] }, 'x');
    const negX = new Value(x.type);
    const negNegX = new Value(x.type);
    const fused = new Value(x.type);
    const g: Graph = {
      name: 'g', params: [x], results: [fused],
      nodes: [
        { op: 'neg', inputs: [x], attrs: {}, outputs: [negX] },
        { op: 'neg', inputs: [negX], attrs: {}, outputs: [negNegX] },
        { op: 'fusion', inputs: [negNegX], attrs: { kind: 'loop' }, outputs: [fused], body },
      ],
    };
    const { ir: out, changed } = runPasses(canonicalize, verifyGraph(g), { checkChanged: true });
    expect(changed).toBe(true);
    const fusion = out.nodes.find((n) => n.op === 'fusion')!;
    expect(fusion.inputs).toEqual([x]);
    expect(fusion.body).toBe(body);
  });

  it('keeps random graphs valid and their results bit-identical, and is idempotent', () => {
    expectSoundOnRandomGraphs(canonicalize, arbGraph({ maxNodes: 10 }));
  });
});
