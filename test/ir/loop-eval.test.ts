/** The loop-IR reference evaluator: hand-built kernels and programs, arena mode, errors, and agreement with the graph interpreter. */
import { describe, expect, it } from 'vitest';
import { type DType, DTYPES, GraphBuilder, type TypedArray, evaluateGraph, evaluateOp, tensorType } from '../../ir/index.js';
import { hostTensorFrom } from '../../ir/interp/index.js';
import {
  type Access, type BinaryOp, type BufferDecl, type BufferRole, COMPARE_OPS, type Expr, type Kernel, type KernelParam, LOOP_BINARY_OPS,
  LOOP_UNARY_OPS, type Program, type ReduceOp, type Stmt, type UnaryOp,
} from '../../ir/loop.js';
import { LoopEvalError, evaluateKernel, evaluateProgram } from '../../ir/loop-eval.js';
import { binaryScalar, unaryScalar } from '../../ir/loop-eval/scalar.js';

// ---- constructors -------------------------------------------------------------------------------

const c = (value: number, dtype: DType = 'float32'): Expr => ({ kind: 'const', dtype, value });
const ci = (value: number): Expr => c(value, 'int32');
const v = (name: string, dtype: DType = 'int32'): Expr => ({ kind: 'var', dtype, name });
const ld = (buffer: string, index: Expr, dtype: DType = 'float32'): Expr => ({ kind: 'load', dtype, buffer, index });
const gld = (buffer: string, index: Expr, guard: Expr, other: number, dtype: DType = 'float32'): Expr => ({ kind: 'load', dtype, buffer, index, guard, other });
const un = (op: UnaryOp, x: Expr): Expr => ({ kind: 'unary', dtype: x.dtype, op, x });
const bin = (op: BinaryOp, a: Expr, b: Expr): Expr => ({ kind: 'binary', dtype: COMPARE_OPS.includes(op) ? 'bool' : a.dtype, op, a, b });
const add = (a: Expr, b: Expr): Expr => bin('add', a, b);
const sub = (a: Expr, b: Expr): Expr => bin('sub', a, b);
const mul = (a: Expr, b: Expr): Expr => bin('mul', a, b);
const cast = (x: Expr, dtype: DType): Expr => ({ kind: 'cast', dtype, x });
const sel = (cond: Expr, a: Expr, b: Expr): Expr => ({ kind: 'select', dtype: a.dtype, cond, a, b });
const red = (op: ReduceOp, vars: [string, number][], init: number, body: Expr): Expr => ({
  kind: 'reduce', dtype: op === 'argmax' || op === 'argmin' ? 'int32' : body.dtype, op, vars: vars.map(([name, extent]) => ({ name, extent })), init, body,
});
/** Row-major flat index: idx([i, 4], [j, 1]) = i*4 + j. */
const idx = (...terms: [Expr | string, number][]): Expr =>
  terms.map(([e, s]) => (s === 1 ? (typeof e === 'string' ? v(e) : e) : mul(typeof e === 'string' ? v(e) : e, ci(s)))).reduce(add);
const let_ = (name: string, value: Expr): Stmt => ({ kind: 'let', name, value });
const for_ = (name: string, extent: number, body: Stmt[], vec = 1): Stmt => ({ kind: 'for', var: { name, extent }, vec, body });
const st = (buffer: string, index: Expr, value: Expr): Stmt => ({ kind: 'store', buffer, index, value });
const param = (name: string, dtype: DType, size: number, access: Access): KernelParam => ({ name, dtype, size, access });
const kernel = (name: string, params: KernelParam[], grid: [string, number][], body: Stmt[]): Kernel => ({
  name, params, grid: grid.map(([n, extent]) => ({ name: n, extent })), body,
});
const buf = (name: string, dtype: DType, size: number, role: BufferRole, offset?: number, data?: number[]): BufferDecl => ({ name, dtype, size, role, offset, data });
const program = (buffers: BufferDecl[], kernels: Kernel[], launches: [string, string[]][], inputs: string[], outputs: string[], arenaBytes?: number): Program => ({
  name: 'p', buffers, kernels, launches: launches.map(([kernel, args]) => ({ kernel, args })), inputs, outputs, arenaBytes,
});

