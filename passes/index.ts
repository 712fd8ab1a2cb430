/** `kiln/passes`: the pass manager, dumps and the passes of every level. */
export {
  type AnyPass, type IRLevel, type Pass, type PassContext, type PassEnd, type PassInstrumentation, type PassLevel,
  type PassResult, type PassStart, type Remark, type Verifier, PassError, addRemark, irLevel, registerIRLevel, registeredIRLevels,
} from './pass.js';
export {
  type PassOptions, type PassTiming, type Pipeline, type TimingInstrumentation, createPassContext, fixpoint, pipeline,
  runPass, runPasses, timingInstrumentation,
} from './manager.js';
export {
  type DumpSink, type DumpWriter, createDumpSink, directoryWriter, dumpFileName, dumpInstrumentation, dumpStage, resolveDumpDir,
} from './dump.js';
export * from './graph/index.js';
