/**
 * One graph through the whole compiler, with every stage kept for `lower().asText(stage)`:
 * traced graph → cleaned-up graph → fused graph → loop IR (optimised, memory-planned) → wasm.
 * Stages are computed lazily and once.
 */
import { compileProgram, type CompiledWasmProgram, threadSupport } from '../codegen-wasm/index.js';
import { type DeviceLimits, type WgslProgram, compileProgramToWgsl } from '../codegen-wgsl/index.js';
import type { Graph } from '../ir/index.js';
import { dumpStage, resolveDumpDir } from '../passes/dump.js';
import type { FusionOptions } from '../passes/graph/fusion.js';
import { type CompiledProgram, compileToProgram } from '../passes/pipeline.js';

export interface CompileOptions {
  /**
   * Directory for numbered dumps of every stage; when absent KILN_DUMP decides, `false` turns
   * dumping off. Each compilation writes into a subdirectory of its own, `NNN-<graph name>`.
   */
  dump?: string | false;
  /** Target constraints for fusion (WebGPU: the device's storage-buffer limit). */
  fusion?: FusionOptions;
  /** wasm: fold float sums and products in sequential order (see codegen-wasm CompileOptions). */
  exactReductions?: boolean;
}

let compilations = 0;

function dumpDirFor(graph: Graph, option: string | false | undefined): string | false {
  const root = resolveDumpDir(option);
  if (!root) return false;
  const name = graph.name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${root}/${String(compilations++).padStart(3, '0')}-${name}`;
}

export class Compilation {
  private program?: CompiledProgram;
  private wasmModule?: CompiledWasmProgram;
  private wgslProgram?: WgslProgram;
  private readonly dump: string | false;

  constructor(readonly graph: Graph, private readonly options: CompileOptions = {}) {
    this.dump = dumpDirFor(graph, options.dump);
  }

  /** Graph cleanup, fusion, lowering, loop passes and memory planning. */
  get loop(): CompiledProgram {
    this.program ??= compileToProgram(this.graph, { dump: this.dump, fusion: this.options.fusion });
    return this.program;
  }

  get wasm(): CompiledWasmProgram {
    if (!this.wasmModule) {
      const loop = this.loop;
      // Shared memory where the platform has it, so runs can split grids across worker threads.
      this.wasmModule = compileProgram(loop.program, { shared: threadSupport().available, exactReductions: this.options.exactReductions });
      if (loop.ctx.dump) dumpStage(loop.ctx, 'wasm', 'wasm', `;; ${this.wasmModule.bytes.length} bytes of wasm; helpers: ${this.wasmModule.helpers.join(', ') || 'none'}\n`, 'txt');
    }
    return this.wasmModule;
  }

  /** WGSL compute shaders for a device with `limits` (compiled once per Compilation). */
  wgsl(limits: DeviceLimits): WgslProgram {
    if (!this.wgslProgram) {
      const loop = this.loop;
      this.wgslProgram = compileProgramToWgsl(loop.program, limits);
      if (loop.ctx.dump) {
        const text = this.wgslProgram.kernels.map((k) => `// kernel @${k.name}: ${k.mapping}, workgroup ${k.workgroupSize}, dispatch [${k.dispatch.join(', ')}]\n${k.code}`).join('\n');
        dumpStage(loop.ctx, 'wgsl', 'wgsl', text, 'wgsl');
      }
    }
    return this.wgslProgram;
  }
}
