/**
 * Lowering: a fused graph (top level = fusion nodes and dense constants) becomes a loop-IR
 * program — one kernel per fusion node plus copies where a result aliases an input, a constant
 * or another result — with a buffer table of inputs, constants, temps and outputs.
 */
import {
  type BufferDecl, FUSION_OP, type Graph, type Kernel, KilnError, type Launch, type Program, type Value, convertScalar, sizeOf,
} from '../../ir/index.js';
import { isDenseConst } from '../graph/fusion.js';
import { type BufferRef, copyKernel, lowerRegion } from './region.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names lowering generates: inputs without a usable hint, constants, temps, outputs. */
const GENERATED = /^(in|c|t|out)\d+$/;

export function lowerToProgram(fused: Graph): Program {
  const buffers: BufferDecl[] = [];
  const bufferOf = new Map<Value, BufferRef>();
  const declare = (name: string, v: Value, role: BufferDecl['role'], data?: number[]): BufferRef => {
    const ref = { name, dtype: v.type.dtype, size: sizeOf(v.type.shape) };
    buffers.push({ ...ref, role, ...(data ? { data } : {}) });
    return ref;
  };
  const usedNames = new Set<string>();
  fused.params.forEach((p, k) => {
    // A hint that looks like a generated name (in3, c0, t1, out2) could clash with one: use in<k>.
    const usable = p.name && IDENT.test(p.name) && !GENERATED.test(p.name) && !usedNames.has(p.name);
    const hint = usable ? p.name! : `in${k}`;
    usedNames.add(hint);
    bufferOf.set(p, declare(hint, p, 'input'));
  });

  // A result produced by a kernel is written straight into its output buffer, the first time.
  const outputName = new Map<Value, string>();
  fused.results.forEach((v, k) => {
    if (!outputName.has(v)) outputName.set(v, `out${k}`);
  });

  const kernels: Kernel[] = [];
  const launches: Launch[] = [];
  let constants = 0;
  let temps = 0;
  for (const node of fused.nodes) {
    if (isDenseConst(node)) {
      const v = node.outputs[0];
      const data = (node.attrs.value as number[]).map((x) => convertScalar(x, 'float32', v.type.dtype));
      bufferOf.set(v, declare(`c${constants++}`, v, 'constant', data));
      continue;
    }
    if (node.op !== FUSION_OP || !node.body) {
      throw new KilnError(`lower: expected a fused graph (fusion nodes and dense constants only), found '${node.op}'`);
    }
    const outs = node.outputs.map((v) => {
      const out = outputName.get(v);
      const ref = out ? declare(out, v, 'output') : declare(`t${temps++}`, v, 'temp');
      bufferOf.set(v, ref);
      return ref;
    });
    const ins = node.inputs.map((v) => bufferOf.get(v)!);
    const kernel = lowerRegion(node.body, node.body.name, ins, outs);
    kernels.push(kernel);
    launches.push({ kernel: kernel.name, args: kernel.params.map((p) => p.name) });
  }

  const outputs = fused.results.map((v, k) => {
    const src = bufferOf.get(v)!;
    if (src.name === `out${k}`) return src.name;
    // Aliases an input, a constant or an earlier result: copy into a buffer of its own.
    const dst = declare(`out${k}`, v, 'output');
    const kernel = copyKernel(`copy_out${k}`, src, dst, v.type.shape);
    kernels.push(kernel);
    launches.push({ kernel: kernel.name, args: kernel.params.map((p) => p.name) });
    return dst.name;
  });
  return { name: fused.name, buffers, kernels, launches, inputs: fused.params.map((p) => bufferOf.get(p)!.name), outputs };
}
