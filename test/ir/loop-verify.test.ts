/** verifyKernel / verifyProgram: one failing example per rule, with its message; valid programs pass. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Expr, KilnError, type Kernel, type Program, type Stmt } from '../../ir/index.js';
import { type Interval, LoopVerifyError, intervalOf, verifyKernel, verifyProgram } from '../../ir/loop-verify.js';
import { L, arbProgram, denseArgmaxProgram } from './random-program.js';

const { v, i32, f32 } = L;
const fx = (name: string): Expr => v(name, 'float32');
const loadX = (index: Expr): Expr => L.load('x', 'float32', index);
const asLoad = (e: Expr): Extract<Expr, { kind: 'load' }> => e as Extract<Expr, { kind: 'load' }>;

/** @k(%o: f32[8] w, %x: f32[8] r, %n: i32[8] rw, %p: bool[8] r) grid(%i: 2) { body } */
function kernel(body: readonly Stmt[], grid = [L.ivar('i', 2)]): Kernel {
  const params = [L.param('o', 'float32', 8, 'w'), L.param('x', 'float32', 8, 'r'), L.param('n', 'int32', 8, 'rw'), L.param('p', 'bool', 8, 'r')];
  return L.kernel('k', params, grid, body);
}

function errorOf(run: () => unknown): LoopVerifyError {
  try {
    run();
  } catch (e) {
    if (e instanceof LoopVerifyError) return e;
    throw e;
  }
  throw new Error('expected a LoopVerifyError, but verification passed');
}

/** The message of verifying a kernel with this body, less the `@k: ` prefix. */
const kernelError = (body: readonly Stmt[], grid?: ReturnType<typeof L.ivar>[]): string =>
  errorOf(() => verifyKernel(kernel(body, grid))).message.replace(/^@k: /, '');
/** The message for one `let %e = <value>` statement. */
const exprError = (value: Expr): string => kernelError([L.let('e', value)]);

describe('valid kernels and programs pass', () => {
  it('returns what it verified', () => {
    const p = denseArgmaxProgram();
    expect(verifyProgram(p)).toBe(p);
    const k = kernel([L.store('o', v('i'), f32(1))]);
    expect(verifyKernel(k)).toBe(k);
  });

  it('accepts random valid programs', () => {
    fc.assert(fc.property(arbProgram(), (p) => verifyProgram(p) === p), { numRuns: 100 });
  });

  it('LoopVerifyError is a KilnError that carries the offending object', () => {
    const bad = L.v('q');
    const e = errorOf(() => verifyKernel(kernel([L.let('e', bad)])));
    expect(e).toBeInstanceOf(KilnError);
    expect(e.name).toBe('LoopVerifyError');
    expect(e.subject).toBe(bad);
    expect(e.message).toBe('@k: stmt 0 (let %e): %q is not defined before this use');
  });
});

