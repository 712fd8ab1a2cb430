/** Typed readers for op attributes: each throws an OpError naming the op and attribute. */
import type { AttrValue, Attrs } from '../graph.js';
import { type DType, parseDType, shortDType } from '../dtype.js';
import { OpError } from '../errors.js';

function show(v: AttrValue | undefined): string {
  return JSON.stringify(v);
}

export function intAttr(op: string, attrs: Attrs, key: string): number {
  const v = attrs[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new OpError(op, `attribute '${key}' must be an integer, got ${show(v)}`);
  return v;
}

export function numberAttr(op: string, attrs: Attrs, key: string): number {
  const v = attrs[key];
  if (typeof v !== 'number') throw new OpError(op, `attribute '${key}' must be a number, got ${show(v)}`);
  return v;
}

export function intsAttr(op: string, attrs: Attrs, key: string): number[] {
  const v = attrs[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    throw new OpError(op, `attribute '${key}' must be a list of integers, got ${show(v)}`);
  }
  return v as number[];
}

/** A list of integer lists, e.g. conv padding `[[1,1],[0,0]]`. */
export function intListsAttr(op: string, attrs: Attrs, key: string): number[][] {
  const v = attrs[key];
  const ok = Array.isArray(v) && v.every((row) => Array.isArray(row) && row.every((x: unknown) => typeof x === 'number' && Number.isInteger(x)));
  if (!ok) throw new OpError(op, `attribute '${key}' must be a list of integer lists, got ${show(v)}`);
  return v as number[][];
}

export function enumAttr<T extends string>(op: string, attrs: Attrs, key: string, allowed: readonly T[]): T {
  const v = attrs[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new OpError(op, `attribute '${key}' must be one of ${allowed.join('|')}, got ${show(v)}`);
  }
  return v as T;
}

/** A dtype attribute, in its short spelling only (f32, i32, u32, bool) so equal graphs compare equal. */
export function dtypeAttr(op: string, attrs: Attrs, key: string): DType {
  const v = attrs[key];
  const d = typeof v === 'string' ? parseDType(v) : undefined;
  if (!d || shortDType(d) !== v) throw new OpError(op, `attribute '${key}' must be a dtype (f32, i32, u32, bool), got ${show(v)}`);
  return d;
}

/** Checks `axes` are distinct, in [0, rank), and sorted ascending. */
export function checkAxes(op: string, key: string, axes: readonly number[], rank: number, sorted = true): void {
  const seen = new Set<number>();
  axes.forEach((a, i) => {
    if (a < 0 || a >= rank) throw new OpError(op, `${key} ${show(axes)}: axis ${a} is out of range for rank ${rank}`);
    if (seen.has(a)) throw new OpError(op, `${key} ${show(axes)}: axis ${a} appears twice`);
    if (sorted && i > 0 && axes[i - 1] > a) throw new OpError(op, `${key} ${show(axes)} must be sorted ascending`);
    seen.add(a);
  });
}
