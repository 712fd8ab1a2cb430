// The benchmark workloads, defined once: shapes, seeded input data, tolerances and a plain-JS
// float64 reference for each. Every adapter (bench/peers/*.mjs) implements the same math for
// its library from these definitions; the runner checks Kiln against the float64 reference and
// every peer against Kiln.
//
// Each workload:
//   id, title        names used by the adapters and in the table
//   inputs           [{ name, shape, data: Float32Array, role }] in call order; role 'input' is
//                    per-call data, role 'param' is weights (graph libraries may bake params into
//                    the model as constants, as they would when deployed)
//   outShape         the single output's shape
//   tol              the max abs difference allowed between any two libraries' outputs, and
//                    between Kiln and the float64 reference (stated in `tolWhy`)
//   flops            optional: for a GFLOP/s figure
//   reference(byName) → { indices?, values }: float64 results, dense or at sampled indices
import { normal, sizeOf, uniform } from './harness.mjs';

function input(name, shape, data, role = 'input') {
  if (data.length !== sizeOf(shape)) throw new Error(`workload input ${name}: ${data.length} values for [${shape}]`);
  return { name, shape, data, role };
}

// --------------------------------------------------------------------------------------------
// float64 references

/** Rows `rows` of a·b for a [m,k], b [k,n]. */
function matmulRows(a, b, k, n, rows) {
  const indices = new Int32Array(rows.length * n);
  const values = new Float64Array(rows.length * n);
  const acc = new Float64Array(n);
  rows.forEach((r, ri) => {
    acc.fill(0);
    for (let p = 0; p < k; p++) {
      const av = a[r * k + p];
      const brow = p * n;
      for (let j = 0; j < n; j++) acc[j] += av * b[brow + j];
    }
    for (let j = 0; j < n; j++) {
      indices[ri * n + j] = r * n + j;
      values[ri * n + j] = acc[j];
    }
  });
  return { indices, values };
}

/** x [m,k] · w [k,n] + bias, optional relu; dense float64. */
function dense(x, w, bias, m, k, n, relu) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const xv = x[i * k + p];
      if (xv === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += xv * w[p * n + j];
    }
    for (let j = 0; j < n; j++) {
      const v = out[i * n + j] + bias[j];
      out[i * n + j] = relu ? Math.max(v, 0) : v;
    }
  }
  return out;
}

/** TF/Keras 'same' padding: output ceil(in/stride), the odd pixel of padding going after. */
function samePad(size, k, stride) {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return { out, before: Math.floor(total / 2) };
}

/** NHWC conv with HWIO filter, 'same' padding, + bias, relu; float64. */
function conv2dSameRelu(x, [n, h, w, ci], f, [kh, kw, , co], bias, stride) {
  const ph = samePad(h, kh, stride);
  const pw = samePad(w, kw, stride);
  const out = new Float64Array(n * ph.out * pw.out * co);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ph.out; oy++) {
      for (let ox = 0; ox < pw.out; ox++) {
        const o = ((b * ph.out + oy) * pw.out + ox) * co;
        for (let c = 0; c < co; c++) out[o + c] = bias[c];
        for (let dy = 0; dy < kh; dy++) {
          const iy = oy * stride + dy - ph.before;
          if (iy < 0 || iy >= h) continue;
          for (let dx = 0; dx < kw; dx++) {
            const ix = ox * stride + dx - pw.before;
            if (ix < 0 || ix >= w) continue;
            for (let c = 0; c < ci; c++) {
              const xv = x[((b * h + iy) * w + ix) * ci + c];
              const fo = ((dy * kw + dx) * ci + c) * co;
              for (let d = 0; d < co; d++) out[o + d] += xv * f[fo + d];
            }
          }
        }
        for (let c = 0; c < co; c++) out[o + c] = Math.max(out[o + c], 0);
      }
    }
  }
  return { data: out, shape: [n, ph.out, pw.out, co] };
}

// --------------------------------------------------------------------------------------------
// The workloads

const MM = 1024;
const ROWS = 4096;
const COLS = 1024;
const EW = 4 * 1024 * 1024;
const MLP_DIMS = [784, 512, 512, 10];
const MLP_BATCH = 64;

