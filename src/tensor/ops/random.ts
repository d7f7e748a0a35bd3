/**
 * Masking and stochastic ops: masked fill (broadcast mask), seeded inverted dropout, and the straight-through
 * Gumbel-softmax of DIGER (forward: hard one-hot of argmax((logits + s g) / tau); backward: through the soft
 * softmax).
 */
import { SidrecError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { kernels } from '../kernels/registry.js';
import { allocF32 } from '../pool.js';
import { makeResult, gradOf, type Tensor } from '../tensor.js';
import { broadcast, forEachRow } from './broadcast.js';
import { softmaxBackwardInto } from './softmax.js';

/** Where mask (int32 or float32, broadcastable to x) is non-zero, replace x by `value`; no gradient there. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  const bc = broadcast(x.shape, mask.shape);
  if (bc.shape.length !== x.rank || bc.shape.some((d, i) => d !== x.shape[i])) {
    throw new SidrecError('E_SHAPE', `maskedFill: mask [${mask.shape}] must broadcast to x [${x.shape}]`);
  }
  const X = x.f32;
  const M = mask.data;
  const out = allocF32(X.length, false);
  out.set(X);
  const keepMask = new Uint8Array(X.length);
  forEachRow({ shape: bc.shape, strides: [bc.strides[1], bc.strides[0]] }, (o, im, _ix, n, dm) => {
    for (let j = 0; j < n; j++) {
      if (M[im + j * dm] !== 0) out[o + j] = value;
      else keepMask[o + j] = 1;
    }
  });
  return makeResult(out, x.shape, [x], (g) => {
    const gx = gradOf(x);
    for (let i = 0; i < g.length; i++) if (keepMask[i]) gx[i] += g[i];
  });
}

/** Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p). Identity when !training. */
export function dropout(x: Tensor, p: number, rng: Rng, training = true): Tensor {
  if (!training || p === 0) return x;
  const X = x.f32;
  const mask = allocF32(X.length, false);
  const out = allocF32(X.length, false);
  dropoutInto(X, out, mask, p, rng);
  return makeResult(
    out,
    x.shape,
    [x],
    (g) => {
      const gx = gradOf(x);
      for (let i = 0; i < g.length; i++) gx[i] += g[i] * mask[i];
    },
    { saved: [mask] },
  );
}

/**
 * out = x * mask with mask[i] = 1/(1-p) (kept) or 0 (dropped, probability p), through the `dropout` kernel: one
 * 32-bit seed is drawn from `rng` per call and the mask is a hash of (seed, i), so it is the same on every provider.
 */
export function dropoutInto(x: Float32Array, out: Float32Array, mask: Float32Array, p: number, rng: Rng): void {
  if (!(p >= 0 && p < 1)) throw new SidrecError('E_CONFIG', `dropout p must be in [0, 1), got ${p}`);
  const threshold = Math.min(0xffffffff, Math.round(p * 4294967296));
  kernels().dropout({ x, out, mask, n: x.length, seed: rng.nextUint32(), threshold, scale: 1 / (1 - p) });
}

export interface GumbelOptions {
  /** Temperature. @default 1 */
  readonly tau?: number;
  /** Noise scale s (0 disables the noise). @default 1 */
  readonly noiseScale?: number;
  /** Per-row noise scales (..., C) or (C), overriding noiseScale (DIGER's frequency-based schedule). */
  readonly noise?: Float32Array;
}

/** Straight-through Gumbel-softmax over the last axis: (..., C) -> hard one-hot (..., C). */
export function gumbelSoftmaxST(logits: Tensor, rng: Rng, opts: GumbelOptions = {}): Tensor {
  return gumbelSoftmax(logits, rng, opts, false).hard;
}

/**
 * The straight-through Gumbel-softmax's two faces from one draw: `hard`, the one-hot of argmax((logits + s g) / tau)
 * with the soft gradient (gumbelSoftmaxST), and, with `withSoft`, `soft` = softmax((logits + s g) / tau) itself,
 * differentiable (DIGER's recommendation loss reaches the codes through it).
 */
export function gumbelSoftmax(logits: Tensor, rng: Rng, opts: GumbelOptions = {}, withSoft = true): { readonly hard: Tensor; readonly soft?: Tensor } {
  const tau = opts.tau ?? 1;
  const s = opts.noiseScale ?? 1;
  const cols = logits.shape[logits.rank - 1];
  const rows = logits.size / cols;
  const L = logits.f32;
  const soft = new Float32Array(L.length);
  const hard = new Float32Array(L.length);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let m = -Infinity;
    let arg = 0;
    for (let j = 0; j < cols; j++) {
      const scale = opts.noise ? opts.noise[(off + j) % opts.noise.length] : s;
      const v = (L[off + j] + (scale !== 0 ? scale * rng.gumbel() : 0)) / tau;
      soft[off + j] = v;
      if (v > m) {
        m = v;
        arg = j;
      }
    }
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(soft[off + j] - m);
      soft[off + j] = e;
      sum += e;
    }
    for (let j = 0; j < cols; j++) soft[off + j] /= sum;
    hard[off + arg] = 1;
  }
  // Both faces pass their gradient through the softmax (/ tau) into the logits.
  const throughSoftmax = (g: Float32Array): void => {
    const tmp = new Float32Array(g.length);
    softmaxBackwardInto(soft, g, tmp, rows, cols);
    const gl = gradOf(logits);
    const inv = 1 / tau;
    for (let i = 0; i < g.length; i++) gl[i] += tmp[i] * inv;
  };
  const hardTensor = makeResult(hard, logits.shape, [logits], throughSoftmax);
  return withSoft ? { hard: hardTensor, soft: makeResult(soft.slice(), logits.shape, [logits], throughSoftmax) } : { hard: hardTensor };
}
