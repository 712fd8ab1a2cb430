/** `interp`: Kiln's reference interpreter of the graph IR, the numerical oracle for every backend. */
export { evaluateGraph, evaluateOp } from './evaluate.js';
export { type HostTensor, type OpImpl, hostTensor, hostTensorFrom } from './host-tensor.js';
export { OP_IMPLS } from './table.js';
export { erf } from './erf.js';
