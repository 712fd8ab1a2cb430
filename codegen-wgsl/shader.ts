/**
 * Pieces every mapping shares: the launch's buffer bindings and their WGSL views, grid variables
 * from a flat point index, 2-D folding of large dispatches, and putting a shader module together.
 */
import type { Kernel } from '../ir/loop.js';
import { type BufferView, type KernelEmitter } from './emitter.js';
import { WgslCodegenError } from './errors.js';
import type { DeviceLimits } from './limits.js';
import { runtime } from './ops.js';
import type { WgslAccess, WgslBinding } from './program.js';
import { storageType } from './wgsl.js';

/** The launch's view of its buffers: param name → program buffer, and the distinct bindings. */
export interface LaunchBindings {
  readonly bindingOf: (param: string) => string;
  readonly bindings: readonly WgslBinding[];
  readonly sizes: ReadonlyMap<string, number>;
}

/** Splits `total` workgroups into an [x, y, 1] dispatch within the per-dimension limit. */
export function foldDispatch(total: number, limits: DeviceLimits, what: string): [number, number, number] {
  const max = limits.maxComputeWorkgroupsPerDimension;
  if (total <= max) return [total, 1, 1];
  const y = Math.ceil(total / max);
  if (y > max) throw new WgslCodegenError(`${what}: ${total} workgroups exceed ${max}×${max}`);
  return [Math.ceil(total / y), y, 1];
}

function bindingHeader(bindings: readonly WgslBinding[], views: ReadonlyMap<string, BufferView>): string[] {
  const byBinding = new Map([...views.values()].map((v) => [v.binding, v]));
  return bindings.map((b, i) => {
    const view = byBinding.get(b.buffer)!;
    const element = view.vec4 ? 'vec4<f32>' : storageType(view.dtype);
    return `@group(0) @binding(${i}) var<storage, ${b.access}> ${view.ident}: array<${element}>;`;
  });
}

/** Puts the module together: directives, bindings, helpers, workgroup memory, functions, entry point. */
export function assembleShader(em: KernelEmitter, bindings: readonly WgslBinding[], header: string, entry: string, subgroups: boolean): string {
  const parts = [
    ...(subgroups ? ['enable subgroups;'] : []),
    header,
    ...bindingHeader(bindings, em.views),
    em.helpers.source(),
    ...em.workgroupVars.values(),
    ...em.functions.values(),
    entry,
  ];
  return parts.filter((p) => p.length > 0).join('\n') + '\n';
}

/** Declares the grid variables of flat point `point` (u32, row-major). */
export function bindGrid(em: KernelEmitter, kernel: Kernel, point: string): void {
  let rest = point;
  for (let k = kernel.grid.length - 1; k >= 0; k--) {
    const g = kernel.grid[k];
    const ident = em.names.fresh(`v_${g.name}`);
    if (k === 0) em.w.line(`let ${ident}: i32 = i32(${rest});`);
    else {
      em.w.line(`let ${ident}: i32 = i32(${rest} % ${g.extent}u);`);
      const next = em.names.fresh('rest');
      em.w.line(`let ${next}: u32 = ${rest} / ${g.extent}u;`);
      rest = next;
    }
    em.bind(g.name, runtime(ident, 'int32', 1));
  }
}

/** The views of a launch's bindings (`vec4` for the given f32 bindings). */
export function makeViews(kernel: Kernel, launch: LaunchBindings, vec4: ReadonlySet<string>): Map<string, BufferView> {
  const idents = new Map<string, string>();
  launch.bindings.forEach((b) => idents.set(b.buffer, `buf_${b.buffer}`));
  const access = new Map(launch.bindings.map((b) => [b.buffer, b.access] as [string, WgslAccess]));
  return new Map(kernel.params.map((p) => {
    const binding = launch.bindingOf(p.name);
    return [p.name, { binding, ident: idents.get(binding)!, dtype: p.dtype, size: p.size, vec4: vec4.has(binding), access: access.get(binding)! }];
  }));
}

