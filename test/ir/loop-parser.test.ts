/** parseProgram / parseKernel: round trips, canonical text, what the parser builds, and its errors. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BinaryOp, DTYPES, type DType, type Expr, type Kernel, KilnError, LOOP_BINARY_OPS, LOOP_UNARY_OPS, type Program, type Stmt,
} from '../../ir/index.js';
import { kernelDiff } from '../../ir/loop-equal.js';
import { ParseError, parseKernel, parseProgram } from '../../ir/loop-parser.js';
import { printKernel, printProgram } from '../../ir/loop-printer.js';
import { LoopVerifyError, verifyProgram } from '../../ir/loop-verify.js';
import {
  type ErrorCase, PROGRAM_TEXT, expectQuickSyntaxError, expectRoundTrip, itKeepsCanonicalText, itReportsErrors, parseErrorOf,
} from './helpers.js';
import { DENSE_ARGMAX_TEXT, L, arbProgram, denseArgmaxProgram } from './random-program.js';

const expectProgramRoundTrip = (p: Program): void => {
  expectRoundTrip(PROGRAM_TEXT, p);
};
const parseError = (text: string): ParseError => parseErrorOf(parseProgram, text);

// ---------------------------------------------------------------------------------------------
// A program with every expression kind, every op on every dtype it takes, and every statement.

const SCALARS: Record<DType, Expr[]> = {
  float32: [L.f32(1.5), L.f32(-0), L.f32(NaN), L.f32(-Infinity), L.f32(1e-7)],
  int32: [L.i32(3), L.i32(-4), L.i32(-2147483648)],
  uint32: [L.u32(0), L.u32(4294967295)],
  bool: [L.bool(true), L.bool(false)],
};
const PARAM_OF: Record<DType, string> = { float32: 'x', int32: 'n', uint32: 'u', bool: 'p' };
const FLOAT_ONLY = new Set(['exp', 'log', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf', 'floor', 'ceil', 'round']);

function everyOpProgram(): Program {
  const load = (d: DType): Expr => L.load(PARAM_OF[d], d, L.v('i'));
  const body: Stmt[] = [];
  let n = 0;
  const bind = (value: Expr): string => {
    const name = `e${n++}`;
    body.push(L.let(name, value));
    return name;
  };
  const constants = DTYPES.flatMap((d) => SCALARS[d].map(bind));
  const cond = L.v(constants.at(-1)!, 'bool');
  for (const op of LOOP_UNARY_OPS) {
    const dtypes: DType[] = op === 'not' ? ['bool'] : FLOAT_ONLY.has(op) ? ['float32'] : ['float32', 'int32', 'uint32'];
    for (const d of dtypes) bind(L.unary(op, load(d)));
  }
  for (const op of LOOP_BINARY_OPS) {
    const dtypes: DType[] = op === 'and' || op === 'or' ? ['bool'] : ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(op) ? [...DTYPES] : ['float32', 'int32', 'uint32'];
    for (const d of dtypes) bind(L.binary(op as BinaryOp, load(d), SCALARS[d][0]));
  }
  for (const d of DTYPES) {
    bind(L.select(cond, load(d), SCALARS[d][1]));
    for (const to of DTYPES) bind(L.cast(to, load(d)));
    bind(L.guarded(PARAM_OF[d], d, L.binary('sub', L.v('i'), L.i32(1)), L.binary('ge', L.v('i'), L.i32(1)), d === 'float32' ? -0 : 1));
  }
  bind(L.reduce('sum', [L.ivar('k', 2), L.ivar('l', 2)], 0, L.load('x', 'float32', L.add(L.mul(L.v('k'), L.i32(2)), L.v('l')))));
  bind(L.reduce('prod', [L.ivar('k2', 4)], 1, L.load('n', 'int32', L.v('k2'))));
  bind(L.reduce('max', [L.ivar('k3', 4)], 0, L.load('u', 'uint32', L.v('k3'))));
  bind(L.reduce('min', [L.ivar('k4', 4)], Infinity, L.load('x', 'float32', L.v('k4'))));
  bind(L.reduce('argmax', [L.ivar('k5', 4)], 0, L.load('x', 'float32', L.v('k5'))));
  bind(L.reduce('argmin', [], 0, L.load('n', 'int32', L.i32(0))));
  body.push(L.for('j', 2, [
    L.for('m', 2, [L.store('o', L.add(L.mul(L.v('j'), L.i32(2)), L.v('m')), L.v('e0', 'float32'))], 4),
    L.store('o', L.binary('mod', L.v('j'), L.i32(4)), L.unary('neg', L.v('e0', 'float32'))),
  ], 16));
  const params = [
    L.param('o', 'float32', 4, 'w'), L.param('x', 'float32', 4, 'r'), L.param('n', 'int32', 4, 'rw'), L.param('u', 'uint32', 4, 'r'),
    L.param('p', 'bool', 4, 'r'),
  ];
  const kernel = L.kernel('every_op', params, [L.ivar('i', 4)], body);
  return {
    name: 'every op',
    buffers: [
      L.buffer('o', 'float32', 4, 'output', { offset: 0 }), L.buffer('x', 'float32', 4, 'input', { offset: 16 }),
      L.buffer('n', 'int32', 4, 'temp', { offset: 32 }), L.buffer('u', 'uint32', 4, 'constant', { offset: 48, data: [0, 1, 2, 4294967295] }),
      L.buffer('p', 'bool', 4, 'constant', { offset: 64, data: [1, 0, 1, 0] }),
    ],
    arenaBytes: 68,
    inputs: ['x'],
    outputs: ['o'],
    kernels: [kernel],
    launches: [{ kernel: 'every_op', args: ['o', 'x', 'n', 'u', 'p'] }],
  };
}

describe('parse(print(p)) equals p', () => {
  it('for a program with every expression kind, op and dtype', () => {
    const p = everyOpProgram();
    expect(verifyProgram(p)).toBe(p);
    expectProgramRoundTrip(p);
  });

  it('for the dense + argmax example', () => {
    expectProgramRoundTrip(denseArgmaxProgram());
  });

  it('for random valid programs', () => {
    fc.assert(fc.property(arbProgram(), expectProgramRoundTrip), { numRuns: 300 });
  });

  it('for kernels alone', () => {
    const k = everyOpProgram().kernels[0];
    expect(kernelDiff(parseKernel(printKernel(k)), k)).toBeUndefined();
  });
});

describe('canonical text is a fixed point of parse then print', () => {
  const canonical: Record<string, string> = {
    'dense + argmax': DENSE_ARGMAX_TEXT,
    softmax: `program @softmax_4x8 {
  buffer %x: f32[32] input
  buffer %out: f32[32] output
  inputs %x
  outputs %out

  kernel @softmax_4x8(%out: f32[32] w, %x: f32[32] r) grid(%row: 4) {
    %m = reduce max(%k: 8) init -inf { load %x[%row * 8 + %k] }
    %s = reduce sum(%l: 8) init 0.0 { exp(sub(load %x[%row * 8 + %l], %m)) }
    for %j in 0..8 vec=4 {
      store %out[%row * 8 + %j], div(exp(sub(load %x[%row * 8 + %j], %m)), %s)
    }
  }

  launch @softmax_4x8(%out, %x)
}
`,
    'guarded loads, select, casts, u32 and bool': `program @"pad 1d" {
  buffer %x: f32[5] input
  buffer %y: f32[7] output
  buffer %lim: u32[1] constant data=[4294967295u]
  inputs %x
  outputs %y

  kernel @pad(%y: f32[7] w, %x: f32[5] r, %lim: u32[1] r) {
    for %i in 0..7 {
      %inside = and(ge(%i, 1), lt(%i, 6))
      %raw = load %x[%i - 1] if %inside else -0.0
      %big = gt(load %lim[0], 3u)
      store %y[%i], select(%big, %raw, cast<f32>(gt(load %x[%i % 5] if not(%inside) else 0.0, 1e-7)))
    }
  }

  launch @pad(%y, %x, %lim)
}
`,
    'empty program': 'program @p {\n  inputs\n  outputs\n}\n',
  };
  itKeepsCanonicalText(PROGRAM_TEXT, canonical);
});

describe('what the parser accepts beyond canonical text', () => {
  const kernelOf = (text: string): Kernel => parseKernel(text);

  it('reads infix for any dtype and calls for i32, comments, parentheses, grid() and vec=1', () => {
    const k = kernelOf(`// a comment
kernel @k(%o: f32[4] w, %x: f32[4] r) grid() { // another
  for %i in 0..4 vec=1 {
    %a = ((load %x[add(%i, 0)] * 2.0))
    store %o[%i], %a - 1.0 % 3.0
  }
}`);
    expect(printKernel(k)).toBe(`kernel @k(%o: f32[4] w, %x: f32[4] r) {
  for %i in 0..4 {
    %a = mul(load %x[%i + 0], 2.0)
    store %o[%i], sub(%a, mod(1.0, 3.0))
  }
}
`);
  });

  it('reads typed slots (init, else, data) for their value, whatever the spelling', () => {
    const p = parseProgram(`program @p {
  buffer %c: f32[2] constant data=[1, true]
  buffer %o: f32[1] output
  inputs
  outputs %o
  kernel @k(%o: f32[1] w, %c: f32[2] r) {
    store %o[0], reduce sum(%k: 3) init 0 { load %c[%k] if lt(%k, 2) else 0 }
  }
  launch @k(%o, %c)
}`);
    expect(p.buffers[0].data).toEqual([1, 1]);
    expect(printProgram(p)).toContain('data=[1.0, 1.0]');
    expect(printProgram(p)).toContain('reduce sum(%k: 3) init 0.0 { load %c[%k] if lt(%k, 2) else 0.0 }');
  });

  it('computes the dtype of every node', () => {
    const k = kernelOf(`kernel @k(%x: f32[4] r, %n: u32[4] r) grid(%i: 4) {
  %b = lt(load %x[%i], 0.5)
  %c = cast<i32>(load %n[%i])
  %d = select(%b, %c * 2, -%i)
}`.replace('-%i', 'neg(%i)'));
    const values = k.body.map((s) => (s.kind === 'let' ? s.value : undefined));
    expect(values.map((e) => e?.dtype)).toEqual(['bool', 'int32', 'int32']);
    const select = values[2] as Extract<Expr, { kind: 'select' }>;
    expect([select.cond.dtype, select.a.dtype, (select.a as Extract<Expr, { kind: 'binary' }>).a.dtype]).toEqual(['bool', 'int32', 'int32']);
    const reduce = parseKernel('kernel @k(%x: f32[4] r) {\n  %m = reduce argmax(%j: 4) { load %x[%j] }\n  %s = reduce sum(%l: 4) init 0.0 { load %x[%l] }\n}');
    expect(reduce.body.map((s) => (s.kind === 'let' ? s.value.dtype : undefined))).toEqual(['int32', 'float32']);
  });

  it('reads names that look like keywords, and keywords as buffer names', () => {
    const k = kernelOf('kernel @k(%for: i32[1] rw, %in: i32[1] r) {\n  %load = load %in[0]\n  store %for[0], %load\n}');
    expect(k.params.map((p) => p.name)).toEqual(['for', 'in']);
    expect(printKernel(k)).toBe('kernel @k(%for: i32[1] rw, %in: i32[1] r) {\n  %load = load %in[0]\n  store %for[0], %load\n}\n');
  });

  it('keeps %i-1 and %i%3 apart as operators', () => {
    const k = kernelOf('kernel @k(%o: i32[8] w) grid(%i: 4) {\n  store %o[%i-1+1], %i%3\n}');
    expect(printKernel(k)).toContain('store %o[%i - 1 + 1], %i % 3');
  });

  it('skips the verifier on request', () => {
    const text = 'program @p {\n  inputs\n  outputs\n  kernel @k(%o: f32[2] w) {\n    store %o[2], 1.0\n  }\n}\n';
    const p = parseProgram(text, { verify: false });
    expect(() => verifyProgram(p)).toThrow(LoopVerifyError);
    expect(() => parseProgram(text)).toThrow('5:14: @p/@k: stmt 0 (store %o): store %o[2]: index interval [2, 2] is out of bounds for %o (2 elements, indices 0..1)');
  });

  it('rejects the illustrative kernel of the format description, which uses %j before its loop', () => {
    const text = `program @mlp {
  buffer %x: f32[50176] input offset=0
  buffer %c0: f32[3] constant offset=200704 data=[1.0, 2.5, -3.0]
  buffer %t0: f32[32768] temp offset=200720
  buffer %out: f32[640] output offset=331792
  arena 334352
  inputs %x, %w
  outputs %out

  kernel @matmul_bias_relu_64x512(%out: f32[32768] w, %x: f32[50176] r, %w: f32[401408] r, %b: f32[512] r) grid(%i: 64) {
    %acc = reduce sum(%k: 784) init 0.0 { mul(load %x[%i * 784 + %k], load %w[%k * 512 + %j]) }
    for %j in 0..512 vec=4 {
      store %out[%i * 512 + %j], max(add(%acc, load %b[%j]), 0.0)
    }
  }

  launch @matmul_bias_relu_64x512(%out, %x, %w, %b)
}
`;
    expect(parseError(text).message).toBe('11:90: %j is not defined');
  });

  it('reuses its parser: a parse after an error starts clean', () => {
    expect(() => parseProgram('program @p { buffer')).toThrow(ParseError);
    expectProgramRoundTrip(denseArgmaxProgram());
  });

  it('ParseError is a KilnError with line and column', () => {
    const e = parseError('program @p {\n  inputs %q\n  outputs\n}');
    expect(e).toBeInstanceOf(KilnError);
    expect([e.line, e.column]).toEqual([2, 3]);
    expect(e.message).toBe('2:3: @p: inputs: %q is not a buffer');
  });
});

/** Base text for error cases: each case replaces one fragment of it. */
const BASE = `program @p {
  buffer %x: f32[8] input
  buffer %y: f32[8] output
  inputs %x
  outputs %y

  kernel @k(%y: f32[8] w, %x: f32[8] r) grid(%i: 2) {
    for %j in 0..4 {
      %v = load %x[%i * 4 + %j]
      store %y[%i * 4 + %j], exp(%v)
    }
  }

  launch @k(%y, %x)
}
`;

