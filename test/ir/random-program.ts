/**
 * Loop IR test helpers: `L`, small constructors for hand-built programs, and `arbProgram(options?)`,
 * a fast-check arbitrary of random VALID loop programs (for round-trip tests now and for
 * codegen-against-reference property tests later).
 *
 * A program gets a few buffers of every dtype and role (constants with data, offsets planned or
 * not), kernels whose params mirror some of those buffers, and launches binding them. Kernel
 * bodies draw lets, nested loops (every vec width) and stores; expressions draw every kind and
 * op. Indices that the verifier's interval analysis cannot prove in bounds are wrapped in
 * `% size` or clamped with min/max; guarded loads index anything. Every draw is verified.
 */
import fc, { type Arbitrary, type GeneratorValue } from 'fast-check';
import {
  type Access, type BinaryOp, type BufferDecl, type BufferRole, COMPARE_OPS, DTYPES, type DType, type Expr, type IndexVar,
  type Kernel, type KernelParam, type Launch, LOOP_REDUCE_OPS, type Program, type ReduceOp, type Stmt, type UnaryOp, isNumeric,
} from '../../ir/index.js';
import { printProgram } from '../../ir/loop-printer.js';
import { type Interval, intervalOf, verifyProgram } from '../../ir/loop-verify.js';

// ---------------------------------------------------------------------------------------------
// Hand-building helpers.

const binaryDType = (op: BinaryOp, a: Expr): DType => (COMPARE_OPS.includes(op) || op === 'and' || op === 'or' ? 'bool' : a.dtype);

export const L = {
  f32: (value: number): Expr => ({ kind: 'const', dtype: 'float32', value }),
  i32: (value: number): Expr => ({ kind: 'const', dtype: 'int32', value }),
  u32: (value: number): Expr => ({ kind: 'const', dtype: 'uint32', value }),
  bool: (value: boolean): Expr => ({ kind: 'const', dtype: 'bool', value: value ? 1 : 0 }),
  /** A variable: i32 (index vars) unless a let of another dtype. */
  v: (name: string, dtype: DType = 'int32'): Expr => ({ kind: 'var', dtype, name }),
  load: (buffer: string, dtype: DType, index: Expr): Expr => ({ kind: 'load', dtype, buffer, index }),
  guarded: (buffer: string, dtype: DType, index: Expr, guard: Expr, other: number): Expr =>
    ({ kind: 'load', dtype, buffer, index, guard, other }),
  unary: (op: UnaryOp, x: Expr): Expr => ({ kind: 'unary', dtype: op === 'not' ? 'bool' : x.dtype, op, x }),
  binary: (op: BinaryOp, a: Expr, b: Expr): Expr => ({ kind: 'binary', dtype: binaryDType(op, a), op, a, b }),
  add: (a: Expr, b: Expr): Expr => L.binary('add', a, b),
  mul: (a: Expr, b: Expr): Expr => L.binary('mul', a, b),
  select: (cond: Expr, a: Expr, b: Expr): Expr => ({ kind: 'select', dtype: a.dtype, cond, a, b }),
  cast: (dtype: DType, x: Expr): Expr => ({ kind: 'cast', dtype, x }),
  reduce: (op: ReduceOp, vars: readonly IndexVar[], init: number, body: Expr): Expr =>
    ({ kind: 'reduce', dtype: op === 'argmax' || op === 'argmin' ? 'int32' : body.dtype, op, vars, init, body }),
  ivar: (name: string, extent: number): IndexVar => ({ name, extent }),
  let: (name: string, value: Expr): Stmt => ({ kind: 'let', name, value }),
  for: (name: string, extent: number, body: readonly Stmt[], vec = 1): Stmt => ({ kind: 'for', var: { name, extent }, vec, body }),
  store: (buffer: string, index: Expr, value: Expr): Stmt => ({ kind: 'store', buffer, index, value }),
  param: (name: string, dtype: DType, size: number, access: Access): KernelParam => ({ name, dtype, size, access }),
  kernel: (name: string, params: readonly KernelParam[], grid: readonly IndexVar[], body: readonly Stmt[]): Kernel =>
    ({ name, params, grid, body }),
  buffer: (name: string, dtype: DType, size: number, role: BufferRole, extra: { offset?: number; data?: number[] } = {}): BufferDecl =>
    ({ name, dtype, size, role, ...extra }),
};

