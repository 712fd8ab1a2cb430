import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers.js';
import { type Tensor, jit, nn, numpy as np } from '../../frontend/index.js';
import { type Program, evaluateGraph, evaluateProgram } from '../../ir/index.js';
import { ARENA_ALIGN, bufferLifetimes, planMemory } from '../../passes/memory-plan.js';
import { compileToProgram } from '../../passes/pipeline.js';
import { firstMismatch, randomInputs } from './random-inputs.js';

const WIDTHS = [32, 96, 64, 128, 48, 80, 112, 40, 72, 56, 24];
const BATCH = 8;

function tenLayerMLP(x: Tensor, ...params: Tensor[]): Tensor {
  let h = x;
  for (let l = 0; l < 10; l++) h = nn.relu(np.add(np.matmul(h, params[2 * l]), params[2 * l + 1]));
  return h;
}

function mlpGraph() {
  const params: Tensor[] = [];
  for (let l = 0; l < 10; l++) params.push(np.zeros([WIDTHS[l], WIDTHS[l + 1]]), np.zeros([WIDTHS[l + 1]]));
  return jit(tenLayerMLP).lower(np.zeros([BATCH, WIDTHS[0]]), ...params).graph;
}

function overlaps(p: Program): string[] {
  const life = bufferLifetimes(p);
  const bad: string[] = [];
  const bytes = (size: number, dtype: string) => size * (dtype === 'bool' ? 1 : 4);
  for (const a of p.buffers) {
    for (const b of p.buffers) {
      if (a.name >= b.name) continue;
      const la = life.get(a.name);
      const lb = life.get(b.name);
      const bothTemps = a.role === 'temp' && b.role === 'temp';
      const liveTogether = !bothTemps || (la && lb && la.start <= lb.end && lb.start <= la.end);
      const spaceOverlap = a.offset! < b.offset! + bytes(b.size, b.dtype) && b.offset! < a.offset! + bytes(a.size, a.dtype);
      if (liveTogether && spaceOverlap && bytes(a.size, a.dtype) > 0 && bytes(b.size, b.dtype) > 0) bad.push(`${a.name}/${b.name}`);
    }
  }
  return bad;
}

describe('planMemory', () => {
  useBackend('interp'); // tensors only carry shapes here
  it('holds a 10-layer MLP in the two largest activations live at once, far under the naive sum', () => {
    const { program, memory } = compileToProgram(mlpGraph());
    const activations = WIDTHS.slice(1, 10).map((w) => BATCH * w * 4); // the nine hidden activations are temps
    let twoLive = 0;
    for (let k = 0; k + 1 < activations.length; k++) twoLive = Math.max(twoLive, activations[k] + activations[k + 1]);
    expect(memory.tempBytes).toBeLessThanOrEqual(twoLive);
    expect(memory.naiveTempBytes).toBe(activations.reduce((a, b) => a + b, 0));
    expect(memory.tempBytes).toBeLessThan(memory.naiveTempBytes / 2);
    expect(overlaps(program)).toEqual([]);
  });

  it('gives every buffer an aligned offset and never overlaps buffers live at the same time', () => {
    const { program, memory } = compileToProgram(mlpGraph());
    for (const b of program.buffers) expect(b.offset! % ARENA_ALIGN).toBe(0);
    expect(program.arenaBytes).toBe(memory.arenaBytes);
    expect(memory.arenaBytes).toBe(memory.staticBytes + memory.tempBytes);
  });

  it('produces plans that compute the right values when all buffers share one arena', () => {
    const g = mlpGraph();
    const inputs = randomInputs(g, 3, { specials: false });
    const expected = evaluateGraph(g, inputs)[0].data;
    const { program } = compileToProgram(g);
    expect(firstMismatch(evaluateProgram(program, inputs.map((t) => t.data), { arena: true })[0], expected)).toBe(-1);
  });

  it('reuses a temp only after its last reader', () => {
    const p: Program = {
      name: 'p',
      buffers: [
        { name: 'x', dtype: 'float32', size: 4, role: 'input' },
        { name: 'a', dtype: 'float32', size: 4, role: 'temp' },
        { name: 'b', dtype: 'float32', size: 4, role: 'temp' },
        { name: 'c', dtype: 'float32', size: 4, role: 'temp' },
        { name: 'y', dtype: 'float32', size: 4, role: 'output' },
      ],
      kernels: [],
      launches: [
        { kernel: 'k', args: ['a', 'x'] },
        { kernel: 'k', args: ['b', 'a'] },
        { kernel: 'k', args: ['c', 'b', 'a'] },
        { kernel: 'k', args: ['y', 'c'] },
      ],
      inputs: ['x'],
      outputs: ['y'],
    };
    const { program, stats } = planMemory(p);
    const off = Object.fromEntries(program.buffers.map((b) => [b.name, b.offset]));
    expect(new Set([off.a, off.b, off.c]).size).toBe(3); // a is read by the launch that writes c
    expect(stats.tempBytes).toBe(48);
  });
});
