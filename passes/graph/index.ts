/** Graph-level passes: one file per pass, and the cleanup pipeline that runs them to a fixpoint. */
import type { Graph } from '../../ir/index.js';
import { fixpoint, pipeline } from '../manager.js';
import type { Pass } from '../pass.js';
import { canonicalize } from './canonicalize.js';
import { constantFold } from './constant-fold.js';
import { cse } from './cse.js';
import { dce } from './dce.js';

export {
  CANONICALIZE_RULES, COMMUTATIVE_OPS, type NodeRewrite, type RewriteRule, type RuleView, canonicalize, makeCanonicalize,
} from './canonicalize.js';
export { type ConstantFoldOptions, constantFold, makeConstantFold } from './constant-fold.js';
export { cse } from './cse.js';
export { dce } from './dce.js';

/** canonicalize → constant-fold → cse → dce, repeated until nothing changes. */
export function graphCleanup(maxIters = 8): Pass<Graph> {
  return fixpoint(pipeline<Graph>('graph-cleanup', [canonicalize, constantFold, cse, dce]), maxIters);
}
