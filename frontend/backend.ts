/**
 * The backend interface the frontend executes through, and the registry of backends.
 * A backend owns tensor storage, runs single ops (eager mode) and runs compiled graphs (jit).
 */
import { type Attrs, type Graph, type HostTensor, KilnError, type TensorType, type TypedArray, copyTypedArray } from '../ir/index.js';

/** A backend's handle to one tensor's storage. */
export interface Storage {
  readonly type: TensorType;
}

/** A graph compiled for one backend: inputs are the graph params in order. */
export interface Executable {
  run(inputs: readonly Storage[]): Storage[];
}

export interface Backend {
  readonly name: string;
  /** Storage holding a copy of `data` (already of the dtype's array type). */
  upload(type: TensorType, data: TypedArray): Storage;
  read(s: Storage): Promise<TypedArray>;
  /** Synchronous read where the backend can block on its device; undefined otherwise. */
  readonly readSync?: (s: Storage) => TypedArray;
  execOp(op: string, inputs: readonly Storage[], attrs: Attrs, outType: TensorType): Storage;
  compile(graph: Graph, options?: { dump?: string | false; exactReductions?: boolean }): Executable;
  release(s: Storage): void;
}

type BackendFactory = () => Backend | Promise<Backend>;

const factories = new Map<string, BackendFactory>();
const ready = new Map<string, Backend>();
let current: string | undefined;

export function registerBackend(name: string, factory: BackendFactory): void {
  factories.set(name, factory);
}

export function availableBackends(): string[] {
  return [...factories.keys()];
}

function unknownBackend(name: string): KilnError {
  return new KilnError(`unknown backend '${name}'; available backends: ${availableBackends().join(', ')}`);
}

/** The backend used until another is chosen. */
export const DEFAULT_BACKEND = 'wasm';

/** Creates (once) and selects a backend: the current one, else the default (`wasm`). */
export async function init(name: string = current ?? DEFAULT_BACKEND): Promise<string> {
  const factory = factories.get(name);
  if (!factory) throw unknownBackend(name);
  if (!ready.has(name)) ready.set(name, await factory());
  current = name;
  return name;
}

/** Selects an initialised backend (synchronous backends initialise on first use). */
export function setBackend(name: string): void {
  if (!factories.has(name)) throw unknownBackend(name);
  if (!ready.has(name)) {
    const b = factories.get(name)!();
    if (b instanceof Promise) throw new KilnError(`backend '${name}' needs \`await init('${name}')\` before setBackend('${name}')`);
    ready.set(name, b);
  }
  current = name;
}

export function getBackend(): string {
  return current ?? DEFAULT_BACKEND;
}

export function backendInstance(name: string = getBackend()): Backend {
  const b = ready.get(name);
  if (b) return b;
  if (name === DEFAULT_BACKEND && !current) {
    throw new KilnError(
      `Kiln's default backend '${DEFAULT_BACKEND}' needs \`await init()\` once before the first op (it loads the compiler); ` +
        "or pick the reference interpreter with setBackend('interp')",
    );
  }
  setBackend(name);
  return ready.get(name)!;
}

/** Storage as host typed arrays (interp, wasm): copies in and out, freed by the garbage collector. */
export const hostStorage = {
  upload: (type: TensorType, data: TypedArray): Storage => ({ type, data: data.slice() }) as HostTensor,
  read: async (s: Storage): Promise<TypedArray> => copyTypedArray((s as HostTensor).data),
  readSync: (s: Storage): TypedArray => copyTypedArray((s as HostTensor).data),
  release(): void {},
} satisfies Pick<Backend, 'upload' | 'read' | 'readSync' | 'release'>;