describe('names: defined once per kernel, before use, used where visible', () => {
  const cases: [string, Stmt[], string][] = [
    ['undefined', [L.let('a', v('q'))], 'stmt 0 (let %a): %q is not defined before this use'],
    ['a let used in its own definition', [L.let('a', L.add(v('a'), i32(1)))], 'stmt 0 (let %a): %a is not defined before this use'],
    ['a loop variable after its loop', [L.for('j', 2, []), L.let('a', v('j'))],
      'stmt 1 (let %a): %j is not in scope here (loop and reduce variables live inside their loop or reduce, lets inside their block)'],
    ['a let after the block that defines it', [L.for('j', 2, [L.let('t', i32(1))]), L.let('a', v('t'))],
      'stmt 1 (let %a): %t is not in scope here (loop and reduce variables live inside their loop or reduce, lets inside their block)'],
    ['a reduce variable outside its body', [L.let('a', L.add(L.reduce('sum', [L.ivar('r', 2)], 0, v('r')), v('r')))],
      'stmt 0 (let %a): %r is not in scope here (loop and reduce variables live inside their loop or reduce, lets inside their block)'],
    ['a let defined twice', [L.let('a', i32(1)), L.for('j', 1, [L.let('a', i32(2))])],
      'stmt 1 (for %j) > stmt 0 (let %a): %a is defined twice in the kernel (names are single-assignment)'],
    ['a let named like a parameter', [L.let('x', i32(1))], 'stmt 0 (let %x): %x is defined twice in the kernel (names are single-assignment)'],
    ['a loop variable named like a grid variable', [L.for('i', 2, [])], 'stmt 0 (for %i): %i is defined twice in the kernel (names are single-assignment)'],
    ['two sibling loops with one variable name', [L.for('j', 2, []), L.for('j', 2, [])], 'stmt 1 (for %j): %j is defined twice in the kernel (names are single-assignment)'],
    ['a reduce variable named like a loop variable', [L.for('j', 2, [L.let('a', L.reduce('sum', [L.ivar('j', 2)], 0, i32(1)))])],
      'stmt 0 (for %j) > stmt 0 (let %a): %j is defined twice in the kernel (names are single-assignment)'],
    ['a name that is not an identifier', [L.let('1x', i32(1))], 'stmt 0 (let %1x): bad let name "1x": names are identifiers'],
  ];
  it.each(cases)('%s', (_name, body, message) => {
    expect(kernelError(body)).toBe(message);
  });

  it('lets are visible after their definition, in nested blocks too', () => {
    const body = [L.let('t', L.mul(v('i'), i32(4))), L.for('j', 4, [L.for('m', 1, [L.store('o', L.add(v('t'), v('j')), f32(1))])])];
    expect(verifyKernel(kernel(body)).body).toBe(body);
  });

  it('checks parameter and grid names too', () => {
    const twice = L.kernel('k', [L.param('a', 'float32', 1, 'r'), L.param('a', 'float32', 1, 'r')], [], []);
    expect(errorOf(() => verifyKernel(twice)).message).toBe('@k: param 1: %a is defined twice in the kernel (names are single-assignment)');
    expect(kernelError([], [L.ivar('g', 2), L.ivar('g', 3)])).toBe('grid: %g is defined twice in the kernel (names are single-assignment)');
  });
});

describe('loops: vector widths and extents', () => {
  it('vec is 1, 2, 4, 8 or 16', () => {
    for (const vec of [1, 2, 4, 8, 16]) expect(() => verifyKernel(kernel([L.for('j', 4, [], vec)]))).not.toThrow();
    expect(kernelError([L.for('j', 4, [], 3)])).toBe('stmt 0 (for %j): vec=3; vector widths are 1, 2, 4, 8 or 16');
    expect(kernelError([L.for('j', 4, [], 0)])).toBe('stmt 0 (for %j): vec=0; vector widths are 1, 2, 4, 8 or 16');
  });

  it('extents are integers >= 0 for loops, grids and reductions', () => {
    expect(kernelError([L.for('j', -1, [])])).toBe('stmt 0 (for %j): loop variable %j has extent -1; extents are integers >= 0');
    expect(kernelError([], [L.ivar('g', 2.5)])).toBe('grid: grid variable %g has extent 2.5; extents are integers >= 0');
    expect(exprError(L.reduce('sum', [L.ivar('r', -2)], 0, i32(1)))).toBe('stmt 0 (let %e): reduce variable %r has extent -2; extents are integers >= 0');
    expect(() => verifyKernel(kernel([L.for('j', 0, [])], [L.ivar('g', 0)]))).not.toThrow();
  });
});

