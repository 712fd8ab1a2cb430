/**
 * Tracing: while `jit` runs the user's function, every op on a traced tensor appends a node to
 * the graph being built instead of running. Concrete tensors the function closes over are
 * captured: small ones inline as `const` nodes, larger ones become extra graph parameters.
 */
import { type Attrs, GraphBuilder, KilnError, type TensorType, type Value, formatType, inferResultType } from '../ir/index.js';
import { Tensor } from './tensor.js';

/** Captured tensors up to this many elements are inlined as `const` literals. */
export const INLINE_CONST_LIMIT = 16;

export class Trace {
  readonly builder: GraphBuilder;
  /** Concrete tensors captured as parameters, in parameter order after the user's inputs. */
  readonly capturedTensors: Tensor[] = [];
  private readonly captured = new Map<Tensor, Value>();
  private finished = false;

  constructor(name: string) {
    this.builder = new GraphBuilder(name);
  }

  input(type: TensorType, name?: string): Tensor {
    return Tensor.traced(this, this.builder.param(type, name));
  }

  /** The graph value standing for `t` in this trace. */
  valueOf(t: Tensor): Value {
    const traced = t.tracedValue();
    if (traced) {
      if (traced.trace !== this) throw leakedTracerError(t);
      return traced.value;
    }
    let v = this.captured.get(t);
    if (!v) {
      const { backend, storage } = t.concrete('jit capture');
      const small = t.size <= INLINE_CONST_LIMIT ? t.smallHostData ?? backend.readSync?.(storage) : undefined;
      if (small) {
        v = this.builder.op('const', [], { value: Array.from(small) }, t.type);
      } else {
        v = this.builder.param(t.type, `c${this.capturedTensors.length}`);
        this.capturedTensors.push(t);
      }
      this.captured.set(t, v);
    }
    return v;
  }

  emit(op: string, inputs: readonly Tensor[], attrs: Attrs, declared?: TensorType): Tensor {
    if (this.finished) throw new KilnError(`${op}: the jit trace this tensor belongs to has finished`);
    return Tensor.traced(this, this.builder.op(op, inputs.map((t) => this.valueOf(t)), attrs, declared));
  }

  finish(): void {
    this.finished = true;
  }
}

export function leakedTracerError(t: Tensor): KilnError {
  return new KilnError(
    `a traced tensor (${formatType(t.type)}) escaped its jit trace (stored in a variable outside the function?). ` +
      'Return it from the jitted function instead.',
  );
}

const traceStack: Trace[] = [];

export function activeTrace(): Trace | undefined {
  return traceStack[traceStack.length - 1];
}

export function withTrace<T>(trace: Trace, fn: () => T): T {
  traceStack.push(trace);
  try {
    return fn();
  } finally {
    traceStack.pop();
    trace.finish();
  }
}

/** Result type of `op`, checked by the registry (throws the op's own error). */
export function resultType(op: string, inputs: readonly Tensor[], attrs: Attrs, declared?: TensorType): TensorType {
  return inferResultType(op, inputs.map((t) => t.type), attrs, declared);
}
