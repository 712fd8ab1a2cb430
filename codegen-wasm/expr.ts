/**
 * Scalar lowering of loop-IR expressions: each Expr becomes a wasm value of its dtype's register
 * type (f32, i32; bool as i32 0/1). Shared sub-values and reductions are emitted as statements
 * into the current block before the expression that uses them; a guarded load evaluates its
 * index and reads memory only inside the `if` arm where the guard holds.
 */
import type { Expr } from '../ir/loop.js';
import type { KernelContext, Scope } from './context.js';
import { WasmCodegenError } from './errors.js';
import { constantValue } from './expr-utils.js';
import type { Val } from './lanes.js';
import { constVal, emitBinary, emitCast, emitUnary, kindOf } from './ops.js';
import { canVectorizeFold, emitContiguousReduce, emitReduce } from './reduce.js';
import { isContiguousReduce, lowerVector } from './simd.js';

export function lowerScalar(cx: KernelContext, e: Expr, scope: Scope): Val {
  const L = cx.L1;
  const ops = { L, helpers: cx.helpers };
  switch (e.kind) {
    case 'const':
      return constVal(L, e.dtype, e.value);
    case 'var': {
      const binding = scope.get(e.name);
      if (binding.kind !== 'scalar') throw new Error(`internal: %${e.name} is a per-lane value outside vector code`);
      return L.fromLocals(kindOf(binding.dtype), [binding.local]);
    }
    case 'load':
      return lowerScalarLoad(cx, e, scope);
    case 'unary':
      return emitUnary(ops, e.op, e.x.dtype, lowerScalar(cx, e.x, scope));
    case 'cast':
      return emitCast(L, e.x.dtype, e.dtype, lowerScalar(cx, e.x, scope));
    case 'binary': {
      const a = lowerScalar(cx, e.a, scope);
      const b = lowerScalar(cx, e.b, scope);
      return emitBinary(ops, e.op, e.a.dtype, a, b, constantValue(e.b));
    }
    case 'select': {
      const c = lowerScalar(cx, e.cond, scope);
      const a = lowerScalar(cx, e.a, scope);
      const b = lowerScalar(cx, e.b, scope);
      return L.select(c, a, b);
    }
    case 'reduce': {
      const body = (inner: Scope): Val => lowerScalar(cx, e.body, inner);
      if (canVectorizeFold(cx, e) && isContiguousReduce(e, scope)) {
        return emitContiguousReduce(cx, e, scope, { vector: (inner) => lowerVector(cx, e.body, inner), scalar: body });
      }
      return emitReduce(cx, L, e, scope, body);
    }
  }
}

type LoadExpr = Extract<Expr, { kind: 'load' }>;

function lowerScalarLoad(cx: KernelContext, e: LoadExpr, scope: Scope): Val {
  const L = cx.L1;
  const buf = cx.buffer(e.buffer);
  if (buf.dtype !== e.dtype) {
    throw new WasmCodegenError(`load of %${e.buffer} as ${e.dtype}, but the buffer holds ${buf.dtype}`);
  }
  const kind = kindOf(e.dtype);
  const read = (): Val => L.wrap(kind, cx.loadScalar(buf, lowerScalar(cx, e.index, scope).one()));
  if (!e.guard) return read();
  const guard = lowerScalar(cx, e.guard, scope).one();
  const { stmts, value } = cx.fb.capture(() => read().one());
  const type = L.typeOf(kind);
  const otherwise = constVal(L, e.dtype, e.other ?? 0).one();
  return L.wrap(kind, cx.m.if(guard, cx.fb.seqValue(stmts, value, type), otherwise));
}
