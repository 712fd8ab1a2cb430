/**
 * Building a Graph from the syntax tree of parser.ts: names, dtypes, attribute values, op
 * types, fusion bodies and remarks, each checked at the token it is about (a ParseError at
 * `line:column` of the whole text, inside fusion bodies too).
 */
import type { IToken } from 'chevrotain';
import { OpError } from './errors.js';
import { type AttrValue, FUSION_KINDS, FUSION_OP, type Graph, type Node, Value } from './graph.js';
import { NegInf, NumberLiteral, StringLiteral, remarkText } from './lexer.js';
import { allOps, getOp, hasOp, inferResultType } from './ops/index.js';
import { countAt, dtypeAt, errorAt, unknownOpMessage, where } from './parse-support.js';
import type { AttrSyntax, AttrValueSyntax, GraphSyntax, StatementSyntax, TypeSyntax } from './parser.js';
import { type TensorType, formatType, typesEqual } from './types.js';
import { VerifyError, verifyGraph } from './verify.js';

const VALUE_NAME = /^%(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+)$/;

function resolveType(t: TypeSyntax): TensorType {
  const dtype = dtypeAt(t.dtype);
  return { dtype, shape: t.dims.map((tok) => countAt(tok, 'a dimension size')) };
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

/** Every op name a statement may use: the registry's and `fusion`. */
const knownOps = (): string[] => [...allOps().map((d) => d.name), FUSION_OP];

/**
 * Remark texts per graph: each REMARK goes to the innermost body whose text (from `graph` to
 * its `}`) holds it; the rest, wherever they stand, to the top graph.
 */
function remarksByGraph(top: GraphSyntax, remarks: readonly IToken[]): Map<GraphSyntax, string[]> {
  const byGraph = new Map<GraphSyntax, string[]>();
  const assign = (g: GraphSyntax, mine: readonly IToken[]): void => {
    const bodies = g.statements.flatMap((s) => (s.body ? [s.body] : []));
    const inBody = new Map<GraphSyntax, IToken[]>(bodies.map((b) => [b, []]));
    const own: string[] = [];
    for (const r of mine) {
      const body = bodies.find((b) => b.keyword.startOffset < r.startOffset && r.startOffset < b.close.startOffset);
      if (body) inBody.get(body)!.push(r);
      else own.push(remarkText(r));
    }
    byGraph.set(g, own);
    for (const [body, rs] of inBody) assign(body, rs);
  };
  assign(top, remarks);
  return byGraph;
}

/** A value name in scope and where it was defined. */
interface Binding { readonly value: Value; readonly token: IToken }

/** Builds one graph; a fusion body gets a builder of its own (a scope of its own) whose `enclosing` is this one. */
class GraphBuilderFromText {
  private readonly scope = new Map<string, Binding>();
  private readonly nodeTokens: IToken[] = [];

  constructor(
    private readonly remarks: ReadonlyMap<GraphSyntax, readonly string[]>,
    private readonly enclosing?: GraphBuilderFromText,
  ) {}

  /** `checkParams` runs once the params are read, before any statement: fusions check their operands there. */
  build(syntax: GraphSyntax, checkParams?: (params: readonly Value[]) => void): Graph {
    const nameToken = syntax.name;
    const name = nameToken.image.startsWith('@"') ? decodeString(nameToken, nameToken.image.slice(1)) : nameToken.image.slice(1);
    const params = syntax.params.map((p) => {
      this.checkNewName(p.name);
      return this.define(p.name, new Value(resolveType(p.type), p.name.image.slice(1)));
    });
    checkParams?.(params);
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
    const remarks = this.remarks.get(syntax) ?? [];
    const graph: Graph = remarks.length ? { name, params, nodes, results, remarks: [...remarks] } : { name, params, nodes, results };
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
    const op = s.op.image;
    const isFusion = op === FUSION_OP;
    if (!isFusion && !hasOp(op)) throw errorAt(s.op, unknownOpMessage(op, knownOps(), 'known ops'));
    if (isFusion && this.enclosing) throw errorAt(s.op, 'fusion bodies cannot nest fusions');
    const inputs = s.operands.map((t) => this.use(t));
    const attrs = this.attributes(op, isFusion ? ['kind'] : getOp(op).attrs, s.attrs);
    if (isFusion) checkFusionKind(s, attrs);
    const types = s.types.map(resolveType);
    if (!isFusion && s.results.length !== 1) throw errorAt(s.op, `${op} has 1 result, but ${s.results.length} are named`);
    if (types.length !== s.results.length) {
      throw errorAt(s.types[s.results.length]?.dtype ?? s.colon, `${s.results.length} result(s) are named but ${types.length} type(s) are declared`);
    }
    if (isFusion) return this.fusion(s, inputs, attrs, types);
    if (s.body) throw errorAt(s.body.keyword, `${op} takes no body graph; only fusion nodes have one`);
    let inferred: TensorType;
    try {
      inferred = inferResultType(op, inputs.map((v) => v.type), attrs, types[0]);
    } catch (e) {
      if (e instanceof OpError) throw errorAt(s.op, e.message);
      throw e;
    }
    if (!typesEqual(inferred, types[0])) {
      throw errorAt(s.types[0].dtype, `${op}: result is declared ${formatType(types[0])} but the op gives ${formatType(inferred)}`);
    }
    this.nodeTokens.push(s.op);
    const outputs = s.results.map((t, i) => this.define(t, new Value(types[i])));
    return { op, inputs, attrs, outputs };
  }

  /** The body is built in a scope of its own, then typed against the operands and declared results. */
  private fusion(s: StatementSyntax, inputs: readonly Value[], attrs: Record<string, AttrValue>, types: readonly TensorType[]): Node {
    const syntax = s.body;
    if (!syntax) throw errorAt(s.op, 'fusion needs a body: a graph after its result types (`: t graph @kernel(%p0: t) -> (t) { ... }`)');
    const kernel = syntax.name.image;
    const body = new GraphBuilderFromText(this.remarks, this).build(syntax, (params) => {
      if (params.length !== inputs.length) {
        throw errorAt(syntax.name, `fusion has ${inputs.length} operand(s) but its body ${kernel} takes ${params.length} parameter(s)`);
      }
      params.forEach((p, i) => {
        if (!typesEqual(p.type, inputs[i].type)) {
          const param = syntax.params[i];
          throw errorAt(param.name, `fusion: body parameter ${param.name.image} is ${formatType(p.type)} but operand ${i} (${s.operands[i].image}) is ${formatType(inputs[i].type)}`);
        }
      });
    });
    if (body.results.length !== types.length) {
      throw errorAt(syntax.name, `fusion declares ${types.length} result(s) but its body ${kernel} returns ${body.results.length}`);
    }
    types.forEach((t, i) => {
      if (!typesEqual(t, body.results[i].type)) {
        throw errorAt(s.types[i].dtype, `fusion: result ${i} is declared ${formatType(t)} but the body gives ${formatType(body.results[i].type)}`);
      }
    });
    this.nodeTokens.push(s.op);
    const outputs = s.results.map((t, i) => this.define(t, new Value(types[i])));
    return { op: FUSION_OP, inputs, attrs, outputs, body };
  }

  private attributes(op: string, allowed: readonly string[], syntax: readonly AttrSyntax[]): Record<string, AttrValue> {
    const attrs: Record<string, AttrValue> = {};
    for (const { key, value } of syntax) {
      if (key.image in attrs) throw errorAt(key, `attribute '${key.image}' is given twice`);
      if (!allowed.includes(key.image)) {
        throw errorAt(key, `${op}: unknown attribute '${key.image}' (attributes: ${allowed.join(', ') || 'none'})`);
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
    if (entry) return entry.value;
    const outer = this.enclosing?.lookup(token.image);
    if (outer) {
      throw errorAt(token, `${token.image} is not defined in this fusion body (it is defined outside, at ${where(outer.token)}; a body sees only its own parameters and values)`);
    }
    throw errorAt(token, `${token.image} is not defined (values must be defined before they are used)`);
  }

  private lookup(name: string): Binding | undefined {
    return this.scope.get(name) ?? this.enclosing?.lookup(name);
  }
}

/** A fusion's `kind` must be given and be one of FUSION_KINDS. */
function checkFusionKind(s: StatementSyntax, attrs: Record<string, AttrValue>): void {
  const kind = s.attrs.find((a) => a.key.image === 'kind');
  if (!kind) throw errorAt(s.op, `fusion: missing attribute 'kind' (${FUSION_KINDS.join(', ')})`);
  const value = attrs.kind;
  if (typeof value !== 'string' || !(FUSION_KINDS as readonly string[]).includes(value)) {
    const token = 'token' in kind.value ? kind.value.token : kind.value.open;
    throw errorAt(token, `fusion: attribute 'kind' must be one of ${FUSION_KINDS.join(', ')}, got ${JSON.stringify(value)}`);
  }
}

/** Builds and verifies the graph of `syntax`, giving each graph in it the remarks it holds. */
export function buildGraph(syntax: GraphSyntax, remarks: readonly IToken[]): Graph {
  return new GraphBuilderFromText(remarksByGraph(syntax, remarks)).build(syntax);
}
