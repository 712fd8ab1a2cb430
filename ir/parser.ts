/**
 * Reads the graph IR text form back into a Graph (printer.ts writes it). Grammar:
 *
 *   graph      := 'graph' SYMBOL '(' [param (',' param)*] ')' '->' '(' [type (',' type)*] ')'
 *                 '{' statement* return '}'
 *   param      := VALUE ':' type
 *   type       := IDENT '[' [INT (',' INT)*] ']'           f32[64,784], i32[] (rank 0), f32[0,3]
 *   statement  := VALUE (',' VALUE)* '=' IDENT [VALUE (',' VALUE)*] ['{' [attr (',' attr)*] '}']
 *                 ':' type (',' type)*
 *   attr       := IDENT '=' attrValue
 *   attrValue  := NUMBER | '-inf' | IDENT | STRING | '[' [attrValue (',' attrValue)*] ']'
 *   return     := 'return' [VALUE (',' VALUE)*]
 *
 *   VALUE   %x, %0 (a %identifier or %number)     SYMBOL  @mlp, or @"any JSON string"
 *   IDENT   [A-Za-z_][A-Za-z0-9_]*                 NUMBER  -?digits[.digits][e[+-]digits]
 *   STRING  a JSON string                          // comments run to the end of the line
 *
 * Attribute words: `true` / `false` are booleans, `nan` / `inf` numbers, other identifiers and
 * strings are string attributes (`sum`, `f32`). Lists hold numbers or lists of numbers.
 * dtypes are f32 i32 u32 bool (or float32 int32 uint32).
 *
 * Statements are generic: any op name parses, and the graph builder then checks it against the
 * registry. Every value is defined once, before use. Parameters keep their text name as the
 * Value's name hint; other names are only labels for the text. The `-> (types)` header must
 * match the types of the returned values.
 *
 * Errors are ParseErrors at `line:column`: syntax errors list what would have been accepted
 * (computed from the grammar with chevrotain's content assist), and type errors from inference
 * point at the op of the offending node.
 */
import {
  EOF, EmbeddedActionsParser, type IParserErrorMessageProvider, type IRecognitionException, type IToken, type TokenType,
} from 'chevrotain';
import { type DType, parseDType } from './dtype.js';
import { OpError } from './errors.js';
import type { AttrValue, Graph, Node } from './graph.js';
import { Value } from './graph.js';
import {
  ALL_TOKENS, Arrow, Colon, Comma, Equals, GraphKeyword, Identifier, LBrace, LBracket, LParen, NegInf, NumberLiteral,
  ParseError, RBrace, RBracket, RParen, ReturnKeyword, StringLiteral, SymbolName, ValueName, errorAt, tokenize,
} from './lexer.js';
import { type OpDef, allOps, getOp, hasOp, inferResultType } from './ops/index.js';
import { type TensorType, formatType, typesEqual } from './types.js';
import { VerifyError, verifyGraph } from './verify.js';

export { ParseError } from './lexer.js';

// ---------------------------------------------------------------------------------------------
// Syntax: the grammar builds a tree of tokens; names, types and ops are checked afterwards, so
// every check can point at the token it is about.

interface TypeSyntax { readonly dtype: IToken; readonly dims: readonly IToken[] }
interface ParamSyntax { readonly name: IToken; readonly type: TypeSyntax }
type AttrValueSyntax = { readonly token: IToken } | { readonly open: IToken; readonly items: readonly AttrValueSyntax[] };
interface AttrSyntax { readonly key: IToken; readonly value: AttrValueSyntax }
interface StatementSyntax {
  readonly results: readonly IToken[];
  readonly op: IToken;
  readonly operands: readonly IToken[];
  readonly attrs: readonly AttrSyntax[];
  readonly colon: IToken;
  readonly types: readonly TypeSyntax[];
}
interface ReturnSyntax { readonly keyword: IToken; readonly values: readonly IToken[] }
interface GraphSyntax {
  readonly name: IToken;
  readonly params: readonly ParamSyntax[];
  readonly resultTypes: readonly TypeSyntax[];
  readonly statements: readonly StatementSyntax[];
  readonly ret: ReturnSyntax;
}

class GraphTextParser extends EmbeddedActionsParser {
  constructor() {
    // LL(1) on purpose: the first token that cannot continue a valid prefix is where errors point.
    super(ALL_TOKENS, { maxLookahead: 1, errorMessageProvider: readableMessages });
    this.performSelfAnalysis();
  }

