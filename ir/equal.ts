/** Structural equality of graphs: same ops, attributes, types, wiring and fusion bodies; value names and remarks are ignored. */
import type { AttrValue, Attrs, Graph, Value } from './graph.js';
import { typesEqual } from './types.js';

function attrValueEqual(a: AttrValue, b: AttrValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => attrValueEqual(x as AttrValue, b[i] as AttrValue));
  }
  return Object.is(a, b);
}

export function attrsEqual(a: Attrs, b: Attrs): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b && attrValueEqual(a[k], b[k]));
}

/** Returns undefined when equal, else a short description of the first difference. */
export function graphDiff(a: Graph, b: Graph): string | undefined {
  if (a.name !== b.name) return `names differ: @${a.name} vs @${b.name}`;
  if (a.params.length !== b.params.length) return `param counts differ: ${a.params.length} vs ${b.params.length}`;
  if (a.nodes.length !== b.nodes.length) return `node counts differ: ${a.nodes.length} vs ${b.nodes.length}`;
  const map = new Map<Value, Value>();
  for (let i = 0; i < a.params.length; i++) {
    if (!typesEqual(a.params[i].type, b.params[i].type)) return `param ${i} types differ`;
    map.set(a.params[i], b.params[i]);
  }
  for (let i = 0; i < a.nodes.length; i++) {
    const na = a.nodes[i];
    const nb = b.nodes[i];
    if (na.op !== nb.op) return `node ${i}: op ${na.op} vs ${nb.op}`;
    if (!attrsEqual(na.attrs, nb.attrs)) return `node ${i} (${na.op}): attributes ${JSON.stringify(na.attrs)} vs ${JSON.stringify(nb.attrs)}`;
    if (na.inputs.length !== nb.inputs.length || na.inputs.some((v, j) => map.get(v) !== nb.inputs[j])) return `node ${i} (${na.op}): operands differ`;
    if (na.outputs.length !== nb.outputs.length) return `node ${i} (${na.op}): result counts differ`;
    if (!!na.body !== !!nb.body) return `node ${i} (${na.op}): only one has a body`;
    if (na.body && nb.body) {
      const inner = graphDiff(na.body, nb.body);
      if (inner) return `node ${i} (${na.op}) body: ${inner}`;
    }
    for (let j = 0; j < na.outputs.length; j++) {
      if (!typesEqual(na.outputs[j].type, nb.outputs[j].type)) return `node ${i} (${na.op}): result types differ`;
      map.set(na.outputs[j], nb.outputs[j]);
    }
  }
  if (a.results.length !== b.results.length || a.results.some((v, i) => map.get(v) !== b.results[i])) return 'results differ';
  return undefined;
}

export function graphsEqual(a: Graph, b: Graph): boolean {
  return graphDiff(a, b) === undefined;
}
