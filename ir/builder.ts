/** Builds graphs op by op, inferring and checking each result type as it goes. */
import { type Attrs, type Graph, type Node, Value } from './graph.js';
import { inferResultType } from './ops/index.js';
import type { TensorType } from './types.js';

export class GraphBuilder {
  private readonly params: Value[] = [];
  private readonly nodes: Node[] = [];

  constructor(readonly name: string) {}

  param(type: TensorType, name?: string): Value {
    const v = new Value(type, name);
    this.params.push(v);
    return v;
  }

  /** Appends `op` and returns its result; throws an OpError for bad operands or attributes. */
  op(op: string, inputs: readonly Value[], attrs: Attrs = {}, declared?: TensorType): Value {
    const type = inferResultType(op, inputs.map((v) => v.type), attrs, declared);
    const out = new Value(type);
    this.nodes.push({ op, inputs: [...inputs], attrs: { ...attrs }, outputs: [out] });
    return out;
  }

  build(results: readonly Value[]): Graph {
    return { name: this.name, params: [...this.params], nodes: [...this.nodes], results: [...results] };
  }
}
