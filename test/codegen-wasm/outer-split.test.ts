/**
 * splitOuterLoop: big grid-less kernels get a grid over chunks of their outer loop (so worker
 * threads can share them); everything else is left alone; the result runs bit-identically.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateProgram } from '../../ir/loop-eval.js';
import { printKernel } from '../../ir/loop-printer.js';
import { verifyKernel } from '../../ir/loop-verify.js';
import type { Kernel } from '../../ir/loop.js';
import { loadBinaryen } from '../../codegen-wasm/binaryen.js';
import { compileProgram } from '../../codegen-wasm/codegen.js';
import { splitOuterLoop } from '../../codegen-wasm/outer-split.js';
import { instantiateProgram } from '../../codegen-wasm/runtime.js';
import { add, f32, kernel, let_, load, loop, mismatches, mul, reduce, singleKernelProgram, store, v } from './build.js';

beforeAll(async () => {
  await loadBinaryen();
});

const x = (i: string) => load('x', 'float32', v(i));

/** y[j] = (x[j] + 1) * 2 over n elements, vec=4 (a let named like the grid variable would be). */
function elementwise(n: number): Kernel {
  return kernel('ew', [['y', 'float32', n, 'w'], ['x', 'float32', n, 'r']], [], [
    loop('j', n, [let_('j_chunk', x('j')), store('y', v('j'), mul(add(v('j_chunk', 'float32'), f32(1)), f32(2)))], 4),
  ]);
}

/** y[j] = sum over r of x[j * cols + r], rows vectorized (as the pipeline emits row sums). */
function rowSums(rows: number, cols: number): Kernel {
  return kernel('rows', [['y', 'float32', rows, 'w'], ['x', 'float32', rows * cols, 'r']], [], [
    loop('j', rows, [store('y', v('j'), reduce('sum', [['r', cols]], 0, load('x', 'float32', add(mul(v('j'), { kind: 'const', dtype: 'int32', value: cols }), v('r')))))], 4),
  ]);
}

describe('splitOuterLoop', () => {
  it('gives a big flat loop a grid of chunks, with a fresh grid variable name', () => {
    const k = splitOuterLoop(elementwise(1 << 16));
    verifyKernel(k);
    expect(k.grid).toEqual([{ name: 'j_chunk_1', extent: 64 }]);
    expect(printKernel(k)).toContain('for %j in 0..1024 vec=4');
    expect(printKernel(k)).toContain('%j_chunk_1 * 1024 + %j');
  });

  it('counts reduction work: 4096 rows of 1024 are split, 16 rows of 16 are not', () => {
    expect(splitOuterLoop(rowSums(4096, 1024)).grid).toEqual([{ name: 'j_chunk', extent: 64 }]);
    const small = rowSums(16, 16);
    expect(splitOuterLoop(small)).toBe(small);
  });

  it('leaves kernels alone that have a grid, several statements, or no chunking that keeps whole vectors', () => {
    const gridded = kernel('g', [['y', 'float32', 1 << 16, 'w']], [['i', 1 << 16]], [store('y', v('i'), f32(1))]);
    expect(splitOuterLoop(gridded)).toBe(gridded);
    const prime = elementwise(65537);
    expect(splitOuterLoop(prime)).toBe(prime);
    const two = { ...elementwise(1 << 16), body: [...elementwise(1 << 16).body, ...elementwise(1 << 16).body] };
    expect(splitOuterLoop(two)).toBe(two);
  });

  it('runs bit-identically to the reference over the whole grid and over sub-ranges', () => {
    for (const k of [elementwise(1 << 16), rowSums(512, 128)]) {
      const p = singleKernelProgram(k);
      const input = Float32Array.from({ length: p.buffers[1].size }, (_, i) => Math.sin(i) * 3);
      const want = evaluateProgram(p, [input]);
      const compiled = compileProgram(p, { shared: true, exactReductions: true });
      const launch = compiled.exports.launches[0];
      expect(launch.gridSize).toBeGreaterThan(1);
      const instance = instantiateProgram(p, compiled, { threads: 1 });
      expect(mismatches(instance.run([input])[0], want[0])).toEqual([]);
      // Chunk by chunk, as worker threads would run it.
      instance.view('y').fill(0);
      for (let c = 0; c < launch.gridSize; c++) instance.launches[launch.exportName](c, c + 1);
      expect(mismatches(instance.view('y'), want[0])).toEqual([]);
    }
  });
});
