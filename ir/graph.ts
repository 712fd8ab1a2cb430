/**
 * Level 1 of Kiln: the graph IR. A graph is an SSA function of typed tensor values, one op per
 * node. Values carry only their type (and, for parameters, an optional name hint); the printer
 * assigns `%0, %1, ...` names, so graphs compare structurally, not by name.
 */
import type { TensorType } from './types.js';

/** Attribute values: numbers, booleans, bare identifiers (`sum`, `f32`), int lists and lists of int lists. */
export type AttrValue = number | boolean | string | readonly number[] | readonly (readonly number[])[];
export type Attrs = Readonly<Record<string, AttrValue>>;

export class Value {
  constructor(
    readonly type: TensorType,
    /** Name hint for parameters (`%x`); the printer numbers every other value. */
    readonly name?: string,
  ) {}
}

export interface Node {
  readonly op: string;
  readonly inputs: readonly Value[];
  readonly attrs: Attrs;
  readonly outputs: readonly Value[];
  /**
   * Only for `fusion` nodes: the fused region as a graph whose params are the node's inputs
   * and whose results are the node's outputs. It becomes one kernel.
   */
  readonly body?: Graph;
}

export interface Graph {
  readonly name: string;
  readonly params: readonly Value[];
  readonly nodes: readonly Node[];
  readonly results: readonly Value[];
  /** Notes from passes shown in dumps, e.g. why fusion kept two ops apart. */
  readonly remarks?: readonly string[];
}

/** The op name of fused regions; not in the op registry, since its type comes from its body. */
export const FUSION_OP = 'fusion';
export const FUSION_KINDS = ['loop', 'reduce', 'output'] as const;
export type FusionKind = (typeof FUSION_KINDS)[number];
