/**
 * Tracing for ahead-of-time compilation: the same trace `jit(fn).lower(...)` makes (user inputs
 * as params, small captured tensors inlined as `const`, larger ones as trailing params), with the
 * captured tensors' values kept, since they become the module's weights.
 */
import { flatten } from '../frontend/pytree.js';
import { Tensor } from '../frontend/tensor.js';
import { Trace, withTrace } from '../frontend/trace.js';
import { numpy as np } from '../frontend/index.js';
import { type DType, type Graph, KilnError, type TypedArray, formatType, verifyGraph } from '../ir/index.js';

export interface InputSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export interface AotTrace {
  readonly graph: Graph;
  /** Values of the captured constants: the graph's params after the user inputs. */
  readonly captured: TypedArray[];
  readonly inputNames: string[];
  /** From the result's pytree paths: `output` for one tensor, `output0`, ... for a list, keys for an object. */
  readonly outputNames: string[];
}

/** `result` → `output`, `result[1]` → `output1`, `result.logits` → `logits`, `result.a[0]` → `a_0`. */
export function outputNameOf(path: string): string {
  const rest = path.replace(/^result/, '');
  if (rest === '') return 'output';
  const name = rest.replace(/[^A-Za-z0-9_$]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z_$]/.test(name) ? name : `output${name}`;
}

/** Traces `fn` on zero tensors of `inputs` (positional arguments, named by their spec). */
export async function traceForAot(fn: (...args: any[]) => unknown, inputs: readonly InputSpec[], name: string): Promise<AotTrace> {
  const trace = new Trace(name);
  const args = inputs.map((s) => trace.input({ dtype: s.dtype, shape: s.shape }, s.name));
  let out: unknown;
  try {
    out = withTrace(trace, () => fn(...args));
  } catch (e) {
    if (e instanceof KilnError) e.message += `\n  while tracing ${name} with inputs (${inputs.map((s) => `${s.name}: ${formatType({ dtype: s.dtype, shape: s.shape })}`).join(', ')})`;
    throw e;
  }
  if (out instanceof Promise) throw new KilnError(`${name}: the function returned a Promise; compiled functions must be synchronous`);
  const result = flatten(out, 'result');
  if (result.leaves.length === 0) throw new KilnError(`${name}: the function returned no tensors`);
  const results = result.leaves.map((t) => trace.valueOf(t));
  const graph = verifyGraph(trace.builder.build(results));
  const captured = await Promise.all(trace.capturedTensors.map((t: Tensor) => t.data()));
  return { graph, captured, inputNames: inputs.map((s) => s.name), outputNames: result.paths.map(outputNameOf) };
}

/** Zero tensors for `inputs`, e.g. to check a trace against `jit(fn).lower(...)`. */
export function zerosFor(inputs: readonly InputSpec[]): Tensor[] {
  return inputs.map((s) => np.zeros([...s.shape], { dtype: s.dtype }));
}