const ERRORS: ErrorCase[] = [
  // syntax
  ['bad character', 'exp(%v)', 'exp(%v);', '10:37', "unexpected character ';'"],
  ['missing program name', 'program @p', 'program p', '1:9', "expected a program name (@name) but found 'p'"],
  ['empty input', BASE, '', '1:1', "expected 'program' but found end of input"],
  ['missing inputs line', '  inputs %x\n', '', '4:3', "expected 'offset' or 'data' or 'buffer' or 'arena' or 'inputs' but found 'outputs'"],
  ['missing closing bracket of a type', '%x: f32[8] input', '%x: f32[8 input', '2:20', "expected ']' but found 'input'"],
  ['operand missing after an infix operator', 'load %x[%i * 4 + %j]', 'load %x[%i * 4 +]', '9:28', "expected an expression but found ']'"],
  ['unclosed index', '%i * 4 + %j]\n      store', '%i * 4 + %j\n      store', '10:7', "expected '*' or '/' or '%' or '+' or '-' or ']' but found 'store'"],
  ['guarded load without its other value', 'load %x[%i * 4 + %j]', 'load %x[%i * 4 + %j] if true else', '10:7', "expected a constant but found 'store'"],
  ['-nan', 'load %x[%i * 4 + %j]', 'load %x[%i * 4 + %j] if true else -nan', '9:47', "expected a number or 'inf' but found 'nan'"],
  ['missing closing brace', '  launch @k(%y, %x)\n}\n', '  launch @k(%y, %x)\n', '14:20', "expected 'launch' or '}' but found end of input"],
  ['statement keyword misplaced', '      %v = load', '      program = load', '9:7', "expected a name (%name) or 'for' or 'store' or '}' but found 'program'"],
  // words and numbers
  ['unknown dtype', '%x: f32[8] input', '%x: f64[8] input', '2:14', "expected a dtype (f32, i32, u32 or bool) but found 'f64'"],
  ['fractional size', '%x: f32[8] input', '%x: f32[2.5] input', '2:18', "expected a size (an integer >= 0) but found '2.5'"],
  ['unknown buffer role', '%x: f32[8] input', '%x: f32[8] inptu', '2:21', "expected a buffer role (input, output, constant or temp) but found 'inptu'"],
  ['unknown access mode', '%x: f32[8] r)', '%x: f32[8] x)', '7:38', "expected an access mode (r, w or rw) but found 'x'"],
  ['loop not starting at 0', '0..4', '1..4', '8:15', "loops start at 0 but found '1'"],
  ['u suffix on a float', 'exp(%v)', 'exp(2.5u)', '10:34', "'2.5u': the u suffix marks a u32 and needs an integer"],
  ['unknown op, with a suggestion', 'exp(%v)', 'epx(%v)', '10:30', "unknown op 'epx'; did you mean 'exp'?"],
  ['wrong arity', 'exp(%v)', 'exp(%v, %v)', '10:30', 'exp takes 1 operand, got 2'],
  ['cast without a dtype', 'exp(%v)', 'cast(%v)', '10:30', 'cast needs a target dtype: cast<f32>(x)'],
  ['dtype argument on another op', 'exp(%v)', 'exp<f32>(%v)', '10:34', 'only cast takes a dtype in <...>, not exp'],
  ['unknown reduce op', 'load %x[%i * 4 + %j]', 'reduce total(%k: 2) init 0.0 { load %x[%k] }', '9:19', "expected a reduce op (sum, prod, max, min, argmax or argmin) but found 'total'"],
  ['reduce without init', 'load %x[%i * 4 + %j]', 'reduce sum(%k: 2) { load %x[%k] }', '9:19', 'reduce sum needs an init value: reduce sum(...) init <value> { ... }'],
  ['argmax with init', 'load %x[%i * 4 + %j]', 'reduce argmax(%k: 2) init 0 { load %x[%k] }', '9:38', 'reduce argmax takes no init value'],
  // names
  ['undefined name', 'exp(%v)', 'exp(%q)', '10:34', '%q is not defined'],
  ['use before definition', '      %v = load', '      %w = %v\n      %v = load', '9:12', '%v is not defined'],
  ['loop variable outside its loop', '    }\n  }\n\n  launch', '    }\n    store %y[%j], 1.0\n  }\n\n  launch', '12:14',
    '%j is not in scope here: it is the loop variable defined at 8:9, visible only inside its loop'],
  ['reduce variable outside its body', 'exp(%v)', 'add(reduce sum(%r: 2) init 0.0 { %v }, cast<f32>(%r))', '10:79',
    '%r is not in scope here: it is the reduce variable defined at 10:45, visible only inside its reduce'],
  ['a buffer used as a scalar', 'exp(%v)', 'exp(%x)', '10:34', '%x is a buffer: read it with load %x[index]'],
  ['load from a name that is not a parameter', 'load %x[%i * 4 + %j]', 'load %z[%i * 4 + %j]', '9:17', '%z is not a parameter of @k'],
  // verifier errors, at the text they are about
  ['index out of bounds', '0..4', '0..5', '9:20', '@p/@k: stmt 0 (for %j) > stmt 0 (let %v): load %x[%i * 4 + %j]: index interval [0, 8] is out of bounds for %x (8 elements, indices 0..7)'],
  ['store of the wrong dtype', 'exp(%v)', '1', '10:7', '@p/@k: stmt 0 (for %j) > stmt 1 (store %y): stores an i32 value into %y, an f32 buffer'],
  ['operand dtypes differ', 'exp(%v)', 'exp(%v + 1)', '10:34', '@p/@k: stmt 0 (for %j) > stmt 1 (store %y): add(%v, 1): operand dtypes differ: f32 and i32'],
  ['load from a write-only parameter', 'load %x[%i * 4 + %j]', 'load %y[%i * 4 + %j]', '9:12', '@p/@k: stmt 0 (for %j) > stmt 0 (let %v): load %y[%i * 4 + %j]: load from %y, a write-only (w) parameter'],
  ['a name defined twice', '      store', '      %j = 2\n      store', '10:7', '@p/@k: stmt 0 (for %j) > stmt 1 (let %j): %j is defined twice in the kernel (names are single-assignment)'],
  ['bad vector width', '0..4 {', '0..4 vec=3 {', '8:5', '@p/@k: stmt 0 (for %j): vec=3; vector widths are 1, 2, 4, 8 or 16'],
  ['launch with too few buffers', 'launch @k(%y, %x)', 'launch @k(%y)', '14:10', '@p: launch 0 (@k): passes 1 buffer(s) for 2 parameter(s)'],
  ['launch of an unknown kernel', 'launch @k(%y, %x)', 'launch @kk(%y, %x)', '14:10', '@p: launch 0 (@kk): no kernel has this name'],
  ['an output listed as an input', 'inputs %x', 'inputs %y', '4:3', '@p: inputs: %y is an output buffer, not an input'],
];

describe('parse errors name the line, the column, what was found and what was expected', () => {
  itReportsErrors(parseProgram, BASE, ERRORS);

  it('lists every op when none is close to the unknown one', () => {
    expect(parseError(BASE.replace('exp(%v)', 'frobnicate(%v)')).detail).toMatch(/^unknown op 'frobnicate'; ops: neg, abs, .*, select, cast$/);
  });

  it('reports a syntax error at the end of a long kernel quickly', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `    %v${i + 1} = add(%v${i}, 1.0)`);
    expectQuickSyntaxError(parseProgram, `program @long {\n  inputs\n  outputs\n  kernel @k() {\n    %v0 = 0.0\n${lines.join('\n')}\n    %bad = \n  }\n}\n`, '1007:3');
  });
});
