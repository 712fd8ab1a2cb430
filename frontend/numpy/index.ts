/** The `numpy` namespace: Kiln's NumPy-like API. */
export { type TensorLike, promoteTypes, resultDType } from './core.js';
export * from './creation.js';
export * from './elementwise.js';
export * from './linalg.js';
export * from './reduction.js';
export { variance as var } from './reduction.js';
export * from './shape.js';
