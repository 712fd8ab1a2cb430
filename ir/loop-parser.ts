/**
 * Reads the loop IR text form back into a Program or Kernel (loop-printer.ts writes it). Grammar:
 *
 *   program  := 'program' SYMBOL '{' buffer* ['arena' INT] 'inputs' [names] 'outputs' [names]
 *               kernel* launch* '}'
 *   buffer   := 'buffer' NAME ':' DTYPE '[' INT ']' ROLE ['offset' '=' INT] ['data' '=' '[' [constants] ']']
 *   kernel   := 'kernel' SYMBOL '(' [param (',' param)*] ')' ['grid' '(' [var (',' var)*] ')'] block
 *   param    := NAME ':' DTYPE '[' INT ']' ACCESS            ACCESS is r, w or rw
 *   var      := NAME ':' INT                                  an index variable and its extent
 *   block    := '{' stmt* '}'
 *   stmt     := NAME '=' expr                                 let
 *             | 'for' NAME 'in' '0' '..' INT ['vec' '=' INT] block
 *             | 'store' NAME '[' expr ']' ',' expr
 *   launch   := 'launch' SYMBOL '(' [names] ')'
 *   expr     := term (('+' | '-') term)*                      left-associative
 *   term     := primary (('*' | '/' | '%') primary)*
 *   primary  := constant | NAME | '(' expr ')'
 *             | 'load' NAME '[' expr ']' ['if' expr 'else' constant]
 *             | 'reduce' REDUCE_OP '(' [var (',' var)*] ')' ['init' constant] '{' expr '}'
 *             | OP ['<' DTYPE '>'] '(' [expr (',' expr)*] ')'   exp(x), max(a, b), select(c, a, b), cast<f32>(x)
 *   constant := ['-'] NUMBER | ['-'] 'inf' | 'nan' | 'true' | 'false'
 *
 *   NAME %identifier   SYMBOL @name or @"JSON string"   names := NAME (',' NAME)*   // comments
 *
 * Constants: a NUMBER with '.' or an exponent, nan and inf are f32; plain integers are i32, `3u`
 * is u32; true/false are bool. In typed slots (`init`, `else`, `data`) any constant spelling is
 * read for its value. Infix operators build the same binary nodes as add/sub/mul/div/mod calls,
 * for any dtype. Names resolve in block scopes: grid vars in the whole kernel, loop vars inside
 * their loop, reduce vars inside the reduce body, lets after their statement in their block.
 *
 * Errors are ParseErrors at `line:column`: syntax errors list what would have been accepted,
 * and verifier errors (run unless `{ verify: false }`) point at the offending statement or node.
 */
import type { IToken } from 'chevrotain';
import type { DType } from './dtype.js';
import {
  type Access, type BinaryOp, type BufferDecl, type BufferRole, COMPARE_OPS, type Expr, type IndexVar, type Kernel,
  type KernelParam, LOOP_BINARY_OPS, LOOP_REDUCE_OPS, LOOP_UNARY_OPS, type Launch, type Program, type ReduceOp, type Stmt,
  type UnaryOp,
} from './loop.js';
import {
  type ConstantSyntax, type ExprSyntax, FalseKeyword, InfKeyword, type KernelSyntax, NanKeyword, type ProgramSyntax,
  type StmtSyntax, TrueKeyword, type VarSyntax, parseKernelSyntax, parseProgramSyntax,
} from './loop-syntax.js';
import { LoopVerifyError, verifyKernel, verifyProgram } from './loop-verify.js';
import { countAt, dtypeAt, errorAt, expectedAt, unknownOpMessage, where } from './parse-support.js';
import { formatSymbolName } from './printer.js';

export { ParseError } from './parse-support.js';

// ---------------------------------------------------------------------------------------------
// Building the IR: names, dtypes, ops and numbers, each checked at its token.

/** The first token of an expression: where errors about it point. */
function startOf(s: ExprSyntax): IToken {
  switch (s.kind) {
    case 'constant': return s.constant.minus ?? s.constant.token;
    case 'name': return s.token;
    case 'call': return s.op;
    case 'infix': return startOf(s.a);
    case 'load':
    case 'reduce': return s.keyword;
  }
}

