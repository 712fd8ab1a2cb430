/** `codegen-wgsl`: loop-IR programs → WGSL compute shaders, and the WebGPU runtime. */
export { compileProgramToWgsl, printWgslProgram, type WgslCompileOptions } from './codegen.js';
export { DEFAULT_DEVICE_LIMITS, type DeviceLimits } from './limits.js';
export type { WgslAccess, WgslBinding, WgslKernel, WgslMapping, WgslProgram } from './program.js';
export { WgslCodegenError, WebGpuRuntimeError } from './errors.js';
export { KilnDevice, requestKilnDevice, type DeviceLostInfo, type RequestDeviceOptions } from './device.js';
export { BufferPool } from './pool.js';
export { WgslProgramRunner } from './runtime.js';