export const workloads = [
  {
    id: 'matmul',
    title: 'matmul 1024×1024 f32',
    inputs: [input('a', [MM, MM], uniform(11, MM * MM, -1, 1)), input('b', [MM, MM], uniform(12, MM * MM, -1, 1))],
    outShape: [MM, MM],
    flops: 2 * MM ** 3,
    tol: 1e-3,
    tolWhy: 'entries ~±10 summed over 1024 products in f32; summation order differs by library',
    reference: ({ a, b }) => matmulRows(a, b, MM, MM, [0, 1, 255, 256, 511, 600, 777, 1000, 1022, 1023]),
  },
  {
    id: 'elementwise',
    title: 'elementwise 4M f32',
    inputs: [input('x', [EW], uniform(21, EW, -3, 3))],
    outShape: [EW],
    tol: 1e-5,
    tolWhy: 'outputs in [-1, 1.5]; exp/tanh approximations differ by a few ulp',
    reference: ({ x }) => {
      const values = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const t = 2 * x[i] + 1;
        values[i] = Math.exp(-t * t) * 0.5 + Math.tanh(x[i]);
      }
      return { values };
    },
  },
  {
    id: 'softmax',
    title: 'softmax [4096,1024] last axis',
    inputs: [input('x', [ROWS, COLS], normal(31, ROWS * COLS, 2))],
    outShape: [ROWS, COLS],
    tol: 1e-5,
    tolWhy: 'probabilities up to 0.84 (mostly ~1e-3); a few ulp of exp plus the order-dependent rounding of a 1024-term f32 row sum',
    reference: ({ x }) => {
      const values = new Float64Array(x.length);
      for (let r = 0; r < ROWS; r++) {
        let m = -Infinity;
        for (let j = 0; j < COLS; j++) m = Math.max(m, x[r * COLS + j]);
        let s = 0;
        for (let j = 0; j < COLS; j++) s += values[r * COLS + j] = Math.exp(x[r * COLS + j] - m);
        for (let j = 0; j < COLS; j++) values[r * COLS + j] /= s;
      }
      return { values };
    },
  },
  {
    id: 'sum',
    title: 'sum [4096,1024] last axis',
    inputs: [input('x', [ROWS, COLS], uniform(41, ROWS * COLS, -1, 1))],
    outShape: [ROWS],
    tol: 1e-3,
    tolWhy: 'row sums ~±20 of 1024 f32 values; summation order differs by library',
    reference: ({ x }) => {
      const values = new Float64Array(ROWS);
      for (let r = 0; r < ROWS; r++) for (let j = 0; j < COLS; j++) values[r] += x[r * COLS + j];
      return { values };
    },
  },
  {
    id: 'mlp',
    title: 'MLP 784-512-512-10 relu, batch 64',
    inputs: [
      input('x', [MLP_BATCH, 784], uniform(51, MLP_BATCH * 784, 0, 1)),
      ...[0, 1, 2].flatMap((l) => [
        input(`w${l + 1}`, [MLP_DIMS[l], MLP_DIMS[l + 1]], normal(52 + 2 * l, MLP_DIMS[l] * MLP_DIMS[l + 1], Math.sqrt(2 / MLP_DIMS[l])), 'param'),
        input(`b${l + 1}`, [MLP_DIMS[l + 1]], normal(53 + 2 * l, MLP_DIMS[l + 1], 0.1), 'param'),
      ]),
    ],
    outShape: [MLP_BATCH, 10],
    flops: 2 * MLP_BATCH * (784 * 512 + 512 * 512 + 512 * 10),
    tol: 1e-3,
    tolWhy: 'logits ~±10 after three f32 dot products of length ≤784',
    reference: ({ x, w1, b1, w2, b2, w3, b3 }) => {
      const h1 = dense(x, w1, b1, MLP_BATCH, 784, 512, true);
      const h2 = dense(h1, w2, b2, MLP_BATCH, 512, 512, true);
      return { values: dense(h2, w3, b3, MLP_BATCH, 512, 10, false) };
    },
  },
  {
    id: 'cnn',
    title: 'CNN [8,32,32,3] conv16-conv32/2-gap-dense10',
    inputs: [
      input('x', [8, 32, 32, 3], uniform(61, 8 * 32 * 32 * 3, 0, 1)),
      input('w1', [3, 3, 3, 16], normal(62, 3 * 3 * 3 * 16, Math.sqrt(2 / 27)), 'param'),
      input('b1', [16], normal(63, 16, 0.1), 'param'),
      input('w2', [3, 3, 16, 32], normal(64, 3 * 3 * 16 * 32, Math.sqrt(2 / 144)), 'param'),
      input('b2', [32], normal(65, 32, 0.1), 'param'),
      input('wd', [32, 10], normal(66, 32 * 10, Math.sqrt(1 / 32)), 'param'),
      input('bd', [10], normal(67, 10, 0.1), 'param'),
    ],
    outShape: [8, 10],
    // conv1: 8·32·32·16 outputs × 27 MACs; conv2: 8·16·16·32 × 144; dense 8·32·10
    flops: 2 * (8 * 32 * 32 * 16 * 27 + 8 * 16 * 16 * 32 * 144 + 8 * 32 * 10),
    tol: 1e-4,
    tolWhy: 'outputs ~±1; convolutions of ≤144 terms, then a mean over 256 pixels',
    reference: ({ x, w1, b1, w2, b2, wd, bd }) => {
      const c1 = conv2dSameRelu(x, [8, 32, 32, 3], w1, [3, 3, 3, 16], b1, 1);
      const c2 = conv2dSameRelu(c1.data, c1.shape, w2, [3, 3, 16, 32], b2, 2);
      const [n, h, w, c] = c2.shape;
      const pooled = new Float64Array(n * c);
      for (let b = 0; b < n; b++) {
        for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) pooled[b * c + k] += c2.data[(b * h * w + p) * c + k];
      }
      for (let i = 0; i < pooled.length; i++) pooled[i] /= h * w;
      return { values: dense(pooled, wd, bd, n, c, 10, false) };
    },
  },
];

/** The inputs of a workload by name. */
export const byName = (w) => Object.fromEntries(w.inputs.map((i) => [i.name, i.data]));

/** HWIO → OIHW (ONNX and jax-js convolution filters). */
export function hwioToOihw(f, [kh, kw, ci, co]) {
  const out = new Float32Array(f.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = f[((y * kw + x) * ci + i) * co + o];
      }
    }
  }
  return out;
}