describe('dtypes', () => {
  const p = L.v('c', 'bool');
  const cases: [string, Expr, string][] = [
    ['binary operands of different dtypes', L.add(i32(1), f32(1)), 'add(1, 1.0): operand dtypes differ: i32 and f32'],
    ['arithmetic on bool', L.binary('max', L.bool(true), L.bool(false)), 'max(true, false): operands are bool; expected f32, i32 or u32'],
    ['a float-only op on i32', L.unary('exp', v('i')), 'exp(%i): operand %i is i32; expected f32'],
    ['neg on bool', L.unary('neg', L.bool(true)), 'neg(true): operand true is bool; expected f32, i32 or u32'],
    ['not on f32', L.unary('not', f32(1)), 'not(1.0): operand 1.0 is f32; expected bool'],
    ['and on i32', L.binary('and', i32(1), i32(0)), 'and(1, 0): operands are i32; expected bool'],
    ['select on an i32 condition', L.select(i32(1), f32(1), f32(2)), 'select(1, 1.0, 2.0): the condition is i32; it must be bool'],
    ['select with branches of different dtypes', L.select(L.bool(true), f32(1), i32(2)), 'select(true, 1.0, 2): branch dtypes differ: f32 and i32'],
    ['an f32 index', loadX(f32(1)), 'load %x: index 1.0 is f32; indices are i32'],
    ['an i32 guard', L.guarded('x', 'float32', v('i'), i32(1), 0), 'load %x[%i] if 1 else 0.0: the guard 1 is i32; guards are bool'],
    ['an i32 constant that is not an integer', i32(2.5), '2.5: the value 2.5 is not an i32'],
    ['a u32 constant below 0', L.u32(-1), '-1u: the value -1 is not a u32'],
    ['an i32 constant out of range', i32(2 ** 31), '2147483648: the value 2147483648 is not an i32'],
    ['a bool constant other than 0 or 1', { kind: 'const', dtype: 'bool', value: 2 }, 'true: the value 2 is not a bool'],
    ['a binary node marked with the wrong dtype', { ...L.add(v('i'), i32(1)), dtype: 'float32' }, 'add(%i, 1) is marked f32 but is i32'],
    ['a compare marked with its operand dtype', { ...L.binary('lt', v('i'), i32(1)), dtype: 'int32' }, 'lt(%i, 1) is marked i32 but is bool'],
    ['an index variable marked f32', fx('i'), '%i is marked f32 but is i32'],
    ['a cast to an unknown dtype', L.cast('float64' as 'float32', i32(1)), 'cast<undefined>(1): unknown dtype float64'],
    ['an unknown unary op', { kind: 'unary', dtype: 'float32', op: 'cube' as 'neg', x: f32(1) }, 'cube(1.0): unknown unary op "cube"'],
    ['an unknown expression kind', { kind: 'call', dtype: 'float32' } as unknown as Expr, 'unknown expression kind "call"'],
  ];
  it.each(cases)('%s', (_name, value, message) => {
    expect(exprError(value)).toBe(`stmt 0 (let %e): ${message}`);
  });

  it('a store value has its buffer dtype', () => {
    expect(kernelError([L.store('o', v('i'), i32(1))])).toBe('stmt 0 (store %o): stores an i32 value into %o, an f32 buffer');
  });

  it('lets take the dtype of their value', () => {
    expect(kernelError([L.let('c', L.bool(true)), L.let('e', L.add(p, p))])).toBe('stmt 1 (let %e): add(%c, %c): operands are bool; expected f32, i32 or u32');
    expect(kernelError([L.let('c', f32(1)), L.let('e', v('c'))])).toBe('stmt 1 (let %e): %c is marked i32 but is f32');
  });
});

describe('reductions', () => {
  const r = [L.ivar('r', 2)];
  it.each([
    ['a bool body', L.reduce('sum', r, 0, L.bool(true)), 'reduce sum(%r: 2) init false { true }: reduce sum needs a numeric body, got bool'],
    ['an arg reduction with an init', { ...L.reduce('argmax', r, 0, f32(1)), init: 3 }, 'reduce argmax(%r: 2) { 1.0 }: reduce argmax has init 3; arg reductions take none (0)'],
    ['an init that is not of the body dtype', L.reduce('sum', r, 0.5, v('r')), 'reduce sum(%r: 2) init 0.5 { %r }: init 0.5 is not an i32'],
    ['an arg reduction marked f32', { ...L.reduce('argmin', r, 0, f32(1)), dtype: 'float32' }, 'reduce argmin(%r: 2) { 1.0 } is marked f32 but is i32'],
    ['an unknown reduce op', { ...L.reduce('sum', r, 0, f32(1)), op: 'mean' as 'sum' }, 'reduce mean(%r: 2) init 0.0 { 1.0 }: unknown reduce op "mean"'],
  ] as [string, Expr, string][])('%s', (_name, value, message) => {
    expect(exprError(value)).toBe(`stmt 0 (let %e): ${message}`);
  });
});