  readonly graph = this.RULE('graph', (): GraphSyntax => {
    this.CONSUME(GraphKeyword);
    const name = this.CONSUME(SymbolName);
    this.CONSUME(LParen);
    const params: ParamSyntax[] = [];
    this.MANY_SEP({ SEP: Comma, DEF: () => params.push(this.SUBRULE(this.param)) });
    this.CONSUME(RParen);
    this.CONSUME(Arrow);
    this.CONSUME2(LParen);
    const resultTypes: TypeSyntax[] = [];
    this.MANY_SEP2({ SEP: Comma, DEF: () => resultTypes.push(this.SUBRULE(this.tensorType)) });
    this.CONSUME2(RParen);
    this.CONSUME(LBrace);
    const statements: StatementSyntax[] = [];
    this.MANY(() => statements.push(this.SUBRULE(this.statement)));
    const ret = this.SUBRULE(this.returnStatement);
    this.CONSUME(RBrace);
    return { name, params, resultTypes, statements, ret };
  });

  readonly param = this.RULE('param', (): ParamSyntax => {
    const name = this.CONSUME(ValueName);
    this.CONSUME(Colon);
    return { name, type: this.SUBRULE(this.tensorType) };
  });

  readonly tensorType = this.RULE('tensorType', (): TypeSyntax => {
    const dtype = this.CONSUME(Identifier);
    this.CONSUME(LBracket);
    const dims: IToken[] = [];
    this.MANY_SEP({ SEP: Comma, DEF: () => dims.push(this.CONSUME(NumberLiteral)) });
    this.CONSUME(RBracket);
    return { dtype, dims };
  });

  readonly statement = this.RULE('statement', (): StatementSyntax => {
    const results = [this.CONSUME(ValueName)];
    this.MANY(() => {
      this.CONSUME(Comma);
      results.push(this.CONSUME2(ValueName));
    });
    this.CONSUME(Equals);
    const op = this.CONSUME(Identifier);
    const operands: IToken[] = [];
    this.MANY_SEP({ SEP: Comma, DEF: () => operands.push(this.CONSUME3(ValueName)) });
    const attrs: AttrSyntax[] = [];
    this.OPTION(() => {
      this.CONSUME(LBrace);
      this.MANY_SEP2({ SEP: Comma, DEF: () => attrs.push(this.SUBRULE(this.attribute)) });
      this.CONSUME(RBrace);
    });
    const colon = this.CONSUME(Colon);
    const types = [this.SUBRULE(this.tensorType)];
    this.MANY2(() => {
      this.CONSUME2(Comma);
      types.push(this.SUBRULE2(this.tensorType));
    });
    return { results, op, operands, attrs, colon, types };
  });

  readonly attribute = this.RULE('attribute', (): AttrSyntax => {
    const key = this.CONSUME(Identifier);
    this.CONSUME(Equals);
    return { key, value: this.SUBRULE(this.attrValue) };
  });

  readonly attrValue = this.RULE('attrValue', (): AttrValueSyntax => this.OR([
    { ALT: () => ({ token: this.CONSUME(NumberLiteral) }) },
    { ALT: () => ({ token: this.CONSUME(NegInf) }) },
    { ALT: () => ({ token: this.CONSUME(Identifier) }) },
    { ALT: () => ({ token: this.CONSUME(StringLiteral) }) },
    {
      ALT: () => {
        const open = this.CONSUME(LBracket);
        const items: AttrValueSyntax[] = [];
        this.MANY_SEP({ SEP: Comma, DEF: () => items.push(this.SUBRULE(this.attrValue)) });
        this.CONSUME(RBracket);
        return { open, items };
      },
    },
  ]));

  readonly returnStatement = this.RULE('returnStatement', (): ReturnSyntax => {
    const keyword = this.CONSUME(ReturnKeyword);
    const values: IToken[] = [];
    this.MANY_SEP({ SEP: Comma, DEF: () => values.push(this.CONSUME(ValueName)) });
    return { keyword, values };
  });
}

// ---------------------------------------------------------------------------------------------
// Syntax error messages: "expected ',' or '{' or ':' but found '@foo'".

/** Names for tokens where the rule says more than the token: an Identifier in a type is a dtype. */
const LABELS_IN_RULE: Record<string, Record<string, string>> = {
  statement: { Identifier: 'an op name' },
  tensorType: { Identifier: 'a dtype', NumberLiteral: 'a dimension size' },
  attribute: { Identifier: 'an attribute name' },
  attrValue: {
    NumberLiteral: 'an attribute value', NegInf: 'an attribute value', Identifier: 'an attribute value',
    StringLiteral: 'an attribute value', LBracket: 'an attribute value',
  },
};

function label(type: TokenType, rule?: string): string {
  return (rule && LABELS_IN_RULE[rule]?.[type.name]) ?? type.LABEL ?? type.name;
}