const ROLES: readonly BufferRole[] = ['input', 'output', 'constant', 'temp'];
const ACCESSES: readonly Access[] = ['r', 'w', 'rw'];
const INFIX: Record<string, BinaryOp> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '%': 'mod' };

function symbolName(token: IToken): string {
  const text = token.image.slice(1);
  if (!text.startsWith('"')) return text;
  try {
    return JSON.parse(text) as string;
  } catch {
    throw errorAt(token, `bad escape in name ${token.image}`);
  }
}

function oneOf<W extends string>(token: IToken, words: readonly W[], what: string): W {
  if (!(words as readonly string[]).includes(token.image)) throw expectedAt(token, `${what} (${words.slice(0, -1).join(', ')} or ${words.at(-1)})`);
  return token.image as W;
}

/** A constant's value and the dtype its spelling gives. */
function constantOf(c: ConstantSyntax): { value: number; dtype: DType } {
  const sign = c.minus ? -1 : 1;
  const image = c.token.image;
  switch (c.token.tokenType) {
    case InfKeyword: return { value: sign * Infinity, dtype: 'float32' };
    case NanKeyword: return { value: NaN, dtype: 'float32' };
    case TrueKeyword: return { value: 1, dtype: 'bool' };
    case FalseKeyword: return { value: 0, dtype: 'bool' };
  }
  if (image.endsWith('u')) {
    if (!/^\d+u$/.test(image)) throw errorAt(c.token, `'${image}': the u suffix marks a u32 and needs an integer`);
    return { value: sign * Number(image.slice(0, -1)) + 0, dtype: 'uint32' };
  }
  if (/[.eE]/.test(image)) return { value: sign * Number(image), dtype: 'float32' };
  return { value: sign * Number(image) + 0, dtype: 'int32' }; // + 0 turns -0 into 0
}

const UNARY = new Set<string>(LOOP_UNARY_OPS);
const BINARY = new Set<string>(LOOP_BINARY_OPS);
const ALL_OPS = [...LOOP_UNARY_OPS, ...LOOP_BINARY_OPS, 'select', 'cast'];

interface Definition {
  readonly dtype: DType;
  readonly token: IToken;
  readonly what: string;
}

/** Builds IR objects and remembers the token each one came from, for errors found later. */
class LoopBuilder {
  readonly tokens = new WeakMap<object, IToken>();

  at<X extends object>(token: IToken, x: X): X {
    this.tokens.set(x, token);
    return x;
  }

  /** Converts a verifier error about one of the built objects into a ParseError at its token. */
  verified<X>(verify: () => X, fallback: IToken): X {
    try {
      return verify();
    } catch (e) {
      if (!(e instanceof LoopVerifyError)) throw e;
      throw errorAt((e.subject && this.tokens.get(e.subject)) ?? fallback, e.message);
    }
  }

  program(s: ProgramSyntax): Program {
    const buffers = s.buffers.map((b): BufferDecl => {
      const decl: { -readonly [K in keyof BufferDecl]: BufferDecl[K] } = {
        name: b.name.image.slice(1), dtype: dtypeAt(b.dtype), size: countAt(b.size, 'a size'),
        role: oneOf(b.role, ROLES, 'a buffer role'),
      };
      if (b.offset) decl.offset = countAt(b.offset, 'a byte offset');
      if (b.data) decl.data = b.data.map((c) => constantOf(c).value);
      return this.at(b.name, decl);
    });
    const names = (list: readonly IToken[]): string[] => list.map((t) => t.image.slice(1));
    const program: { -readonly [K in keyof Program]: Program[K] } = {
      name: symbolName(s.name),
      buffers,
      kernels: s.kernels.map((k) => this.kernel(k)),
      launches: s.launches.map((l): Launch => this.at(l.kernel, { kernel: symbolName(l.kernel), args: names(l.args) })),
      inputs: this.at(s.inputsKeyword, names(s.inputs)),
      outputs: this.at(s.outputsKeyword, names(s.outputs)),
    };
    if (s.arena) program.arenaBytes = countAt(s.arena, 'a byte count');
    return this.at(s.name, program);
  }

