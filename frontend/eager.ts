/**
 * Eager ops on compiling backends: each op signature (op, attributes, operand and result types)
 * is compiled once as a one-op graph and kept in a least-recently-used cache.
 */
import { type Attrs, type Graph, GraphBuilder, type TensorType, formatType } from '../ir/index.js';
import type { Executable, Storage } from './backend.js';

/** Compiled eager programs kept per backend; the least recently used ones go beyond this. */
export const EAGER_CACHE_LIMIT = 1024;

function opGraph(op: string, inputs: readonly TensorType[], attrs: Attrs, outType: TensorType): Graph {
  const b = new GraphBuilder(op);
  const params = inputs.map((t, k) => b.param(t, `x${k}`));
  return b.build([b.op(op, params, attrs, outType)]);
}

/** Runs `op` through a cached executable made by `compile` (called on a miss with the one-op graph). */
export function eagerRunner(compile: (graph: Graph) => Executable) {
  const cache = new Map<string, Executable>();
  return (op: string, inputs: readonly Storage[], attrs: Attrs, outType: TensorType): Storage => {
    const key = `${op}|${JSON.stringify(attrs)}|${inputs.map((s) => formatType(s.type)).join(',')}|${formatType(outType)}`;
    let exe = cache.get(key);
    if (exe) {
      cache.delete(key); // re-insert: Map order is recency
    } else {
      exe = compile(opGraph(op, inputs.map((s) => s.type), attrs, outType));
      if (cache.size >= EAGER_CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    }
    cache.set(key, exe);
    return exe.run(inputs)[0];
  };
}
