/**
 * Algebraic simplification: a table of named rewrite rules (tinygrad / XLA style). Each rule
 * looks at one node, whose operands are already simplified, and the nodes producing them, and
 * returns an existing value to use instead or a new node computing the same result.
 *
 * One forward sweep reaches the fixpoint: a node is rewritten until no rule matches before the
 * sweep moves on, and rules only look upward. Nodes left unused are for DCE to remove.
 * Float rules are exact under IEEE semantics, NaN, infinities and signed zeros included.
 */
import { type Attrs, FUSION_OP, type Graph, type Node, Value, isInteger, shapesEqual } from '../../ir/index.js';
import type { Pass } from '../pass.js';

/** Ops whose two operands can be swapped: CSE matches them either way round, canonicalize puts constants on the right. */
export const COMMUTATIVE_OPS: ReadonlySet<string> = new Set(['add', 'mul', 'max', 'min', 'eq', 'ne', 'and', 'or']);

/** A new node computing the same result as the node it replaces (its result value is kept). */
export interface NodeRewrite {
  readonly op: string;
  readonly inputs: readonly Value[];
  readonly attrs: Attrs;
}

/** What rules may ask about the graph being rewritten. */
export interface RuleView {
  /** The node defining `v` in the rewritten graph; undefined for parameters. */
  producer(v: Value): Node | undefined;
}

export interface RewriteRule {
  readonly name: string;
  /** Ops of the nodes the rule looks at. */
  readonly ops: readonly string[];
  apply(node: Node, view: RuleView): Value | NodeRewrite | undefined;
}

// ---------------------------------------------------------------------------------------------
// Helpers rules share.

const isConst = (v: Value, view: RuleView): boolean => view.producer(v)?.op === 'const';

/** The value of a splat `const` producing `v`, else undefined. */
function splatOf(v: Value, view: RuleView): number | undefined {
  const p = view.producer(v);
  return p?.op === 'const' && typeof p.attrs.value === 'number' ? p.attrs.value : undefined;
}

const constant = (value: number): NodeRewrite => ({ op: 'const', inputs: [], attrs: { value } });
const isIdentityPerm = (perm: readonly number[]): boolean => perm.every((p, i) => p === i);
const allZero = (xs: readonly number[]): boolean => xs.every((x) => x === 0);
const ints = (attrs: Attrs, key: string): readonly number[] => attrs[key] as readonly number[];

/** Matches `op(x, splat c)` where `test(c)` holds, given x's dtype; returns x's side. */
function rightSplat(node: Node, view: RuleView, test: (c: number, integer: boolean) => boolean): Value | undefined {
  const [x, k] = node.inputs;
  const c = splatOf(k, view);
  return c !== undefined && test(c, isInteger(x.type.dtype)) ? x : undefined;
}

const rule = (name: string, ops: readonly string[], apply: RewriteRule['apply']): RewriteRule => ({ name, ops, apply });

// ---------------------------------------------------------------------------------------------
// The rules, tried in this order on every node.

