/**
 * The module-level helper functions kernels call (integer division/mod/pow, float mod, and the
 * transcendentals), each added to the module the first time a kernel uses it.
 */
import type { Binaryen, Module } from './binaryen.js';
import { FunctionBuilder } from './function-builder.js';
import { type IntegerHelper, buildIntegerHelper } from './math/integer.js';
import { type MathFunction, addMathHelper, mathHelperName } from './math/index.js';

const HELPER_DEPENDENCIES: Partial<Record<IntegerHelper, IntegerHelper[]>> = { mod_f32: ['fmod_f32'] };

export class ModuleHelpers {
  private readonly added = new Set<string>();

  constructor(
    readonly b: Binaryen,
    readonly m: Module,
  ) {}

  /** Name of the helper for a transcendental at lane width 1 (f32) or 4 (f32x4). */
  math(fn: MathFunction, width: 1 | 4): string {
    const name = mathHelperName(fn, width);
    if (!this.added.has(name)) {
      this.added.add(name);
      addMathHelper(this.b, this.m, fn, width);
    }
    return name;
  }

  /** Name of a scalar integer/float-mod helper: `(a, b) → result` over i32 (or f32 for *_f32). */
  scalar(helper: IntegerHelper): string {
    const name = `kiln_${helper}`;
    if (this.added.has(name)) return name;
    this.added.add(name);
    for (const dep of HELPER_DEPENDENCIES[helper] ?? []) this.scalar(dep);
    const { b, m } = this;
    const type = helper.endsWith('_f32') ? b.f32 : b.i32;
    const fb = new FunctionBuilder(b, m, [type, type]);
    const result = buildIntegerHelper(fb, helper);
    const { vars, body } = fb.finish();
    m.addFunction(name, b.createType([type, type]), type, vars, m.block(null, [body, result], type));
    return name;
  }

  /** Names of every helper added so far (for tests and stats). */
  names(): string[] {
    return [...this.added];
  }
}
