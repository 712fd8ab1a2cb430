/**
 * Shared by the tests of the two IR text forms (graph and loop): print/parse round trips,
 * canonical texts, and parse errors checked case by case against a base text.
 */
import { expect, it } from 'vitest';
import {
  type Graph, ParseError, type Program, graphDiff, parseGraph, parseProgram, printGraph, printProgram, programDiff,
} from '../../ir/index.js';

/** A text form: its printer, its parser and the structural diff (undefined when equal) that compares the two. */
export interface TextForm<T> {
  readonly print: (x: T) => string;
  readonly parse: (text: string) => T;
  readonly diff: (a: T, b: T) => string | undefined;
}

export const GRAPH_TEXT: TextForm<Graph> = { print: printGraph, parse: parseGraph, diff: graphDiff };
export const PROGRAM_TEXT: TextForm<Program> = { print: printProgram, parse: (text) => parseProgram(text), diff: programDiff };

/** parse(print(x)) equals x and prints as the same text; returns what was parsed. */
export function expectRoundTrip<T>(form: TextForm<T>, x: T): T {
  const text = form.print(x);
  const back = form.parse(text);
  expect(form.diff(back, x), text).toBeUndefined();
  expect(form.print(back)).toBe(text);
  return back;
}

/** One test per named text: print(parse(text)) is the text itself. */
export function itKeepsCanonicalText<T>(form: TextForm<T>, canonical: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(canonical)) {
    it(name, () => expect(form.print(form.parse(text))).toBe(text));
  }
}

/** The ParseError `parse` throws on `text`; anything else (no error, another error) fails the test. */
export function parseErrorOf(parse: (text: string) => unknown, text: string): ParseError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError, but the text parsed');
}

/** A base text with fragment `from` replaced by `to` fails to parse with `message` at `where` (line:column). */
export type ErrorCase = [name: string, from: string, to: string, where: string, message: string];

/** One test per error case, each a variation of `base` (which must hold the fragment it replaces). */
export function itReportsErrors(parse: (text: string) => unknown, base: string, cases: readonly ErrorCase[]): void {
  it.each(cases)('%s', (_name, from, to, where, message) => {
    expect(base.includes(from)).toBe(true);
    const e = parseErrorOf(parse, base.replace(from, to));
    expect(`${e.line}:${e.column}`).toBe(where);
    expect(e.detail).toBe(message);
    expect(e.message).toBe(`${where}: ${message}`);
  });
}

/** A syntax error at the end of a long text is found at `where`, and in under 2 seconds. */
export function expectQuickSyntaxError(parse: (text: string) => unknown, text: string, where: string): void {
  const start = performance.now();
  const e = parseErrorOf(parse, text);
  expect(`${e.line}:${e.column}`).toBe(where);
  expect(performance.now() - start).toBeLessThan(2000);
}

/** A fused MLP: an output fusion, a two-result reduce fusion, remarks on the graph and in a body. */
export const FUSED_MLP_TEXT = `graph @mlp(%x: f32[64,784], %w: f32[784,512], %b: f32[512]) -> (f32[64,512], f32[64], f32[64]) {
  // remark: fusion kept reduce %3 apart from dot_general %0: the dot_general is an output fusion root
  %0 = fusion %x, %w, %b {kind=output} : f32[64,512] graph @matmul_bias_relu_64x512(%p0: f32[64,784], %p1: f32[784,512], %p2: f32[512]) -> (f32[64,512]) {
    %0 = dot_general %p0, %p1 {batch=[[],[]], contract=[[1],[0]]} : f32[64,512]
    %1 = broadcast %p2 {dims=[1]} : f32[64,512]
    %2 = add %0, %1 : f32[64,512]
    %3 = const {value=0} : f32[64,512]
    %4 = max %2, %3 : f32[64,512]
    return %4
  }
  %1, %2 = fusion %0 {kind=reduce} : f32[64], f32[64] graph @sum_max_64(%p0: f32[64,512]) -> (f32[64], f32[64]) {
    // remark: two reductions of one operand share a loop
    %0 = reduce %p0 {op=sum, axes=[1]} : f32[64]
    %1 = reduce %p0 {op=max, axes=[1]} : f32[64]
    return %0, %1
  }
  return %0, %1, %2
}
`;