function describeFound(token: IToken): string {
  return token.tokenType === EOF ? 'end of input' : `'${token.image}'`;
}

function expectedMessage(expected: readonly string[], found: IToken): string {
  const unique = [...new Set(expected)];
  return `expected ${unique.length ? unique.join(' or ') : 'end of input'} but found ${describeFound(found)}`;
}

/** Used only when content assist cannot list the alternatives (it always should). */
const readableMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual, ruleName }) => expectedMessage([label(expected, ruleName)], actual),
  buildNotAllInputParsedMessage: ({ firstRedundant }) => expectedMessage([], firstRedundant),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, ruleName }) =>
    expectedMessage(expectedPathsPerAlt.flat().map((path) => label(path[0], ruleName)), actual[0]),
  buildEarlyExitMessage: ({ expectedIterationPaths, actual, ruleName }) =>
    expectedMessage(expectedIterationPaths.map((path) => label(path[0], ruleName)), actual[0]),
};

let sharedParser: GraphTextParser | undefined;

function syntaxError(parser: GraphTextParser, tokens: readonly IToken[], error: IRecognitionException): ParseError {
  const found = error.token;
  const index = found.tokenType === EOF ? tokens.length : tokens.indexOf(found);
  let message = error.message;
  if (index >= 0) {
    const paths = parser.computeContentAssist('graph', tokens.slice(0, index));
    if (paths.length > 0 || found.tokenType !== EOF) {
      message = expectedMessage(paths.map((p) => label(p.nextTokenType, p.ruleStack.at(-1))), found);
    }
  }
  if (found.tokenType !== EOF) return errorAt(found, message);
  const last = tokens.at(-1);
  return last ? new ParseError(last.endLine ?? 1, (last.endColumn ?? 0) + 1, message) : new ParseError(1, 1, message);
}

function parseSyntax(text: string): GraphSyntax {
  const tokens = tokenize(text);
  sharedParser ??= new GraphTextParser();
  const parser = sharedParser;
  parser.input = tokens;
  const syntax = parser.graph();
  if (parser.errors.length > 0) throw syntaxError(parser, tokens, parser.errors[0]);
  return syntax;
}

// ---------------------------------------------------------------------------------------------
// Building the graph: names, dtypes, attribute values and op types, each checked at its token.

const VALUE_NAME = /^%(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+)$/;
const DIMENSION = /^[0-9]+$/;
const DTYPE_SPELLINGS = 'f32, i32, u32 or bool';

function resolveType(t: TypeSyntax): TensorType {
  const dtype: DType | undefined = parseDType(t.dtype.image);
  if (!dtype) throw errorAt(t.dtype, `expected a dtype (${DTYPE_SPELLINGS}) but found '${t.dtype.image}'`);
  const shape = t.dims.map((tok) => {
    const d = Number(tok.image);
    if (!DIMENSION.test(tok.image) || !Number.isSafeInteger(d)) {
      throw errorAt(tok, `expected a dimension size (an integer >= 0) but found '${tok.image}'`);
    }
    return d;
  });
  return { dtype, shape };
}

function scalarAttr(token: IToken): AttrValue {
  switch (token.tokenType) {
    case NumberLiteral: return Number(token.image);
    case NegInf: return -Infinity;
    case StringLiteral: return decodeString(token, token.image);
  }
  switch (token.image) {
    case 'true': return true;
    case 'false': return false;
    case 'nan': return NaN;
    case 'inf': return Infinity;
    default: return token.image;
  }
}

function attrValueOf(v: AttrValueSyntax): AttrValue {
  if ('token' in v) return scalarAttr(v.token);
  const items = v.items.map(attrValueOf);
  if (items.every((x) => typeof x === 'number')) return items as number[];
  if (items.every((x) => Array.isArray(x) && x.every((y) => typeof y === 'number'))) return items as number[][];
  throw errorAt(v.open, 'expected a list of numbers or a list of number lists (attribute lists hold nothing else)');
}

function decodeString(token: IToken, quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw errorAt(token, `bad escape in string ${quoted}`);
  }
}

/** Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`: ranks "did you mean". */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

function unknownOpMessage(name: string): string {
  const known = allOps().map((d) => d.name);
  const close = known.filter((k) => editDistance(name, k) <= Math.min(2, Math.floor(k.length / 2)));
  const hint = close.length ? `did you mean ${close.map((k) => `'${k}'`).join(' or ')}?` : `known ops: ${known.join(', ')}`;
  return `unknown op '${name}'; ${hint}`;
}

const where = (t: IToken): string => `${t.startLine}:${t.startColumn}`;

class GraphBuilderFromText {
  private readonly scope = new Map<string, { value: Value; token: IToken }>();
  private readonly nodeTokens: IToken[] = [];

