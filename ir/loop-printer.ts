/**
 * The loop IR text form, printer side; loop-parser.ts documents the grammar and reads it back.
 * Names are printed as stored (`%name`); kernel and program names as `@symbols`.
 */
import { type DType, shortDType } from './dtype.js';
import type { BinaryOp, BufferDecl, Expr, IndexVar, Kernel, KernelParam, Launch, Program, Stmt } from './loop.js';
import { formatNumber, formatSymbolName } from './printer.js';

/** Infix spellings of the i32 arithmetic ops, with their binding strength (higher binds tighter). */
export const INFIX_OPS: Partial<Record<BinaryOp, { readonly symbol: string; readonly precedence: number }>> = {
  add: { symbol: '+', precedence: 1 },
  sub: { symbol: '-', precedence: 1 },
  mul: { symbol: '*', precedence: 2 },
  div: { symbol: '/', precedence: 2 },
  mod: { symbol: '%', precedence: 2 },
};

/** An f32 value that always reads back as f32: `3.0`, `1e+21`, `0.1`, `nan`, `-inf`, `-0.0` (shortest round-tripping form). */
export function formatF32(x: number): string {
  const s = formatNumber(x);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

/** A constant spelled for its dtype: `2.0` (f32), `2` (i32), `2u` (u32), `true` / `false` (bool). */
export function formatConstant(value: number, dtype: DType): string {
  switch (dtype) {
    case 'float32': return formatF32(value);
    case 'bool': return value === 0 ? 'false' : 'true';
    case 'int32': return Number.isInteger(value) ? String(value) : formatNumber(value);
    case 'uint32': return `${Number.isInteger(value) ? String(value) : formatNumber(value)}u`;
  }
}

const formatVar = (v: IndexVar): string => `%${v.name}: ${v.extent}`;
const formatBufferType = (dtype: DType, size: number): string => `${shortDType(dtype)}[${size}]`;

/** i32 add/sub/mul/div/mod print infix; every other binary node as a call. */
function infixOf(e: Expr): { readonly symbol: string; readonly precedence: number } | undefined {
  if (e.kind !== 'binary' || e.dtype !== 'int32' || e.a.dtype !== 'int32' || e.b.dtype !== 'int32') return undefined;
  return INFIX_OPS[e.op];
}

/** An operand of an infix op: parenthesised when it binds looser than `minPrecedence`, or is a guarded load. */
function printOperand(e: Expr, minPrecedence: number): string {
  const infix = infixOf(e);
  const needsParens = (infix !== undefined && infix.precedence < minPrecedence) || (e.kind === 'load' && e.guard !== undefined);
  return needsParens ? `(${printExpr(e)})` : printExpr(e);
}

/** One expression on one line. */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'const': return formatConstant(e.value, e.dtype);
    case 'var': return `%${e.name}`;
    case 'load': {
      const load = `load %${e.buffer}[${printExpr(e.index)}]`;
      return e.guard ? `${load} if ${printExpr(e.guard)} else ${formatConstant(e.other ?? 0, e.dtype)}` : load;
    }
    case 'unary': return `${e.op}(${printExpr(e.x)})`;
    case 'cast': return `cast<${shortDType(e.dtype)}>(${printExpr(e.x)})`;
    case 'binary': {
      const infix = infixOf(e);
      if (!infix) return `${e.op}(${printExpr(e.a)}, ${printExpr(e.b)})`;
      // Left-associative: a right operand of the same precedence keeps its parentheses.
      return `${printOperand(e.a, infix.precedence)} ${infix.symbol} ${printOperand(e.b, infix.precedence + 1)}`;
    }
    case 'select': return `select(${printExpr(e.cond)}, ${printExpr(e.a)}, ${printExpr(e.b)})`;
    case 'reduce': {
      const init = e.op === 'argmax' || e.op === 'argmin' ? '' : ` init ${formatConstant(e.init, e.dtype)}`;
      return `reduce ${e.op}(${e.vars.map(formatVar).join(', ')})${init} { ${printExpr(e.body)} }`;
    }
  }
}

function printBlock(body: readonly Stmt[], indent: string, lines: string[]): void {
  for (const s of body) {
    switch (s.kind) {
      case 'let':
        lines.push(`${indent}%${s.name} = ${printExpr(s.value)}`);
        break;
      case 'store':
        lines.push(`${indent}store %${s.buffer}[${printExpr(s.index)}], ${printExpr(s.value)}`);
        break;
      case 'for': {
        const vec = s.vec === 1 ? '' : ` vec=${s.vec}`;
        lines.push(`${indent}for %${s.var.name} in 0..${s.var.extent}${vec} {`);
        printBlock(s.body, `${indent}  `, lines);
        lines.push(`${indent}}`);
        break;
      }
    }
  }
}

const formatParam = (p: KernelParam): string => `%${p.name}: ${formatBufferType(p.dtype, p.size)} ${p.access}`;

function kernelLines(k: Kernel, indent: string): string[] {
  const grid = k.grid.length ? ` grid(${k.grid.map(formatVar).join(', ')})` : '';
  const lines = [`${indent}kernel ${formatSymbolName(k.name)}(${k.params.map(formatParam).join(', ')})${grid} {`];
  printBlock(k.body, `${indent}  `, lines);
  lines.push(`${indent}}`);
  return lines;
}

/** The text of one kernel, ending in a newline; `parseKernel` reads it back. */
export function printKernel(k: Kernel): string {
  return kernelLines(k, '').join('\n') + '\n';
}

function bufferLine(b: BufferDecl): string {
  let line = `  buffer %${b.name}: ${formatBufferType(b.dtype, b.size)} ${b.role}`;
  if (b.offset !== undefined) line += ` offset=${b.offset}`;
  if (b.data !== undefined) line += ` data=[${b.data.map((x) => formatConstant(x, b.dtype)).join(', ')}]`;
  return line;
}

const nameList = (keyword: string, names: readonly string[]): string =>
  names.length ? `  ${keyword} ${names.map((n) => `%${n}`).join(', ')}` : `  ${keyword}`;

const launchLine = (l: Launch): string => `  launch ${formatSymbolName(l.kernel)}(${l.args.map((a) => `%${a}`).join(', ')})`;

/** The canonical text of `p`, ending in a newline; `parseProgram` reads it back to an equal program. */
export function printProgram(p: Program): string {
  const lines = [`program ${formatSymbolName(p.name)} {`, ...p.buffers.map(bufferLine)];
  if (p.arenaBytes !== undefined) lines.push(`  arena ${p.arenaBytes}`);
  lines.push(nameList('inputs', p.inputs), nameList('outputs', p.outputs));
  for (const k of p.kernels) lines.push('', ...kernelLines(k, '  '));
  if (p.launches.length) lines.push('', ...p.launches.map(launchLine));
  lines.push('}');
  return lines.join('\n') + '\n';
}
