/** parseGraph: what it accepts, what it builds, and where and how it reports errors. */
import { describe, expect, it } from 'vitest';
import { KilnError, graphDiff } from '../../ir/index.js';
import { ParseError, parseGraph } from '../../ir/parser.js';
import { printGraph } from '../../ir/printer.js';

const MLP = `// comments run to end of line
graph @mlp(%x: f32[64,784], %w: f32[784,512], %b: f32[512]) -> (f32[64,512]) {
  %0 = dot_general %x, %w {batch=[[],[]], contract=[[1],[0]]} : f32[64,512]
  %1 = broadcast %b {dims=[1]} : f32[64,512]
  %2 = add %0, %1 : f32[64,512]
  %3 = const {value=0.0} : f32[64,512]
  %4 = max %2, %3 : f32[64,512]
  return %4
}
`;

function parseError(text: string): ParseError {
  try {
    parseGraph(text);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError, but the text parsed');
}

describe('parseGraph builds graphs', () => {
  it('reads the MLP example', () => {
    const g = parseGraph(MLP);
    expect(g.name).toBe('mlp');
    expect(g.params.map((p) => p.name)).toEqual(['x', 'w', 'b']);
    expect(g.nodes.map((n) => n.op)).toEqual(['dot_general', 'broadcast', 'add', 'const', 'max']);
    expect(g.nodes[0].attrs).toEqual({ batch: [[], []], contract: [[1], [0]] });
    expect(g.nodes[2].inputs).toEqual([g.nodes[0].outputs[0], g.nodes[1].outputs[0]]);
    expect(g.results).toEqual([g.nodes[4].outputs[0]]);
    expect(g.results[0].type).toEqual({ dtype: 'float32', shape: [64, 512] });
  });

  it('gives parameters their text name as the hint, numbers included', () => {
    const g = parseGraph('graph @g(%arg0: f32[], %7: i32[], %_t: bool[]) -> () { return }');
    expect(g.params.map((p) => p.name)).toEqual(['arg0', '7', '_t']);
  });

  it('accepts any %identifier or %number for node results', () => {
    const g = parseGraph(`graph @g(%x: f32[2]) -> (f32[2]) {
  %41 = exp %x : f32[2]
  %hidden = neg %41 : f32[2]
  return %hidden
}`);
    expect(g.nodes.map((n) => n.op)).toEqual(['exp', 'neg']);
    expect(g.nodes[1].inputs[0]).toBe(g.nodes[0].outputs[0]);
  });

  it('reads attribute numbers, nan, inf, -inf, -0.0, strings and long dtype names', () => {
    const g = parseGraph(`graph @g(%x: float32[3], %n: int32[]) -> (f32[5], f32[3], u32[]) {
  %0 = const {value=[nan,inf,-inf,-0.0,2.5e-3]} : f32[5]
  %1 = reverse %x {axes=[]} : f32[3]
  %2 = reduce %1 {op="sum", axes=[0]} : f32[]
  %3 = cast %n {to=u32} : u32[]
  return %0, %1, %3
}`);
    const value = g.nodes[0].attrs.value as number[];
    expect(value.map((v) => Object.is(v, -0) ? '-0' : String(v))).toEqual(['NaN', 'Infinity', '-Infinity', '-0', '0.0025']);
    expect(g.nodes[2].attrs.op).toBe('sum');
    expect(g.nodes[3].attrs.to).toBe("u32");
  });

  it('reuses its parser: a parse after an error starts clean', () => {
    expect(() => parseGraph('graph @g( -> ')).toThrow(ParseError);
    expect(graphDiff(parseGraph(MLP), parseGraph(printGraph(parseGraph(MLP))))).toBeUndefined();
  });

  it('ParseError is a KilnError with line and column', () => {
    const e = parseError('graph @g() -> () { return %q }');
    expect(e).toBeInstanceOf(KilnError);
    expect(e.name).toBe('ParseError');
    expect([e.line, e.column]).toEqual([1, 27]);
    expect(String(e)).toBe('ParseError: 1:27: %q is not defined (values must be defined before they are used)');
  });
});

/** Base text for error cases: each case replaces one fragment of it. */
const BASE = `graph @g(%x: f32[2], %y: f32[3]) -> (f32[2]) {
  %0 = exp %x : f32[2]
  return %0
}
`;

const ERRORS: [name: string, from: string, to: string, where: string, message: string][] = [
  ['unknown op, with a suggestion', 'exp %x', 'epx %x', '2:8', "unknown op 'epx'; did you mean 'exp'?"],
  ['undefined value', 'exp %x', 'exp %z', '2:12', '%z is not defined (values must be defined before they are used)'],
  ['use before definition', '  %0 = exp %x : f32[2]\n', '  %0 = exp %1 : f32[2]\n  %1 = exp %x : f32[2]\n', '2:12', '%1 is not defined (values must be defined before they are used)'],
  ['redefinition of a parameter', '%0 = exp', '%y = exp', '2:3', '%y is already defined at 1:22'],
  ['redefinition of a parameter name', '%y: f32[3]', '%x: f32[3]', '1:22', '%x is already defined at 1:10'],
  ['bad value name', '%0 = exp %x', '%0x = exp %x', '2:3', "bad value name '%0x': use %identifier or %number"],
  ['unknown dtype', '%y: f32[3]', '%y: f64[3]', '1:26', "expected a dtype (f32, i32, u32 or bool) but found 'f64'"],
  ['fractional dimension', '%y: f32[3]', '%y: f32[2.5]', '1:30', "expected a dimension size (an integer >= 0) but found '2.5'"],
  ['negative dimension', '%y: f32[3]', '%y: f32[-3]', '1:30', "expected a dimension size (an integer >= 0) but found '-3'"],
  ['type without brackets', '%y: f32[3]', '%y: f32', '1:29', "expected '[' but found ')'"],
  ['missing closing brace', '  return %0\n}\n', '  return %0\n', '3:12', "expected ',' or '}' but found end of input"],
  ['missing return', '  return %0\n', '', '3:1', "expected ',' or a value name (%name) or 'return' but found '}'"],
  ['junk after an operand', 'exp %x :', 'exp %x @foo :', '2:15', "expected ',' or '{' or ':' but found '@foo'"],
  ['missing result type', 'exp %x : f32[2]', 'exp %x :', '3:3', "expected a dtype but found 'return'"],
  ['missing op name', '%0 = exp', '%0 = %x', '2:8', "expected an op name but found '%x'"],
  ['bad character', 'exp %x :', 'exp %x ; :', '2:15', "unexpected character ';'"],
  ['text after the graph', '}\n', '}\ngraph', '5:1', "expected end of input but found 'graph'"],
  ['empty input', BASE, '', '1:1', "expected 'graph' but found end of input"],
  ['wrong arity', 'exp %x', 'add %x', '2:8', 'add: takes 2 operand(s), got 1'],
  ['unknown attribute', 'exp %x', 'exp %x {axis=1}', '2:16', "exp: unknown attribute 'axis' (attributes: none)"],
  ['attribute given twice', 'exp %x', 'reverse %x {axes=[0], axes=[0]}', '2:30', "attribute 'axes' is given twice"],
  ['missing attribute', 'exp %x', 'reverse %x', '2:8', "reverse: missing attribute 'axes'"],
  ['attribute value missing', 'exp %x', 'reverse %x {axes=}', '2:25', "expected an attribute value but found '}'"],
  ['list of strings', 'exp %x', 'reverse %x {axes=[a]}', '2:25', 'expected a list of numbers or a list of number lists (attribute lists hold nothing else)'],
  ['attribute of the wrong kind', 'exp %x', 'reverse %x {axes=0}', '2:8', "reverse: attribute 'axes' must be a list of integers, got 0"],
  ['header declares fewer results', 'return %0', 'return %0, %x', '3:3', 'returns 2 value(s) but the header declares 1 result type(s) (f32[2])'],
  ['header type differs from the returned value', 'return %0', 'return %y', '3:10', '%y has type f32[3] but the header declares result 0 as f32[2] (at 1:38)'],
  ['type error caught by inference', 'exp %x : f32[2]', 'add %x, %y : f32[2]', '2:8', 'add: operands f32[2] and f32[3] must have the same shape and dtype (broadcast them first)'],
  ['declared type differs from the inferred one', 'exp %x : f32[2]', 'exp %x : f32[3]', '2:17', 'exp: result is declared f32[3] but the op gives f32[2]'],
  ['const with the wrong number of values', 'exp %x : f32[2]', 'const {value=[1,2,3]} : f32[2]', '2:8', 'const: f32[2] needs 2 values, got 3'],
  ['boolean const values', 'exp %x : f32[2]', 'const {value=true} : f32[2]', '2:8', 'const: value must be a number or a flat list of numbers, got true'],
  ['several results from a single-result op', '%0 = exp %x : f32[2]', '%0, %1 = exp %x : f32[2], f32[2]', '2:12', 'exp has 1 result, but 2 are named'],
];

describe('parse errors name the line, the column, what was found and what was expected', () => {
  it.each(ERRORS)('%s', (_name, from, to, where, message) => {
    expect(BASE.includes(from)).toBe(true);
    const e = parseError(BASE.replace(from, to));
    expect(`${e.line}:${e.column}`).toBe(where);
    expect(e.detail).toBe(message);
    expect(e.message).toBe(`${where}: ${message}`);
  });

  it('lists every op when no known op is close to the unknown one', () => {
    const e = parseError(BASE.replace('exp %x', 'frobnicate %x'));
    expect(e.detail).toMatch(/^unknown op 'frobnicate'; known ops: neg, abs, .*, reduce_window$/);
  });

  it('reports a syntax error at the end of a long graph quickly', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `  %${i + 1} = exp %${i} : f32[2]`);
    const text = `graph @long(%0: f32[2]) -> (f32[2]) {\n${lines.join('\n')}\n  return %3000\n`;
    const start = performance.now();
    const e = parseError(text);
    expect(`${e.line}:${e.column}`).toBe('3002:15');
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
