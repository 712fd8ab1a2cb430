/**
 * A 784-512-512-10 relu MLP whose weights are created with `random` when the module is imported.
 * Compile it ahead of time: `kiln compile examples/mlp.ts --fn mlp --input x:f32[64,784] --out out/mlp`.
 */
import { type Tensor, init, nn, numpy as np, random } from 'kiln';

await init();

const sizes = [784, 512, 512, 10];
const keys = random.split(random.key(0), 2 * (sizes.length - 1));
const layers = sizes.slice(1).map((n, i) => ({
  w: random.normal(keys[2 * i], [sizes[i], n], { std: Math.sqrt(2 / sizes[i]) }),
  b: random.normal(keys[2 * i + 1], [n], { std: 0.01 }),
}));

export function mlp(x: Tensor): Tensor {
  let h = x;
  layers.forEach(({ w, b }, i) => {
    h = np.add(np.matmul(h, w), b);
    if (i < layers.length - 1) h = nn.relu(h);
  });
  return h;
}
