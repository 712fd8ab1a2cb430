/** Registers every graph op; import this module before looking ops up. */
import './elementwise.js';
import './layout.js';
import './reduce.js';
import './contraction.js';

export { allOps, getOp, hasOp, inferResultType, registerOp, type OpCategory, type OpDef } from './registry.js';
export { BINARY_OPS, UNARY_OPS, constValue } from './elementwise.js';
export { REDUCE_KINDS, type ReduceKind, extremeValue, reduceIdentity } from './reduce.js';
export { WINDOW_KINDS, dimPairs, freeDims, windowOutSize } from './contraction.js';