  kernel(s: KernelSyntax): Kernel {
    const params = s.params.map((p): KernelParam => this.at(p.name, {
      name: p.name.image.slice(1), dtype: dtypeAt(p.dtype), size: countAt(p.size, 'a size'),
      access: oneOf(p.access, ACCESSES, 'an access mode'),
    }));
    const scope = new KernelScope(this, params, symbolName(s.name));
    const grid = s.grid.map((v) => scope.indexVar(v, 'grid variable'));
    return this.at(s.name, { name: symbolName(s.name), params, grid, body: scope.block(s.body) });
  }
}

/** Name resolution inside one kernel. */
class KernelScope {
  private readonly scopes: Map<string, Definition>[] = [new Map()];
  /** Every definition so far, visible or not: for "not in scope" hints. */
  private readonly everDefined = new Map<string, Definition>();
  private readonly params: Map<string, KernelParam>;

  constructor(private readonly b: LoopBuilder, params: readonly KernelParam[], private readonly kernelName: string) {
    this.params = new Map(params.map((p) => [p.name, p]));
  }

  private define(token: IToken, dtype: DType, what: string): string {
    const def = { dtype, token, what };
    this.scopes.at(-1)!.set(token.image, def);
    this.everDefined.set(token.image, def);
    return token.image.slice(1);
  }

  private nested<X>(body: () => X): X {
    this.scopes.push(new Map());
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  indexVar(v: VarSyntax, what: string): IndexVar {
    const extent = countAt(v.extent, 'an extent');
    return this.b.at(v.name, { name: this.define(v.name, 'int32', what), extent });
  }

  block(body: readonly StmtSyntax[]): Stmt[] {
    return this.nested(() => body.map((s) => this.statement(s)));
  }

  private statement(s: StmtSyntax): Stmt {
    switch (s.kind) {
      case 'let': {
        const value = this.expr(s.value);
        return this.b.at(s.name, { kind: 'let', name: this.define(s.name, value.dtype, 'let'), value });
      }
      case 'for': {
        if (s.start.image !== '0') throw errorAt(s.start, `loops start at 0 but found '${s.start.image}'`);
        const vec = s.vec ? countAt(s.vec, 'a vector width') : 1;
        return this.nested(() => {
          const v = this.indexVar(s.var, 'loop variable');
          return this.b.at(s.keyword, { kind: 'for', var: v, vec, body: this.block(s.body) });
        });
      }
      case 'store': {
        const buffer = this.param(s.buffer).name;
        return this.b.at(s.keyword, { kind: 'store', buffer, index: this.expr(s.index), value: this.expr(s.value) });
      }
    }
  }

  private param(token: IToken): KernelParam {
    const p = this.params.get(token.image.slice(1));
    if (!p) throw errorAt(token, `${token.image} is not a parameter of ${formatSymbolName(this.kernelName)}`);
    return p;
  }

  private lookup(token: IToken): Definition {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const def = this.scopes[i].get(token.image);
      if (def) return def;
    }
    const elsewhere = this.everDefined.get(token.image);
    if (elsewhere) {
      const visible = elsewhere.what === 'let' ? 'after it in its block' : elsewhere.what === 'grid variable' ? 'in the kernel' : `inside its ${elsewhere.what.split(' ')[0]}`;
      throw errorAt(token, `${token.image} is not in scope here: it is the ${elsewhere.what} defined at ${where(elsewhere.token)}, visible only ${visible}`);
    }
    if (this.params.has(token.image.slice(1))) throw errorAt(token, `${token.image} is a buffer: read it with load ${token.image}[index]`);
    throw errorAt(token, `${token.image} is not defined`);
  }

