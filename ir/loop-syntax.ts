/**
 * The loop IR's concrete syntax: tokens, and a chevrotain grammar that turns text into a syntax
 * tree keeping every token (loop-parser.ts documents the grammar and builds the IR from the
 * tree). Punctuation, identifiers and `@symbols` are the graph IR's tokens, white space and
 * comments parse-support.ts's; names, numbers, keywords and infix operators are the loop IR's
 * own. Errors are parse-support.ts's `ParseError`: syntax errors list what would have been
 * accepted (chevrotain's content assist).
 */
import {
  EmbeddedActionsParser, type IRecognitionException, type IToken, type TokenType, createToken,
} from 'chevrotain';
import {
  Colon, Comma, Equals, Identifier, LBrace, LBracket, LParen, RBrace, RBracket, RParen, SymbolName,
} from './lexer.js';
import {
  Comment, type ParseError, WhiteSpace, acceptedInstead, expectedMessage, makeTokenizer, punctuation, syntaxErrorAt,
} from './parse-support.js';

/** `%x`, `%acc_1`: identifiers only, so `%i %3` reads as a remainder. */
export const LoopName = createToken({ name: 'LoopName', pattern: /%[A-Za-z_][A-Za-z0-9_]*/, label: 'a name (%name)' });
/** Unsigned: a leading `-` is its own token, so `%i-1` is a subtraction. `3u` is a u32. */
export const LoopNumber = createToken({ name: 'LoopNumber', pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?u?/, label: 'a number' });

const keyword = (word: string): TokenType =>
  createToken({ name: `Loop_${word}`, pattern: new RegExp(word), longer_alt: Identifier, label: `'${word}'` });
export const ProgramKeyword = keyword('program');
export const BufferKeyword = keyword('buffer');
export const ArenaKeyword = keyword('arena');
export const InputsKeyword = keyword('inputs');
export const OutputsKeyword = keyword('outputs');
export const KernelKeyword = keyword('kernel');
export const GridKeyword = keyword('grid');
export const LaunchKeyword = keyword('launch');
export const ForKeyword = keyword('for');
export const InKeyword = keyword('in');
export const VecKeyword = keyword('vec');
export const StoreKeyword = keyword('store');
export const LoadKeyword = keyword('load');
export const IfKeyword = keyword('if');
export const ElseKeyword = keyword('else');
export const ReduceKeyword = keyword('reduce');
export const InitKeyword = keyword('init');
export const OffsetKeyword = keyword('offset');
export const DataKeyword = keyword('data');
export const TrueKeyword = keyword('true');
export const FalseKeyword = keyword('false');
export const NanKeyword = keyword('nan');
export const InfKeyword = keyword('inf');
/** Longest first: a keyword that is a prefix of another (`in`, `inf`, `inputs`) must come after it. */
const KEYWORDS = [
  ProgramKeyword, BufferKeyword, ArenaKeyword, InputsKeyword, OutputsKeyword, KernelKeyword, GridKeyword, LaunchKeyword,
  ForKeyword, InKeyword, VecKeyword, StoreKeyword, LoadKeyword, IfKeyword, ElseKeyword, ReduceKeyword, InitKeyword,
  OffsetKeyword, DataKeyword, TrueKeyword, FalseKeyword, NanKeyword, InfKeyword,
].sort((a, b) => (b.PATTERN as RegExp).source.length - (a.PATTERN as RegExp).source.length);

export const DotDot = punctuation('DotDot', '..');
export const Plus = punctuation('Plus', '+');
export const Minus = punctuation('Minus', '-');
export const Star = punctuation('Star', '*');
export const Slash = punctuation('Slash', '/');
export const Percent = punctuation('Percent', '%');
export const Less = punctuation('Less', '<');
export const Greater = punctuation('Greater', '>');

export const LOOP_TOKENS: TokenType[] = [
  WhiteSpace, Comment, // before Slash
  ...KEYWORDS, Identifier, SymbolName,
  LoopName, LoopNumber, // LoopName before Percent
  DotDot, Plus, Minus, Star, Slash, Percent, Less, Greater,
  LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, Colon, Equals,
];

