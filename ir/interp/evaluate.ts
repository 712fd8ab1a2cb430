/** The reference interpreter's entry points: evaluate one op, or a whole graph node by node. */
import type { Attrs, Graph, Value } from '../graph.js';
import { KilnError, OpError } from '../errors.js';
import { inferResultType } from '../ops/index.js';
import { type TensorType, formatType, tensorType, typesEqual } from '../types.js';
import { type HostTensor, storageProblem } from './host-tensor.js';
import { OP_IMPLS } from './table.js';

/**
 * Evaluates one op on host tensors. Operands and attributes are checked by the op's type rule
 * first (so a bad call throws that rule's OpError), and `outType` must be the type the rule gives.
 * The result owns fresh storage.
 */
export function evaluateOp(op: string, inputs: readonly HostTensor[], attrs: Attrs, outType: TensorType): HostTensor {
  inputs.forEach((t, i) => {
    const problem = storageProblem(t.type, t.data);
    if (problem) throw new OpError(op, `operand ${i}: ${problem}`);
  });
  const inferred = inferResultType(op, inputs.map((t) => t.type), attrs, outType);
  if (!typesEqual(inferred, outType)) {
    throw new OpError(op, `result type ${formatType(outType)} was asked for, but the operands give ${formatType(inferred)}`);
  }
  const impl = OP_IMPLS[op];
  if (!impl) throw new OpError(op, 'has no reference implementation in the interpreter');
  return { type: tensorType(outType.dtype, outType.shape), data: impl(inputs, attrs, outType) };
}

/**
 * Runs `g` on `inputs` (one per parameter, with exactly the parameter's type) and returns one
 * tensor per graph result. Results never share storage with the inputs.
 */
export function evaluateGraph(g: Graph, inputs: readonly HostTensor[]): HostTensor[] {
  if (inputs.length !== g.params.length) {
    throw new KilnError(`@${g.name}: expected ${g.params.length} input(s) (${g.params.map((p) => formatType(p.type)).join(', ')}), got ${inputs.length}`);
  }
  const values = new Map<Value, HostTensor>();
  g.params.forEach((param, i) => {
    const input = inputs[i];
    const label = `@${g.name}: input ${i}${param.name ? ` (%${param.name})` : ''}`;
    if (!typesEqual(input.type, param.type)) {
      throw new KilnError(`${label} has type ${formatType(input.type)} but parameter ${i} is ${formatType(param.type)}`);
    }
    const problem = storageProblem(input.type, input.data);
    if (problem) throw new KilnError(`${label}: ${problem}`);
    values.set(param, input);
  });
  const read = (v: Value, where: string): HostTensor => {
    const t = values.get(v);
    if (!t) throw new KilnError(`@${g.name}: ${where} is used before it is defined (or belongs to another graph)`);
    return t;
  };
  g.nodes.forEach((node, i) => {
    const operands = node.inputs.map((v, j) => read(v, `node ${i} (${node.op}) operand ${j}`));
    if (node.body) {
      // A fusion node computes exactly what its body graph computes.
      evaluateGraph(node.body, operands).forEach((t, k) => values.set(node.outputs[k], t));
      return;
    }
    values.set(node.outputs[0], evaluateOp(node.op, operands, node.attrs, node.outputs[0].type));
  });
  // Op results are fresh arrays; copy only what would otherwise alias an input or another result.
  const taken = new Set(inputs.map((t) => t.data));
  return g.results.map((v, i) => {
    const t = read(v, `result ${i}`);
    const data = taken.has(t.data) ? t.data.slice() : t.data;
    taken.add(data);
    return { type: t.type, data };
  });
}