  private expr(s: ExprSyntax): Expr {
    switch (s.kind) {
      case 'constant': {
        const { value, dtype } = constantOf(s.constant);
        return this.b.at(startOf(s), { kind: 'const', dtype, value });
      }
      case 'name':
        return this.b.at(s.token, { kind: 'var', dtype: this.lookup(s.token).dtype, name: s.token.image.slice(1) });
      case 'load': {
        const p = this.param(s.buffer);
        const index = this.expr(s.index);
        if (!s.guard || !s.other) return this.b.at(s.keyword, { kind: 'load', dtype: p.dtype, buffer: p.name, index });
        const guard = this.expr(s.guard);
        return this.b.at(s.keyword, { kind: 'load', dtype: p.dtype, buffer: p.name, index, guard, other: constantOf(s.other).value });
      }
      case 'infix': {
        const a = this.expr(s.a);
        return this.b.at(startOf(s), { kind: 'binary', dtype: a.dtype, op: INFIX[s.op.image], a, b: this.expr(s.b) });
      }
      case 'call':
        return this.b.at(s.op, this.call(s));
      case 'reduce': {
        const op = oneOf(s.op, LOOP_REDUCE_OPS, 'a reduce op') as ReduceOp;
        const isArg = op === 'argmax' || op === 'argmin';
        if (isArg && s.init) throw errorAt(s.init.minus ?? s.init.token, `reduce ${op} takes no init value`);
        if (!isArg && !s.init) throw errorAt(s.op, `reduce ${op} needs an init value: reduce ${op}(...) init <value> { ... }`);
        const { vars, body } = this.nested(() => ({
          vars: s.vars.map((v) => this.indexVar(v, 'reduce variable')),
          body: this.expr(s.body),
        }));
        const init = s.init ? constantOf(s.init).value : 0;
        return this.b.at(s.keyword, { kind: 'reduce', dtype: isArg ? 'int32' : body.dtype, op, vars, init, body });
      }
    }
  }

  private call(s: Extract<ExprSyntax, { kind: 'call' }>): Expr {
    const name = s.op.image;
    if (!ALL_OPS.includes(name)) throw errorAt(s.op, unknownOpMessage(name, ALL_OPS, 'ops'));
    if (name === 'cast' && !s.typeArg) throw errorAt(s.op, 'cast needs a target dtype: cast<f32>(x)');
    if (name !== 'cast' && s.typeArg) throw errorAt(s.typeArg, `only cast takes a dtype in <...>, not ${name}`);
    const arity = UNARY.has(name) || name === 'cast' ? 1 : BINARY.has(name) ? 2 : 3;
    if (s.args.length !== arity) throw errorAt(s.op, `${name} takes ${arity} operand${arity === 1 ? '' : 's'}, got ${s.args.length}`);
    const args = s.args.map((a) => this.expr(a));
    if (name === 'cast') return { kind: 'cast', dtype: dtypeAt(s.typeArg!), x: args[0] };
    if (name === 'select') return { kind: 'select', dtype: args[1].dtype, cond: args[0], a: args[1], b: args[2] };
    if (UNARY.has(name)) return { kind: 'unary', dtype: name === 'not' ? 'bool' : args[0].dtype, op: name as UnaryOp, x: args[0] };
    const op = name as BinaryOp;
    const dtype = COMPARE_OPS.includes(op) || op === 'and' || op === 'or' ? 'bool' : args[0].dtype;
    return { kind: 'binary', dtype, op, a: args[0], b: args[1] };
  }
}

export interface LoopParseOptions {
  /** Run the verifier on the result (default true); its errors become ParseErrors at the offending text. */
  readonly verify?: boolean;
}

/** Parses one program in the text form above; throws a ParseError at the first problem. */
export function parseProgram(text: string, options: LoopParseOptions = {}): Program {
  const syntax = parseProgramSyntax(text);
  const builder = new LoopBuilder();
  const program = builder.program(syntax);
  return options.verify === false ? program : builder.verified(() => verifyProgram(program), syntax.name);
}

/** Parses one kernel (`kernel @k(...) {...}`), as printKernel writes it. */
export function parseKernel(text: string, options: LoopParseOptions = {}): Kernel {
  const syntax = parseKernelSyntax(text);
  const builder = new LoopBuilder();
  const kernel = builder.kernel(syntax);
  return options.verify === false ? kernel : builder.verified(() => verifyKernel(kernel), syntax.name);
}
