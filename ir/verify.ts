/** The graph verifier: SSA well-formedness plus every node's type rule. */
import type { Graph, Value } from './graph.js';
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
