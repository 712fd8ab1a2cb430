/**
 * Reads the graph IR text form back into a Graph (printer.ts writes it). Grammar:
 *
 *   graph      := 'graph' SYMBOL '(' [param (',' param)*] ')' '->' '(' [type (',' type)*] ')'
 *                 '{' statement* return '}'
 *   param      := VALUE ':' type
 *   type       := IDENT '[' [INT (',' INT)*] ']'           f32[64,784], i32[] (rank 0), f32[0,3]
 *   statement  := VALUE (',' VALUE)* '=' IDENT [VALUE (',' VALUE)*] ['{' [attr (',' attr)*] '}']
 *                 ':' type (',' type)* [graph]
 *   attr       := IDENT '=' attrValue
 *   attrValue  := NUMBER | '-inf' | IDENT | STRING | '[' [attrValue (',' attrValue)*] ']'
 *   return     := 'return' [VALUE (',' VALUE)*]
 *
 *   VALUE   %x, %0 (a %identifier or %number)     SYMBOL  @mlp, or @"any JSON string"
 *   IDENT   [A-Za-z_][A-Za-z0-9_]*                 NUMBER  -?digits[.digits][e[+-]digits]
 *   STRING  a JSON string                          // comments run to the end of the line
 *   REMARK  '// remark:' text to the end of the line (one space after the colon is dropped)
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
 * Fusion nodes: `%a, %b = fusion %x, %y {kind=loop|reduce|output} : t1, t2 graph @kernel(...)
 * -> (t1, t2) { ... }`. Only `fusion` statements have the trailing graph, its body, and a fusion
 * must have one. A body is a graph of its own: its own value names (it may reuse the outer
 * ones), no view of the outer values, no fusion inside. Its params must have the types of the
 * operands and its results those of the statement. The printer indents bodies by two more
 * spaces and names their unnamed params `%pN`; neither matters to the parser.
 *
 * Remarks: a REMARK comment is a remark of the innermost graph (fusion body or top graph)
 * whose text, from `graph` to its `}`, holds it, in text order; REMARKs outside the top graph
 * belong to it. The printer writes them right after the `{`. Other comments are ignored.
 *
 * Errors are ParseErrors at `line:column`: syntax errors list what would have been accepted
 * (computed from the grammar with chevrotain's content assist), and type errors from inference
 * point at the op of the offending node.
 */
import {
  EOF, EmbeddedActionsParser, type IParserErrorMessageProvider, type IRecognitionException, type IToken, type TokenType,
} from 'chevrotain';
import type { Graph } from './graph.js';
import {
  ALL_TOKENS, Arrow, Colon, Comma, Equals, GraphKeyword, Identifier, LBrace, LBracket, LParen, NegInf, NumberLiteral,
  RBrace, RBracket, RParen, ReturnKeyword, StringLiteral, SymbolName, ValueName, tokenizeWithRemarks,
} from './lexer.js';
import { type ParseError, acceptedInstead, expectedMessage, syntaxErrorAt } from './parse-support.js';
import { buildGraph } from './parser-build.js';

export { ParseError } from './parse-support.js';

// ---------------------------------------------------------------------------------------------
// Syntax: the grammar builds a tree of tokens; names, types and ops are checked afterwards (in
// parser-build.ts), so every check can point at the token it is about.

export interface TypeSyntax { readonly dtype: IToken; readonly dims: readonly IToken[] }
export interface ParamSyntax { readonly name: IToken; readonly type: TypeSyntax }
export type AttrValueSyntax = { readonly token: IToken } | { readonly open: IToken; readonly items: readonly AttrValueSyntax[] };
export interface AttrSyntax { readonly key: IToken; readonly value: AttrValueSyntax }
export interface StatementSyntax {
  readonly results: readonly IToken[];
  readonly op: IToken;
  readonly operands: readonly IToken[];
  readonly attrs: readonly AttrSyntax[];
  readonly colon: IToken;
  readonly types: readonly TypeSyntax[];
  /** The fused region of a `fusion` statement. */
  readonly body?: GraphSyntax;
}
export interface ReturnSyntax { readonly keyword: IToken; readonly values: readonly IToken[] }
export interface GraphSyntax {
  readonly keyword: IToken;
  readonly name: IToken;
  readonly params: readonly ParamSyntax[];
  readonly resultTypes: readonly TypeSyntax[];
  readonly statements: readonly StatementSyntax[];
  readonly ret: ReturnSyntax;
  readonly close: IToken;
}

class GraphTextParser extends EmbeddedActionsParser {
  constructor() {
    // LL(1) on purpose: the first token that cannot continue a valid prefix is where errors point.
    super(ALL_TOKENS, { maxLookahead: 1, errorMessageProvider: readableMessages });
    this.performSelfAnalysis();
  }

  readonly graph = this.RULE('graph', (): GraphSyntax => {
    const keyword = this.CONSUME(GraphKeyword);
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
    const close = this.CONSUME(RBrace);
    return { keyword, name, params, resultTypes, statements, ret, close };
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
    const body = this.OPTION2(() => this.SUBRULE(this.graph));
    return { results, op, operands, attrs, colon, types, ...(body && { body }) };
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
  const paths = acceptedInstead(parser, 'graph', tokens, found);
  const assisted = paths !== undefined && (paths.length > 0 || found.tokenType !== EOF);
  const message = assisted ? expectedMessage(paths.map((p) => label(p.nextTokenType, p.ruleStack.at(-1))), found) : error.message;
  return syntaxErrorAt(found, tokens, message);
}

function parseSyntax(tokens: IToken[]): GraphSyntax {
  sharedParser ??= new GraphTextParser();
  const parser = sharedParser;
  parser.input = tokens;
  const syntax = parser.graph();
  if (parser.errors.length > 0) throw syntaxError(parser, tokens, parser.errors[0]);
  return syntax;
}

/** Parses one graph in the text form above; throws a ParseError at the first problem. */
export function parseGraph(text: string): Graph {
  const { tokens, remarks } = tokenizeWithRemarks(text);
  return buildGraph(parseSyntax(tokens), remarks);
}

