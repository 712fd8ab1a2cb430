/** Layout ops: free at graph level (they become index arithmetic when lowered). */
import { fitsDType } from '../dtype.js';
import { OpError } from '../errors.js';
import { type TensorType, formatShape, formatType, sizeOf, tensorType } from '../types.js';
import { checkAxes, intAttr, intsAttr, numberAttr } from './attrs.js';
import { registerOp } from './registry.js';

function checkLength(op: string, key: string, list: readonly number[], rank: number, x: TensorType): void {
  if (list.length !== rank) throw new OpError(op, `${key} ${formatShape(list)} needs one entry per dimension of ${formatType(x)}`);
}

registerOp({
  name: 'reshape', category: 'layout', arity: 1, attrs: [], declaredType: true,
  doc: 'same elements in row-major order, new shape',
  infer([x], _attrs, declared) {
    const t = declared!;
    if (t.dtype !== x.dtype || sizeOf(t.shape) !== sizeOf(x.shape)) {
      throw new OpError('reshape', `cannot reshape ${formatType(x)} (${sizeOf(x.shape)} elements) to ${formatType(t)} (${sizeOf(t.shape)} elements)`);
    }
    return t;
  },
});

registerOp({
  name: 'transpose', category: 'layout', arity: 1, attrs: ['perm'],
  doc: 'result dim i is operand dim perm[i]',
  infer([x], attrs) {
    const perm = intsAttr('transpose', attrs, 'perm');
    checkLength('transpose', 'perm', perm, x.shape.length, x);
    checkAxes('transpose', 'perm', perm, x.shape.length, false);
    return tensorType(x.dtype, perm.map((p) => x.shape[p]));
  },
});

registerOp({
  name: 'broadcast', category: 'layout', arity: 1, attrs: ['dims'], declaredType: true,
  doc: 'operand dim i maps to result dim dims[i] (size 1 stretches); other result dims repeat',
  infer([x], attrs, declared) {
    const t = declared!;
    const dims = intsAttr('broadcast', attrs, 'dims');
    checkLength('broadcast', 'dims', dims, x.shape.length, x);
    checkAxes('broadcast', 'dims', dims, t.shape.length);
    if (t.dtype !== x.dtype) throw new OpError('broadcast', `result ${formatType(t)} must keep the dtype of ${formatType(x)}`);
    dims.forEach((d, i) => {
      if (x.shape[i] !== 1 && x.shape[i] !== t.shape[d]) {
        throw new OpError('broadcast', `cannot broadcast ${formatType(x)} to ${formatType(t)}: operand dim ${i} (${x.shape[i]}) does not match result dim ${d} (${t.shape[d]})`);
      }
    });
    return t;
  },
});

registerOp({
  name: 'slice', category: 'layout', arity: 1, attrs: ['start', 'limit', 'stride'],
  doc: 'elements start[i], start[i]+stride[i], ... below limit[i] in each dim',
  infer([x], attrs) {
    const start = intsAttr('slice', attrs, 'start');
    const limit = intsAttr('slice', attrs, 'limit');
    const stride = intsAttr('slice', attrs, 'stride');
    const rank = x.shape.length;
    checkLength('slice', 'start', start, rank, x);
    checkLength('slice', 'limit', limit, rank, x);
    checkLength('slice', 'stride', stride, rank, x);
    const shape = x.shape.map((d, i) => {
      if (!(start[i] >= 0 && start[i] <= limit[i] && limit[i] <= d) || stride[i] < 1) {
        throw new OpError('slice', `dim ${i} of ${formatType(x)}: need 0 <= start (${start[i]}) <= limit (${limit[i]}) <= ${d} and stride (${stride[i]}) >= 1`);
      }
      return Math.ceil((limit[i] - start[i]) / stride[i]);
    });
    return tensorType(x.dtype, shape);
  },
});

registerOp({
  name: 'pad', category: 'layout', arity: 1, attrs: ['low', 'high', 'value'],
  doc: 'adds low[i] / high[i] elements of `value` before / after dim i (negative amounts crop)',
  infer([x], attrs) {
    const low = intsAttr('pad', attrs, 'low');
    const high = intsAttr('pad', attrs, 'high');
    const value = numberAttr('pad', attrs, 'value');
    if (!fitsDType(value, x.dtype)) throw new OpError('pad', `value ${value} is not representable in ${formatType(x)}`);
    checkLength('pad', 'low', low, x.shape.length, x);
    checkLength('pad', 'high', high, x.shape.length, x);
    const shape = x.shape.map((d, i) => {
      const n = low[i] + d + high[i];
      if (n < 0) throw new OpError('pad', `dim ${i} of ${formatType(x)} would have negative size ${n} with low ${low[i]}, high ${high[i]}`);
      return n;
    });
    return tensorType(x.dtype, shape);
  },
});

registerOp({
  name: 'concat', category: 'layout', arity: 'variadic', attrs: ['axis'],
  doc: 'joins operands along `axis`; other dims must match',
  infer(xs, attrs) {
    const axis = intAttr('concat', attrs, 'axis');
    const first = xs[0];
    const rank = first.shape.length;
    if (axis < 0 || axis >= rank) throw new OpError('concat', `axis ${axis} is out of range for ${formatType(first)}`);
    let total = 0;
    for (const x of xs) {
      const sameOtherDims = x.shape.length === rank && x.shape.every((d, i) => i === axis || d === first.shape[i]);
      if (x.dtype !== first.dtype || !sameOtherDims) {
        throw new OpError('concat', `operands ${xs.map(formatType).join(', ')} must share dtype and all dims but axis ${axis}`);
      }
      total += x.shape[axis];
    }
    return tensorType(first.dtype, first.shape.map((d, i) => (i === axis ? total : d)));
  },
});

registerOp({
  name: 'reverse', category: 'layout', arity: 1, attrs: ['axes'],
  doc: 'reverses the order of elements along each of `axes`',
  infer([x], attrs) {
    checkAxes('reverse', 'axes', intsAttr('reverse', attrs, 'axes'), x.shape.length);
    return x;
  },
});

registerOp({
  name: 'gather', category: 'layout', arity: 2, attrs: ['axis'],
  doc: 'NumPy take: result = x.shape[:axis] + indices.shape + x.shape[axis+1:]; negative indices count from the end, out-of-range ones clamp',
  infer([x, idx], attrs) {
    const axis = intAttr('gather', attrs, 'axis');
    if (axis < 0 || axis >= x.shape.length) throw new OpError('gather', `axis ${axis} is out of range for ${formatType(x)}`);
    if (idx.dtype !== 'int32' && idx.dtype !== 'uint32') throw new OpError('gather', `indices ${formatType(idx)} must be i32 or u32`);
    if (x.shape[axis] === 0 && sizeOf(idx.shape) > 0) throw new OpError('gather', `cannot take indices ${formatType(idx)} from empty axis ${axis} of ${formatType(x)}`);
    return tensorType(x.dtype, [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)]);
  },
});