/** A two-kernel program: a dense layer with bias and ReLU, then a row argmax. */
export function denseArgmaxProgram(): Program {
  const { v, i32, f32 } = L;
  const dense = L.kernel('dense_relu_2x2', [
    L.param('h', 'float32', 4, 'w'), L.param('x', 'float32', 6, 'r'), L.param('w', 'float32', 6, 'r'), L.param('b', 'float32', 2, 'r'),
  ], [L.ivar('i', 2)], [
    L.for('j', 2, [
      L.let('acc', L.reduce('sum', [L.ivar('k', 3)], 0, L.mul(
        L.load('x', 'float32', L.add(L.mul(v('i'), i32(3)), v('k'))),
        L.load('w', 'float32', L.add(L.mul(v('k'), i32(2)), v('j'))),
      ))),
      L.store('h', L.add(L.mul(v('i'), i32(2)), v('j')),
        L.binary('max', L.add(v('acc', 'float32'), L.load('b', 'float32', v('j'))), f32(0))),
    ], 2),
  ]);
  const argmax = L.kernel('argmax_rows', [L.param('out', 'int32', 2, 'w'), L.param('h', 'float32', 4, 'r')], [L.ivar('row', 2)], [
    L.store('out', v('row'), L.reduce('argmax', [L.ivar('c', 2)], 0, L.load('h', 'float32', L.add(L.mul(v('row'), i32(2)), v('c'))))),
  ]);
  return {
    name: 'mlp',
    buffers: [
      L.buffer('x', 'float32', 6, 'input', { offset: 0 }),
      L.buffer('w', 'float32', 6, 'input', { offset: 32 }),
      L.buffer('b', 'float32', 2, 'constant', { offset: 64, data: [0.5, -1] }),
      L.buffer('h', 'float32', 4, 'temp', { offset: 80 }),
      L.buffer('out', 'int32', 2, 'output', { offset: 96 }),
    ],
    arenaBytes: 112,
    inputs: ['x', 'w'],
    outputs: ['out', 'out'],
    kernels: [dense, argmax],
    launches: [{ kernel: 'dense_relu_2x2', args: ['h', 'x', 'w', 'b'] }, { kernel: 'argmax_rows', args: ['out', 'h'] }],
  };
}

export const DENSE_ARGMAX_TEXT = `program @mlp {
  buffer %x: f32[6] input offset=0
  buffer %w: f32[6] input offset=32
  buffer %b: f32[2] constant offset=64 data=[0.5, -1.0]
  buffer %h: f32[4] temp offset=80
  buffer %out: i32[2] output offset=96
  arena 112
  inputs %x, %w
  outputs %out, %out

  kernel @dense_relu_2x2(%h: f32[4] w, %x: f32[6] r, %w: f32[6] r, %b: f32[2] r) grid(%i: 2) {
    for %j in 0..2 vec=2 {
      %acc = reduce sum(%k: 3) init 0.0 { mul(load %x[%i * 3 + %k], load %w[%k * 2 + %j]) }
      store %h[%i * 2 + %j], max(add(%acc, load %b[%j]), 0.0)
    }
  }

  kernel @argmax_rows(%out: i32[2] w, %h: f32[4] r) grid(%row: 2) {
    store %out[%row], reduce argmax(%c: 2) { load %h[%row * 2 + %c] }
  }

  launch @dense_relu_2x2(%h, %x, %w, %b)
  launch @argmax_rows(%out, %h)
}
`;

// ---------------------------------------------------------------------------------------------
// Random programs.

export interface RandomProgramOptions {
  /** Default 5. */
  readonly maxBuffers?: number;
  /** Largest buffer size (elements). Default 24. */
  readonly maxSize?: number;
  /** Default 3. */
  readonly maxKernels?: number;
  /** Statements per block. Default 4. */
  readonly maxStatements?: number;
  /** Nested for loops. Default 2. */
  readonly maxLoopDepth?: number;
  /** Expression nesting. Default 3. */
  readonly maxExprDepth?: number;
}

