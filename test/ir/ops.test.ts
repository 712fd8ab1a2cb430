import { describe, expect, it } from 'vitest';
import { GraphBuilder, inferResultType, tensorType, verifyGraph } from '../../ir/index.js';

describe('op registry', () => {
  it('infers dot_general result shapes', () => {
    const t = inferResultType('dot_general', [tensorType('float32', [2, 3, 4]), tensorType('float32', [2, 4, 5])], { batch: [[0], [0]], contract: [[2], [1]] });
    expect(t.shape).toEqual([2, 3, 5]);
  });
  it('builds and verifies a small graph', () => {
    const b = new GraphBuilder('f');
    const x = b.param(tensorType('float32', [2]), 'x');
    const y = b.op('exp', [x]);
    expect(() => verifyGraph(b.build([y]))).not.toThrow();
  });
});
