/** The `interp` backend: storage is host typed arrays, execution is the reference interpreter. */
import { type HostTensor, evaluateGraph, evaluateOp, verifyGraph } from '../ir/index.js';
import { type Backend, hostStorage, registerBackend } from './backend.js';

export function createInterpBackend(): Backend {
  const asHost = (s: unknown) => s as HostTensor;
  return {
    name: 'interp',
    ...hostStorage,
    execOp: (op, inputs, attrs, outType) => evaluateOp(op, inputs.map(asHost), attrs, outType),
    compile(graph) {
      verifyGraph(graph);
      return { run: (inputs) => evaluateGraph(graph, inputs.map(asHost)) };
    },
  };
}

registerBackend('interp', createInterpBackend);
