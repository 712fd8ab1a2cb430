/**
 * `bind`: the single place every op goes through. Inside a jit trace it records a graph node;
 * outside it runs the op now on the current backend (eager mode).
 */
import type { Attrs, TensorType } from '../ir/index.js';
import { backendInstance } from './backend.js';
import { Tensor } from './tensor.js';
import { activeTrace, leakedTracerError, resultType } from './trace.js';

export function bind(op: string, inputs: readonly Tensor[], attrs: Attrs = {}, declared?: TensorType): Tensor {
  const trace = activeTrace();
  if (trace) return trace.emit(op, inputs, attrs, declared);
  const outType = resultType(op, inputs, attrs, declared);
  const backend = backendInstance();
  const storages = inputs.map((t) => {
    if (t.tracedValue()) throw leakedTracerError(t);
    const c = t.concrete(op);
    if (c.backend === backend) return c.storage;
    // A tensor made on another backend: copy it over through the host.
    if (!c.backend.readSync) throw new Error(`${op}: tensor lives on backend '${c.backend.name}'; read it with await t.data() and re-create it`);
    return backend.upload(t.type, c.backend.readSync(c.storage));
  });
  return Tensor.fromStorage(backend, backend.execOp(op, storages, attrs, outType));
}