const PROGRAM_NAMES = ['mlp', 'p', 'net.v2', 'two words', 'softmax_4096x1024'];
const KERNEL_NAMES = ['k', 'matmul_bias_relu_64x512', 'loop_fusion.1', 'kernel with spaces', 'reduce_0', 'k'];
/** None looks like the generated local names (p0, g1, i2, r3, t4). */
const BUFFER_NAMES = ['x', 'w', 'b', 'out', 'tmp', 'c_0', 'y', 'acc', 'in', 'for'];
const ROLES: readonly BufferRole[] = ['input', 'output', 'constant', 'temp'];
const VEC_WIDTHS = [1, 1, 1, 2, 4, 8, 16];
const FLOAT_UNARY: readonly UnaryOp[] = ['neg', 'abs', 'sign', 'exp', 'log', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf', 'floor', 'ceil', 'round'];
const INT_UNARY: readonly UnaryOp[] = ['neg', 'abs', 'sign'];
const ARITHMETIC: readonly BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'mod'];
const INDEX_OPS: readonly BinaryOp[] = ['add', 'add', 'sub', 'mul', 'mul', 'div', 'mod', 'max', 'min'];
const uniformInt = (min: number, max: number): Arbitrary<number> => fc.noBias(fc.integer({ min, max }));

interface Visible {
  readonly name: string;
  readonly dtype: DType;
  readonly range: Interval;
}

class RandomProgramGenerator {
  private params: KernelParam[] = [];
  private scopes: Visible[][] = [];
  private nextName = 0;

  constructor(private readonly g: GeneratorValue, private readonly o: Required<RandomProgramOptions>) {}

  private int(min: number, max: number): number {
    return this.g(fc.integer, { min, max });
  }