export const CANONICALIZE_RULES: readonly RewriteRule[] = [
  rule('constant-on-right', [...COMMUTATIVE_OPS], (n, view) => {
    const [a, b] = n.inputs;
    return isConst(a, view) && !isConst(b, view) ? { op: n.op, inputs: [b, a], attrs: n.attrs } : undefined;
  }),
  // x + 0: for floats only x + (-0.0) is exact, since -0.0 + 0.0 = +0.0.
  rule('add-zero', ['add'], (n, view) => rightSplat(n, view, (c, integer) => (integer ? c === 0 : Object.is(c, -0)))),
  // x - 0: for floats only x - (+0.0) is exact, since -0.0 - (-0.0) = +0.0.
  rule('sub-zero', ['sub'], (n, view) => rightSplat(n, view, (c, integer) => (integer ? c === 0 : Object.is(c, 0)))),
  rule('mul-one', ['mul'], (n, view) => rightSplat(n, view, (c) => c === 1)),
  rule('div-one', ['div'], (n, view) => rightSplat(n, view, (c) => c === 1)),
  // x * 0 = 0 only for integers: NaN * 0 and inf * 0 are NaN, -1 * 0 is -0.
  rule('mul-zero-int', ['mul'], (n, view) => (rightSplat(n, view, (c, integer) => integer && c === 0) ? n.inputs[1] : undefined)),
  // x - x = 0 only for integers: inf - inf and NaN - NaN are NaN.
  rule('sub-self-int', ['sub'], (n) => (n.inputs[0] === n.inputs[1] && isInteger(n.inputs[0].type.dtype) ? constant(0) : undefined)),
  rule('idempotent-self', ['max', 'min', 'and', 'or'], (n) => (n.inputs[0] === n.inputs[1] ? n.inputs[0] : undefined)),
  // and(x, true) = x, and(x, false) = false, or(x, false) = x, or(x, true) = true.
  rule('logical-constant', ['and', 'or'], (n, view) => {
    const c = splatOf(n.inputs[1], view);
    if (c === undefined) return undefined;
    const absorbing = n.op === 'and' ? 0 : 1;
    return c === absorbing ? n.inputs[1] : n.inputs[0];
  }),
  rule('double-negation', ['neg', 'not'], (n, view) => {
    const inner = view.producer(n.inputs[0]);
    return inner?.op === n.op ? inner.inputs[0] : undefined;
  }),
  rule('select-constant-condition', ['select'], (n, view) => {
    const c = splatOf(n.inputs[0], view);
    return c === undefined ? undefined : c ? n.inputs[1] : n.inputs[2];
  }),
  rule('select-same-branches', ['select'], (n) => (n.inputs[1] === n.inputs[2] ? n.inputs[1] : undefined)),
  rule('cast-same-dtype', ['cast'], (n) => (n.inputs[0].type.dtype === n.outputs[0].type.dtype ? n.inputs[0] : undefined)),
  rule('reshape-same-shape', ['reshape'], (n) => (shapesEqual(n.inputs[0].type.shape, n.outputs[0].type.shape) ? n.inputs[0] : undefined)),
  rule('reshape-of-reshape', ['reshape'], (n, view) => {
    const inner = view.producer(n.inputs[0]);
    return inner?.op === 'reshape' ? { op: 'reshape', inputs: inner.inputs, attrs: n.attrs } : undefined;
  }),
  rule('transpose-identity', ['transpose'], (n) => (isIdentityPerm(ints(n.attrs, 'perm')) ? n.inputs[0] : undefined)),
  // Result dim i of the outer transpose is inner dim p2[i], which is operand dim p1[p2[i]].
  rule('transpose-of-transpose', ['transpose'], (n, view) => {
    const inner = view.producer(n.inputs[0]);
    if (inner?.op !== 'transpose') return undefined;
    const p1 = ints(inner.attrs, 'perm');
    const perm = ints(n.attrs, 'perm').map((p) => p1[p]);
    return { op: 'transpose', inputs: inner.inputs, attrs: { perm } };
  }),
  rule('broadcast-of-splat', ['broadcast'], (n, view) => {
    const c = splatOf(n.inputs[0], view);
    return c === undefined ? undefined : constant(c);
  }),
  rule('broadcast-identity', ['broadcast'], (n) => {
    const x = n.inputs[0];
    const same = shapesEqual(x.type.shape, n.outputs[0].type.shape) && isIdentityPerm(ints(n.attrs, 'dims'));
    return same ? x : undefined;
  }),
  rule('slice-full-range', ['slice'], (n) => {
    const x = n.inputs[0];
    const full = allZero(ints(n.attrs, 'start')) && shapesEqual(ints(n.attrs, 'limit'), x.type.shape) && ints(n.attrs, 'stride').every((s) => s === 1);
    return full ? x : undefined;
  }),
  rule('pad-nothing', ['pad'], (n) => (allZero(ints(n.attrs, 'low')) && allZero(ints(n.attrs, 'high')) ? n.inputs[0] : undefined)),
  rule('reverse-nothing', ['reverse'], (n) => (ints(n.attrs, 'axes').length === 0 ? n.inputs[0] : undefined)),
  // Reversing axes A then B reverses the axes in exactly one of them.
  rule('reverse-of-reverse', ['reverse'], (n, view) => {
    const inner = view.producer(n.inputs[0]);
    if (inner?.op !== 'reverse') return undefined;
    const a = ints(inner.attrs, 'axes');
    const b = ints(n.attrs, 'axes');
    const axes = [...a.filter((x) => !b.includes(x)), ...b.filter((x) => !a.includes(x))].sort((x, y) => x - y);
    return { op: 'reverse', inputs: inner.inputs, attrs: { axes } };
  }),
  rule('concat-single', ['concat'], (n) => (n.inputs.length === 1 ? n.inputs[0] : undefined)),
  // A dense literal of one repeated value is written as a splat (-0 and +0 count as different).
  rule('dense-const-to-splat', ['const'], (n) => {
    const v = n.attrs.value;
    if (!Array.isArray(v)) return undefined;
    const values = v as readonly number[];
    return values.every((x) => Object.is(x, values[0])) ? constant(values[0] ?? 0) : undefined;
  }),
];

