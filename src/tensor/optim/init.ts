/** Seeded in-place parameter initialisation: normal, uniform, Xavier/Glorot uniform, constant. */
import type { Rng } from '../../core/rng.js';
import type { Tensor } from '../tensor.js';

export function initNormal(t: Tensor, rng: Rng, std = 1, mean = 0): Tensor {
  const d = t.f32;
  for (let i = 0; i < d.length; i++) d[i] = mean + std * rng.normal();
  return t;
}

export function initUniform(t: Tensor, rng: Rng, low: number, high: number): Tensor {
  const d = t.f32;
  for (let i = 0; i < d.length; i++) d[i] = low + (high - low) * rng.next();
  return t;
}

/** U(-a, a), a = sqrt(6 / (fanIn + fanOut)); a 2-D weight (in, out) uses its own dims by default. */
export function initXavierUniform(t: Tensor, rng: Rng, fanIn = t.shape[0], fanOut = t.shape[t.rank - 1]): Tensor {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  return initUniform(t, rng, -a, a);
}

export function initConstant(t: Tensor, value: number): Tensor {
  t.f32.fill(value);
  return t;
}

export function initZeros(t: Tensor): Tensor {
  return initConstant(t, 0);
}
