import { KilnError } from '../ir/errors.js';

/** A program the WGSL code generator cannot compile: names the kernel and what was expected. */
export class WgslCodegenError extends KilnError {
  override name = 'WgslCodegenError';
}

/** A failure of the WebGPU runtime: no adapter, a shader that does not compile, bad inputs, a lost device. */
export class WebGpuRuntimeError extends KilnError {
  override name = 'WebGpuRuntimeError';
}
