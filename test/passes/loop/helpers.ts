/** Runs one loop pass on kernel text and returns the printed result (FileCheck style). */
import { type Kernel, type TypedArray, evaluateKernel } from '../../../ir/index.js';
import { parseKernel } from '../../../ir/loop-parser.js';
import { printKernel } from '../../../ir/loop-printer.js';
import { verifyKernel } from '../../../ir/loop-verify.js';

export function runOnText(f: (k: Kernel) => Kernel, text: string): string {
  return printKernel(verifyKernel(f(parseKernel(text))));
}

/** Evaluates a kernel on copies of `buffers` and returns them. */
export function evalKernel(k: Kernel, buffers: Record<string, TypedArray>): Record<string, TypedArray> {
  const copy = Object.fromEntries(Object.entries(buffers).map(([n, a]) => [n, a.slice()]));
  evaluateKernel(k, copy);
  return copy;
}

export const dedent = (s: string): string => {
  const lines = s.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
};