const F = (...xs: number[]): Float32Array => Float32Array.from(xs);
const I = (...xs: number[]): Int32Array => Int32Array.from(xs);
/** Deterministic values in [-4, 4) with a few awkward ones. */
function noise(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s / 2 ** 32) * 8 - 4;
  }
  return out;
}
/** Runs a kernel reading `x` (f32) and writing `out`, returning `out`. */
function runUnary(k: Kernel, x: TypedArray, out: TypedArray): number[] {
  evaluateKernel(k, { x, out });
  return Array.from(out);
}
const f32 = Math.fround;

// ---- kernels ------------------------------------------------------------------------------------

describe('elementwise kernels', () => {
  it('a vec=4 loop with a tail computes out = exp(x)*2 + y with f32 rounding after every op', () => {
    const n = 10;
    const k = kernel('ew', [param('out', 'float32', n, 'w'), param('x', 'float32', n, 'r'), param('y', 'float32', n, 'r')], [], [
      for_('i', n, [st('out', v('i'), add(mul(un('exp', ld('x', v('i'))), c(2)), ld('y', v('i'))))], 4),
    ]);
    const x = noise(n, 3);
    const y = noise(n, 4);
    const out = new Float32Array(n);
    evaluateKernel(k, { out, x, y });
    expect(Array.from(out)).toEqual(Array.from(x, (xi, i) => f32(f32(f32(Math.exp(xi)) * 2) + y[i])));
  });
  it('grid vars are outer loops, row-major; broadcasting is index math (out[i,j] = x[i,j] + b[j])', () => {
    const k = kernel('bias', [param('out', 'float32', 6, 'w'), param('x', 'float32', 6, 'r'), param('b', 'float32', 3, 'r')], [['i', 2], ['j', 3]], [
      st('out', idx(['i', 3], ['j', 1]), add(ld('x', idx(['i', 3], ['j', 1])), ld('b', v('j')))),
    ]);
    const out = new Float32Array(6);
    evaluateKernel(k, { out, x: F(1, 2, 3, 4, 5, 6), b: F(10, 20, 30) });
    expect(Array.from(out)).toEqual([11, 22, 33, 14, 25, 36]);
  });
  it('guarded loads pad: the index is not evaluated where the guard is false, and other is rounded to the dtype', () => {
    // out[i] = Σ_k xpad[i + k - 1] for a 3-tap window over 5 elements, padding 0.1.
    const pos = sub(add(v('i'), v('k')), ci(1));
    const inside = bin('and', bin('ge', pos, ci(0)), bin('lt', pos, ci(5)));
    const k = kernel('pad', [param('out', 'float32', 5, 'w'), param('x', 'float32', 5, 'r')], [['i', 5]], [
      st('out', v('i'), red('sum', [['k', 3]], 0, gld('x', pos, inside, 0.1))),
    ]);
    const p = f32(0.1);
    expect(runUnary(k, F(1, 2, 3, 4, 5), new Float32Array(5))).toEqual([f32(f32(p + 1) + 2), 6, 9, 12, f32(f32(4 + 5) + p)]);
    // A guard that is always false never touches the buffer, even at absurd indices.
    const never = kernel('never', [param('out', 'float32', 1, 'w'), param('x', 'float32', 1, 'r')], [], [st('out', ci(0), gld('x', ci(-99), c(0, 'bool'), -1))]);
    expect(runUnary(never, F(7), new Float32Array(1))).toEqual([-1]);
  });
  it('integer arithmetic wraps at 32 bits; div and mod by zero give 0; casts convert like the graph cast', () => {
    const cases: [Expr, DType, number][] = [
      [add(ci(2147483647), ci(1)), 'int32', -2147483648],
      [mul(ci(65536), ci(65537)), 'int32', 65536],
      [sub(c(0, 'uint32'), c(1, 'uint32')), 'uint32', 4294967295],
      [bin('div', ci(7), ci(0)), 'int32', 0],
      [bin('mod', ci(7), ci(0)), 'int32', 0],
      [bin('div', ci(-2147483648), ci(-1)), 'int32', -2147483648],
      [bin('div', ci(-7), ci(2)), 'int32', -3],
      [bin('mod', ci(-7), ci(2)), 'int32', 1],
      [bin('mod', c(-7), c(2)), 'float32', 1],
      [un('neg', ci(-2147483648)), 'int32', -2147483648],
      [cast(c(3.9e9), 'int32'), 'int32', 2147483647],
      [cast(c(NaN), 'int32'), 'int32', 0],
      [cast(c(-2.7), 'uint32'), 'uint32', 0],
      [cast(c(-1, 'int32'), 'uint32'), 'uint32', 4294967295],
      [cast(c(4294967295, 'uint32'), 'int32'), 'int32', -1],
      [cast(c(16777217, 'int32'), 'float32'), 'float32', 16777216],
      [cast(c(0.5), 'bool'), 'bool', 1],
      [cast(c(1, 'bool'), 'float32'), 'float32', 1],
      [c(-1, 'uint32'), 'uint32', 4294967295],
    ];
    for (const [e, dtype, want] of cases) {
      const out = new (dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : dtype === 'uint32' ? Uint32Array : Uint8Array)(1);
      evaluateKernel(kernel('s', [param('out', dtype, 1, 'w')], [], [st('out', ci(0), e)]), { out });
      expect(out[0], JSON.stringify(e)).toBe(want);
    }
  });
  it('bool buffers: comparisons, and/or/not and select store 0/1 in a Uint8Array', () => {
    const x = ld('x', v('i'));
    const k = kernel('b', [param('m', 'bool', 4, 'rw'), param('x', 'float32', 4, 'r'), param('out', 'float32', 4, 'w')], [['i', 4]], [
      st('m', v('i'), bin('or', bin('and', bin('gt', x, c(0)), un('not', ld('m', v('i'), 'bool'))), bin('ne', x, x))),
      st('out', v('i'), sel(ld('m', v('i'), 'bool'), x, c(-1))),
    ]);
    const m = Uint8Array.from([0, 1, 0, 0]);
    const out = new Float32Array(4);
    evaluateKernel(k, { m, x: F(2, 3, -1, NaN), out });
    expect(Array.from(m)).toEqual([1, 0, 0, 1]);
    expect(Array.from(out)).toEqual([2, -1, -1, NaN]);
  });
});