  private oneIn(n: number): boolean {
    return this.int(1, n) === n;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.g(uniformInt, 0, xs.length - 1)];
  }

  private shuffled<T>(xs: readonly T[]): T[] {
    return this.g(fc.shuffledSubarray, [...xs], { minLength: xs.length, maxLength: xs.length });
  }

  private scalar(d: DType): number {
    switch (d) {
      case 'float32': return this.oneIn(2) ? this.int(-8, 8) / 4 : this.g(fc.float);
      case 'int32': return this.oneIn(4) ? this.pick([-0x80000000, 0x7fffffff, -1]) : this.int(-9, 99);
      case 'uint32': return this.oneIn(4) ? 0xffffffff : this.int(0, 99);
      case 'bool': return this.int(0, 1);
    }
  }

  generate(): Program {
    const buffers = this.buffers();
    const kernels: Kernel[] = [];
    const launches: Launch[] = [];
    const kernelNames = new Set<string>();
    for (let i = this.int(0, this.o.maxKernels); i > 0; i--) {
      let name = this.pick(KERNEL_NAMES);
      if (kernelNames.has(name)) name = `${name}_${kernelNames.size}`;
      kernelNames.add(name);
      const bound = this.shuffled(this.g(fc.subarray, buffers, { minLength: 1 }));
      kernels.push(this.kernel(name, bound));
      for (let n = this.int(1, 2); n > 0; n--) launches.push({ kernel: name, args: bound.map((b) => b.name) });
    }
    const inputs = this.shuffled(buffers.filter((b) => b.role === 'input').map((b) => b.name));
    const outputs = buffers.filter((b) => b.role === 'output').map((b) => b.name);
    if (outputs.length && this.oneIn(3)) outputs.push(this.pick(outputs));
    const program: Program = {
      name: this.pick(PROGRAM_NAMES), buffers: this.planOffsets(buffers), kernels, launches: this.shuffled(launches), inputs, outputs,
    };
    return this.oneIn(3) ? program : { ...program, arenaBytes: this.arenaFor(program.buffers) };
  }

  private buffers(): BufferDecl[] {
    const names = this.g(fc.shuffledSubarray, BUFFER_NAMES, { minLength: 1, maxLength: Math.min(this.o.maxBuffers, BUFFER_NAMES.length) });
    return names.map((name) => {
      const dtype = this.pick(DTYPES);
      const size = this.oneIn(8) ? 0 : this.int(1, this.o.maxSize);
      const role = this.pick(ROLES);
      return role === 'constant' ? L.buffer(name, dtype, size, role, { data: Array.from({ length: size }, () => this.scalar(dtype)) }) : L.buffer(name, dtype, size, role);
    });
  }

  /** Either no offsets, or ascending aligned offsets with random gaps. */
  private planOffsets(buffers: BufferDecl[]): BufferDecl[] {
    if (this.oneIn(2)) return buffers;
    let end = 0;
    return buffers.map((b) => {
      const offset = (Math.ceil(end / 16) + this.int(0, 2)) * 16;
      end = offset + b.size * (b.dtype === 'bool' ? 1 : 4);
      return { ...b, offset };
    });
  }

  private arenaFor(buffers: readonly BufferDecl[]): number {
    const end = Math.max(0, ...buffers.map((b) => (b.offset ?? 0) + b.size * (b.dtype === 'bool' ? 1 : 4)));
    return end + this.int(0, 40);
  }

  // ---- kernels ----------------------------------------------------------------------------

  private fresh(prefix: string): string {
    return `${prefix}${this.nextName++}`;
  }

  private kernel(name: string, bound: readonly BufferDecl[]): Kernel {
    this.nextName = 0;
    const used = new Set<string>();
    this.params = bound.map((b) => {
      const pname = !used.has(b.name) && this.oneIn(2) ? b.name : this.fresh('p');
      used.add(pname);
      const access: Access = b.role === 'input' || b.role === 'constant' ? 'r' : this.pick(['r', 'w', 'rw'] as const);
      return L.param(pname, b.dtype, b.size, access);
    });
    this.scopes = [[]];
    const grid = Array.from({ length: this.int(0, 2) }, () => this.indexVar('g', 6));
    const body = this.block(this.o.maxLoopDepth, 1);
    return L.kernel(name, this.params, grid, body);
  }

  private indexVar(prefix: string, maxExtent: number): IndexVar {
    const v = L.ivar(this.fresh(prefix), this.oneIn(10) ? 0 : this.int(1, maxExtent));
    this.scopes.at(-1)!.push({ name: v.name, dtype: 'int32', range: { lo: 0, hi: v.extent - 1 } });
    return v;
  }

  private inScope<T>(body: () => T): T {
    this.scopes.push([]);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  private visible(dtype: DType): Visible[] {
    return this.scopes.flat().filter((v) => v.dtype === dtype);
  }

  private rangeOf = (name: string): Interval | undefined => this.scopes.flat().find((v) => v.name === name)?.range;

  private block(loopDepth: number, minStatements = 0): Stmt[] {
    return this.inScope(() => Array.from({ length: this.int(minStatements, this.o.maxStatements) }, () => this.statement(loopDepth)));
  }

  private statement(loopDepth: number): Stmt {
    const writable = this.params.filter((p) => p.access !== 'r' && p.size > 0);
    const kind = this.pick(['let', 'let', 'store', 'store', 'for']);
    if (kind === 'for' && loopDepth > 0) {
      return this.inScope(() => {
        const v = this.indexVar('i', 5);
        return L.for(v.name, v.extent, this.block(loopDepth - 1, 1), this.pick(VEC_WIDTHS));
      });
    }
    if (kind === 'store' && writable.length) {
      const p = this.pick(writable);
      return L.store(p.name, this.index(p.size, 2), this.expr(p.dtype, this.o.maxExprDepth));
    }
    const value = this.expr(this.pick(DTYPES), this.o.maxExprDepth);
    const name = this.fresh('t');
    const range = value.dtype === 'int32' ? intervalOf(value, this.rangeOf) : { lo: -Infinity, hi: Infinity };
    this.scopes.at(-1)!.push({ name, dtype: value.dtype, range });
    return L.let(name, value);
  }

  /** An i32 index the verifier can prove is in [0, size-1] (size > 0). */
  private index(size: number, depth: number): Expr {
    const e = this.indexExpr(Math.min(2, depth));
    const r = intervalOf(e, this.rangeOf);
    if (r.lo >= 0 && r.hi <= size - 1) return e;
    if (this.oneIn(2)) return L.binary('mod', e, L.i32(size));
    return L.binary('min', L.binary('max', e, L.i32(0)), L.i32(size - 1));
  }

  /** Index-like i32 arithmetic: mostly variables, small constants and + - * / % min max. */
  private indexExpr(depth: number): Expr {
    const vars = this.visible('int32');
    if (depth === 0 || this.oneIn(3)) {
      if (vars.length && !this.oneIn(4)) return L.v(this.pick(vars).name);
      return L.i32(this.int(-3, 12));
    }
    if (this.oneIn(8)) return this.expr('int32', depth - 1);
    return L.binary(this.pick(INDEX_OPS), this.indexExpr(depth - 1), this.indexExpr(depth - 1));
  }

  private expr(dtype: DType, depth: number): Expr {
    const choices: (() => Expr)[] = [() => L.v(this.pick(this.visible(dtype)).name, dtype)];
    if (!this.visible(dtype).length) choices.pop();
    choices.push(() => ({ kind: 'const', dtype, value: this.scalar(dtype) }));
    if (dtype === 'int32') choices.push(() => this.indexExpr(Math.min(depth, 2)));
    const readable = this.params.filter((p) => p.access !== 'w' && p.dtype === dtype);
    if (readable.length) choices.push(() => this.load(this.pick(readable), depth));
    if (depth > 0) {
      const d = depth - 1;
      choices.push(() => L.cast(dtype, this.expr(this.pick(DTYPES), d)));
      choices.push(() => L.select(this.expr('bool', d), this.expr(dtype, d), this.expr(dtype, d)));
      if (dtype === 'bool') {
        choices.push(() => L.unary('not', this.expr('bool', d)));
        choices.push(() => L.binary(this.pick(['and', 'or'] as const), this.expr('bool', d), this.expr('bool', d)));
        choices.push(() => {
          const operand = this.pick(DTYPES);
          return L.binary(this.pick(COMPARE_OPS), this.expr(operand, d), this.expr(operand, d));
        });
      } else {
        choices.push(() => L.unary(this.pick(dtype === 'float32' ? FLOAT_UNARY : INT_UNARY), this.expr(dtype, d)));
        choices.push(() => L.binary(this.pick(ARITHMETIC), this.expr(dtype, d), this.expr(dtype, d)));
        choices.push(() => this.reduce(dtype, d));
      }
    }
    return this.pick(choices)();
  }

  private load(p: KernelParam, depth: number): Expr {
    const d = Math.max(0, depth - 1);
    if (p.size > 0 && !this.oneIn(3)) return L.load(p.name, p.dtype, this.index(p.size, d));
    return L.guarded(p.name, p.dtype, this.indexExpr(Math.min(1, d)), this.expr('bool', d), this.scalar(p.dtype));
  }

  private reduce(dtype: DType, depth: number): Expr {
    const isArg = dtype === 'int32' && this.oneIn(3);
    const op = this.pick(LOOP_REDUCE_OPS.filter((o) => (o === 'argmax' || o === 'argmin') === isArg));
    return this.inScope(() => {
      const vars = Array.from({ length: this.int(1, 2) }, () => this.indexVar('r', 4));
      const bodyType = isArg ? this.pick(DTYPES.filter(isNumeric)) : dtype;
      return L.reduce(op, vars, isArg ? 0 : this.scalar(bodyType), this.expr(bodyType, depth));
    });
  }
}

const DEFAULTS: Required<RandomProgramOptions> = {
  maxBuffers: 5, maxSize: 24, maxKernels: 3, maxStatements: 4, maxLoopDepth: 2, maxExprDepth: 3,
};

function withTextForm(p: Program): Program {
  return Object.defineProperty(p, fc.toStringMethod, { value: () => printProgram(p), enumerable: false });
}

/** Random valid programs; a draw the verifier rejects throws (a bug in this generator). */
export function arbProgram(options: RandomProgramOptions = {}): Arbitrary<Program> {
  const settings = { ...DEFAULTS, ...options };
  return fc.gen().map((g) => withTextForm(verifyProgram(new RandomProgramGenerator(g, settings).generate())));
}
