/** `codegen-wasm`: loop-IR programs → WebAssembly modules, and the wasm runtime. */
export { loadBinaryen, binaryenOrThrow, isBinaryenLoaded, type Binaryen } from './binaryen.js';
export {
  compileProgram, WASM_MAX_PAGES, WASM_PAGE_BYTES, type CompileOptions, type CompiledWasmProgram, type LaunchExport,
} from './codegen.js';
export { instantiateProgram, unshareMemoryImport, type InstantiateOptions, type WasmProgramInstance } from './runtime.js';
export {
  ThreadPool, WasmThreadError, MIN_ITERATIONS_PER_THREAD, defaultThreadPool, getThreads, hardwareThreads, setThreads, setWorkerUrl,
  startThreads, stopThreads, threadSupport, threadsFailure, type PoolProgram, type ThreadPoolOptions, type ThreadPoolStats, type ThreadSupport,
} from './threads.js';
export type { WasmMemory } from './wasm-api.js';
export { loadWabt, toWat, watOf } from './wat.js';
export { WasmCodegenError } from './errors.js';
export { MATH_FUNCTION_NAMES, type MathFunction } from './math/index.js';

import { loadBinaryen } from './binaryen.js';

/** Loads everything the wasm backend needs to compile (binaryen); call once before compiling. */
export async function init(): Promise<void> {
  await loadBinaryen();
}
