/** Statement lowering (let, for, store) for scalar code; `vec` loops go to simd.ts. */
import type { Stmt } from '../ir/loop.js';
import type { KernelContext, Scope } from './context.js';
import { WasmCodegenError } from './errors.js';
import { lowerScalar } from './expr.js';
import { kindOf } from './ops.js';
import { emitVectorizedFor } from './simd.js';

export function lowerStmts(cx: KernelContext, stmts: readonly Stmt[], outer: Scope): void {
  const { fb, m } = cx;
  let scope = outer.child();
  for (const s of stmts) {
    switch (s.kind) {
      case 'let': {
        const value = lowerScalar(cx, s.value, scope);
        const local = fb.addLocal(cx.L1.typeOf(kindOf(s.value.dtype)));
        fb.emit(m.local.set(local, value.one()));
        scope = scope.child().bind(s.name, { kind: 'scalar', local, dtype: s.value.dtype });
        break;
      }
      case 'for': {
        const loopScope = scope;
        const body = (inner: Scope): void => lowerStmts(cx, s.body, inner);
        // SIMD128 has four 32-bit lanes: vec=4 (or a multiple, which implies groups of four
        // independent iterations) is vectorized; other widths run as scalar loops.
        if (s.vec >= 4 && s.vec % 4 === 0 && cx.flags.simd) {
          emitVectorizedFor(cx, s, loopScope, body);
          break;
        }
        const counter = fb.addLocal(cx.b.i32);
        fb.emitCountedLoop(counter, 0, s.var.extent, 1, () => body(loopScope.child().bind(s.var.name, { kind: 'scalar', local: counter, dtype: 'int32' })));
        break;
      }
      case 'store': {
        const buf = cx.buffer(s.buffer);
        if (buf.dtype !== s.value.dtype) throw new WasmCodegenError(`store of ${s.value.dtype} into %${s.buffer}, which holds ${buf.dtype}`);
        if (buf.access === 'r') throw new WasmCodegenError(`kernel @${cx.kernelName} stores to read-only param %${s.buffer}`);
        const index = lowerScalar(cx, s.index, scope);
        const value = lowerScalar(cx, s.value, scope);
        fb.emit(cx.storeScalar(buf, index.one(), value.one()));
        break;
      }
    }
  }
}