describe('buffer access', () => {
  it.each([
    ['a load from a write-only parameter', [L.let('e', L.load('o', 'float32', v('i')))], 'stmt 0 (let %e): load %o[%i]: load from %o, a write-only (w) parameter'],
    ['a store to a read-only parameter', [L.store('x', v('i'), f32(1))], 'stmt 0 (store %x): store to %x, a read-only (r) parameter'],
    ['a load from a name that is no parameter', [L.let('e', L.load('z', 'float32', v('i')))], 'stmt 0 (let %e): load from %z, which is not a parameter of the kernel'],
    ['a store to a name that is no parameter', [L.store('z', v('i'), f32(1))], 'stmt 0 (store %z): store to %z, which is not a parameter of the kernel'],
    ['a guarded load without an other value', [L.let('e', { ...asLoad(L.guarded('x', 'float32', v('i'), L.bool(true), 0)), other: undefined })],
      "stmt 0 (let %e): load %x[%i] if true else 0.0: a guarded load needs an 'other' value that is an f32, got undefined"],
    ['a guarded load with an other value of the wrong dtype', [L.let('e', L.guarded('n', 'int32', v('i'), L.bool(true), 0.5))],
      "stmt 0 (let %e): load %n[%i] if true else 0.5: a guarded load needs an 'other' value that is an i32, got 0.5"],
    ['an unguarded load with an other value', [L.let('e', { ...asLoad(loadX(v('i'))), other: 1 })], "stmt 0 (let %e): load %x[%i]: an unguarded load has no 'other' value"],
  ] as [string, Stmt[], string][])('%s', (_name, body, message) => {
    expect(kernelError(body)).toBe(message);
  });

  it('rw parameters can be loaded and stored', () => {
    expect(() => verifyKernel(kernel([L.store('n', v('i'), L.add(L.load('n', 'int32', v('i')), i32(1)))]))).not.toThrow();
  });
});

