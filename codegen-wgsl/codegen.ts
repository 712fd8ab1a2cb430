/**
 * Loop-IR program → WGSL: one compute shader per launch (kernel.ts picks each one's mapping),
 * plus the buffer table the runtime allocates from. Bool buffers are one u32 per element.
 */
import type { Program } from '../ir/loop.js';
import { verifyProgram } from '../ir/loop-verify.js';
import { WgslCodegenError } from './errors.js';
import { type KernelOptions, compileKernel } from './kernel.js';
import { DEFAULT_DEVICE_LIMITS, type DeviceLimits } from './limits.js';
import type { WgslBinding, WgslKernel, WgslProgram } from './program.js';
import type { LaunchBindings } from './shader.js';

export type WgslCompileOptions = KernelOptions;

export function compileProgramToWgsl(p: Program, limits: DeviceLimits = DEFAULT_DEVICE_LIMITS, options: WgslCompileOptions = {}): WgslProgram {
  verifyProgram(p);
  const decls = new Map(p.buffers.map((b) => [b.name, b]));
  const kernels = new Map(p.kernels.map((k) => [k.name, k]));
  const compiled: WgslKernel[] = p.launches.map((launch, li) => {
    const kernel = kernels.get(launch.kernel);
    if (!kernel) throw new WgslCodegenError(`launch ${li} calls @${launch.kernel}, which is not a kernel of program @${p.name}`);
    const paramBinding = new Map(kernel.params.map((param, i) => [param.name, launch.args[i]]));
    const bindings: WgslBinding[] = [];
    kernel.params.forEach((param, i) => {
      const buffer = launch.args[i];
      const writes = param.access !== 'r';
      const existing = bindings.findIndex((b) => b.buffer === buffer);
      if (existing < 0) bindings.push({ buffer, access: writes ? 'read_write' : 'read' });
      else if (writes) bindings[existing] = { buffer, access: 'read_write' };
    });
    const launchBindings: LaunchBindings = {
      bindingOf: (param) => paramBinding.get(param) ?? param,
      bindings,
      sizes: new Map(bindings.map((b) => [b.buffer, decls.get(b.buffer)!.size])),
    };
    return compileKernel(kernel, launchBindings, limits, options);
  });
  return { name: p.name, kernels: compiled, buffers: p.buffers, inputs: p.inputs, outputs: p.outputs };
}

/** All shaders of a program as one text (for dumps and `asText('wgsl')`), in launch order. */
export function printWgslProgram(w: WgslProgram): string {
  return w.kernels.map((k, i) => `// ---- launch ${i}: @${k.name} (${k.bindings.map((b) => `%${b.buffer}`).join(', ')})\n${k.code}`).join('\n');
}
