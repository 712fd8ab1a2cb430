/**
 * Kiln's public API: `import { jit, numpy as np, nn, random } from 'kiln'`.
 */
import './interp-backend.js';
import './wasm-backend.js';
import './webgpu-backend.js';
import './methods.js';

export * as numpy from './numpy/index.js';
export * as nn from './nn.js';
export * as random from './random.js';
export { Tensor, type NestedArray } from './tensor.js';
export { STAGES, jit, type CompileStats, type JitOptions, type Jitted, type Lowered, type Stage } from './jit.js';
export { availableBackends, getBackend, init, setBackend } from './backend.js';
export { getThreads, setThreads } from '../codegen-wasm/index.js';
export { KilnError, OpError, type DType } from '../ir/index.js';
