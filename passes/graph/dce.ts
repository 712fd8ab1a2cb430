/**
 * Dead code elimination: removes nodes none of whose results is used by a live node or returned.
 * Parameters always stay (they are the graph's signature). Fusion bodies are left alone.
 */
import type { Graph, Value } from '../../ir/index.js';
import type { Pass } from '../pass.js';

export const dce: Pass<Graph> = {
  name: 'dce',
  level: 'graph',
  run(g) {
    const live = new Set<Value>(g.results);
    const keep = new Array<boolean>(g.nodes.length).fill(false);
    for (let i = g.nodes.length - 1; i >= 0; i--) {
      const node = g.nodes[i];
      if (!node.outputs.some((v) => live.has(v))) continue;
      keep[i] = true;
      for (const v of node.inputs) live.add(v);
    }
    if (keep.every(Boolean)) return { ir: g, changed: false };
    return { ir: { ...g, nodes: g.nodes.filter((_, i) => keep[i]) }, changed: true };
  },
};
