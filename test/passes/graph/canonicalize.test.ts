/**
 * canonicalize: IR text in, one pass, IR text out (XLA/MLIR style), plus the `changed` flag and
 * the interpreter giving bit-identical results before and after on random inputs that include
 * NaN, infinities, -0 and integer extremes. Unused nodes stay: removing them is DCE's job.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Graph, type HostTensor, type TensorType, Value, evaluateGraph, parseGraph, printGraph, sizeOf, verifyGraph,
} from '../../../ir/index.js';
import { hostTensorFrom } from '../../../ir/interp/index.js';
import { CANONICALIZE_RULES, type Pass, canonicalize, runPasses } from '../../../passes/index.js';
import { arbGraph } from '../../ir/random-graph.js';

// ---------------------------------------------------------------------------------------------
// Helpers (each graph pass test file carries its own copy).

/** Strips the common indentation of a template literal so IR texts can be indented in the test. */
function ir(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\n\s*$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n') + '\n';
}

const SPECIAL: Record<string, readonly number[]> = {
  float32: [NaN, Infinity, -Infinity, -0, 0, 1, -1, 0.5, 3.4028234663852886e38, 1e-45],
  int32: [-2147483648, 2147483647, 0, 1, -1],
  uint32: [0, 1, 4294967295],
  bool: [0, 1],
};

/** mulberry32: a small seeded generator, so failures replay. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomTensor(t: TensorType, random: () => number): HostTensor {
  const special = SPECIAL[t.dtype];
  const values = Array.from({ length: sizeOf(t.shape) }, () => {
    if (random() < 0.3) return special[Math.floor(random() * special.length)];
    if (t.dtype === 'float32') return (random() - 0.5) * 20;
    if (t.dtype === 'bool') return random() < 0.5 ? 0 : 1;
    return Math.floor(random() * 100) - (t.dtype === 'int32' ? 50 : 0);
  });
  return hostTensorFrom(t.dtype, t.shape, values);
}

/** The interpreter gives identical results (NaN = NaN, -0 != +0) for `before` and `after` on random inputs. */
function expectSameResults(before: Graph, after: Graph, trials = 8): void {
  const random = rng(1234);
  for (let i = 0; i < trials; i++) {
    const inputs = before.params.map((p) => randomTensor(p.type, random));
    const want = evaluateGraph(before, inputs);
    const got = evaluateGraph(after, inputs);
    got.forEach((t, r) => expect(Array.from(t.data), `result ${r}`).toEqual(Array.from(want[r].data)));
  }
}

interface Case {
  readonly name: string;
  /** The rule the case is about (canonicalize: every rule needs a case that rewrites). */
  readonly rule?: string;
  readonly input: string;
  /** Expected text; absent when the pass must leave the graph alone. */
  readonly output?: string;
}

/** One pass on the input text (verifier and changed check on): output text, flag, numbers, and a second run is a no-op. */
function runCase(pass: Pass<Graph>, c: Case): void {
  const before = parseGraph(ir(c.input));
  const { ir: after, changed } = runPasses(pass, before, { checkChanged: true });
  expect(printGraph(after)).toBe(c.output === undefined ? printGraph(before) : ir(c.output));
  expect(changed).toBe(c.output !== undefined);
  if (!changed) expect(after).toBe(before);
  expectSameResults(before, after);
  expect(runPasses(pass, after, { checkChanged: true }).changed).toBe(false);
}

// ---------------------------------------------------------------------------------------------
// Cases.

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
  {
    name: 'x - 0 is x for integers and x - (+0.0) for floats', rule: 'sub-zero',
    input: `
      graph @g(%x: f32[4], %n: u32[4]) -> (f32[4], u32[4]) {
        %0 = const {value=0} : f32[4]
        %1 = sub %x, %0 : f32[4]
        %2 = const {value=0} : u32[4]
        %3 = sub %n, %2 : u32[4]
        return %1, %3
      }`,
    output: `
      graph @g(%x: f32[4], %n: u32[4]) -> (f32[4], u32[4]) {
        %0 = const {value=0} : f32[4]
        %1 = const {value=0} : u32[4]
        return %x, %n
      }`,
  },
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
  {
    name: 'x / 1 is x for floats and integers', rule: 'div-one',
    input: `
      graph @g(%x: f32[3], %i: i32[3]) -> (f32[3], i32[3]) {
        %0 = const {value=1} : f32[3]
        %1 = div %x, %0 : f32[3]
        %2 = const {value=1} : i32[3]
        %3 = div %i, %2 : i32[3]
        return %1, %3
      }`,
    output: `
      graph @g(%x: f32[3], %i: i32[3]) -> (f32[3], i32[3]) {
        %0 = const {value=1} : f32[3]
        %1 = const {value=1} : i32[3]
        return %x, %i
      }`,
  },
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
  {
    name: 'reshape to the same shape is the operand', rule: 'reshape-same-shape',
    input: `
      graph @g(%x: f32[2,3]) -> (f32[2,3]) {
        %0 = reshape %x : f32[2,3]
        return %0
      }`,
    output: `
      graph @g(%x: f32[2,3]) -> (f32[2,3]) {
        return %x
      }`,
  },
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
  {
    name: 'transpose with the identity permutation is the operand', rule: 'transpose-identity',
    input: `
      graph @g(%x: f32[2,3]) -> (f32[2,3]) {
        %0 = transpose %x {perm=[0,1]} : f32[2,3]
        return %0
      }`,
    output: `
      graph @g(%x: f32[2,3]) -> (f32[2,3]) {
        return %x
      }`,
  },
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
  {
    name: 'reverse of no axes is the operand', rule: 'reverse-nothing',
    input: `
      graph @g(%x: i32[3]) -> (i32[3]) {
        %0 = reverse %x {axes=[]} : i32[3]
        return %0
      }`,
    output: `
      graph @g(%x: i32[3]) -> (i32[3]) {
        return %x
      }`,
  },
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
    fc.assert(
      fc.property(arbGraph({ maxNodes: 10 }), (g) => {
        const { ir: once } = runPasses(canonicalize, g, { checkChanged: true });
        expectSameResults(g, once, 3);
        expect(runPasses(canonicalize, once, { checkChanged: true }).changed).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
