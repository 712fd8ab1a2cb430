import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, numpy as np } from '../../frontend/index.js';
import { BACKENDS, expectClose, item, useBackend } from '../helpers.js';

describe.each(BACKENDS)('numpy API on %s', (backend) => {
  useBackend(backend);

  describe('elementwise', () => {
    it('broadcasts NumPy-style, including size-1 stretching and rank extension', async () => {
      const a = np.array([[1], [2], [3]]);
      const b = np.array([10, 20]);
      expect(await np.add(a, b).array()).toEqual([[11, 21], [12, 22], [13, 23]]);
      expect(np.subtract(b, a).shape).toEqual([3, 2]);
      expect(np.multiply(np.zeros([0, 2]), b).shape).toEqual([0, 2]);
    });

    it('treats JS numbers as weak scalars that keep the tensor dtype', async () => {
      const i = np.array([1, 2, 3], { dtype: 'int32' });
      expect(np.add(i, 1).dtype).toBe('int32');
      expect(np.add(i, 1.5).dtype).toBe('float32');
      expect(await np.add(i, 1.5).array()).toEqual([2.5, 3.5, 4.5]);
      expect(np.multiply(np.array([true, false]), 3).dtype).toBe('int32');
      expect(await np.add(2, 3).array()).toBe(5);
    });

    it('promotes tensor dtypes bool < u32 < i32 < f32', () => {
      const b = np.array([true, false]);
      const u = np.array([1, 2], { dtype: 'uint32' });
      const i = np.array([1, 2], { dtype: 'int32' });
      const f = np.array([1, 2]);
      expect(np.add(b, u).dtype).toBe('uint32');
      expect(np.add(u, i).dtype).toBe('int32');
      expect(np.add(i, f).dtype).toBe('float32');
      expect(np.add(b, b).dtype).toBe('int32');
    });

    it('computes float math and promotes integers to float32 for it', async () => {
      expectClose(await np.exp(np.array([0, 1, -1])).data(), [1, Math.E, 1 / Math.E], { rtol: 1e-7 });
      expect(np.sqrt(np.array([4, 9], { dtype: 'int32' })).dtype).toBe('float32');
      expectClose(await np.log(np.array([1, Math.E, 0])).data(), [0, 1, -Infinity]);
      expectClose(await np.rsqrt(np.array([4, 16])).data(), [0.5, 0.25]);
      expectClose(await np.tanh(np.array([0, 1])).data(), [0, Math.tanh(1)]);
      expectClose(await np.sin(np.array([0, Math.PI / 2])).data(), [0, 1]);
      expectClose(await np.cos(np.array([0, Math.PI])).data(), [1, -1]);
      expectClose(await np.erf(np.array([0, 1])).data(), [0, 0.8427007929497149]);
      expectClose(await np.sigmoid(np.array([0, 100, -100])).data(), [0.5, 1, 0], { atol: 1e-30 });
      expect(await np.floor(np.array([-1.5, 1.5])).array()).toEqual([-2, 1]);
      expect(await np.ceil(np.array([-1.5, 1.5])).array()).toEqual([-1, 2]);
      expect(await np.round(np.array([0.5, 1.5, 2.5, -0.5])).array()).toEqual([0, 2, 2, -0]);
      expect(await np.sign(np.array([-3, 0, 2])).array()).toEqual([-1, 0, 1]);
      expect(await np.abs(np.array([-3, 2], { dtype: 'int32' })).array()).toEqual([3, 2]);
      expect(await np.negative(np.array([1, -2])).array()).toEqual([-1, 2]);
    });

    it('divides truly, floor-divides and takes NumPy mod', async () => {
      const a = np.array([7, -7], { dtype: 'int32' });
      expect(np.divide(a, 2).dtype).toBe('float32');
      expect(await np.divide(a, 2).array()).toEqual([3.5, -3.5]);
      expect(await np.floorDivide(a, 2).array()).toEqual([3, -4]);
      expect(await np.floorDivide(np.array([7, -7]), 2).array()).toEqual([3, -4]);
      expect(await np.mod(a, 3).array()).toEqual([1, 2]);
      expect(await np.mod(np.array([7, -7]), -3).array()).toEqual([-2, -1]);
      expect(await np.power(np.array([2, 3]), 2).array()).toEqual([4, 9]);
      expect(await np.maximum(np.array([1, NaN, 3]), 2).data()).toEqual(new Float32Array([2, NaN, 3]));
      expect(await np.minimum(np.array([1, 5]), np.array([[3], [0]])).array()).toEqual([[1, 3], [0, 0]]);
    });

    it('compares and combines logically', async () => {
      const x = np.array([1, 2, 3]);
      expect(await np.less(x, 2).array()).toEqual([true, false, false]);
      expect(await np.lessEqual(x, 2).array()).toEqual([true, true, false]);
      expect(await np.greater(x, 2).array()).toEqual([false, false, true]);
      expect(await np.greaterEqual(x, 2).array()).toEqual([false, true, true]);
      expect(await np.equal(x, 2).array()).toEqual([false, true, false]);
      expect(await np.notEqual(x, 2).array()).toEqual([true, false, true]);
      expect(await np.logicalAnd(np.less(x, 3), np.greater(x, 1)).array()).toEqual([false, true, false]);
      expect(await np.logicalOr(np.less(x, 2), np.greater(x, 2)).array()).toEqual([true, false, true]);
      expect(await np.logicalNot(np.array([0, 1])).array()).toEqual([true, false]);
      expect(await np.logicalXor(np.array([true, true]), np.array([true, false])).array()).toEqual([false, true]);
    });

    it('selects with where (broadcast over all three) and clips', async () => {
      expect(await np.where(np.array([true, false]), np.array([[1, 2], [3, 4]]), 0).array()).toEqual([[1, 0], [3, 0]]);
      expect(await np.where(np.array([1, 0]), 5, 6).array()).toEqual([5, 6]);
      expect(await np.clip(np.array([-2, 0.5, 3]), 0, 1).array()).toEqual([0, 0.5, 1]);
      expect(await np.clip(np.array([-2, 3]), null, 1).array()).toEqual([-2, 1]);
    });

    it('casts with saturation and truncation', async () => {
      expect(await np.astype(np.array([1.7, -1.7, NaN, 3e10]), 'int32').array()).toEqual([1, -1, 0, 2147483647]);
      expect(await np.astype(np.array([0, 2]), 'bool').array()).toEqual([false, true]);
      expect(() => np.astype(np.array([1]), 'float64' as never)).toThrow(/astype: unknown dtype "float64"/);
    });

    it('names the op and the shapes when broadcasting fails', () => {
      expect(() => np.add(np.zeros([2, 3]), np.zeros([4]))).toThrow(/add: shapes \[2,3\], \[4\] cannot be broadcast together/);
      expect(() => np.negative(np.array([true]))).toThrow(/negative: not defined for bool tensors/);
      expect(() => np.add({} as never, 1)).toThrow(/add: expected a tensor, number, boolean or array, got Object/);
    });
  });

  describe('reductions', () => {
    let x: Tensor;
    beforeAll(() => {
      x = np.array([[1, 2, 3], [4, 5, 6]]);
    });

    it('reduces over all axes, one axis, negative axes and lists, with keepdims', async () => {
      expect(await np.sum(x).array()).toBe(21);
      expect(await np.sum(x, { axis: 0 }).array()).toEqual([5, 7, 9]);
      expect(await np.sum(x, { axis: -1, keepdims: true }).array()).toEqual([[6], [15]]);
      expect(np.sum(x, { axis: [0, 1], keepdims: true }).shape).toEqual([1, 1]);
      expect(await np.max(x, { axis: 1 }).array()).toEqual([3, 6]);
      expect(await np.min(x, { axis: 0 }).array()).toEqual([1, 2, 3]);
      expect(await np.prod(x, { axis: 1 }).array()).toEqual([6, 120]);
      expect(await np.mean(x, { axis: 0 }).array()).toEqual([2.5, 3.5, 4.5]);
    });

    it('computes var and std with ddof', async () => {
      expectClose(await np.var(x, { axis: 1 }).data(), [2 / 3, 2 / 3]);
      expectClose(await np.std(x).data(), [Math.sqrt(35 / 12)]);
      expectClose(await np.var(x, { axis: 1, ddof: 1 }).data(), [1, 1]);
    });

    it('gives identities for empty reductions and NaN for an empty mean', async () => {
      const e = np.zeros([0, 2]);
      expect(await np.sum(e, { axis: 0 }).array()).toEqual([0, 0]);
      expect(await np.prod(e, { axis: 0 }).array()).toEqual([1, 1]);
      expect(await np.max(e, { axis: 0 }).array()).toEqual([-Infinity, -Infinity]);
      expect(Number.isNaN(await item(np.mean(e)))).toBe(true);
    });

    it('sums bools as int32 and reduces any/all', async () => {
      const b = np.array([[true, false], [true, true]]);
      expect(np.sum(b).dtype).toBe('int32');
      expect(await item(np.sum(b))).toBe(3);
      expect(await np.any(b, { axis: 1 }).array()).toEqual([true, true]);
      expect(await np.all(b, { axis: 1 }).array()).toEqual([false, true]);
    });

    it('takes argmax/argmin with first-index ties, flattening by default', async () => {
      const t = np.array([[1, 3, 3], [7, 0, 7]]);
      expect(await item(np.argmax(t))).toBe(3);
      expect(await np.argmax(t, { axis: 1 }).array()).toEqual([1, 0]);
      expect(await np.argmin(t, { axis: 0 }).array()).toEqual([0, 1, 0]);
      expect(await np.argmax(t, { axis: 1, keepdims: true }).array()).toEqual([[1], [0]]);
      expect(np.argmax(t).dtype).toBe('int32');
      expect(await item(np.argmax(np.array([1, NaN, 5, NaN])))).toBe(1);
    });

    it('rejects bad axes with the valid range', () => {
      expect(() => np.sum(x, { axis: 2 })).toThrow(/sum: axis 2 is out of range for a tensor of rank 2 \(valid: -2..1\)/);
      expect(() => np.sum(x, { axis: [0, -2] })).toThrow(/sum: axis \[0,-2\] repeats an axis/);
      expect(() => np.argmax(np.zeros([0]))).toThrow(/argmax: cannot take argmax of an empty axis/);
    });
  });

  describe('linear algebra', () => {
    it('multiplies matrices, vectors and broadcast batches', async () => {
      const a = np.array([[1, 2], [3, 4]]);
      expect(await np.matmul(a, np.array([1, 1])).array()).toEqual([3, 7]);
      expect(await np.matmul(np.array([1, 1]), a).array()).toEqual([4, 6]);
      expect(await np.matmul(np.array([1, 2]), np.array([3, 4])).array()).toBe(11);
      const batch = np.reshape(np.arange(12), [3, 2, 2]);
      const r = np.matmul(batch, a);
      expect(r.shape).toEqual([3, 2, 2]);
      expect(await r.array()).toEqual([[[3, 4], [11, 16]], [[19, 28], [27, 40]], [[35, 52], [43, 64]]]);
      expect(np.matmul(np.ones([2, 1, 3, 4]), np.ones([5, 4, 2])).shape).toEqual([2, 5, 3, 2]);
    });

    it('computes NumPy dot, inner and outer', async () => {
      expect(await item(np.dot(np.array([1, 2]), np.array([3, 4])))).toBe(11);
      expect(np.dot(np.ones([2, 3, 4]), np.ones([5, 4, 6])).shape).toEqual([2, 3, 5, 6]);
      expect(await np.dot(2, np.array([1, 2])).array()).toEqual([2, 4]);
      expect(np.inner(np.ones([2, 3]), np.ones([4, 3])).shape).toEqual([2, 4]);
      expect(await np.outer(np.array([1, 2]), np.array([3, 4, 5])).array()).toEqual([[3, 4, 5], [6, 8, 10]]);
    });

    it('reports misaligned shapes with both shapes', () => {
      expect(() => np.matmul(np.zeros([2, 3]), np.zeros([4, 5]))).toThrow(/matmul: shapes f32\[2,3\] and f32\[4,5\] do not align: contracting dimensions 3 and 4 differ/);
      expect(() => np.matmul(np.zeros([2, 2, 3]), np.zeros([3, 3, 1]))).toThrow(/matmul: batch dimensions \[2\] and \[3\]/);
      expect(() => np.matmul(np.zeros([]), np.zeros([3]))).toThrow(/matmul: operands must have rank >= 1/);
    });
  });

  describe('shape manipulation', () => {
    let x: Tensor;
    beforeAll(() => {
      x = np.reshape(np.arange(6), [2, 3]);
    });

    it('reshapes with -1, transposes, swaps axes and broadcasts', async () => {
      expect(np.reshape(x, [3, -1]).shape).toEqual([3, 2]);
      expect(await np.transpose(x).array()).toEqual([[0, 3], [1, 4], [2, 5]]);
      expect(np.transpose(np.zeros([2, 3, 4]), [2, 0, 1]).shape).toEqual([4, 2, 3]);
      expect(np.swapaxes(np.zeros([2, 3, 4]), 0, -1).shape).toEqual([4, 3, 2]);
      expect(await np.broadcastTo(np.array([1, 2]), [2, 2]).array()).toEqual([[1, 2], [1, 2]]);
      expect(() => np.reshape(x, [4, -1])).toThrow(/reshape: cannot reshape \[2,3\] \(6 elements\) to \[4,-1\]/);
      expect(() => np.broadcastTo(np.zeros([3]), [2, 2])).toThrow(/broadcastTo: cannot broadcast shape \[3\] to \[2,2\]/);
      expect(() => np.transpose(x, [0, 0])).toThrow(/transpose: perm \[0,0\] is not a permutation/);
    });

    it('expands and squeezes dims', () => {
      expect(np.expandDims(x, 0).shape).toEqual([1, 2, 3]);
      expect(np.expandDims(x, -1).shape).toEqual([2, 3, 1]);
      expect(np.expandDims(x, [0, 2]).shape).toEqual([1, 2, 1, 3]);
      expect(np.squeeze(np.zeros([1, 2, 1])).shape).toEqual([2]);
      expect(np.squeeze(np.zeros([1, 2, 1]), -1).shape).toEqual([1, 2]);
      expect(() => np.squeeze(x, 0)).toThrow(/squeeze: axis 0 of shape \[2,3\] has size 2, not 1/);
    });

    it('concatenates and stacks with dtype promotion', async () => {
      expect(await np.concatenate([x, x], 1).array()).toEqual([[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]);
      expect(np.concatenate([np.array([1], { dtype: 'int32' }), np.array([0.5])]).dtype).toBe('float32');
      expect(await np.stack([np.array([1, 2]), np.array([3, 4])], 1).array()).toEqual([[1, 3], [2, 4]]);
      expect(await np.stack([np.array(1), np.array(2)]).array()).toEqual([1, 2]);
      expect(() => np.concatenate([np.zeros([2, 3]), np.zeros([2, 4])])).toThrow(/concatenate: shapes \[2,3\], \[2,4\] must match in every dimension but axis 0/);
      expect(() => np.concatenate([])).toThrow(/needs at least one tensor/);
    });

    it('slices with Python semantics: negatives, clamping, steps and reversal', async () => {
      const v = np.arange(10);
      expect(await np.slice(v, [2], [8], { steps: [3] }).array()).toEqual([2, 5]);
      expect(await np.slice(v, [-3], [100]).array()).toEqual([7, 8, 9]);
      expect(await np.slice(v, [-1], [-1e9], { steps: [-1] }).array()).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      expect(await np.slice(v, [8], [2], { steps: [-2] }).array()).toEqual([8, 6, 4]);
      expect(await np.slice(v, [5], [2]).array()).toEqual([]);
      expect(await np.slice(x, [1], [3], { axes: [-1] }).array()).toEqual([[1, 2], [4, 5]]);
      expect(() => np.slice(v, [0], [1], { steps: [0] })).toThrow(/slice: step 0 for axis 0 must be a non-zero integer/);
    });

    it('pads with constants (negative widths crop) and flips', async () => {
      expect(await np.pad(np.array([1, 2]), [[1, 2]], { value: 9 }).array()).toEqual([9, 1, 2, 9, 9]);
      expect(np.pad(x, 1).shape).toEqual([4, 5]);
      expect(await np.pad(x, [[0, 0], [-1, 0]]).array()).toEqual([[1, 2], [4, 5]]);
      expect(await np.flip(x, 1).array()).toEqual([[2, 1, 0], [5, 4, 3]]);
      expect(await np.flip(x).array()).toEqual([[5, 4, 3], [2, 1, 0]]);
    });

    it('takes along an axis with negative and clamped indices', async () => {
      expect(await np.take(x, np.array([2, 0], { dtype: 'int32' }), { axis: 1 }).array()).toEqual([[2, 0], [5, 3]]);
      expect(await np.take(x, [-1, 0], { axis: 0 }).array()).toEqual([[3, 4, 5], [0, 1, 2]]);
      expect(await np.take(x, [7, -9]).array()).toEqual([5, 0]);
      expect(np.take(x, np.array([[0, 1]], { dtype: 'int32' }), { axis: 0 }).shape).toEqual([1, 2, 3]);
      expect(() => np.take(x, np.array([0.5]), { axis: 0 })).toThrow(/take: indices f32\[1\] must be int32 or uint32/);
    });
  });

  describe('creation', () => {
    it('makes zeros, ones, full, *Like, arange, linspace and eye', async () => {
      expect(await np.zeros([2]).array()).toEqual([0, 0]);
      expect(np.ones([2], { dtype: 'int32' }).dtype).toBe('int32');
      expect(await np.full([2], 7).array()).toEqual([7, 7]);
      expect(np.full([1], true).dtype).toBe('bool');
      expect(await np.onesLike(np.zeros([2], { dtype: 'int32' })).array()).toEqual([1, 1]);
      expect(await np.arange(4).array()).toEqual([0, 1, 2, 3]);
      expect(np.arange(4).dtype).toBe('int32');
      expect(await np.arange(1, 2, 0.25).array()).toEqual([1, 1.25, 1.5, 1.75]);
      expect(await np.arange(5, 0, -2).array()).toEqual([5, 3, 1]);
      expect(np.arange(0).shape).toEqual([0]);
      expect(await np.linspace(0, 1, 5).array()).toEqual([0, 0.25, 0.5, 0.75, 1]);
      expect(await np.linspace(0, 1, 4, { endpoint: false }).array()).toEqual([0, 0.25, 0.5, 0.75]);
      expectClose(await np.linspace(0, 0.3, 4).data(), [0, 0.1, 0.2, 0.3]);
      expect((await np.linspace(0, 0.3, 4).data())[3]).toBe(Math.fround(0.3));
      expect(await np.eye(2, 3, { k: 1 }).array()).toEqual([[0, 1, 0], [0, 0, 1]]);
      expect(() => np.arange(0, 1, 0)).toThrow(/arange: .* step non-zero/);
    });
  });
});
