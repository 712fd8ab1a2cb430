/**
 * Pytrees: nested arrays and plain objects whose leaves are tensors (dynamic) or plain JS values
 * (static). jit flattens arguments into tensor leaves plus a structure key, and rebuilds results.
 */
import { KilnError, formatType } from '../ir/index.js';
import { Tensor } from './tensor.js';

export type PyTree = Tensor | number | string | boolean | null | undefined | readonly PyTree[] | { readonly [k: string]: PyTree };

/** Structure with tensor leaves replaced by `T<i>` markers and static leaves kept verbatim. */
export type TreeDef =
  | { kind: 'tensor' }
  | { kind: 'static'; value: number | string | boolean | null | undefined }
  | { kind: 'array'; items: TreeDef[] }
  | { kind: 'object'; keys: string[]; items: TreeDef[] };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Splits a tree into its tensor leaves (with their paths, e.g. `[0].w`) and its structure. */
export function flatten(tree: unknown, where = 'argument'): { leaves: Tensor[]; paths: string[]; def: TreeDef } {
  const leaves: Tensor[] = [];
  const paths: string[] = [];
  const walk = (x: unknown, path: string): TreeDef => {
    if (x instanceof Tensor) {
      leaves.push(x);
      paths.push(path);
      return { kind: 'tensor' };
    }
    if (x === null || x === undefined || typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean') return { kind: 'static', value: x };
    if (Array.isArray(x)) return { kind: 'array', items: x.map((y, i) => walk(y, `${path}[${i}]`)) };
    if (isPlainObject(x)) {
      const keys = Object.keys(x).sort();
      return { kind: 'object', keys, items: keys.map((k) => walk(x[k], `${path}.${k}`)) };
    }
    const kind = typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x;
    throw new KilnError(`jit: ${path} is a ${kind}; jit accepts tensors, numbers, strings, booleans, null, and arrays or plain objects of them`);
  };
  const def = walk(tree, where);
  return { leaves, paths, def };
}

export function unflatten(def: TreeDef, leaves: readonly unknown[]): unknown {
  let next = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case 'tensor': return leaves[next++];
      case 'static': return d.value;
      case 'array': return d.items.map(build);
      case 'object': return Object.fromEntries(d.keys.map((k, i) => [k, build(d.items[i])]));
    }
  };
  return build(def);
}

/** A cache key for a call: the structure, static values, and each tensor leaf's type. */
export function signatureKey(def: TreeDef, leaves: readonly Tensor[]): string {
  const staticKey = JSON.stringify(def, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? `#num:${v}` : v === undefined ? '#undefined' : v));
  return `${staticKey}|${leaves.map((t) => formatType(t.type)).join(',')}`;
}
