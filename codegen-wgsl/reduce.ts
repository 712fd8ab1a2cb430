/**
 * Cooperative reductions: the threads of a workgroup fold strided slices of the reduction's
 * points, then combine their partial results through workgroup memory, with subgroup operations
 * first when the device has them (each subgroup's result goes to one slot; every thread folds the
 * slots in order) or with a tree otherwise. Every thread gets the result. These must be emitted
 * in uniform control flow (they contain barriers).
 *
 * The first thread starts from the reduction's `init`, the others from the identity, so init is
 * folded in exactly once; max/min keep the reference's NaN and signed-zero rules through the
 * kiln_max/kiln_min combine; argmax/argmin carry (value, position) pairs ordered "NaN first,
 * then the extreme, then the smaller position", which is what the sequential reference computes.
 */
import type { DType } from '../ir/dtype.js';
import type { Expr } from '../ir/loop.js';
import { type KernelEmitter, foldIdentity, worstValue } from './emitter.js';
import { type WValue, emitBinary, runtime } from './ops.js';

type ReduceExpr = Extract<Expr, { kind: 'reduce' }>;
type FoldOp = 'sum' | 'prod' | 'max' | 'min';
const FOLD_BINARY = { sum: 'add', prod: 'mul', max: 'max', min: 'min' } as const;

export interface CooperativeThreads {
  /** WGSL u32: this thread's position among the threads of the grid point. */
  readonly lane: string;
  /** WGSL u32: local_invocation_index. */
  readonly lid: string;
  /** Threads per grid point (the workgroup size). */
  readonly threads: number;
  /** Use subgroup operations (the entry point then has sg_lane, sg_id, n_sg builtins). */
  readonly subgroups: boolean;
}

const short = (d: DType): string => (d === 'float32' ? 'f32' : d === 'int32' ? 'i32' : 'u32');

/** Declares the workgroup array `kiln_wg_<what>` of `t`, one slot per thread. */
function sharedArray(em: KernelEmitter, t: string, threads: number, what = t): string {
  const name = `kiln_wg_${what}`;
  em.workgroupVars.set(name, `var<workgroup> ${name}: array<${t}, ${threads}>;`);
  return name;
}

function combineCode(em: KernelEmitter, op: FoldOp, d: DType, a: string, b: string): string {
  return emitBinary(em, FOLD_BINARY[op], runtime(a, d, 1), runtime(b, d, 1)).code;
}

/** The subgroup-level fold of `v` (every lane gets the subgroup's result). */
function subgroupFold(em: KernelEmitter, op: FoldOp, d: DType): string[] {
  if (op === 'sum') return ['  let s = subgroupAdd(v);'];
  if (op === 'prod') return ['  let s = subgroupMul(v);'];
  const fn = op === 'max' ? 'subgroupMax' : 'subgroupMin';
  if (d !== 'float32') return [`  let s = ${fn}(v);`];
  // NaN anywhere wins; a zero result takes the sign the reference's max/min would give.
  const isnan = em.helpers.use('kiln_isnan_f32');
  const bits = em.helpers.use('kiln_bits_f32');
  const zeroBits = op === 'max' ? '0u' : '0x80000000u';
  const otherZero = op === 'max' ? `${bits}(0x80000000u)` : '0.0f';
  return [
    `  let any_nan = subgroupAny(${isnan}(v));`,
    `  let m = ${fn}(v);`,
    `  let signed_zero = select(${otherZero}, ${op === 'max' ? '0.0f' : `${bits}(0x80000000u)`}, subgroupAny(bitcast<u32>(v) == ${zeroBits}));`,
    `  let s = select(select(m, signed_zero, m == 0.0f), ${bits}(0x7fc00000u), any_nan);`,
  ];
}

