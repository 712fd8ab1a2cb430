/**
 * Tokens of the graph IR text form (see the grammar in parser.ts). Errors are parse-support.ts's
 * `ParseError`, which every stage of reading IR text throws: the lexer, the grammar and the
 * graph builder.
 */
import { type IToken, type TokenType, createToken } from 'chevrotain';
import { Comment, WhiteSpace, makeTokenizer, punctuation } from './parse-support.js';

/** What starts a remark comment; the printer writes `// remark: <text>`. */
export const REMARK_PREFIX = '// remark:';
/**
 * `// remark: text` (to the end of the line): a comment the parser keeps as a Graph remark. It
 * never reaches the grammar (it is collected in its own lexer group), so it may stand anywhere.
 */
export const Remark = createToken({ name: 'Remark', pattern: /\/\/ remark:[^\n\r]*/, group: 'remarks' });

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'an identifier' });
export const GraphKeyword = createToken({ name: 'GraphKeyword', pattern: /graph/, longer_alt: Identifier, label: "'graph'" });
export const ReturnKeyword = createToken({ name: 'ReturnKeyword', pattern: /return/, longer_alt: Identifier, label: "'return'" });
/**
 * `%x`, `%0`. Any run of word characters lexes, so that `%1x` gets a clear "bad value name"
 * error from the builder rather than a confusing token split.
 */
export const ValueName = createToken({ name: 'ValueName', pattern: /%[A-Za-z0-9_]+/, label: 'a value name (%name)' });
/** `@mlp` or, for names that are not identifiers, a JSON string: `@"my graph"`. */
export const SymbolName = createToken({
  name: 'SymbolName',
  pattern: /@(?:[A-Za-z_][A-Za-z0-9_$.]*|"(?:[^"\\\r\n]|\\.)*")/,
  label: 'a graph name (@name)',
});
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\r\n]|\\.)*"/, label: 'a string' });
export const NegInf = createToken({ name: 'NegInf', pattern: /-inf/, label: "'-inf'" });
export const Arrow = createToken({ name: 'Arrow', pattern: /->/, label: "'->'" });
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/, label: 'a number' });

export const LParen = punctuation('LParen', '(');
export const RParen = punctuation('RParen', ')');
export const LBrace = punctuation('LBrace', '{');
export const RBrace = punctuation('RBrace', '}');
export const LBracket = punctuation('LBracket', '[');
export const RBracket = punctuation('RBracket', ']');
export const Comma = punctuation('Comma', ',');
export const Colon = punctuation('Colon', ':');
export const Equals = punctuation('Equals', '=');

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace, Remark, Comment,
  GraphKeyword, ReturnKeyword, Identifier,
  ValueName, SymbolName, StringLiteral,
  NegInf, Arrow, NumberLiteral,
  LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, Colon, Equals,
];

const tokenizeGraphText = makeTokenizer(ALL_TOKENS);

/**
 * Splits `text` into the tokens the grammar reads and the remark comments, in text order;
 * throws a ParseError at the first character no token matches.
 */
export function tokenizeWithRemarks(text: string): { tokens: IToken[]; remarks: IToken[] } {
  const result = tokenizeGraphText(text);
  return { tokens: result.tokens, remarks: result.groups.remarks ?? [] };
}

/** The tokens the grammar reads (remark comments left out, like other comments). */
export function tokenize(text: string): IToken[] {
  return tokenizeWithRemarks(text).tokens;
}

/** The text of a remark comment: what follows `// remark:`, less the one space the printer puts there. */
export function remarkText(token: IToken): string {
  const rest = token.image.slice(REMARK_PREFIX.length);
  return rest.startsWith(' ') ? rest.slice(1) : rest;
}
