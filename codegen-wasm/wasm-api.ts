/**
 * The few WebAssembly JS-API types the runtime uses. Kiln compiles with `lib: ES2022` and Node
 * types only (no DOM lib, which is where TypeScript declares `WebAssembly`), so they are spelled
 * out here and the global is read through `globalThis`.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => WasmInstance;
}

export function wasmApi(): WasmApi {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) throw new Error('Kiln: this JavaScript environment has no WebAssembly');
  return api;
}
