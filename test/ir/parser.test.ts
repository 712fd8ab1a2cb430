/** parseGraph: what it accepts, what it builds, and where and how it reports errors. */
import { describe, expect, it } from 'vitest';
import { KilnError, graphDiff } from '../../ir/index.js';
import { ParseError, parseGraph } from '../../ir/parser.js';
import { printGraph } from '../../ir/printer.js';
import { type ErrorCase, FUSED_MLP_TEXT, expectQuickSyntaxError, itReportsErrors, parseErrorOf } from './helpers.js';

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
    const e = parseErrorOf(parseGraph, 'graph @g() -> () { return %q }');
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

const ERRORS: ErrorCase[] = [
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
  ['missing return', '  return %0\n', '', '3:1', "expected ',' or 'graph' or a value name (%name) or 'return' but found '}'"],
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
  itReportsErrors(parseGraph, BASE, ERRORS);

  it('lists every op when no known op is close to the unknown one', () => {
    const e = parseErrorOf(parseGraph, BASE.replace('exp %x', 'frobnicate %x'));
    expect(e.detail).toMatch(/^unknown op 'frobnicate'; known ops: neg, abs, .*, reduce_window, fusion$/);
  });

  it('reports a syntax error at the end of a long graph quickly', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `  %${i + 1} = exp %${i} : f32[2]`);
    expectQuickSyntaxError(parseGraph, `graph @long(%0: f32[2]) -> (f32[2]) {\n${lines.join('\n')}\n  return %3000\n`, '3002:15');
  });
});

describe('parseGraph builds fusion nodes', () => {
  it('reads a fused MLP: bodies, their own scopes, several results', () => {
    const g = parseGraph(FUSED_MLP_TEXT);
    expect(g.nodes.map((n) => n.op)).toEqual(['fusion', 'fusion']);
    const [matmul, sums] = g.nodes;
    expect(matmul.attrs).toEqual({ kind: 'output' });
    expect(matmul.inputs).toEqual(g.params);
    expect(matmul.body!.name).toBe('matmul_bias_relu_64x512');
    expect(matmul.body!.params.map((p) => p.name)).toEqual(['p0', 'p1', 'p2']);
    expect(matmul.body!.nodes.map((n) => n.op)).toEqual(['dot_general', 'broadcast', 'add', 'const', 'max']);
    expect(matmul.body!.results).toEqual([matmul.body!.nodes[4].outputs[0]]);
    expect(sums.inputs).toEqual([matmul.outputs[0]]);
    expect(sums.outputs.map((v) => v.type.shape)).toEqual([[64], [64]]);
    expect(sums.body!.nodes[0].inputs).toEqual([sums.body!.params[0]]);
    expect(g.results).toEqual([matmul.outputs[0], ...sums.outputs]);
    expect(g.remarks).toEqual(['fusion kept reduce %3 apart from dot_general %0: the dot_general is an output fusion root']);
    expect(matmul.body!.remarks).toBeUndefined();
    expect(printGraph(g)).toBe(FUSED_MLP_TEXT);
  });

  it('collects remarks into the graph that holds them; other comments stay comments', () => {
    const g = parseGraph(`// remark: before the graph belongs to the top graph
// a plain comment
graph @g(%x: f32[2]) -> (f32[2]) { // remark: after the brace
  //remark: no space after the slashes: a plain comment
  // remarks: a plain comment too
  %0 = fusion %x {kind=loop} : f32[2] graph @k(%p0: f32[2]) -> (f32[2]) {
    // remark: in the body
    %0 = exp %p0 : f32[2]  // remark: at the end of a body line
    // remark:no space
    // remark:   three spaces
    return %0
  }  // remark: after the body
  // remark:
  return %0
}
// remark: after the graph`);
    expect(g.remarks).toEqual(['before the graph belongs to the top graph', 'after the brace', 'after the body', '', 'after the graph']);
    expect(g.nodes[0].body!.remarks).toEqual(['in the body', 'at the end of a body line', 'no space', '  three spaces']);
    expect(printGraph(g)).toBe(`graph @g(%x: f32[2]) -> (f32[2]) {
  // remark: before the graph belongs to the top graph
  // remark: after the brace
  // remark: after the body
  // remark: 
  // remark: after the graph
  %0 = fusion %x {kind=loop} : f32[2] graph @k(%p0: f32[2]) -> (f32[2]) {
    // remark: in the body
    // remark: at the end of a body line
    // remark: no space
    // remark:   three spaces
    %0 = exp %p0 : f32[2]
    return %0
  }
  return %0
}
`);
  });

  it('leaves remarks out of graphs that have none', () => {
    const g = parseGraph(MLP);
    expect('remarks' in g).toBe(false);
  });
});