function foldFunction(em: KernelEmitter, op: FoldOp, d: DType, cx: CooperativeThreads): string {
  const t = short(d);
  const name = `kiln_${cx.subgroups ? 'sg' : 'wg'}_${op}_${t}`;
  if (em.functions.has(name)) return name;
  const arr = sharedArray(em, t, cx.threads);
  const lines = cx.subgroups
    ? [
      `fn ${name}(v: ${t}, lid: u32, sg_lane: u32, sg_id: u32, n_sg: u32) -> ${t} {`,
      ...subgroupFold(em, op, d),
      `  if (sg_lane == 0u) { ${arr}[sg_id] = s; }`,
      '  workgroupBarrier();',
      `  var r = ${arr}[0];`,
      `  for (var k = 1u; k < n_sg; k++) { r = ${combineCode(em, op, d, 'r', `${arr}[k]`)}; }`,
      '  workgroupBarrier();',
      '  return r;',
      '}',
    ]
    : [
      `fn ${name}(v: ${t}, lid: u32) -> ${t} {`,
      `  ${arr}[lid] = v;`,
      '  workgroupBarrier();',
      `  for (var s = ${cx.threads / 2}u; s > 0u; s = s >> 1u) {`,
      `    if (lid < s) { ${arr}[lid] = ${combineCode(em, op, d, `${arr}[lid]`, `${arr}[lid + s]`)}; }`,
      '    workgroupBarrier();',
      '  }',
      `  let r = ${arr}[0];`,
      '  workgroupBarrier();',
      '  return r;',
      '}',
    ];
  em.functions.set(name, lines.join('\n'));
  return name;
}

function argFunction(em: KernelEmitter, op: 'argmax' | 'argmin', d: DType, cx: CooperativeThreads): string {
  const t = short(d);
  const name = `kiln_${cx.subgroups ? 'sg' : 'wg'}_${op}_${t}`;
  if (em.functions.has(name)) return name;
  const values = sharedArray(em, t, cx.threads);
  const positions = sharedArray(em, 'i32', cx.threads, 'position');
  const beats = em.helpers.use(`kiln_${op}_beats_${t}`);
  let lines: string[];
  if (cx.subgroups) {
    const subgroupPart = d === 'float32'
      ? [
        `  let nan = ${em.helpers.use('kiln_isnan_f32')}(v);`,
        '  let any_nan = subgroupAny(nan);',
        `  let m = ${op === 'argmax' ? 'subgroupMax' : 'subgroupMin'}(select(v, ${em.helpers.use('kiln_bits_f32')}(${op === 'argmax' ? '0xff800000u' : '0x7f800000u'}), nan));`,
        '  let best_i = subgroupMin(select(select(2147483647i, i, v == m), select(2147483647i, i, nan), any_nan));',
        '  let best_v = select(m, kiln_bits_f32(0x7fc00000u), any_nan);',
      ]
      : [
        `  let best_v = ${op === 'argmax' ? 'subgroupMax' : 'subgroupMin'}(v);`,
        '  let best_i = subgroupMin(select(2147483647i, i, v == best_v));',
      ];
    lines = [
      `fn ${name}(v: ${t}, i: i32, lid: u32, sg_lane: u32, sg_id: u32, n_sg: u32) -> i32 {`,
      ...subgroupPart,
      `  if (sg_lane == 0u) { ${values}[sg_id] = best_v; ${positions}[sg_id] = best_i; }`,
      '  workgroupBarrier();',
      `  var rv = ${values}[0];`,
      `  var ri = ${positions}[0];`,
      '  for (var k = 1u; k < n_sg; k++) {',
      `    if (${beats}(${values}[k], ${positions}[k], rv, ri)) { rv = ${values}[k]; ri = ${positions}[k]; }`,
      '  }',
      '  workgroupBarrier();',
      '  return ri;',
      '}',
    ];
  } else {
    lines = [
      `fn ${name}(v: ${t}, i: i32, lid: u32) -> i32 {`,
      `  ${values}[lid] = v;`,
      `  ${positions}[lid] = i;`,
      '  workgroupBarrier();',
      `  for (var s = ${cx.threads / 2}u; s > 0u; s = s >> 1u) {`,
      '    if (lid < s) {',
      '      let o = lid + s;',
      `      if (${beats}(${values}[o], ${positions}[o], ${values}[lid], ${positions}[lid])) { ${values}[lid] = ${values}[o]; ${positions}[lid] = ${positions}[o]; }`,
      '    }',
      '    workgroupBarrier();',
      '  }',
      `  let r = ${positions}[0];`,
      '  workgroupBarrier();',
      '  return r;',
      '}',
    ];
  }
  em.functions.set(name, lines.join('\n'));
  return name;
}

