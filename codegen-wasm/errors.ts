import { KilnError } from '../ir/errors.js';

/** A program the wasm code generator cannot compile: names the kernel/buffer and what was expected. */
export class WasmCodegenError extends KilnError {
  override name = 'WasmCodegenError';
}
