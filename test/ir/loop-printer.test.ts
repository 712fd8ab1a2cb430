/** printProgram / printKernel / printExpr: golden text for hand-built loop IR. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expr, Program } from '../../ir/index.js';
import { programDiff } from '../../ir/loop-equal.js';
import { formatConstant, formatF32, printExpr, printKernel, printProgram } from '../../ir/loop-printer.js';
import { DENSE_ARGMAX_TEXT, L, denseArgmaxProgram } from './random-program.js';

const { v, i32, f32 } = L;
const bin = L.binary;

describe('printProgram', () => {
  it('prints the buffer table, the kernels and the launches', () => {
    expect(printProgram(denseArgmaxProgram())).toBe(DENSE_ARGMAX_TEXT);
  });

  it('prints empty inputs/outputs bare, and omits arena, offsets, grid() and vec=1 when absent', () => {
    const p: Program = {
      name: 'two words', buffers: [L.buffer('t', 'bool', 3, 'temp')], inputs: [], outputs: [],
      kernels: [L.kernel('fill', [L.param('t', 'bool', 3, 'w')], [], [L.for('i', 3, [L.store('t', v('i'), L.bool(true))])])],
      launches: [{ kernel: 'fill', args: ['t'] }],
    };
    expect(printProgram(p)).toBe(`program @"two words" {
  buffer %t: bool[3] temp
  inputs
  outputs

  kernel @fill(%t: bool[3] w) {
    for %i in 0..3 {
      store %t[%i], true
    }
  }

  launch @fill(%t)
}
`);
  });

  it('prints a program with nothing in it', () => {
    expect(printProgram({ name: 'p', buffers: [], kernels: [], launches: [], inputs: [], outputs: [] })).toBe('program @p {\n  inputs\n  outputs\n}\n');
  });

  it('spells constant data in the buffer dtype', () => {
    const p: Program = {
      name: 'c', inputs: [], outputs: [], kernels: [], launches: [],
      buffers: [
        L.buffer('f', 'float32', 4, 'constant', { data: [1, -0, NaN, -Infinity] }),
        L.buffer('i', 'int32', 2, 'constant', { data: [-4, 7] }),
        L.buffer('u', 'uint32', 1, 'constant', { data: [4294967295] }),
        L.buffer('q', 'bool', 2, 'constant', { data: [1, 0] }),
        L.buffer('e', 'float32', 0, 'constant', { data: [] }),
      ],
    };
    expect(printProgram(p)).toBe(`program @c {
  buffer %f: f32[4] constant data=[1.0, -0.0, nan, -inf]
  buffer %i: i32[2] constant data=[-4, 7]
  buffer %u: u32[1] constant data=[4294967295u]
  buffer %q: bool[2] constant data=[true, false]
  buffer %e: f32[0] constant data=[]
  inputs
  outputs
}
`);
  });
});

describe('printKernel', () => {
  it('prints one kernel, nested loops indented, an empty body as {}', () => {
    const k = L.kernel('k', [L.param('o', 'float32', 8, 'rw')], [L.ivar('a', 2), L.ivar('b', 2)], [
      L.let('s', L.i32(1)),
      L.for('c', 2, [L.for('d', 0, [], 16)], 4),
    ]);
    expect(printKernel(k)).toBe(`kernel @k(%o: f32[8] rw) grid(%a: 2, %b: 2) {
  %s = 1
  for %c in 0..2 vec=4 {
    for %d in 0..0 vec=16 {
    }
  }
}
`);
    expect(printKernel(L.kernel('empty', [], [], []))).toBe('kernel @empty() {\n}\n');
  });
});

describe('printExpr', () => {
  const [a, b, c] = [v('a'), v('b'), v('c')];
  const cases: [string, Expr, string][] = [
    ['* binds tighter than +', L.add(L.mul(a, i32(784)), b), '%a * 784 + %b'],
    ['+ under * keeps its parentheses', L.mul(L.add(a, i32(1)), i32(4)), '(%a + 1) * 4'],
    ['left-associative chains print bare', bin('sub', bin('sub', a, b), c), '%a - %b - %c'],
    ['a right operand of equal precedence is parenthesised', bin('sub', a, bin('sub', b, c)), '%a - (%b - %c)'],
    ['even for +', L.add(a, L.add(b, c)), '%a + (%b + %c)'],
    ['/ over *', bin('div', a, L.mul(b, c)), '%a / (%b * %c)'],
    ['% after *', bin('mod', L.mul(a, b), c), '%a * %b % %c'],
    ['negative constants', bin('sub', i32(-4), i32(-2)), '-4 - -2'],
    ['calls inside infix and infix inside calls', L.add(a, bin('max', bin('sub', b, i32(1)), i32(0))), '%a + max(%b - 1, 0)'],
    ['f32 arithmetic is a call', L.add(v('x', 'float32'), f32(1)), 'add(%x, 1.0)'],
    ['u32 arithmetic is a call', bin('mod', L.u32(7), L.u32(2)), 'mod(7u, 2u)'],
    ['i32 pow/max/min are calls', bin('pow', a, i32(2)), 'pow(%a, 2)'],
    ['a guarded load is parenthesised as an operand', L.mul(L.guarded('x', 'int32', a, bin('lt', a, i32(3)), 0), i32(2)),
      '(load %x[%a] if lt(%a, 3) else 0) * 2'],
    ['and bare elsewhere', L.guarded('x', 'float32', bin('sub', a, i32(1)), bin('ge', a, i32(1)), -Infinity),
      'load %x[%a - 1] if ge(%a, 1) else -inf'],
    ['every unary op is a call', L.unary('rsqrt', L.unary('neg', v('x', 'float32'))), 'rsqrt(neg(%x))'],
    ['not', L.unary('not', v('p', 'bool')), 'not(%p)'],
    ['select', L.select(L.bool(false), f32(1), f32(2)), 'select(false, 1.0, 2.0)'],
    ['cast', L.cast('uint32', L.cast('bool', a)), 'cast<u32>(cast<bool>(%a))'],
    ['reduce with init', L.reduce('max', [L.ivar('k', 4), L.ivar('l', 3)], -Infinity, L.load('x', 'float32', L.add(L.mul(v('k'), i32(3)), v('l')))),
      'reduce max(%k: 4, %l: 3) init -inf { load %x[%k * 3 + %l] }'],
    ['i32 reduce init', L.reduce('prod', [L.ivar('k', 2)], 1, v('k')), 'reduce prod(%k: 2) init 1 { %k }'],
    ['argmin has no init', L.reduce('argmin', [L.ivar('k', 2)], 0, v('k')), 'reduce argmin(%k: 2) { %k }'],
  ];
  it.each(cases)('%s', (_name, e, text) => {
    expect(printExpr(e)).toBe(text);
  });
});

describe('constants', () => {
  it('f32 constants always read back as f32', () => {
    const cases: [number, string][] = [
      [1, '1.0'], [-2.5, '-2.5'], [0, '0.0'], [-0, '-0.0'], [1e-7, '1e-7'], [1e21, '1e+21'], [1e20, '100000000000000000000.0'],
      [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf'], [Math.fround(0.1), '0.10000000149011612'], [3.4028234663852886e38, '3.4028234663852886e+38'],
    ];
    for (const [x, text] of cases) expect(formatF32(x)).toBe(text);
  });

  it('f32 spellings are the shortest that round-trip', () => {
    fc.assert(fc.property(fc.float(), (x) => {
      const text = formatF32(x);
      expect(text).toMatch(/[.e]|^-?(nan|inf)$/);
      expect(Object.is(x, text.includes('nan') ? NaN : text.includes('inf') ? Number(text.replace('inf', 'Infinity')) : Number(text))).toBe(true);
    }), { numRuns: 500 });
  });

  it('other dtypes have their own spellings', () => {
    expect(formatConstant(-4, 'int32')).toBe('-4');
    expect(formatConstant(-0, 'int32')).toBe('0');
    expect(formatConstant(3, 'uint32')).toBe('3u');
    expect(formatConstant(1, 'bool')).toBe('true');
    expect(formatConstant(0, 'bool')).toBe('false');
  });
});

describe('programDiff', () => {
  it('is undefined for equal programs and names the first difference otherwise', () => {
    const p = denseArgmaxProgram();
    expect(programDiff(p, denseArgmaxProgram())).toBeUndefined();
    const changed: Program = { ...p, kernels: [{ ...p.kernels[0], grid: [L.ivar('i', 3)] }, p.kernels[1]] };
    expect(programDiff(p, changed)).toBe('kernels[0] @dense_relu_2x2.grid[0]: extents of %i 2 vs 3');
    const constant: Program = { ...p, buffers: p.buffers.map((b) => (b.name === 'b' ? { ...b, data: [0.5, -0] } : b)) };
    expect(programDiff(p, constant)).toBe('buffers[2] (%b): data[1] -1 vs -0');
  });

  it('compares f32 constants by bits (NaN equals NaN, -0 differs from 0)', () => {
    const withConst = (x: number): Program => ({
      name: 'p', buffers: [], inputs: [], outputs: [], launches: [], kernels: [L.kernel('k', [], [], [L.let('c', f32(x))])],
    });
    expect(programDiff(withConst(NaN), withConst(NaN))).toBeUndefined();
    expect(programDiff(withConst(0), withConst(-0))).toBe('kernels[0] @k.body[0].value: 0.0 (const, float32) vs -0.0 (const, float32)');
  });
});