describe('static bounds', () => {
  it('reports an unguarded load past the end, with the interval, the buffer and its size', () => {
    expect(kernelError([L.for('j', 5, [L.let('e', loadX(L.add(L.mul(v('i'), i32(4)), v('j'))))])]))
      .toBe('stmt 0 (for %j) > stmt 0 (let %e): load %x[%i * 4 + %j]: index interval [0, 8] is out of bounds for %x (8 elements, indices 0..7)');
  });

  it('reports negative indices and stores', () => {
    expect(kernelError([L.store('o', L.binary('sub', v('i'), i32(1)), f32(0))]))
      .toBe('stmt 0 (store %o): store %o[%i - 1]: index interval [-1, 0] is out of bounds for %o (8 elements, indices 0..7)');
  });

  it('follows i32 lets', () => {
    expect(kernelError([L.let('t', L.mul(v('i'), i32(4))), L.store('o', L.add(v('t'), i32(4)), f32(0))]))
      .toBe('stmt 1 (store %o): store %o[%t + 4]: index interval [4, 8] is out of bounds for %o (8 elements, indices 0..7)');
  });

  it('checks loads inside reductions against the reduce variables', () => {
    expect(exprError(L.reduce('sum', [L.ivar('r', 9)], 0, loadX(v('r')))))
      .toBe('stmt 0 (let %e): load %x[%r]: index interval [0, 8] is out of bounds for %x (8 elements, indices 0..7)');
  });

  it('does not check guarded loads, unbounded indices or code that never runs', () => {
    const ok = (body: Stmt[]) => expect(() => verifyKernel(kernel(body))).not.toThrow();
    ok([L.let('e', L.guarded('x', 'float32', L.binary('sub', v('i'), i32(1)), L.binary('ge', v('i'), i32(1)), 0))]);
    ok([L.let('e', loadX(L.load('n', 'int32', v('i'))))]);
    ok([L.for('j', 0, [L.store('o', i32(100), f32(0))])]);
    ok([L.let('e', L.reduce('sum', [L.ivar('r', 0)], 0, loadX(i32(-5))))]);
    ok([L.store('o', L.binary('mod', L.load('n', 'int32', v('i')), i32(8)), f32(0))]);
  });

  describe('intervalOf', () => {
    const ranges: Record<string, Interval> = { a: { lo: -7, hi: 5 }, b: { lo: 2, hi: 3 }, z: { lo: -1, hi: 1 } };
    const of = (e: Expr): string => {
      const r = intervalOf(e, (n) => ranges[n]);
      return `[${r.lo}, ${r.hi}]`;
    };
    const [a, b, z] = [v('a'), v('b'), v('z')];
    it.each([
      ['constant', i32(3), '[3, 3]'],
      ['add, sub', L.binary('sub', L.add(a, b), b), '[-8, 6]'],
      ['mul with negatives', L.mul(a, b), '[-21, 15]'],
      ['div truncates toward zero', L.binary('div', a, b), '[-3, 2]'],
      ['div by a range holding 0 (x / 0 = 0)', L.binary('div', a, z), '[-7, 7]'],
      ['mod takes the divisor sign', L.binary('mod', a, b), '[0, 2]'],
      ['mod by a negative divisor', L.binary('mod', a, i32(-4)), '[-3, 0]'],
      ['mod of an already reduced value', L.binary('mod', b, i32(8)), '[2, 3]'],
      ['mod of an unbounded value', L.binary('mod', L.load('n', 'int32', a), i32(8)), '[0, 7]'],
      ['min, max', L.binary('min', L.binary('max', a, i32(0)), i32(4)), '[0, 4]'],
      ['select is the hull', L.select(L.bool(true), a, L.add(b, i32(10))), '[-7, 13]'],
      ['neg, abs', L.unary('abs', L.unary('neg', a)), '[0, 7]'],
      ['argmax over the flattened vars', L.reduce('argmax', [L.ivar('r', 3), L.ivar('s', 4)], 0, f32(1)), '[0, 11]'],
      ['loads and unknown variables are unbounded', L.add(L.load('n', 'int32', a), v('q')), '[-Infinity, Infinity]'],
      ['non-i32 expressions are unbounded', L.cast('int32', f32(2)), '[-Infinity, Infinity]'],
    ] as [string, Expr, string][])('%s', (_name, e, interval) => {
      expect(of(e)).toBe(interval);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Programs.

const base = (): Program => denseArgmaxProgram();
const programError = (p: Program): string => errorOf(() => verifyProgram(p)).message;
const withBuffer = (p: Program, name: string, change: object): Program =>
  ({ ...p, buffers: p.buffers.map((b) => (b.name === name ? { ...b, ...change } : b)) });

describe('programs', () => {
  it('prefixes kernel errors with @program/@kernel', () => {
    const p = base();
    const broken: Program = { ...p, kernels: [p.kernels[0], { ...p.kernels[1], grid: [L.ivar('row', 3)] }] };
    expect(programError(broken)).toBe('@mlp/@argmax_rows: stmt 0 (store %out): store %out[%row]: index interval [0, 2] is out of bounds for %out (2 elements, indices 0..1)');
  });

  it.each([
    ['a kernel defined twice', (p: Program): Program => ({ ...p, kernels: [...p.kernels, p.kernels[1]] }), '@mlp: kernel @argmax_rows: is defined twice'],
    ['a buffer declared twice', (p: Program): Program => ({ ...p, buffers: [...p.buffers, p.buffers[3]] }), '@mlp: buffer %h: is declared twice'],
    ['a buffer name that is no identifier', (p: Program): Program => ({ ...p, buffers: [...p.buffers, L.buffer('a b', 'float32', 1, 'temp')] }),
      '@mlp: buffer 5: bad buffer name "a b": names are identifiers'],
    ['a launch of an unknown kernel', (p: Program): Program => ({ ...p, launches: [{ kernel: 'nope', args: [] }] }), '@mlp: launch 0 (@nope): no kernel has this name'],
    ['a launch with too many buffers', (p: Program): Program => ({ ...p, launches: [{ kernel: 'argmax_rows', args: ['out', 'h', 'x'] }] }),
      '@mlp: launch 0 (@argmax_rows): passes 3 buffer(s) for 2 parameter(s)'],
    ['a launch argument that is no buffer', (p: Program): Program => ({ ...p, launches: [{ kernel: 'argmax_rows', args: ['out', 'q'] }] }),
      '@mlp: launch 0 (@argmax_rows): argument 1 %q is not a buffer'],
    ['a launch argument of another dtype', (p: Program): Program => ({ ...p, launches: [{ kernel: 'argmax_rows', args: ['h', 'h'] }] }),
      '@mlp: launch 0 (@argmax_rows): argument 0 %h is f32[4] but parameter %out is i32[2]'],
    ['a launch argument of another size', (p: Program): Program => ({ ...p, launches: [{ kernel: 'argmax_rows', args: ['out', 'x'] }] }),
      '@mlp: launch 0 (@argmax_rows): argument 1 %x is f32[6] but parameter %h is f32[4]'],
    ['a constant without data', (p: Program): Program => withBuffer(p, 'b', { data: undefined }), '@mlp: buffer %b: a constant buffer needs data'],
    ['a constant with too few values', (p: Program): Program => withBuffer(p, 'b', { data: [1] }), '@mlp: buffer %b: has 1 data values for 2 elements'],
    ['constant data not of the dtype', (p: Program): Program => withBuffer(p, 'out', { role: 'constant', data: [1, 0.5] }),
      '@mlp: buffer %out: data[1] = 0.5 is not an i32'],
    ['data on a temp buffer', (p: Program): Program => withBuffer(p, 'h', { data: [1, 2, 3, 4] }), '@mlp: buffer %h: only constant buffers have data (this one is temp)'],
    ['an input that is no buffer', (p: Program): Program => ({ ...p, inputs: ['x', 'w', 'q'] }), '@mlp: inputs: %q is not a buffer'],
    ['an input of another role', (p: Program): Program => ({ ...p, inputs: ['x', 'w', 'h'] }), '@mlp: inputs: %h is a temp buffer, not an input'],
    ['an input buffer left out of the inputs', (p: Program): Program => ({ ...p, inputs: ['x'] }), '@mlp: inputs: the input buffer %w is not listed'],
    ['an input listed twice', (p: Program): Program => ({ ...p, inputs: ['x', 'w', 'x'] }), '@mlp: inputs: a buffer is listed twice'],
    ['an output of another role', (p: Program): Program => ({ ...p, outputs: ['x'] }), '@mlp: outputs: %x is an input buffer, not an output'],
    ['a misaligned offset', (p: Program): Program => withBuffer(p, 'h', { offset: 84 }), '@mlp: buffer %h: offset 84 is not a multiple of 16'],
    ['a buffer past the arena', (p: Program): Program => ({ ...p, arenaBytes: 100 }), '@mlp: buffer %out: bytes 96..104 run past the arena (100 bytes)'],
    ['a negative arena', (p: Program): Program => ({ ...p, arenaBytes: -16 }), '@mlp: arena: -16 bytes; expected an integer >= 0'],
  ])('%s', (_name, change, message) => {
    expect(programError(change(base()))).toBe(message);
  });

  it('a written parameter may not be bound to an input or constant buffer', () => {
    const p: Program = {
      name: 'p', buffers: [L.buffer('c', 'float32', 1, 'constant', { data: [1] })], inputs: [], outputs: [],
      kernels: [L.kernel('k', [L.param('o', 'float32', 1, 'rw')], [], [])], launches: [{ kernel: 'k', args: ['c'] }],
    };
    expect(programError(p)).toBe('@p: launch 0 (@k): parameter %o (rw) would write to %c, a constant buffer');
  });

  it('counts bool buffers at one byte per element and allows outputs to repeat', () => {
    const p: Program = {
      name: 'p', buffers: [L.buffer('m', 'bool', 16, 'output', { offset: 0 }), L.buffer('n', 'int32', 1, 'output', { offset: 16 })],
      arenaBytes: 20, inputs: [], outputs: ['m', 'n', 'm'], kernels: [], launches: [],
    };
    expect(verifyProgram(p)).toBe(p);
  });
});