  build(syntax: GraphSyntax): Graph {
    const nameToken = syntax.name;
    const name = nameToken.image.startsWith('@"') ? decodeString(nameToken, nameToken.image.slice(1)) : nameToken.image.slice(1);
    const params = syntax.params.map((p) => {
      this.checkNewName(p.name);
      return this.define(p.name, new Value(resolveType(p.type), p.name.image.slice(1)));
    });
    const resultTypes = syntax.resultTypes.map(resolveType);
    const nodes = syntax.statements.map((s) => this.statement(s));
    const results = syntax.ret.values.map((t) => this.use(t));
    if (results.length !== resultTypes.length) {
      const declared = `(${resultTypes.map(formatType).join(', ')})`;
      throw errorAt(syntax.ret.keyword, `returns ${results.length} value(s) but the header declares ${resultTypes.length} result type(s) ${declared}`);
    }
    results.forEach((v, i) => {
      if (!typesEqual(v.type, resultTypes[i])) {
        const token = syntax.ret.values[i];
        throw errorAt(token, `${token.image} has type ${formatType(v.type)} but the header declares result ${i} as ${formatType(resultTypes[i])} (at ${where(syntax.resultTypes[i].dtype)})`);
      }
    });
    const graph: Graph = { name, params, nodes, results };
    try {
      return verifyGraph(graph);
    } catch (e) {
      // The checks above cover the verifier's; this keeps any rule added to it located in the text.
      if (!(e instanceof VerifyError)) throw e;
      const node = /: node (\d+) /.exec(e.message);
      throw errorAt(node ? this.nodeTokens[Number(node[1])] : nameToken, e.message);
    }
  }

  private statement(s: StatementSyntax): Node {
    s.results.forEach((t, i) => {
      this.checkNewName(t);
      const twice = s.results.slice(0, i).find((u) => u.image === t.image);
      if (twice) throw errorAt(t, `${t.image} is named twice in one statement`);
    });
    if (!hasOp(s.op.image)) throw errorAt(s.op, unknownOpMessage(s.op.image));
    const def = getOp(s.op.image);
    const inputs = s.operands.map((t) => this.use(t));
    const attrs = this.attributes(def, s.attrs);
    const types = s.types.map(resolveType);
    if (s.results.length !== 1) throw errorAt(s.op, `${def.name} has 1 result, but ${s.results.length} are named`);
    if (types.length !== s.results.length) {
      throw errorAt(s.types[s.results.length]?.dtype ?? s.colon, `${s.results.length} result(s) are named but ${types.length} type(s) are declared`);
    }
    let inferred: TensorType;
    try {
      inferred = inferResultType(def.name, inputs.map((v) => v.type), attrs, types[0]);
    } catch (e) {
      if (e instanceof OpError) throw errorAt(s.op, e.message);
      throw e;
    }
    if (!typesEqual(inferred, types[0])) {
      throw errorAt(s.types[0].dtype, `${def.name}: result is declared ${formatType(types[0])} but the op gives ${formatType(inferred)}`);
    }
    this.nodeTokens.push(s.op);
    const outputs = s.results.map((t, i) => this.define(t, new Value(types[i])));
    return { op: def.name, inputs, attrs, outputs };
  }

  private attributes(def: OpDef, syntax: readonly AttrSyntax[]): Record<string, AttrValue> {
    const attrs: Record<string, AttrValue> = {};
    for (const { key, value } of syntax) {
      if (key.image in attrs) throw errorAt(key, `attribute '${key.image}' is given twice`);
      if (!def.attrs.includes(key.image)) {
        throw errorAt(key, `${def.name}: unknown attribute '${key.image}' (attributes: ${def.attrs.join(', ') || 'none'})`);
      }
      attrs[key.image] = attrValueOf(value);
    }
    return attrs;
  }

  private checkNewName(token: IToken): void {
    if (!VALUE_NAME.test(token.image)) throw errorAt(token, `bad value name '${token.image}': use %identifier or %number`);
    const earlier = this.scope.get(token.image);
    if (earlier) throw errorAt(token, `${token.image} is already defined at ${where(earlier.token)}`);
  }

  private define(token: IToken, value: Value): Value {
    this.scope.set(token.image, { value, token });
    return value;
  }

  private use(token: IToken): Value {
    const entry = this.scope.get(token.image);
    if (!entry) throw errorAt(token, `${token.image} is not defined (values must be defined before they are used)`);
    return entry.value;
  }
}

/** Parses one graph in the text form above; throws a ParseError at the first problem. */
export function parseGraph(text: string): Graph {
  return new GraphBuilderFromText().build(parseSyntax(text));
}
