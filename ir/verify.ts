/** The graph verifier: SSA well-formedness plus every node's type rule. */
import { FUSION_KINDS, FUSION_OP, type Graph, type Node, type Value } from './graph.js';
import { KilnError, OpError } from './errors.js';
import { inferResultType } from './ops/index.js';
import { formatType, typesEqual } from './types.js';

export class VerifyError extends KilnError {
  override name = 'VerifyError';
}

/** Throws a VerifyError naming the graph, the node and the problem; returns the graph when it is well-formed. */
export function verifyGraph(g: Graph): Graph {
  const defined = new Set<Value>();
  const fail = (where: string, msg: string): never => {
    throw new VerifyError(`@${g.name}: ${where}: ${msg}`);
  };
  g.params.forEach((p, i) => {
    if (defined.has(p)) fail(`param ${i}`, 'the same value is a parameter twice');
    defined.add(p);
  });
  g.nodes.forEach((node, i) => {
    const where = `node ${i} (${node.op})`;
    node.inputs.forEach((v, j) => {
      if (!defined.has(v)) fail(where, `operand ${j} is used before it is defined (or belongs to another graph)`);
    });
    if (node.op === FUSION_OP) {
      verifyFusion(node, (msg) => fail(where, msg));
      for (const out of node.outputs) {
        if (defined.has(out)) fail(where, 'its result value is defined twice');
        defined.add(out);
      }
      return;
    }
    if (node.body) fail(where, 'only fusion nodes have a body');
    if (node.outputs.length !== 1) fail(where, `has ${node.outputs.length} results; graph ops have exactly 1`);
    let expected;
    try {
      expected = inferResultType(node.op, node.inputs.map((v) => v.type), node.attrs, node.outputs[0].type);
    } catch (e) {
      if (e instanceof OpError) fail(where, e.message);
      throw e;
    }
    const out = node.outputs[0];
    if (!typesEqual(expected!, out.type)) fail(where, `result is declared ${formatType(out.type)} but the op gives ${formatType(expected!)}`);
    if (defined.has(out)) fail(where, 'its result value is defined twice');
    defined.add(out);
  });
  g.results.forEach((v, i) => {
    if (!defined.has(v)) fail(`result ${i}`, 'is not defined in the graph');
  });
  return g;
}

/** A fusion node's body must be a valid graph typed exactly like the node's operands and results. */
function verifyFusion(node: Node, fail: (msg: string) => never): void {
  const body = node.body;
  if (!body) fail('a fusion node needs a body graph');
  if (node.outputs.length === 0) fail('a fusion node needs at least one result');
  const kind = node.attrs.kind;
  if (typeof kind !== 'string' || !(FUSION_KINDS as readonly string[]).includes(kind)) fail(`attribute 'kind' must be one of ${FUSION_KINDS.join('|')}, got ${JSON.stringify(kind)}`);
  if (Object.keys(node.attrs).some((k) => k !== 'kind')) fail(`unknown attribute(s) ${Object.keys(node.attrs).filter((k) => k !== 'kind').join(', ')} (attributes: kind)`);
  try {
    verifyGraph(body!);
  } catch (e) {
    if (e instanceof VerifyError) fail(`in its body: ${e.message}`);
    throw e;
  }
  if (body!.nodes.some((n) => n.op === FUSION_OP)) fail('fusion bodies cannot nest fusions');
  const sameTypes = (a: readonly Value[], b: readonly Value[]) => a.length === b.length && a.every((v, i) => typesEqual(v.type, b[i].type));
  if (!sameTypes(node.inputs, body!.params)) {
    fail(`operands (${node.inputs.map((v) => formatType(v.type)).join(', ')}) do not match the body params (${body!.params.map((v) => formatType(v.type)).join(', ')})`);
  }
  if (!sameTypes(node.outputs, body!.results)) {
    fail(`results (${node.outputs.map((v) => formatType(v.type)).join(', ')}) do not match the body results (${body!.results.map((v) => formatType(v.type)).join(', ')})`);
  }
}
