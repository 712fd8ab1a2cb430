import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ONNX_DATA_DIR, loadCase, readSubset, tensorToNumbers } from './load.js';

describe('ONNX test-data loader', () => {
  it('finds the shared data folder beside the repo root', () => {
    expect(existsSync(ONNX_DATA_DIR), `missing ${ONNX_DATA_DIR.pathname}`).toBe(true);
  });

  it('reads all 269 subset entries with their op types', () => {
    const subset = readSubset();
    expect(subset).toHaveLength(269);
    expect(subset[0]).toEqual({ name: 'test_abs', opType: 'Abs', dtypeClass: 'f32' });
    expect(new Set(subset.map((e) => e.name)).size).toBe(269);
  });

  it('decodes a float32 binary op with broadcasting inputs (test_add_bcast)', () => {
    const c = loadCase('test_add_bcast');
    expect(c.opType).toBe('Add');
    expect(c.opset).toBe(14);
    expect(c.inputs.map((t) => t?.shape)).toEqual([[3, 4, 5], [5]]);
    const [x, y] = c.inputs;
    const out = c.outputs[0]!;
    expect(out.dtype).toBe('float32');
    expect(out.data).toBeInstanceOf(Float32Array);
    // expected output really is x + y broadcast over the last axis
    for (const i of [0, 7, 59]) {
      expect(out.data[i]).toBeCloseTo(Number(x!.data[i]) + Number(y!.data[i % 5]), 5);
    }
  });

  it('decodes int64 inputs and attributes (test_slice_neg_steps)', () => {
    const c = loadCase('test_slice_neg_steps');
    expect(c.inputs).toHaveLength(5);
    expect(c.inputs[1]!.dtype).toBe('int64');
    expect(c.inputs[1]!.data).toBeInstanceOf(BigInt64Array);
    expect(tensorToNumbers(c.inputs[1]!)).toEqual([20, 10, 4]);
    expect(tensorToNumbers(c.inputs[4]!)).toEqual([-1, -3, -2]);
    expect(c.outputs[0]!.shape).toEqual([19, 3, 2]);
  });

  it('decodes int and string attributes (test_averagepool_2d_same_upper)', () => {
    const c = loadCase('test_averagepool_2d_same_upper');
    expect(c.attributes).toEqual({ auto_pad: 'SAME_UPPER', kernel_shape: [2, 2] });
  });

  it('keeps optional inputs left empty as undefined (test_clip_default_max)', () => {
    const c = loadCase('test_clip_default_max');
    expect(c.inputs).toHaveLength(3);
    expect(c.inputs[1]).toBeUndefined();
    expect(c.inputs[2]!.shape).toEqual([]);
    expect(c.inputs[2]!.data).toHaveLength(1);
  });

  it('decodes bool tensors, int64 outputs and zero-size tensors', () => {
    expect(loadCase('test_where_example').inputs[0]).toMatchObject({ dtype: 'bool', shape: [2, 2] });
    expect(loadCase('test_greater').outputs[0]).toMatchObject({ dtype: 'bool', shape: [3, 4, 5] });
    const argmax = loadCase('test_argmax_keepdims_example').outputs[0]!;
    expect(argmax.dtype).toBe('int64');
    expect(tensorToNumbers(argmax)).toEqual([0, 1]);
    const empty = loadCase('test_reduce_sum_empty_set');
    expect(empty.inputs[0]!.shape).toEqual([2, 0, 4]);
    expect(empty.inputs[0]!.data).toHaveLength(0);
    expect(tensorToNumbers(empty.outputs[0]!)).toEqual(new Array(8).fill(0));
  });
});