describe('reductions', () => {
  const reduceKernel = (op: ReduceOp, n: number, init: number): Kernel => {
    const dtype: DType = op === 'argmax' || op === 'argmin' ? 'int32' : 'float32';
    return kernel(op, [param('out', dtype, 1, 'w'), param('x', 'float32', Math.max(n, 1), 'r')], [], [st('out', ci(0), red(op, [['j', n]], init, ld('x', v('j'))))]);
  };
  const reduce1 = (op: ReduceOp, xs: number[], init: number): number => {
    const out = op === 'argmax' || op === 'argmin' ? new Int32Array(1) : new Float32Array(1);
    evaluateKernel(reduceKernel(op, xs.length, init), { out, x: xs.length ? F(...xs) : new Float32Array(1) });
    return out[0];
  };
  it('sum/prod/max/min fold from init, rounding f32 after each step', () => {
    expect(reduce1('sum', [16777216, 1, 1], 0)).toBe(16777216);
    expect(reduce1('sum', [1, 1, 16777216], 0)).toBe(16777218);
    expect(reduce1('sum', [1, 2, 3], 10)).toBe(16);
    expect(reduce1('prod', [2, 3, 0.5], 1)).toBe(3);
    expect(reduce1('max', [1, 5, -2], -Infinity)).toBe(5);
    expect(reduce1('min', [1, 5, -2], Infinity)).toBe(-2);
    expect(reduce1('max', [1, NaN, 7], -Infinity)).toBeNaN();
    expect(reduce1('min', [1, NaN, -7], Infinity)).toBeNaN();
  });
  it('argmax/argmin: first extreme wins ties, first NaN wins over numbers', () => {
    expect(reduce1('argmax', [1, 5, 5, -2], 0)).toBe(1);
    expect(reduce1('argmin', [3, -2, 4, -2], 0)).toBe(1);
    expect(reduce1('argmax', [1, NaN, 9, NaN], 0)).toBe(1);
    expect(reduce1('argmin', [NaN, -9], 0)).toBe(0);
    expect(reduce1('argmax', [-Infinity, -Infinity], 0)).toBe(0);
  });
  it('empty extents give init', () => {
    expect(reduce1('sum', [], 5)).toBe(5);
    expect(reduce1('max', [], -Infinity)).toBe(-Infinity);
    expect(reduce1('argmax', [], 7)).toBe(7);
    const k = kernel('e2', [param('out', 'int32', 1, 'w')], [], [st('out', ci(0), red('sum', [['a', 3], ['b', 0]], 42, ci(1)))]);
    const out = new Int32Array(1);
    evaluateKernel(k, { out });
    expect(out[0]).toBe(42);
  });
  it('multi-var reductions walk row-major; argmax gives the flat position', () => {
    const body = ld('x', idx(['a', 3], ['b', 1]));
    const k = kernel('mv', [param('s', 'float32', 1, 'w'), param('p', 'int32', 1, 'w'), param('x', 'float32', 6, 'r'), param('y', 'float32', 6, 'r')], [], [
      st('s', ci(0), red('sum', [['a', 2], ['b', 3]], 0, body)),
      st('p', ci(0), red('argmax', [['a', 2], ['b', 3]], 0, ld('y', idx(['a', 3], ['b', 1])))),
    ]);
    const s = new Float32Array(1);
    const p = new Int32Array(1);
    evaluateKernel(k, { s, p, x: F(16777216, 1, 1, 1, 1, 8), y: F(0, 2, 1, 3, 7, 7) });
    expect(s[0]).toBe(16777216 + 8); // each +1 is lost to rounding, in that order
    expect(p[0]).toBe(4); // (a=1, b=1), the first of two 7s
  });
  it('a reduce nests inside a for and inside another reduce', () => {
    // out[i] = Σ_j max_k x[i,j,k] over x: [2,2,3]
    const k = kernel('nest', [param('out', 'float32', 2, 'w'), param('x', 'float32', 12, 'r')], [], [
      for_('i', 2, [st('out', v('i'), red('sum', [['j', 2]], 0, red('max', [['k', 3]], -Infinity, ld('x', idx(['i', 6], ['j', 3], ['k', 1])))))]),
    ]);
    expect(runUnary(k, F(1, 9, 2, 4, 3, 0, -1, -2, -3, 5, 6, 7), new Float32Array(2))).toEqual([13, 6]);
  });
  it('integer sums wrap; init must be a value of the dtype', () => {
    const k = kernel('iw', [param('out', 'int32', 1, 'w')], [], [st('out', ci(0), red('sum', [['j', 3]], 0, ci(1073741824)))]);
    const out = new Int32Array(1);
    evaluateKernel(k, { out });
    expect(out[0]).toBe(-1073741824);
    const bad = kernel('bad', [param('out', 'int32', 1, 'w')], [], [st('out', ci(0), red('max', [['j', 3]], -Infinity, ci(1)))]);
    expect(() => evaluateKernel(bad, { out })).toThrow(/init -Infinity/);
  });
});