const tokenizeLoopText = makeTokenizer(LOOP_TOKENS);

/** Splits loop IR text into tokens; throws a ParseError at the first character no token matches. */
export function tokenizeLoop(text: string): IToken[] {
  return tokenizeLoopText(text).tokens;
}

// ---------------------------------------------------------------------------------------------
// Syntax tree: the grammar keeps tokens so that every later check can point at one.

export type ConstantSyntax = { readonly minus?: IToken; readonly token: IToken };
export interface VarSyntax { readonly name: IToken; readonly extent: IToken }
export type ExprSyntax =
  | { readonly kind: 'constant'; readonly constant: ConstantSyntax }
  | { readonly kind: 'name'; readonly token: IToken }
  | { readonly kind: 'load'; readonly keyword: IToken; readonly buffer: IToken; readonly index: ExprSyntax; readonly guard?: ExprSyntax; readonly other?: ConstantSyntax }
  | { readonly kind: 'call'; readonly op: IToken; readonly typeArg?: IToken; readonly args: readonly ExprSyntax[] }
  | { readonly kind: 'infix'; readonly op: IToken; readonly a: ExprSyntax; readonly b: ExprSyntax }
  | { readonly kind: 'reduce'; readonly keyword: IToken; readonly op: IToken; readonly vars: readonly VarSyntax[]; readonly init?: ConstantSyntax; readonly body: ExprSyntax };
export type StmtSyntax =
  | { readonly kind: 'let'; readonly name: IToken; readonly value: ExprSyntax }
  | { readonly kind: 'for'; readonly keyword: IToken; readonly var: VarSyntax; readonly start: IToken; readonly vec?: IToken; readonly body: readonly StmtSyntax[] }
  | { readonly kind: 'store'; readonly keyword: IToken; readonly buffer: IToken; readonly index: ExprSyntax; readonly value: ExprSyntax };
export interface TypedNameSyntax { readonly name: IToken; readonly dtype: IToken; readonly size: IToken }
export interface ParamSyntax extends TypedNameSyntax { readonly access: IToken }
export interface BufferSyntax extends TypedNameSyntax { readonly role: IToken; readonly offset?: IToken; readonly data?: readonly ConstantSyntax[] }
export interface KernelSyntax { readonly name: IToken; readonly params: readonly ParamSyntax[]; readonly grid: readonly VarSyntax[]; readonly body: readonly StmtSyntax[] }
export interface LaunchSyntax { readonly kernel: IToken; readonly args: readonly IToken[] }
export interface ProgramSyntax {
  readonly name: IToken;
  readonly buffers: readonly BufferSyntax[];
  readonly arena?: IToken;
  readonly inputsKeyword: IToken;
  readonly inputs: readonly IToken[];
  readonly outputsKeyword: IToken;
  readonly outputs: readonly IToken[];
  readonly kernels: readonly KernelSyntax[];
  readonly launches: readonly LaunchSyntax[];
}

class LoopTextParser extends EmbeddedActionsParser {
  constructor() {
    super(LOOP_TOKENS, { maxLookahead: 1 });
    this.performSelfAnalysis();
  }

  readonly program = this.RULE('program', (): ProgramSyntax => {
    this.CONSUME(ProgramKeyword);
    const name = this.CONSUME(SymbolName);
    this.CONSUME(LBrace);
    const buffers: BufferSyntax[] = [];
    this.MANY(() => buffers.push(this.SUBRULE(this.buffer)));
    let arena: IToken | undefined;
    this.OPTION(() => {
      this.CONSUME(ArenaKeyword);
      arena = this.CONSUME(LoopNumber);
    });
    const inputsKeyword = this.CONSUME(InputsKeyword);
    const inputs = this.SUBRULE(this.names);
    const outputsKeyword = this.CONSUME(OutputsKeyword);
    const outputs = this.SUBRULE2(this.names);
    const kernels: KernelSyntax[] = [];
    this.MANY2(() => kernels.push(this.SUBRULE(this.kernel)));
    const launches: LaunchSyntax[] = [];
    this.MANY3(() => launches.push(this.SUBRULE(this.launch)));
    this.CONSUME(RBrace);
    return { name, buffers, arena, inputsKeyword, inputs, outputsKeyword, outputs, kernels, launches };
  });

