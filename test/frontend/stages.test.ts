import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Tensor, jit, nn, numpy as np } from '../../frontend/index.js';
import { parseGraph } from '../../ir/index.js';
import { parseProgram } from '../../ir/loop-parser.js';
import { useBackend } from '../helpers.js';

const layer = (x: Tensor, w: Tensor, b: Tensor) => nn.relu(np.add(np.matmul(x, w), b));

describe('staged compilation and dumps (wasm)', () => {
  useBackend('wasm');

  it('prints every stage without running: graph, fused, loop, wat', () => {
    const lowered = jit(layer, { name: 'layer' }).lower(np.zeros([4, 3]), np.zeros([3, 2]), np.zeros([2]));
    expect(lowered.asText('graph')).toContain('graph @layer(');
    expect(lowered.asText('fused')).toContain('fusion %arg0, %arg1, %arg2 {kind=output} : f32[4,2] graph @matmul_add_max_4x2(');
    const loop = lowered.asText('loop');
    expect(loop).toContain('kernel @matmul_add_max_4x2(');
    expect(() => parseProgram(loop)).not.toThrow();
    const wat = lowered.asText('wat');
    expect(wat).toMatch(/^\(module/);
    expect(wat).toContain('(import "env" "memory"');
    const wgsl = lowered.asText('wgsl');
    expect(wgsl).toContain('@compute @workgroup_size(');
    expect(wgsl).toContain('matmul_add_max_4x2');
    expect(() => lowered.asText('ptx' as never)).toThrow(/unknown stage 'ptx'; stages are graph, fused, loop, wat, wgsl/);
  });

  it('reports kernel count and the static memory plan', () => {
    const stats = jit(layer).lower(np.zeros([4, 3]), np.zeros([3, 2]), np.zeros([2])).stats();
    expect(stats).toEqual({ kernels: 1, arenaBytes: 48 + 32 + 16 + 32, staticBytes: 128, tempBytes: 0, naiveTempBytes: 0 });
  });

  it('writes numbered dumps of every changed pass when jit is given a dump directory, each parsing back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-dump-'));
    try {
      const f = jit(layer, { dump: dir, name: 'layer' });
      const y = f(np.ones([4, 3]), np.ones([3, 2]), np.ones([2]));
      expect(y.toArray()).toEqual([[4, 4], [4, 4], [4, 4], [4, 4]]);
      const [sub] = readdirSync(dir);
      expect(sub).toMatch(/^\d{3}-layer$/);
      const files = readdirSync(join(dir, sub)).sort();
      expect(files[0]).toBe('0000.graph.input.kgraph');
      expect(files.some((f) => /^\d{4}\.graph\.after_fusion\.kgraph$/.test(f))).toBe(true);
      expect(files.some((f) => /^\d{4}\.loop\.after_lower\.kloop$/.test(f))).toBe(true);
      expect(files.some((f) => /^\d{4}\.loop\.after_memory-plan\.kloop$/.test(f))).toBe(true);
      files.forEach((name, i) => expect(name.startsWith(String(i).padStart(4, '0'))).toBe(true));
      for (const name of files) {
        const text = readFileSync(join(dir, sub, name), 'utf8');
        if (name.endsWith('.kgraph')) expect(() => parseGraph(text), name).not.toThrow();
        if (name.endsWith('.kloop')) expect(() => parseProgram(text), name).not.toThrow();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('honours KILN_DUMP for jit compilations (not for eager ops)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-env-dump-'));
    const old = process.env.KILN_DUMP;
    process.env.KILN_DUMP = dir;
    try {
      np.exp(np.ones([5]));
      expect(readdirSync(dir)).toEqual([]);
      jit(function expOf(x: Tensor) {
        return np.exp(x);
      })(np.ones([3]));
      const subs = readdirSync(dir);
      expect(subs.length).toBe(1);
      expect(subs[0]).toMatch(/-expOf$/);
      expect(readdirSync(join(dir, subs[0])).length).toBeGreaterThan(2);
    } finally {
      if (old === undefined) delete process.env.KILN_DUMP;
      else process.env.KILN_DUMP = old;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