describe('let scoping', () => {
  it('a let is visible after it in its block and nested blocks; an inner let shadows without leaking', () => {
    const k = kernel('lets', [param('out', 'int32', 4, 'w')], [], [
      let_('a', ci(1)),
      for_('i', 2, [
        let_('a', add(v('a'), ci(10))), // reads the outer a
        st('out', v('i'), add(v('a'), v('i'))),
      ]),
      st('out', ci(2), v('a')),
      let_('a', ci(5)),
      st('out', ci(3), v('a')),
    ]);
    const out = new Int32Array(4);
    evaluateKernel(k, { out });
    expect(Array.from(out)).toEqual([11, 12, 1, 5]);
  });
  it('a let does not escape its block', () => {
    const k = kernel('leak', [param('out', 'int32', 1, 'w')], [], [for_('i', 1, [let_('t', ci(1))]), st('out', ci(0), v('t'))]);
    expect(() => evaluateKernel(k, { out: new Int32Array(1) })).toThrow(/@leak: %t is not bound/);
  });
});

// ---- programs and arena mode -------------------------------------------------------------------

describe('programs', () => {
  // k1: t = x * 2;  k2: y[i] = t[i] + t[7-i] + c[i]  (reads t reversed, so t and y must not overlap)
  const n = 8;
  const k1 = kernel('double', [param('t', 'float32', n, 'w'), param('x', 'float32', n, 'r')], [['i', n]], [st('t', v('i'), mul(ld('x', v('i')), c(2)))]);
  const k2 = kernel('mix', [param('y', 'float32', n, 'w'), param('t', 'float32', n, 'r'), param('c', 'float32', n, 'r')], [['i', n]], [
    st('y', v('i'), add(add(ld('t', v('i')), ld('t', sub(ci(n - 1), v('i')))), ld('c', v('i')))),
  ]);
  const cdata = [0, 100, 200, 300, 400, 500, 600, 700];
  const make = (offsets: { x: number; t: number; y: number; c: number }, arenaBytes: number): Program => program(
    [buf('x', 'float32', n, 'input', offsets.x), buf('t', 'float32', n, 'temp', offsets.t), buf('y', 'float32', n, 'output', offsets.y), buf('c', 'float32', n, 'constant', offsets.c, cdata)],
    [k1, k2], [['double', ['t', 'x']], ['mix', ['y', 't', 'c']]], ['x'], ['y', 'y'], arenaBytes,
  );
  const x = F(1, 2, 3, 4, 5, 6, 7, 8);
  const expected = Array.from(x, (_, i) => 2 * x[i] + 2 * x[n - 1 - i] + cdata[i]);

  it('passes a temp between two kernels; outputs are fresh copies (even when repeated); inputs are not written', () => {
    const p = make({ x: 0, t: 32, y: 64, c: 96 }, 128);
    const [y1, y2] = evaluateProgram(p, [x]);
    expect(Array.from(y1)).toEqual(expected);
    expect(y1).not.toBe(y2);
    expect(Array.from(y2)).toEqual(expected);
    expect(Array.from(x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
  it('arena mode gives the same result for a valid plan, including reuse of a dead input', () => {
    expect(Array.from(evaluateProgram(make({ x: 0, t: 32, y: 64, c: 96 }, 128), [x], { arena: true })[0])).toEqual(expected);
    // y may take x's bytes: x is dead once k1 has run.
    expect(Array.from(evaluateProgram(make({ x: 0, t: 32, y: 0, c: 64 }, 96), [x], { arena: true })[0])).toEqual(expected);
  });
  it('an arena plan that overlaps two live buffers gives a wrong result (arena mode really shares memory)', () => {
    const bad = make({ x: 0, t: 32, y: 32, c: 64 }, 96); // t is still read while y is written
    expect(Array.from(evaluateProgram(bad, [x])[0])).toEqual(expected); // without the arena the plan is not used
    expect(Array.from(evaluateProgram(bad, [x], { arena: true })[0])).not.toEqual(expected);
  });
  it('bool and int buffers live in the arena at byte offsets (bool is one byte per element)', () => {
    const k = kernel('pos', [param('m', 'bool', 3, 'w'), param('q', 'int32', 3, 'w'), param('x', 'int32', 3, 'r')], [['i', 3]], [
      st('m', v('i'), bin('gt', ld('x', v('i'), 'int32'), ci(0))),
      st('q', v('i'), mul(ld('x', v('i'), 'int32'), ci(3))),
    ]);
    const p = program([buf('x', 'int32', 3, 'input', 0), buf('m', 'bool', 3, 'output', 12), buf('q', 'int32', 3, 'output', 16)], [k], [['pos', ['m', 'q', 'x']]], ['x'], ['m', 'q'], 28);
    const [m, q] = evaluateProgram(p, [I(5, -1, 0)], { arena: true });
    expect(m).toBeInstanceOf(Uint8Array);
    expect(Array.from(m)).toEqual([1, 0, 0]);
    expect(Array.from(q)).toEqual([15, -3, 0]);
  });
  it('rejects bad inputs, missing arena information and bad launches with clear errors', () => {
    const p = make({ x: 0, t: 32, y: 64, c: 96 }, 128);
    expect(() => evaluateProgram(p, [])).toThrow(/@p: expected 1 input\(s\) \(%x\), got 0/);
    expect(() => evaluateProgram(p, [I(1, 2, 3, 4, 5, 6, 7, 8)])).toThrow(/input 0 \(%x\) needs a Float32Array .* got a Int32Array/);
    expect(() => evaluateProgram(p, [F(1, 2)])).toThrow(/input 0 \(%x\) needs a Float32Array of 8 elements .* got 2 elements/);
    const noOffset = { ...p, buffers: p.buffers.map((b) => (b.name === 't' ? { ...b, offset: undefined } : b)) };
    expect(() => evaluateProgram(noOffset, [x], { arena: true })).toThrow(/%t has none/);
    expect(evaluateProgram(noOffset, [x])[0]).toHaveLength(n); // offsets are only needed in arena mode
    expect(() => evaluateProgram({ ...p, arenaBytes: undefined }, [x], { arena: true })).toThrow(/needs arenaBytes/);
    expect(() => evaluateProgram(make({ x: 0, t: 32, y: 64, c: 100 }, 128), [x], { arena: true })).toThrow(/%c .* does not fit/);
    expect(() => evaluateProgram(make({ x: 0, t: 30, y: 64, c: 96 }, 128), [x], { arena: true })).toThrow(/%t has offset 30/);
    const wrongArg = { ...p, launches: [{ kernel: 'double', args: ['t', 'c'] }, { kernel: 'mix', args: ['y', 't'] }] };
    expect(() => evaluateProgram({ ...wrongArg, launches: wrongArg.launches.slice(1) }, [x])).toThrow(/launch 0 \(@mix\) passes 2 buffer\(s\) to 3 param\(s\)/);
    const small = { ...p, buffers: [...p.buffers.filter((b) => b.name !== 't'), buf('t', 'float32', 4, 'temp', 32)] };
    expect(() => evaluateProgram(small, [x])).toThrow(/launch 0 \(@double\) binds %t \(f32\[4\]\) to param %t \(f32\[8\]\)/);
  });
});

describe('errors', () => {
  it('an unguarded out-of-bounds load names kernel, buffer, index, size and the loop vars', () => {
    const k = kernel('shift', [param('out', 'float32', 4, 'w'), param('x', 'float32', 4, 'r')], [['i', 4]], [st('out', v('i'), ld('x', add(v('i'), ci(1))))]);
    expect(() => runUnary(k, F(1, 2, 3, 4), new Float32Array(4))).toThrow('kernel @shift: load %x[4] is out of bounds (%x has 4 elements) at %i=3');
    const neg = kernel('neg', [param('out', 'float32', 4, 'w')], [], [st('out', ci(-1), c(0))]);
    expect(() => evaluateKernel(neg, { out: new Float32Array(4) })).toThrow(/store %out\[-1\] is out of bounds/);
  });
  it('both branches of a select are evaluated, so an out-of-bounds load there is caught', () => {
    const k = kernel('sel', [param('out', 'float32', 1, 'w'), param('x', 'float32', 1, 'r')], [], [st('out', ci(0), sel(c(1, 'bool'), c(0), ld('x', ci(5))))]);
    expect(() => runUnary(k, F(1), new Float32Array(1))).toThrow(/load %x\[5\]/);
  });
  it('malformed kernels and bad buffers are rejected', () => {
    const out = new Float32Array(1);
    const store = (value: Expr, access: Access = 'w'): Kernel => kernel('m', [param('out', 'float32', 1, access)], [], [st('out', ci(0), value)]);
    expect(() => evaluateKernel(store(v('nope', 'float32')), { out })).toThrow(/@m: %nope is not bound here/);
    expect(() => evaluateKernel(store(c(1), 'r'), { out })).toThrow(/read-only/);
    expect(() => evaluateKernel(store(ld('y', ci(0))), { out })).toThrow(/%y, which is not a param/);
    expect(() => evaluateKernel(store(add(c(1), ci(1))), { out })).toThrow(/second operand of add has dtype i32; expected f32/);
    expect(() => evaluateKernel(store(un('exp', ci(1))), { out })).toThrow(/exp is not defined on i32/);
    expect(() => evaluateKernel(store(c(1)), {})).toThrow(/param %out needs a Float32Array of 1 elements .* got nothing/);
    expect(() => evaluateKernel(store(c(1)), { out: new Float32Array(2) })).toThrow(/got 2 elements/);
  });
});

// ---- agreement with the graph interpreter ------------------------------------------------------

const SPECIAL: Record<DType, number[]> = {
  float32: [0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, 0.1, 7, -7, 1e-30, 1e30, 88.8, Infinity, -Infinity, NaN],
  int32: [0, 1, -1, 2, -2, 3, 7, -7, 31, 2147483647, -2147483648],
  uint32: [0, 1, 2, 3, 7, 31, 2147483648, 4294967295],
  bool: [0, 1],
};
const arrayOf = (dtype: DType, xs: number[]): TypedArray => hostTensorFrom(dtype, [xs.length], xs).data;

describe('agreement with the graph interpreter, bit for bit', () => {
  it('every unary op on every dtype (and the same dtypes are rejected)', () => {
    for (const op of LOOP_UNARY_OPS) {
      for (const dtype of DTYPES) {
        const xs = SPECIAL[dtype];
        const type = tensorType(dtype, [xs.length]);
        let graph: number[] | undefined;
        try {
          graph = Array.from(evaluateOp(op, [hostTensorFrom(dtype, [xs.length], xs)], {}, type).data);
        } catch { /* the graph op rejects this dtype */ }
        expect(unaryScalar(op, dtype) !== undefined, `${op} on ${dtype}`).toBe(graph !== undefined);
        if (!graph) continue;
        const out = arrayOf(dtype, xs.map(() => 0));
        evaluateKernel(kernel(op, [param('out', dtype, xs.length, 'w'), param('x', dtype, xs.length, 'r')], [['i', xs.length]], [st('out', v('i'), un(op, ld('x', v('i'), dtype)))]), { out, x: arrayOf(dtype, xs) });
        expect(Array.from(out), `${op} on ${dtype}`).toEqual(graph);
      }
    }
  });
  it('every binary op on every dtype, over all pairs of special values', () => {
    for (const op of LOOP_BINARY_OPS) {
      for (const dtype of DTYPES) {
        const vals = SPECIAL[dtype];
        const as = vals.flatMap((a) => vals.map(() => a));
        const bs = vals.flatMap(() => vals);
        const n = as.length;
        const outDType: DType = COMPARE_OPS.includes(op) ? 'bool' : dtype;
        let graph: number[] | undefined;
        try {
          graph = Array.from(evaluateOp(op, [hostTensorFrom(dtype, [n], as), hostTensorFrom(dtype, [n], bs)], {}, tensorType(outDType, [n])).data);
        } catch { /* the graph op rejects this dtype */ }
        expect(binaryScalar(op, dtype) !== undefined, `${op} on ${dtype}`).toBe(graph !== undefined);
        if (!graph) continue;
        const out = arrayOf(outDType, as.map(() => 0));
        const k = kernel(op, [param('out', outDType, n, 'w'), param('a', dtype, n, 'r'), param('b', dtype, n, 'r')], [['i', n]], [
          st('out', v('i'), bin(op, ld('a', v('i'), dtype), ld('b', v('i'), dtype))),
        ]);
        evaluateKernel(k, { out, a: arrayOf(dtype, as), b: arrayOf(dtype, bs) });
        expect(Array.from(out), `${op} on ${dtype}`).toEqual(graph);
      }
    }
  });
  it('a softmax row kernel equals max/sub/exp/sum/div graph ops', () => {
    const R = 4;
    const C = 37;
    const x = noise(R * C, 9).map((e, i) => (i < C ? e * 30 : e)); // row 0 has large values
    x[2 * C + 5] = NaN;
    const b = new GraphBuilder('softmax');
    const xv = b.param(tensorType('float32', [R, C]), 'x');
    const full = tensorType('float32', [R, C]);
    const m = b.op('broadcast', [b.op('reduce', [xv], { op: 'max', axes: [1] })], { dims: [0] }, full);
    const e = b.op('exp', [b.op('sub', [xv, m])]);
    const s = b.op('broadcast', [b.op('reduce', [e], { op: 'sum', axes: [1] })], { dims: [0] }, full);
    const [graphOut] = evaluateGraph(b.build([b.op('div', [e, s])]), [hostTensorFrom('float32', [R, C], x)]);

    const at = idx(['row', C], ['j', 1]);
    const k = kernel('softmax', [param('out', 'float32', R * C, 'w'), param('x', 'float32', R * C, 'r')], [['row', R]], [
      let_('m', red('max', [['j', C]], -Infinity, ld('x', at))),
      let_('s', red('sum', [['j', C]], 0, un('exp', sub(ld('x', at), v('m', 'float32'))))),
      for_('j', C, [st('out', at, bin('div', un('exp', sub(ld('x', at), v('m', 'float32'))), v('s', 'float32')))], 4),
    ]);
    const p = program([buf('x', 'float32', R * C, 'input', 0), buf('out', 'float32', R * C, 'output', R * C * 4)], [k], [['softmax', ['out', 'x']]], ['x'], ['out'], R * C * 8);
    const loopOut = evaluateProgram(p, [x])[0];
    expect(Array.from(loopOut)).toEqual(Array.from(graphOut.data));
    expect(Array.from(evaluateProgram(p, [x], { arena: true })[0])).toEqual(Array.from(graphOut.data));
    expect(loopOut.slice(2 * C, 3 * C).every(Number.isNaN)).toBe(true);
  });
  it('a 64x64x64 matmul kernel (~260k multiply-adds) equals dot_general', () => {
    const N = 64;
    const a = noise(N * N, 5);
    const bm = noise(N * N, 6);
    const g = new GraphBuilder('mm');
    const av = g.param(tensorType('float32', [N, N]));
    const bv = g.param(tensorType('float32', [N, N]));
    const [graphOut] = evaluateGraph(g.build([g.op('dot_general', [av, bv], { batch: [[], []], contract: [[1], [0]] })]), [
      hostTensorFrom('float32', [N, N], a), hostTensorFrom('float32', [N, N], bm),
    ]);
    const k = kernel('mm', [param('out', 'float32', N * N, 'w'), param('a', 'float32', N * N, 'r'), param('b', 'float32', N * N, 'r')], [['i', N], ['j', N]], [
      st('out', idx(['i', N], ['j', 1]), red('sum', [['k', N]], 0, mul(ld('a', idx(['i', N], ['k', 1])), ld('b', idx(['k', N], ['j', 1]))))),
    ]);
    const out = new Float32Array(N * N);
    evaluateKernel(k, { out, a, b: bm });
    expect(Array.from(out)).toEqual(Array.from(graphOut.data));
  });
});

it('is exported from kiln/ir', async () => {
  const ir = await import('../../ir/index.js');
  expect(ir.evaluateProgram).toBe(evaluateProgram);
  expect(ir.evaluateKernel).toBe(evaluateKernel);
  expect(LoopEvalError.prototype).toBeInstanceOf(Error);
});