/** Base text for fusion error cases: a two-result fusion, then a use of it. */
const FUSED_BASE = `graph @g(%x: f32[2], %y: f32[2]) -> (f32[2], f32[]) {
  %0, %1 = fusion %x, %y {kind=loop} : f32[2], f32[] graph @k(%p0: f32[2], %p1: f32[2]) -> (f32[2], f32[]) {
    %0 = add %p0, %p1 : f32[2]
    %1 = reduce %0 {op=sum, axes=[0]} : f32[]
    return %0, %1
  }
  %2 = neg %0 : f32[2]
  return %2, %1
}
`;
const FUSED_BODY = ` graph @k(%p0: f32[2], %p1: f32[2]) -> (f32[2], f32[]) {
    %0 = add %p0, %p1 : f32[2]
    %1 = reduce %0 {op=sum, axes=[0]} : f32[]
    return %0, %1
  }`;
const NESTED = 'fusion %p0, %p1 {kind=loop} : f32[2] graph @inner(%q0: f32[2], %q1: f32[2]) -> (f32[2]) { return %q0 }';

const FUSION_ERRORS: ErrorCase[] = [
  ['fusion without a body', FUSED_BODY, '', '2:12', 'fusion needs a body: a graph after its result types (`: t graph @kernel(%p0: t) -> (t) { ... }`)'],
  ['body parameter type differs from the operand', '%p1: f32[2]', '%p1: f32[3]', '2:76', 'fusion: body parameter %p1 is f32[3] but operand 1 (%y) is f32[2]'],
  ['fewer operands than body parameters', 'fusion %x, %y', 'fusion %x', '2:56', 'fusion has 1 operand(s) but its body @k takes 2 parameter(s)'],
  ['declared result type differs from the body result', ': f32[2], f32[] graph', ': f32[2], f32[2] graph', '2:48', 'fusion: result 1 is declared f32[2] but the body gives f32[]'],
  ['fewer results than the body returns', '%0, %1 = fusion %x, %y {kind=loop} : f32[2], f32[] graph', '%0 = fusion %x, %y {kind=loop} : f32[2] graph', '2:49', 'fusion declares 1 result(s) but its body @k returns 2'],
  ['more names than types', ': f32[2], f32[] graph', ': f32[2] graph', '2:38', '2 result(s) are named but 1 type(s) are declared'],
  ['nested fusion', 'add %p0, %p1 : f32[2]', NESTED, '3:10', 'fusion bodies cannot nest fusions'],
  ['unknown fusion kind', '{kind=loop}', '{kind=fused}', '2:32', `fusion: attribute 'kind' must be one of loop, reduce, output, got "fused"`],
  ['fusion kind that is not a word', '{kind=loop}', '{kind=[1]}', '2:32', "fusion: attribute 'kind' must be one of loop, reduce, output, got [1]"],
  ['missing fusion kind', ' {kind=loop}', '', '2:12', "fusion: missing attribute 'kind' (loop, reduce, output)"],
  ['unknown fusion attribute', '{kind=loop}', '{kind=loop, op=sum}', '2:38', "fusion: unknown attribute 'op' (attributes: kind)"],
  ['misspelled fusion', 'fusion %x', 'fuson %x', '2:12', "unknown op 'fuson'; did you mean 'fusion'?"],
  ['body on an op that is not a fusion', 'neg %0 : f32[2]', 'neg %0 : f32[2] graph @k() -> () { return }', '7:24', 'neg takes no body graph; only fusion nodes have one'],
  ['body using an outer value', 'add %p0, %p1', 'add %p0, %y', '3:19', '%y is not defined in this fusion body (it is defined outside, at 1:22; a body sees only its own parameters and values)'],
  ['body parameter named twice', '%p1: f32[2]', '%p0: f32[2]', '2:76', '%p0 is already defined at 2:63'],
  ['unknown op in a body', 'add %p0', 'addd %p0', '3:10', "unknown op 'addd'; did you mean 'add'?"],
  ['type error in a body', 'add %p0, %p1 : f32[2]', 'add %p0, %p1 : f32[3]', '3:25', 'add: result is declared f32[3] but the op gives f32[2]'],
  ['body returns what its header does not declare', 'return %0, %1\n  }', 'return %1, %0\n  }', '5:12', '%1 has type f32[] but the header declares result 0 as f32[2] (at 2:93)'],
  ['body without its closing brace', '    return %0, %1\n  }\n', '    return %0, %1\n', '6:3', "expected ',' or '}' but found '%2'"],
];

describe('fusion errors point into the whole text, bodies included', () => {
  it('the base text parses', () => {
    expect(printGraph(parseGraph(FUSED_BASE))).toBe(FUSED_BASE);
  });

  itReportsErrors(parseGraph, FUSED_BASE, FUSION_ERRORS);
});
