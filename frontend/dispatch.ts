/**
 * `bind`: the single place every op goes through. Inside a jit trace it records a graph node;
 * outside it runs the op now on the current backend (eager mode).
 */
import { type Attrs, KilnError, type TensorType } from '../ir/index.js';
import { type Backend, type Storage, backendInstance } from './backend.js';
import { Tensor } from './tensor.js';
import { activeTrace, leakedTracerError, resultType } from './trace.js';

export function bind(op: string, inputs: readonly Tensor[], attrs: Attrs = {}, declared?: TensorType): Tensor {
  const trace = activeTrace();
  if (trace) return trace.emit(op, inputs, attrs, declared);
  const outType = resultType(op, inputs, attrs, declared);
  const backend = backendInstance();
  const storages = inputs.map((t) => {
    if (t.tracedValue()) throw leakedTracerError(t);
    return storageOn(backend, t, op);
  });
  return Tensor.fromStorage(backend, backend.execOp(op, storages, attrs, outType));
}

/** `t`'s storage on `backend`; a tensor made on another backend is copied over through the host. */
export function storageOn(backend: Backend, t: Tensor, what: string): Storage {
  const c = t.concrete(what);
  if (c.backend === backend) return c.storage;
  if (!c.backend.readSync) {
    throw new KilnError(`${what}: a tensor lives on backend '${c.backend.name}', which cannot be read synchronously; read it with await t.data() and re-create it on '${backend.name}'`);
  }
  return backend.upload(t.type, c.backend.readSync(c.storage));
}
