/** The `interp` backend: storage is host typed arrays, execution is the reference interpreter. */
import { type HostTensor, evaluateGraph, evaluateOp, verifyGraph } from '../ir/index.js';
import { type Backend, registerBackend } from './backend.js';

export function createInterpBackend(): Backend {
  const asHost = (s: unknown) => s as HostTensor;
  return {
    name: 'interp',
    upload: (type, data) => ({ type, data: data.slice() }) as HostTensor,
    read: async (s) => asHost(s).data.slice(),
    readSync: (s) => asHost(s).data.slice(),
    execOp: (op, inputs, attrs, outType) => evaluateOp(op, inputs.map(asHost), attrs, outType),
    compile(graph) {
      verifyGraph(graph);
      return { run: (inputs) => evaluateGraph(graph, inputs.map(asHost)) };
    },
    release() {
      // Host arrays are garbage collected.
    },
  };
}

registerBackend('interp', createInterpBackend);