/** Binds the reduction variables of flat point `p` (row-major, last fastest). */
function bindPoint(em: KernelEmitter, e: ReduceExpr, p: string): void {
  let rest = p;
  for (let k = e.vars.length - 1; k >= 0; k--) {
    const v = e.vars[k];
    const ident = em.names.fresh(`v_${v.name}`);
    if (k === 0) em.w.line(`let ${ident}: i32 = ${rest};`);
    else {
      em.w.line(`let ${ident}: i32 = ${rest} % ${v.extent}i;`);
      const next = em.names.fresh('rest');
      em.w.line(`let ${next}: i32 = ${rest} / ${v.extent}i;`);
      rest = next;
    }
    em.bind(v.name, runtime(ident, 'int32', 1));
  }
}

/** Emits a cooperative reduction of `e` and returns its result (the same in every thread). */
export function emitCooperativeReduce(em: KernelEmitter, e: ReduceExpr, cx: CooperativeThreads): WValue {
  const total = e.vars.reduce((n, v) => n * v.extent, 1);
  if (total === 0) return em.constant(e.init, e.dtype);
  const sgArgs = cx.subgroups ? ', sg_lane, sg_id, n_sg' : '';
  const q = em.names.fresh('q');
  const p = em.names.fresh('p');
  // A u32 counter cannot wrap when stepping past a total near 2^31.
  const loopHeader = `for (var ${q}: u32 = ${cx.lane}; ${q} < ${total}u; ${q} += ${cx.threads}u)`;
  if (e.op === 'argmax' || e.op === 'argmin') {
    const bodyType: DType = e.body.dtype === 'bool' ? 'uint32' : e.body.dtype;
    const best = em.variable(em.constant(worstValue(e.op, e.body.dtype), bodyType), 'best');
    const bestIndex = em.variable(em.constant(2147483647, 'int32'), 'best_index');
    const beats = em.helpers.use(`kiln_${e.op}_beats_${short(bodyType)}`);
    em.w.block(loopHeader, () => {
      em.pushScope();
      em.w.line(`let ${p}: i32 = i32(${q});`);
      bindPoint(em, e, p);
      const raw = em.expr(e.body);
      const v = em.materialize(e.body.dtype === 'bool' ? runtime(`select(0u, 1u, ${raw.code})`, 'uint32', 1) : raw, 'v').code;
      em.w.block(`if (${beats}(${v}, ${p}, ${best}, ${bestIndex}))`, () => {
        em.w.line(`${best} = ${v};`);
        em.w.line(`${bestIndex} = ${p};`);
      });
      em.popScope();
    });
    const fn = argFunction(em, e.op, bodyType, cx);
    return em.materialize(runtime(`${fn}(${best}, ${bestIndex}, ${cx.lid}${sgArgs})`, 'int32', 1), 'reduced');
  }
  const op = e.op;
  const start = runtime(`select(${em.constant(foldIdentity(op, e.dtype), e.dtype).code}, ${em.constant(e.init, e.dtype).code}, ${cx.lane} == 0u)`, e.dtype, 1);
  const acc = em.variable(start, 'acc');
  const accValue = runtime(acc, e.dtype, 1);
  em.w.block(loopHeader, () => {
    em.pushScope();
    em.w.line(`let ${p}: i32 = i32(${q});`);
    bindPoint(em, e, p);
    em.w.line(`${acc} = ${emitBinary(em, FOLD_BINARY[op], accValue, em.expr(e.body)).code};`);
    em.popScope();
  });
  const fn = foldFunction(em, op, e.dtype, cx);
  return em.materialize(runtime(`${fn}(${acc}${', ' + cx.lid}${sgArgs})`, e.dtype, 1), 'reduced');
}
