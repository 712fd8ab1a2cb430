/**
 * What the graph IR parser (lexer.ts, parser.ts, parser-build.ts) and the loop IR parser
 * (loop-syntax.ts, loop-parser.ts) share: `ParseError`, which every stage of reading IR text
 * throws; the skipped tokens and the lexer's error; the "expected … but found …" messages of
 * syntax errors and of word and number checks; and "did you mean" for unknown op names.
 */
import {
  EOF, type EmbeddedActionsParser, type ILexingResult, type ISyntacticContentAssistPath, type IToken, type TokenType, Lexer, createToken,
} from 'chevrotain';
import { type DType, parseDType } from './dtype.js';
import { KilnError } from './errors.js';

/** A syntax or semantic error in IR text; `line` and `column` are 1-based. */
export class ParseError extends KilnError {
  override name = 'ParseError';
  constructor(readonly line: number, readonly column: number, readonly detail: string) {
    super(`${line}:${column}: ${detail}`);
  }
}

export function errorAt(token: IToken, detail: string): ParseError {
  return new ParseError(token.startLine ?? 1, token.startColumn ?? 1, detail);
}

/** `line:column` of a token, for messages that point at a second place. */
export const where = (t: IToken): string => `${t.startLine}:${t.startColumn}`;

// ---------------------------------------------------------------------------------------------
// Lexing.

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });
/** `// ...` to the end of the line. */
export const Comment = createToken({ name: 'Comment', pattern: /\/\/[^\n\r]*/, group: Lexer.SKIPPED });
/** A token for a fixed piece of text, labelled with it in syntax errors: `expected ')' but found ...`. */
export const punctuation = (name: string, text: string): TokenType => createToken({ name, pattern: text, label: `'${text}'` });

/**
 * A tokenize function over `tokens` (the lexer is built on first use) that throws a ParseError
 * at the first character no token matches.
 */
export function makeTokenizer(tokens: TokenType[]): (text: string) => ILexingResult {
  let lexer: Lexer | undefined;
  return (text) => {
    lexer ??= new Lexer(tokens, { positionTracking: 'full', ensureOptimizations: true });
    const result = lexer.tokenize(text);
    const bad = result.errors[0];
    if (bad) {
      const chars = text.slice(bad.offset, bad.offset + bad.length);
      throw new ParseError(bad.line ?? 1, bad.column ?? 1, `unexpected character${chars.length === 1 ? '' : 's'} '${chars}'`);
    }
    return result;
  };
}

// ---------------------------------------------------------------------------------------------
// Syntax errors: "expected ',' or ')' but found '}'".

function describeFound(token: IToken): string {
  return token.tokenType === EOF ? 'end of input' : `'${token.image}'`;
}

/** `expected A or B but found 'x'` (each alternative once; none means the input should have ended). */
export function expectedMessage(expected: readonly string[], found: IToken): string {
  const unique = [...new Set(expected)];
  return `expected ${unique.length ? unique.join(' or ') : 'end of input'} but found ${describeFound(found)}`;
}

/**
 * What `rule` of `parser` would have accepted in place of `found` (chevrotain's content
 * assist over the tokens before it), or undefined when `found` is not one of `tokens`.
 */
export function acceptedInstead(parser: EmbeddedActionsParser, rule: string, tokens: readonly IToken[], found: IToken): ISyntacticContentAssistPath[] | undefined {
  const index = found.tokenType === EOF ? tokens.length : tokens.indexOf(found);
  return index >= 0 ? parser.computeContentAssist(rule, tokens.slice(0, index)) : undefined;
}

/** A ParseError at `found`, or right after the last token when the input ended early. */
export function syntaxErrorAt(found: IToken, tokens: readonly IToken[], message: string): ParseError {
  if (found.tokenType !== EOF) return errorAt(found, message);
  const last = tokens.at(-1);
  return last ? new ParseError(last.endLine ?? 1, (last.endColumn ?? 0) + 1, message) : new ParseError(1, 1, message);
}

// ---------------------------------------------------------------------------------------------
// Words and numbers checked after parsing: "expected a dtype (...) but found 'f64'".

const DTYPE_SPELLINGS = 'f32, i32, u32 or bool';

/** A ParseError at `token`: `expected <what> but found '<token>'`. */
export function expectedAt(token: IToken, what: string): ParseError {
  return errorAt(token, `expected ${what} but found '${token.image}'`);
}

/** The dtype a token spells (f32 or float32, ...). */
export function dtypeAt(token: IToken): DType {
  const dtype = parseDType(token.image);
  if (!dtype) throw expectedAt(token, `a dtype (${DTYPE_SPELLINGS})`);
  return dtype;
}

/** A count (size, extent, offset, dimension): an integer >= 0 written in plain digits. */
export function countAt(token: IToken, what: string): number {
  const n = Number(token.image);
  if (!/^\d+$/.test(token.image) || !Number.isSafeInteger(n)) throw expectedAt(token, `${what} (an integer >= 0)`);
  return n;
}

/** Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`: ranks "did you mean". */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * `unknown op 'epx'; did you mean 'exp'?` with the known ops a couple of edits away, or, when
 * none is, `unknown op 'x'; <listName>: <every known op>`.
 */
export function unknownOpMessage(name: string, known: readonly string[], listName: string): string {
  const close = known.filter((k) => editDistance(name, k) <= Math.min(2, Math.floor(k.length / 2)));
  const hint = close.length ? `did you mean ${close.map((k) => `'${k}'`).join(' or ')}?` : `${listName}: ${known.join(', ')}`;
  return `unknown op '${name}'; ${hint}`;
}
