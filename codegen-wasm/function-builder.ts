/**
 * Builds one wasm function body: allocates locals, collects statements into (nested) blocks and
 * makes unique labels. Expression lowering emits helper statements (local.set of shared values,
 * reduction loops) into the innermost open block, so a value is always computed before its use.
 */
import type { Binaryen, Module, Ref, WasmType } from './binaryen.js';

/** Where generated code goes: the part of FunctionBuilder that expression builders need. */
export interface Emitter {
  readonly b: Binaryen;
  readonly m: Module;
  addLocal(type: WasmType): number;
  emit(stmt: Ref): void;
  /** The statements emitted by `fn`, as one expression. */
  captureBlock(fn: () => void): Ref;
}

export class FunctionBuilder implements Emitter {
  private readonly varTypes: WasmType[] = [];
  private readonly blocks: Ref[][] = [[]];
  private labelCount = 0;

  constructor(
    readonly b: Binaryen,
    readonly m: Module,
    readonly paramTypes: readonly WasmType[],
  ) {}

  addLocal(type: WasmType): number {
    this.varTypes.push(type);
    return this.paramTypes.length + this.varTypes.length - 1;
  }

  emit(stmt: Ref): void {
    this.blocks[this.blocks.length - 1].push(stmt);
  }

  /** Runs `fn` with a fresh statement list and returns what it emitted (and its result). */
  capture<T>(fn: () => T): { stmts: Ref[]; value: T } {
    this.blocks.push([]);
    try {
      const value = fn();
      return { stmts: this.blocks[this.blocks.length - 1], value };
    } finally {
      this.blocks.pop();
    }
  }

  /** The statements emitted by `fn`, as one expression (a block, or nop when empty). */
  captureBlock(fn: () => void): Ref {
    const { stmts } = this.capture(fn);
    return this.seq(stmts);
  }

  /** Statements then a value, as one expression of the value's type. */
  seqValue(stmts: readonly Ref[], value: Ref, type: WasmType): Ref {
    return stmts.length === 0 ? value : this.m.block(null, [...stmts, value], type);
  }

  seq(stmts: readonly Ref[]): Ref {
    if (stmts.length === 0) return this.m.nop();
    return stmts.length === 1 ? stmts[0] : this.m.block(null, stmts, this.b.none);
  }

  label(prefix: string): string {
    return `${prefix}${this.labelCount++}`;
  }

  /**
   * `for (counter = start; counter < end; counter += step)` with constant bounds, as a do-while
   * (nothing is emitted when the range is empty). `body` emits the loop body.
   */
  emitCountedLoop(counter: number, start: number, end: number, step: number, body: () => void): void {
    if (end <= start) return;
    const { m, b } = this;
    this.emit(m.local.set(counter, m.i32.const(start)));
    const label = this.label('loop');
    const bodyStmts = this.capture(body).stmts;
    const next = m.local.set(counter, m.i32.add(m.local.get(counter, b.i32), m.i32.const(step)));
    const again = m.br(label, m.i32.lt_s(m.local.get(counter, b.i32), m.i32.const(end)));
    this.emit(m.loop(label, m.block(null, [...bodyStmts, next, again], b.none)));
  }

  /** The finished function: its extra locals and its body (the top-level statements). */
  finish(): { vars: WasmType[]; body: Ref } {
    if (this.blocks.length !== 1) throw new Error('internal: FunctionBuilder finished with open blocks');
    return { vars: this.varTypes, body: this.seq(this.blocks[0]) };
  }
}