  readonly names = this.RULE('names', (): IToken[] => {
    const names: IToken[] = [];
    this.MANY_SEP({ SEP: Comma, DEF: () => names.push(this.CONSUME(LoopName)) });
    return names;
  });

  readonly typedName = this.RULE('typedName', (): TypedNameSyntax => {
    const name = this.CONSUME(LoopName);
    this.CONSUME(Colon);
    const dtype = this.CONSUME(Identifier);
    this.CONSUME(LBracket);
    const size = this.CONSUME(LoopNumber);
    this.CONSUME(RBracket);
    return { name, dtype, size };
  });

  readonly buffer = this.RULE('buffer', (): BufferSyntax => {
    this.CONSUME(BufferKeyword);
    const typed = this.SUBRULE(this.typedName);
    const role = this.CONSUME(Identifier);
    let offset: IToken | undefined;
    let data: ConstantSyntax[] | undefined;
    this.OPTION(() => {
      this.CONSUME(OffsetKeyword);
      this.CONSUME(Equals);
      offset = this.CONSUME(LoopNumber);
    });
    this.OPTION2(() => {
      this.CONSUME(DataKeyword);
      this.CONSUME2(Equals);
      this.CONSUME(LBracket);
      const values: ConstantSyntax[] = [];
      this.MANY_SEP({ SEP: Comma, DEF: () => values.push(this.SUBRULE(this.constant)) });
      this.CONSUME(RBracket);
      data = values;
    });
    return { ...typed, role, offset, data };
  });

  readonly kernel = this.RULE('kernel', (): KernelSyntax => {
    this.CONSUME(KernelKeyword);
    const name = this.CONSUME(SymbolName);
    this.CONSUME(LParen);
    const params: ParamSyntax[] = [];
    this.MANY_SEP({ SEP: Comma, DEF: () => params.push(this.SUBRULE(this.param)) });
    this.CONSUME(RParen);
    let grid: VarSyntax[] = [];
    this.OPTION(() => {
      this.CONSUME(GridKeyword);
      grid = this.SUBRULE(this.varList);
    });
    return { name, params, grid, body: this.SUBRULE(this.block) };
  });

  readonly param = this.RULE('param', (): ParamSyntax => {
    const typed = this.SUBRULE(this.typedName);
    return { ...typed, access: this.CONSUME(Identifier) };
  });

  readonly varList = this.RULE('varList', (): VarSyntax[] => {
    this.CONSUME(LParen);
    const vars: VarSyntax[] = [];
    this.MANY_SEP({ SEP: Comma, DEF: () => vars.push(this.SUBRULE(this.indexVar)) });
    this.CONSUME(RParen);
    return vars;
  });

  readonly indexVar = this.RULE('indexVar', (): VarSyntax => {
    const name = this.CONSUME(LoopName);
    this.CONSUME(Colon);
    return { name, extent: this.CONSUME(LoopNumber) };
  });

  readonly launch = this.RULE('launch', (): LaunchSyntax => {
    this.CONSUME(LaunchKeyword);
    const kernel = this.CONSUME(SymbolName);
    this.CONSUME(LParen);
    const args = this.SUBRULE(this.names);
    this.CONSUME(RParen);
    return { kernel, args };
  });

  readonly block = this.RULE('block', (): StmtSyntax[] => {
    this.CONSUME(LBrace);
    const body: StmtSyntax[] = [];
    this.MANY(() => body.push(this.SUBRULE(this.statement)));
    this.CONSUME(RBrace);
    return body;
  });

