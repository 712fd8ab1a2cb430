/**
 * A small NHWC convnet for [8,32,32,3] images: conv3×3 16 (same) + relu, conv3×3 32 stride 2
 * (same) + relu, global average pooling, dense 10. Weights are created with `random` at import.
 * `kiln compile examples/cnn.ts --fn cnn --input x:f32[8,32,32,3] --out out/cnn`.
 */
import { type Tensor, init, nn, numpy as np, random } from 'kiln';

await init();

const [k1, k2, k3, k4, k5, k6] = random.split(random.key(1), 6);
const w1 = random.normal(k1, [3, 3, 3, 16], { std: Math.sqrt(2 / 27) });
const b1 = random.normal(k2, [16], { std: 0.01 });
const w2 = random.normal(k3, [3, 3, 16, 32], { std: Math.sqrt(2 / 144) });
const b2 = random.normal(k4, [32], { std: 0.01 });
const w3 = random.normal(k5, [32, 10], { std: Math.sqrt(1 / 32) });
const b3 = random.normal(k6, [10], { std: 0.01 });

export function cnn(x: Tensor): Tensor {
  let h = nn.relu(np.add(nn.conv2d(x, w1, { padding: 'same' }), b1));
  h = nn.relu(np.add(nn.conv2d(h, w2, { strides: [2, 2], padding: 'same' }), b2));
  const pooled = nn.globalAvgPool2d(h);
  return np.add(np.matmul(pooled, w3), b3);
}
