/**
 * Common subexpression elimination: a node with the same op, operands, attributes and declared
 * result type as an earlier node is dropped and its uses read the earlier result. Operands of
 * commutative ops match in either order. Fusion nodes are kept as they are.
 */
import { FUSION_OP, type Graph, type Node, type Value, formatAttrValue, formatType } from '../../ir/index.js';
import type { Pass } from '../pass.js';
import { COMMUTATIVE_OPS } from './canonicalize.js';

/**
 * A string equal for exactly the nodes that compute the same thing. Attributes print with the
 * IR's own number format, so NaN matches NaN and -0 differs from +0.
 */
function nodeKey(node: Node, id: (v: Value) => number): string {
  const operands = node.inputs.map(id);
  if (COMMUTATIVE_OPS.has(node.op)) operands.sort((a, b) => a - b);
  const attrs = Object.keys(node.attrs).sort().map((k) => `${k}=${formatAttrValue(node.attrs[k])}`);
  return `${node.op}(${operands.join(',')}){${attrs.join(',')}}:${node.outputs.map((v) => formatType(v.type)).join(',')}`;
}

export const cse: Pass<Graph> = {
  name: 'cse',
  level: 'graph',
  run(g) {
    const ids = new Map<Value, number>();
    const id = (v: Value): number => {
      let n = ids.get(v);
      if (n === undefined) ids.set(v, (n = ids.size));
      return n;
    };
    const replaced = new Map<Value, Value>();
    const use = (v: Value): Value => replaced.get(v) ?? v;
    const seen = new Map<string, Node>();
    const nodes: Node[] = [];
    for (const original of g.nodes) {
      const node = original.inputs.some((v) => replaced.has(v)) ? { ...original, inputs: original.inputs.map(use) } : original;
      if (node.op !== FUSION_OP) {
        const key = nodeKey(node, id);
        const earlier = seen.get(key);
        if (earlier) {
          node.outputs.forEach((v, i) => replaced.set(v, earlier.outputs[i]));
          continue;
        }
        seen.set(key, node);
      }
      nodes.push(node);
    }
    if (replaced.size === 0) return { ir: g, changed: false };
    return { ir: { ...g, nodes, results: g.results.map(use) }, changed: true };
  },
};
