/**
 * The op registry: one entry per graph op with its arity, attribute names and shape/dtype rule.
 * Reference semantics live in `ir/interp/` under the same op names.
 */
import type { Attrs } from '../graph.js';
import type { TensorType } from '../types.js';
import { OpError } from '../errors.js';

export type OpCategory =
  | 'unary' | 'binary' | 'compare' | 'logical' | 'select' | 'cast' | 'source'
  | 'layout' | 'reduce' | 'contraction' | 'window';

export interface OpDef {
  readonly name: string;
  readonly category: OpCategory;
  /** Number of tensor operands, or 'variadic' (one or more). */
  readonly arity: number | 'variadic';
  /** Attribute names, all required, in the order the printer writes them. */
  readonly attrs: readonly string[];
  /**
   * True for ops whose result type is not a function of operands and attributes (iota, const,
   * reshape, broadcast): the node's declared result type is checked instead of computed.
   */
  readonly declaredType?: boolean;
  /** One line for docs and error messages. */
  readonly doc: string;
  /** Result type, or an OpError naming what is wrong. `declared` is given for declaredType ops. */
  infer(inputs: readonly TensorType[], attrs: Attrs, declared?: TensorType): TensorType;
}

const REGISTRY = new Map<string, OpDef>();

export function registerOp(def: OpDef): void {
  if (REGISTRY.has(def.name)) throw new Error(`op '${def.name}' registered twice`);
  REGISTRY.set(def.name, def);
}

export function getOp(name: string): OpDef {
  const def = REGISTRY.get(name);
  if (!def) throw new OpError(name, `unknown op; known ops are ${[...REGISTRY.keys()].join(', ')}`);
  return def;
}

export function hasOp(name: string): boolean {
  return REGISTRY.has(name);
}

export function allOps(): readonly OpDef[] {
  return [...REGISTRY.values()];
}

/**
 * Checks arity and attribute names, then runs the op's rule. Every builder and the verifier
 * go through here, so the checks live in one place.
 */
export function inferResultType(
  op: string,
  inputs: readonly TensorType[],
  attrs: Attrs,
  declared?: TensorType,
): TensorType {
  const def = getOp(op);
  if (def.arity === 'variadic' ? inputs.length < 1 : inputs.length !== def.arity) {
    const want = def.arity === 'variadic' ? 'at least 1' : String(def.arity);
    throw new OpError(op, `takes ${want} operand(s), got ${inputs.length}`);
  }
  for (const key of Object.keys(attrs)) {
    if (!def.attrs.includes(key)) {
      const known = def.attrs.length ? def.attrs.join(', ') : 'none';
      throw new OpError(op, `unknown attribute '${key}' (attributes: ${known})`);
    }
  }
  for (const key of def.attrs) {
    if (!(key in attrs)) throw new OpError(op, `missing attribute '${key}'`);
  }
  if (def.declaredType && !declared) throw new OpError(op, 'needs a declared result type');
  return def.infer(inputs, attrs, declared);
}
