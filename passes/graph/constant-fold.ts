/**
 * Constant folding: a node whose operands are all `const` nodes is evaluated with the reference
 * interpreter and replaced by a `const` holding its result. Results of one repeated value become
 * splats (any size); other results are written out only up to a size limit. Nodes without
 * operands (iota) and fusions are left alone. One forward sweep folds whole constant chains.
 */
import {
  type Attrs, FUSION_OP, type Graph, type HostTensor, type Node, type TensorType, type Value, evaluateOp, getOp, hasOp,
  sizeOf, tensorType, wrapScalar,
} from '../../ir/index.js';
import { OP_IMPLS } from '../../ir/interp/index.js';
import type { Pass } from '../pass.js';

export interface ConstantFoldOptions {
  /** Largest result written as a dense literal, in elements (splats have no limit). Default 1024. */
  readonly maxDenseElements?: number;
  /**
   * Largest evaluation, in elements of operands plus result, for results not known to be splats
   * up front (a reduction of a huge splat is not worth computing at compile time). Default 65536.
   */
  readonly maxEvalElements?: number;
}

/** Ops whose result is a splat when all operands are splats: it is computed on one element. */
const ELEMENTWISE_CATEGORIES = new Set(['unary', 'binary', 'compare', 'logical', 'select', 'cast']);
/** Layout ops that only move elements: a splat operand gives the same splat. */
const MOVING_LAYOUT_OPS = new Set(['reshape', 'transpose', 'broadcast', 'slice', 'reverse', 'gather']);

/** The splat value of a const node (put into its dtype), or undefined for dense literals. */
function splatValue(c: Node): number | undefined {
  const v = c.attrs.value;
  return typeof v === 'number' ? wrapScalar(v, c.outputs[0].type.dtype) : undefined;
}

/** The result's splat value when it follows from splat operands without evaluating the whole result. */
function splatResult(node: Node, operands: readonly Node[]): number | undefined {
  const splats = operands.map(splatValue);
  if (splats.some((s) => s === undefined)) return undefined;
  const values = splats as number[];
  const out = node.outputs[0].type;
  const op = getOp(node.op);
  if (ELEMENTWISE_CATEGORIES.has(op.category)) {
    const scalars: HostTensor[] = operands.map((c, i) => scalar(c.outputs[0].type, values[i]));
    return evaluateOp(node.op, scalars, node.attrs, tensorType(out.dtype, [])).data[0];
  }
  if (MOVING_LAYOUT_OPS.has(node.op)) return values[0];
  if (node.op === 'concat') return values.every((v) => Object.is(v, values[0])) ? values[0] : undefined;
  if (node.op === 'pad') {
    const fill = wrapScalar(node.attrs.value as number, out.dtype);
    return Object.is(fill, values[0]) || sizeOf(node.inputs[0].type.shape) === 0 ? fill : undefined;
  }
  return undefined;
}

function scalar(t: TensorType, value: number): HostTensor {
  const data = evaluateOp('const', [], { value }, tensorType(t.dtype, [])).data;
  return { type: tensorType(t.dtype, []), data };
}

/** The folded `value` attribute: a number for a splat, a flat list otherwise (undefined: too big to write). */
function foldedValue(node: Node, operands: readonly Node[], options: Required<ConstantFoldOptions>): Attrs['value'] | undefined {
  const out = node.outputs[0].type;
  const n = sizeOf(out.shape);
  if (n === 0) return 0;
  const splat = splatResult(node, operands);
  if (splat !== undefined) return splat;
  const evalSize = n + operands.reduce((acc, c) => acc + sizeOf(c.outputs[0].type.shape), 0);
  if (evalSize > options.maxEvalElements) return undefined;
  const inputs = operands.map((c) => evaluateOp('const', [], c.attrs, c.outputs[0].type));
  const data = evaluateOp(node.op, inputs, node.attrs, out).data;
  const first = data[0];
  if (data.every((x) => Object.is(x, first))) return first;
  return n <= options.maxDenseElements ? Array.from(data) : undefined;
}

function isFoldable(node: Node): boolean {
  return node.op !== FUSION_OP && node.inputs.length > 0 && hasOp(node.op) && node.op in OP_IMPLS;
}

/** A constant-folding pass with the given size limits. */
export function makeConstantFold(options: ConstantFoldOptions = {}): Pass<Graph> {
  const limits: Required<ConstantFoldOptions> = { maxDenseElements: 1024, maxEvalElements: 65536, ...options };
  return {
    name: 'constant-fold',
    level: 'graph',
    run(g) {
      const constants = new Map<Value, Node>();
      let changed = false;
      const nodes = g.nodes.map((node): Node => {
        let result = node;
        const operands = node.inputs.map((v) => constants.get(v));
        if (isFoldable(node) && operands.every((c) => c !== undefined)) {
          const value = foldedValue(node, operands as Node[], limits);
          if (value !== undefined) {
            result = { op: 'const', inputs: [], attrs: { value }, outputs: node.outputs };
            changed = true;
          }
        }
        if (result.op === 'const') constants.set(result.outputs[0], result);
        return result;
      });
      return changed ? { ir: { ...g, nodes }, changed } : { ir: g, changed };
    },
  };
}

export const constantFold: Pass<Graph> = makeConstantFold();