  readonly statement = this.RULE('statement', (): StmtSyntax => this.OR([
    {
      ALT: () => {
        const name = this.CONSUME(LoopName);
        this.CONSUME(Equals);
        return { kind: 'let', name, value: this.SUBRULE(this.expr) };
      },
    },
    {
      ALT: () => {
        const keyword = this.CONSUME(ForKeyword);
        const name = this.CONSUME2(LoopName);
        this.CONSUME(InKeyword);
        const start = this.CONSUME(LoopNumber);
        this.CONSUME(DotDot);
        const extent = this.CONSUME2(LoopNumber);
        let vec: IToken | undefined;
        this.OPTION(() => {
          this.CONSUME(VecKeyword);
          this.CONSUME2(Equals);
          vec = this.CONSUME3(LoopNumber);
        });
        return { kind: 'for', keyword, var: { name, extent }, start, vec, body: this.SUBRULE(this.block) };
      },
    },
    {
      ALT: () => {
        const keyword = this.CONSUME(StoreKeyword);
        const buffer = this.CONSUME3(LoopName);
        this.CONSUME(LBracket);
        const index = this.SUBRULE2(this.expr);
        this.CONSUME(RBracket);
        this.CONSUME(Comma);
        return { kind: 'store', keyword, buffer, index, value: this.SUBRULE3(this.expr) };
      },
    },
  ]));

  readonly expr = this.RULE('expr', (): ExprSyntax => {
    let left = this.SUBRULE(this.term);
    this.MANY(() => {
      const op = this.OR([{ ALT: () => this.CONSUME(Plus) }, { ALT: () => this.CONSUME(Minus) }]);
      left = { kind: 'infix', op, a: left, b: this.SUBRULE2(this.term) };
    });
    return left;
  });

  readonly term = this.RULE('term', (): ExprSyntax => {
    let left = this.SUBRULE(this.primary);
    this.MANY(() => {
      const op = this.OR([
        { ALT: () => this.CONSUME(Star) }, { ALT: () => this.CONSUME(Slash) }, { ALT: () => this.CONSUME(Percent) },
      ]);
      left = { kind: 'infix', op, a: left, b: this.SUBRULE2(this.primary) };
    });
    return left;
  });

  readonly primary = this.RULE('primary', (): ExprSyntax => this.OR([
    { ALT: () => ({ kind: 'constant', constant: this.SUBRULE(this.constant) }) },
    { ALT: () => ({ kind: 'name', token: this.CONSUME(LoopName) }) },
    {
      ALT: () => {
        this.CONSUME(LParen);
        const inner = this.SUBRULE(this.expr);
        this.CONSUME(RParen);
        return inner;
      },
    },
    { ALT: () => this.SUBRULE(this.load) },
    { ALT: () => this.SUBRULE(this.reduce) },
    { ALT: () => this.SUBRULE(this.call) },
  ]));

  readonly load = this.RULE('load', (): ExprSyntax => {
    const keyword = this.CONSUME(LoadKeyword);
    const buffer = this.CONSUME(LoopName);
    this.CONSUME(LBracket);
    const index = this.SUBRULE(this.expr);
    this.CONSUME(RBracket);
    let guard: ExprSyntax | undefined;
    let other: ConstantSyntax | undefined;
    this.OPTION(() => {
      this.CONSUME(IfKeyword);
      guard = this.SUBRULE2(this.expr);
      this.CONSUME(ElseKeyword);
      other = this.SUBRULE(this.constant);
    });
    return { kind: 'load', keyword, buffer, index, guard, other };
  });

  readonly reduce = this.RULE('reduce', (): ExprSyntax => {
    const keyword = this.CONSUME(ReduceKeyword);
    const op = this.CONSUME(Identifier);
    const vars = this.SUBRULE(this.varList);
    let init: ConstantSyntax | undefined;
    this.OPTION(() => {
      this.CONSUME(InitKeyword);
      init = this.SUBRULE(this.constant);
    });
    this.CONSUME(LBrace);
    const body = this.SUBRULE(this.expr);
    this.CONSUME(RBrace);
    return { kind: 'reduce', keyword, op, vars, init, body };
  });

  readonly call = this.RULE('call', (): ExprSyntax => {
    const op = this.CONSUME(Identifier);
    let typeArg: IToken | undefined;
    this.OPTION(() => {
      this.CONSUME(Less);
      typeArg = this.CONSUME2(Identifier);
      this.CONSUME(Greater);
    });
    this.CONSUME(LParen);
    const args: ExprSyntax[] = [];
    this.MANY_SEP({ SEP: Comma, DEF: () => args.push(this.SUBRULE(this.expr)) });
    this.CONSUME(RParen);
    return { kind: 'call', op, typeArg, args };
  });

