/** `kiln/ir`: the graph IR, its registry, printer, parser, verifier and reference interpreter. */
export * from './dtype.js';
export * from './types.js';
export * from './errors.js';
export * from './graph.js';
export * from './ops/index.js';
export { GraphBuilder } from './builder.js';
export { verifyGraph, VerifyError } from './verify.js';
export { attrsEqual, graphDiff, graphsEqual } from './equal.js';
export { evaluateGraph, evaluateOp, type HostTensor } from './interp/index.js';
export { formatAttrValue, formatNumber, formatSymbolName, printGraph } from './printer.js';
export { parseGraph, ParseError } from './parser.js';
export * from './loop.js';
export { evaluateProgram, evaluateKernel, LoopEvalError, type EvaluateProgramOptions } from './loop-eval.js';
export { formatConstant, formatF32, printExpr, printKernel, printProgram } from './loop-printer.js';
export { parseKernel, parseProgram, type LoopParseOptions } from './loop-parser.js';
export { intervalOf, LoopVerifyError, verifyKernel, verifyProgram, type Interval } from './loop-verify.js';
export { exprDiff, exprsEqual, kernelDiff, kernelsEqual, programDiff, programsEqual } from './loop-equal.js';
