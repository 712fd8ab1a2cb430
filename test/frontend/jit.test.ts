import { describe, expect, it } from 'vitest';
import { Tensor, jit, nn, numpy as np } from '../../frontend/index.js';
import { parseGraph } from '../../ir/index.js';
import { BACKENDS, item, useBackend } from '../helpers.js';

describe.each(BACKENDS)('jit on %s', (backend) => {
  useBackend(backend);

  it('computes the same values as eager execution', async () => {
    const f = (x: Tensor, y: Tensor) => np.add(np.multiply(x, 2), np.exp(y));
    const x = np.array([1, 2, 3]);
    const y = np.array([0, 1, 2]);
    expect(await jit(f)(x, y).data()).toEqual(await f(x, y).data());
  });

  it('traces once per signature and retraces for new shapes, dtypes or static values', async () => {
    const f = jit((x: Tensor, scale: number) => np.multiply(x, scale));
    f(np.ones([2]), 3);
    f(np.array([5, 6]), 3);
    expect(f.traceCount).toBe(1);
    expect(await f(np.array([5, 6]), 3).array()).toEqual([15, 18]);
    expect(f.traceCount).toBe(1);
    f(np.ones([3]), 3);
    expect(f.traceCount).toBe(2);
    f(np.ones([3], { dtype: 'int32' }), 3);
    expect(f.traceCount).toBe(3);
    expect(await f(np.ones([3]), 4).array()).toEqual([4, 4, 4]);
    expect(f.traceCount).toBe(4);
  });

  it('accepts and returns pytrees of tensors with static leaves', async () => {
    const f = jit((params: { w: Tensor; b: Tensor }, xs: [Tensor, Tensor], opts: { relu: boolean }) => {
      const y = np.add(np.matmul(xs[0], params.w), params.b);
      return { y: opts.relu ? nn.relu(y) : y, pair: [xs[1], 7] as const };
    });
    const out = f({ w: np.array([[1, -1], [1, -1]]), b: np.array([0, 1]) }, [np.array([[1, 2]]), np.array([4])], { relu: true });
    expect(await out.y.array()).toEqual([[3, 0]]);
    expect(await out.pair[0].array()).toEqual([4]);
    expect(out.pair[1]).toBe(7);
  });

  it('prints the traced graph from lower() without running, and the text parses back', () => {
    const f = jit(function mlp(x: Tensor, w: Tensor) {
      return nn.relu(np.matmul(x, w));
    });
    const text = f.lower(np.zeros([4, 3]), np.zeros([3, 2])).asText('graph');
    expect(text).toContain('graph @mlp(%arg0: f32[4,3], %arg1: f32[3,2]) -> (f32[4,2])');
    expect(text).toContain('dot_general %arg0, %arg1 {batch=[[],[]], contract=[[1],[0]]} : f32[4,2]');
    expect(text).toContain('max');
    expect(() => parseGraph(text)).not.toThrow();
    expect(f.traceCount).toBe(1);
  });

  it('captures closed-over tensors: small ones inline, large ones as parameters', async () => {
    const small = np.array([1, 2]);
    const large = np.ones([100]);
    const f = jit((x: Tensor) => np.add(np.sum(np.multiply(x, large)), np.sum(small)));
    expect(await item(f(np.ones([100])))).toBe(103);
    const g = f.lower(np.ones([100])).graph;
    expect(g.params.length).toBe(2);
    expect(g.nodes.some((n) => n.op === 'const' && Array.isArray(n.attrs.value))).toBe(true);
  });

  it('runs a layer whose weights are captured and whose small bias stays a constant buffer', async () => {
    const w = np.ones([20, 3]);
    const b = np.array([1, 2, 3]);
    const layer = jit((x: Tensor) => np.add(np.matmul(x, w), b));
    expect(await layer(np.ones([2, 20])).array()).toEqual([[21, 22, 23], [21, 22, 23]]);
  });

  it('returns fresh tensors even when an output is an input', async () => {
    const x = np.array([1, 2]);
    const [a, b] = jit((t: Tensor) => [t, t])(x);
    a.dispose();
    expect(await b.array()).toEqual([1, 2]);
    expect(await x.array()).toEqual([1, 2]);
  });

  it('inlines a jitted function called inside another trace', async () => {
    const inner = jit((x: Tensor) => np.multiply(x, 3));
    const outer = jit((x: Tensor) => np.add(inner(x), 1));
    expect(await outer(np.array([1])).array()).toEqual([4]);
    expect(inner.traceCount).toBe(0);
    expect(outer.lower(np.array([1])).graph.nodes.map((n) => n.op)).toEqual(['const', 'mul', 'const', 'add']);
  });

  it('refuses to branch on a traced value and says what to use instead', () => {
    const branchy = jit((x: Tensor) => ((x as unknown as number) > 0 ? x : np.negative(x)));
    expect(() => branchy(np.array([1]))).toThrow(/traced value inside jit.*np\.where/);
    expect(() => jit((x: Tensor) => Number(x))(np.array([1]))).toThrow(/converting to a number\/boolean.*np\.where/);
    expect(() => jit((x: Tensor) => `${x}`)(np.array([1]))).toThrow(/converting to a string/);
    expect(() => jit((x: Tensor) => x.dataSync())(np.array([1]))).toThrow(/dataSync\(\): this tensor .* is a traced value/);
  });

  it('reports a leaked tracer used outside its trace', () => {
    let leaked: Tensor | undefined;
    jit((x: Tensor) => {
      leaked = np.exp(x);
      return x;
    })(np.array([1]));
    expect(() => np.add(leaked!, 1)).toThrow(/escaped its jit trace/);
  });

  it('adds the traced signature to op errors raised while tracing', () => {
    const f = jit(function bad(x: Tensor) {
      return np.matmul(x, x);
    });
    expect(() => f(np.zeros([2, 3]))).toThrow(/matmul: shapes f32\[2,3\] and f32\[2,3\] do not align[\s\S]*while tracing jit\(bad\) with inputs \(f32\[2,3\]\)/);
  });

  it('rejects unsupported argument kinds and non-functions', () => {
    expect(() => jit((x: unknown) => x)(new Map() as never)).toThrow(/jit: argument\[0\] is a Map/);
    expect(() => jit(42 as never)).toThrow(/jit: expected a function/);
  });

  it('handles rank-0 and zero-size inputs', async () => {
    const f = jit((x: Tensor) => np.sum(np.multiply(x, 2)));
    expect(await item(f(np.array(3)))).toBe(6);
    expect(await item(f(np.zeros([0, 4])))).toBe(0);
  });
});
