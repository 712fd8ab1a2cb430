/** The interpreter's op table: one reference implementation per registered op, keyed by op name. */
import type { OpImpl } from './host-tensor.js';
import { CONTRACTION_IMPLS } from './contraction.js';
import { ELEMENTWISE_IMPLS } from './elementwise.js';
import { LAYOUT_IMPLS } from './layout.js';
import { REDUCE_IMPLS } from './reduce.js';

export const OP_IMPLS: Readonly<Record<string, OpImpl>> = {
  ...ELEMENTWISE_IMPLS,
  ...LAYOUT_IMPLS,
  ...REDUCE_IMPLS,
  ...CONTRACTION_IMPLS,
};