  readonly constant = this.RULE('constant', (): ConstantSyntax => this.OR([
    {
      ALT: () => {
        const minus = this.CONSUME(Minus);
        return { minus, token: this.SUBRULE(this.unsignedNumber) };
      },
    },
    { ALT: () => ({ token: this.SUBRULE2(this.unsignedNumber) }) },
    { ALT: () => ({ token: this.CONSUME(NanKeyword) }) },
    { ALT: () => ({ token: this.CONSUME(TrueKeyword) }) },
    { ALT: () => ({ token: this.CONSUME(FalseKeyword) }) },
  ]));

  readonly unsignedNumber = this.RULE('unsignedNumber', (): IToken =>
    this.OR([{ ALT: () => this.CONSUME(LoopNumber) }, { ALT: () => this.CONSUME(InfKeyword) }]));

  /** A kernel alone, for parseKernel. */
  readonly kernelText = this.RULE('kernelText', (): KernelSyntax => this.SUBRULE(this.kernel));
}

// ---------------------------------------------------------------------------------------------
// Syntax error messages: "expected ',' or ')' but found '}'".

/** Token names where the rule says more than the token does. */
const LABELS_IN_RULE: Record<string, Record<string, string>> = {
  program: { SymbolName: 'a program name (@name)', LoopNumber: 'a byte count' },
  kernel: { SymbolName: 'a kernel name (@name)' },
  launch: { SymbolName: 'a kernel name (@name)' },
  typedName: { Identifier: 'a dtype', LoopNumber: 'a size' },
  buffer: { Identifier: 'a buffer role', LoopNumber: 'a byte offset' },
  param: { Identifier: 'an access mode' },
  indexVar: { LoopNumber: 'an extent' },
  reduce: { Identifier: 'a reduce op' },
  call: { Identifier: 'a dtype' },
};
/** Token sets that stand for one thing: every token that can start an expression, or a constant. */
const CONSTANT_START = [Minus, LoopNumber, InfKeyword, NanKeyword, TrueKeyword, FalseKeyword];
const EXPR_START = [...CONSTANT_START, LoopName, LParen, LoadKeyword, ReduceKeyword, Identifier];

function expectedLabels(paths: readonly { nextTokenType: TokenType; ruleStack: string[] }[]): string[] {
  const types = new Set(paths.map((p) => p.nextTokenType));
  const group = EXPR_START.every((t) => types.has(t)) ? EXPR_START : CONSTANT_START.every((t) => types.has(t)) ? CONSTANT_START : [];
  const labels = paths.map((p) => {
    if (group.includes(p.nextTokenType)) return group === EXPR_START ? 'an expression' : 'a constant';
    const rule = p.ruleStack.at(-1);
    return (rule && LABELS_IN_RULE[rule]?.[p.nextTokenType.name]) ?? p.nextTokenType.LABEL ?? p.nextTokenType.name;
  });
  return [...new Set(labels)];
}

function syntaxError(parser: LoopTextParser, rule: string, tokens: readonly IToken[], error: IRecognitionException): ParseError {
  const found = error.token;
  return syntaxErrorAt(found, tokens, expectedMessage(expectedLabels(acceptedInstead(parser, rule, tokens, found) ?? []), found));
}

let sharedParser: LoopTextParser | undefined;

function parseWith<R>(text: string, rule: string, run: (p: LoopTextParser) => R): R {
  const tokens = tokenizeLoop(text);
  sharedParser ??= new LoopTextParser();
  const parser = sharedParser;
  parser.input = tokens;
  const syntax = run(parser);
  if (parser.errors.length > 0) throw syntaxError(parser, rule, tokens, parser.errors[0]);
  return syntax;
}

/** The syntax tree of a program; throws a ParseError at the first syntax error. */
export function parseProgramSyntax(text: string): ProgramSyntax {
  return parseWith(text, 'program', (p) => p.program());
}

/** The syntax tree of a lone kernel (`kernel @k(...) {...}`). */
export function parseKernelSyntax(text: string): KernelSyntax {
  return parseWith(text, 'kernelText', (p) => p.kernelText());
}
