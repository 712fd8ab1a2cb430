/**
 * A cursor over a launch's flattened grid: the flat iteration index and the grid variables in
 * locals. `seek` recovers the variables from a flat index by div/mod once; `next` advances them
 * with carries (row-major, last variable fastest), so walking a range costs the same as nested
 * loops.
 */
import type { Kernel } from '../ir/loop.js';
import type { Ref } from './binaryen.js';
import type { Scope } from './context.js';
import type { FunctionBuilder } from './function-builder.js';

/** The locals of a launch function's `(start, end)` params. */
export const LAUNCH_RANGE = { start: 0, end: 1 } as const;

export class GridCursor {
  /** The flat iteration index. */
  readonly flat: number;
  /** One local per grid variable (a one-dimensional grid uses `flat` itself). */
  readonly locals: readonly number[];
  private readonly extents: readonly number[];

  constructor(
    private readonly fb: FunctionBuilder,
    private readonly kernel: Kernel,
  ) {
    const i32 = fb.b.i32;
    this.flat = fb.addLocal(i32);
    this.locals = kernel.grid.length === 1 ? [this.flat] : kernel.grid.map(() => fb.addLocal(i32));
    this.extents = kernel.grid.map((v) => v.extent);
  }

  /** Binds the grid variables to `locals` (default: the cursor's own) in `scope`. */
  bind(scope: Scope, locals: readonly number[] = this.locals): Scope {
    this.kernel.grid.forEach((v, i) => scope.bind(v.name, { kind: 'scalar', local: locals[i], dtype: 'int32' }));
    return scope;
  }

  /** Emits: move the cursor to flat iteration `index` (an i32 local). */
  seek(index: number): void {
    const { fb } = this;
    const m = fb.m;
    const get = (local: number): Ref => m.local.get(local, fb.b.i32);
    fb.emit(m.local.set(this.flat, get(index)));
    const n = this.extents.length;
    if (n <= 1) return;
    const rest = fb.addLocal(fb.b.i32);
    fb.emit(m.local.set(rest, get(index)));
    for (let i = n - 1; i > 0; i--) {
      fb.emit(m.local.set(this.locals[i], m.i32.rem_u(get(rest), m.i32.const(this.extents[i]))));
      fb.emit(m.local.set(rest, m.i32.div_u(get(rest), m.i32.const(this.extents[i]))));
    }
    fb.emit(m.local.set(this.locals[0], get(rest)));
  }

  /** One iteration forward: flat += 1 and the grid variables with carries. */
  next(): Ref {
    const m = this.fb.m;
    const bump = m.local.set(this.flat, m.i32.add(m.local.get(this.flat, this.fb.b.i32), m.i32.const(1)));
    const n = this.extents.length;
    return n <= 1 ? bump : m.block(null, [bump, this.carry(n - 1)]);
  }

  /** g[i] += 1, and when it reaches its extent, reset it and carry into g[i-1]. */
  private carry(i: number): Ref {
    const m = this.fb.m;
    const local = this.locals[i];
    const bump = m.local.set(local, m.i32.add(m.local.get(local, this.fb.b.i32), m.i32.const(1)));
    if (i === 0) return bump;
    const wrap = m.if(
      m.i32.eq(m.local.get(local, this.fb.b.i32), m.i32.const(this.extents[i])),
      m.block(null, [m.local.set(local, m.i32.const(0)), this.carry(i - 1)]),
    );
    return m.block(null, [bump, wrap]);
  }
}