// ---------------------------------------------------------------------------------------------
// The driver.

/** Rewrites of one node beyond this mean two rules undo each other: a bug in the table. */
const MAX_REWRITES_PER_NODE = 32;

function rulesByOp(rules: readonly RewriteRule[]): Map<string, RewriteRule[]> {
  const byOp = new Map<string, RewriteRule[]>();
  for (const r of rules) for (const op of r.ops) byOp.set(op, [...(byOp.get(op) ?? []), r]);
  return byOp;
}

function firstRewrite(byOp: ReadonlyMap<string, readonly RewriteRule[]>, node: Node, view: RuleView) {
  for (const rule of byOp.get(node.op) ?? []) {
    const result = rule.apply(node, view);
    if (result !== undefined) return { rule, result };
  }
  return undefined;
}

/** A canonicalize pass using `rules` (by default the whole table), e.g. to test rules one by one. */
export function makeCanonicalize(rules: readonly RewriteRule[] = CANONICALIZE_RULES, name = 'canonicalize'): Pass<Graph> {
  const byOp = rulesByOp(rules);
  return {
    name,
    level: 'graph',
    run(g) {
      const producers = new Map<Value, Node>();
      const view: RuleView = { producer: (v) => producers.get(v) };
      const replaced = new Map<Value, Value>();
      const use = (v: Value): Value => replaced.get(v) ?? v;
      const nodes: Node[] = [];
      let changed = false;

      for (const original of g.nodes) {
        let node = original.inputs.some((v) => replaced.has(v)) ? { ...original, inputs: original.inputs.map(use) } : original;
        let replacement: Value | undefined;
        for (let step = 0; node.op !== FUSION_OP; step++) {
          const hit = firstRewrite(byOp, node, view);
          if (!hit) break;
          if (step === MAX_REWRITES_PER_NODE) throw new Error(`canonicalize: rules keep rewriting a ${node.op} node (last: ${hit.rule.name})`);
          changed = true;
          if (hit.result instanceof Value) {
            replacement = hit.result;
            break;
          }
          node = { ...hit.result, outputs: original.outputs };
        }
        if (replacement !== undefined) {
          replaced.set(original.outputs[0], replacement);
          continue;
        }
        nodes.push(node);
        for (const out of node.outputs) producers.set(out, node);
      }
      if (!changed) return { ir: g, changed: false };
      return { ir: { ...g, nodes, results: g.results.map(use) }, changed: true };
    },
  };
}

export const canonicalize: Pass<Graph> = makeCanonicalize();
