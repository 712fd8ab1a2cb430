/**
 * The graph IR text form, printer side; parser.ts documents the grammar and reads it back.
 * Values carry no names (JAX style): the printer numbers node results `%0, %1, ...` and names
 * parameters by their hint when it is usable, else `%argN` (`%pN` in fusion bodies). Remarks
 * print as `// remark: ...` lines right after a graph's `{`.
 */
import type { AttrValue, Graph, Node, Value } from './graph.js';
import { getOp, hasOp } from './ops/index.js';
import { formatType } from './types.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SYMBOL = /^[A-Za-z_][A-Za-z0-9_$.]*$/;
/** Words that do not read back as a bare string attribute: literals and keywords. */
const RESERVED_WORDS = new Set(['true', 'false', 'nan', 'inf', 'graph', 'return']);
/** Printed in place of an operand that no parameter or earlier node defines (an invalid graph). */
const UNDEFINED_VALUE = '<<undefined value>>';

/**
 * Integers plainly, other finite numbers in the shortest form that reads back to the same
 * double (so float32 values stored in f64 round-trip exactly), `-0` as `-0.0`, NaN as `nan`,
 * infinities as `inf` / `-inf`.
 */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0.0';
  return String(x);
}

/** Lists print without spaces (`[[1],[0]]`), like shapes; strings bare when they read back as such. */
export function formatAttrValue(v: AttrValue): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return IDENTIFIER.test(v) && !RESERVED_WORDS.has(v) ? v : JSON.stringify(v);
  return `[${v.map((x) => formatAttrValue(x)).join(',')}]`;
}

/** `@name`, or `@"..."` (a JSON string) when the name is not a bare symbol: graph and kernel names. */
export function formatSymbolName(name: string): string {
  return `@${SYMBOL.test(name) ? name : JSON.stringify(name)}`;
}

/**
 * Parameter names without the `%`: the hint when it is an identifier no other parameter also
 * carries, else `<fallback>N` (N = position), made unique against the hints in use.
 */
function paramNames(params: readonly Value[], fallback: string): string[] {
  const hintCounts = new Map<string, number>();
  for (const p of params) if (p.name !== undefined) hintCounts.set(p.name, (hintCounts.get(p.name) ?? 0) + 1);
  const usable = (hint: string | undefined): hint is string =>
    hint !== undefined && IDENTIFIER.test(hint) && hintCounts.get(hint) === 1;
  const taken = new Set(params.map((p) => p.name).filter(usable));
  return params.map((p, i) => {
    if (usable(p.name)) return p.name;
    let name = `${fallback}${i}`;
    for (let k = 1; taken.has(name); k++) name = `${fallback}${i}_${k}`;
    taken.add(name);
    return name;
  });
}

/** Attributes in the op's declared order, then any others (fusion's `kind`, or invalid ones) as stored. */
function formatAttrs(node: Node): string {
  const order = hasOp(node.op) ? getOp(node.op).attrs : [];
  const keys = [...order.filter((k) => k in node.attrs), ...Object.keys(node.attrs).filter((k) => !order.includes(k))];
  return keys.map((k) => `${k}=${formatAttrValue(node.attrs[k])}`).join(', ');
}

/** A remark as one comment line: line breaks inside it become spaces. */
export function formatRemark(text: string): string {
  return `// remark: ${text.replace(/\r\n|\r|\n/g, ' ')}`;
}

/**
 * The lines of `g`: the header unindented (it may follow a statement), everything inside the
 * braces indented by `indent` plus two spaces, and the closing brace by `indent`. Values are
 * numbered per graph, so a fusion body has its own `%0, %1, ...`; its parameters fall back to
 * `%pN`, the top graph's to `%argN`.
 */
function graphLines(g: Graph, indent: string, paramFallback: string): string[] {
  const inner = `${indent}  `;
  const names = new Map<Value, string>();
  const nameOf = (v: Value): string => names.get(v) ?? UNDEFINED_VALUE;

  const params = paramNames(g.params, paramFallback).map((name, i) => {
    names.set(g.params[i], `%${name}`);
    return `%${name}: ${formatType(g.params[i].type)}`;
  });
  const resultTypes = g.results.map((v) => formatType(v.type)).join(', ');
  const lines = [`graph ${formatSymbolName(g.name)}(${params.join(', ')}) -> (${resultTypes}) {`];
  for (const remark of g.remarks ?? []) lines.push(`${inner}${formatRemark(remark)}`);

  let nextNumber = 0;
  for (const node of g.nodes) {
    const operands = node.inputs.map(nameOf).join(', ');
    for (const out of node.outputs) names.set(out, `%${nextNumber++}`);
    const attrs = formatAttrs(node);
    const types = node.outputs.map((v) => formatType(v.type)).join(', ');
    let line = `${inner}${node.outputs.map(nameOf).join(', ')} = ${node.op}`;
    if (operands) line += ` ${operands}`;
    if (attrs) line += ` {${attrs}}`;
    line += ` : ${types}`;
    if (!node.body) {
      lines.push(line);
      continue;
    }
    const [header, ...rest] = graphLines(node.body, inner, 'p');
    lines.push(`${line} ${header}`, ...rest);
  }
  lines.push(g.results.length ? `${inner}return ${g.results.map(nameOf).join(', ')}` : `${inner}return`);
  lines.push(`${indent}}`);
  return lines;
}

/**
 * The canonical text of `g`, ending in a newline; `parseGraph` reads it back to an equal graph
 * (remarks included). A fusion node's body follows its result types as a nested graph.
 */
export function printGraph(g: Graph): string {
  return graphLines(g, '', 'arg').join('\n') + '\n';
}
