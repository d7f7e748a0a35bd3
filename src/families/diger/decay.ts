/**
 * DIGER's uncertainty decay (arXiv 2601.19711, as its public code draws the noise): how much Gumbel noise each
 * item's code choice gets as training goes on.
 * - 'static': no noise and no tokenizer update (TIGER on the pre-trained RQ-VAE SIDs, the baseline);
 * - 'gumbel': constant noise scale s on every item (no decay);
 * - 'frequency': noise s only on "hot" items, those whose nearest first-level code has a usage EMA (momentum .99)
 *   above `hotRatio` x uniform; the decision holds for all of the item's levels; every other item takes its nearest
 *   codes, so crowded codes shed items while the rest settle;
 * - 'std': a learnable sigma, |sigma| the noise scale on every item, and the recommendation loss L weighted as
 *   L / (2 (|sigma| + lambda)^2) + log(|sigma| + lambda) (uncertainty weighting): |sigma| follows sqrt(L) - lambda down.
 * The usage EMAs are saved with the weights (buffers that take no gradient), so a resumed run continues them.
 */
import { add, addScalar, div, log, mul, mulScalar, type GumbelOptions, type Tensor } from '../../tensor/index.js';

export const SID_MODES = ['static', 'gumbel', 'frequency', 'std'] as const;
export type SidMode = (typeof SID_MODES)[number];

export interface DecayConfig {
  readonly mode: SidMode;
  /** Gumbel-softmax temperature. @default 2 */
  readonly tau: number;
  /** Noise scale s ('gumbel', 'frequency'). @default 1 */
  readonly noiseScale: number;
  /** 'frequency': an item is hot when its first-level code is used above this multiple of uniform. @default 1.5 */
  readonly hotRatio: number;
  /** 'frequency': usage EMA momentum. @default 0.99 */
  readonly momentum: number;
  /** 'std': lambda in L / (2 (|sigma| + lambda)^2) + log(|sigma| + lambda). @default 1.7 */
  readonly lambda: number;
}

export const DEFAULT_DECAY: DecayConfig = Object.freeze({ mode: 'frequency', tau: 2, noiseScale: 1, hotRatio: 1.5, momentum: 0.99, lambda: 1.7 });

/** Each row's nearest code: the argmax of a (rows, K) logit matrix. */
export function nearestCodes(logits: Float32Array, rows: number, K: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (logits[i * K + k] > logits[i * K + best]) best = k;
    out[i] = best;
  }
  return out;
}

/** 'frequency': which rows are hot, from their nearest first-level codes and that level's usage EMA. */
export function hotRows(nearest: Int32Array, usage: Float32Array, hotRatio: number): Uint8Array {
  const threshold = hotRatio / usage.length;
  return Uint8Array.from(nearest, (c) => (usage[c] > threshold ? 1 : 0));
}

/**
 * The Gumbel options of one level: one noise scale ('gumbel', 'std' with sigma), none ('static'), or, for
 * 'frequency', scale s on the logits of the `hot` rows (per element, rows x K) and none elsewhere.
 */
export function levelNoise(config: DecayConfig, sigma: number, hot?: Uint8Array, K = 0): GumbelOptions {
  switch (config.mode) {
    case 'static':
      return { tau: config.tau, noiseScale: 0 };
    case 'gumbel':
      return { tau: config.tau, noiseScale: config.noiseScale };
    case 'std':
      return { tau: config.tau, noiseScale: Math.abs(sigma) };
    case 'frequency': {
      const noise = new Float32Array((hot?.length ?? 0) * K);
      hot?.forEach((h, i) => {
        if (h) noise.fill(config.noiseScale, i * K, (i + 1) * K);
      });
      return { tau: config.tau, noise };
    }
  }
}

/**
 * usage <- m usage + (1 - m) (share of the rows whose nearest code is each code). Starts from uniform (1 / K), so
 * no code is hot before it has been chosen more than its share.
 */
export function updateUsage(usage: Float32Array, nearest: Int32Array, momentum: number): void {
  const share = new Float32Array(usage.length);
  for (const c of nearest) share[c] += 1 / nearest.length;
  for (let k = 0; k < usage.length; k++) usage[k] = momentum * usage[k] + (1 - momentum) * share[k];
}

/**
 * 'std': L / (2 (|sigma| + lambda)^2) + log(|sigma| + lambda) for the scalar loss L and the (1) parameter sigma, as the
 * authors' code weights it (|sigma| is also the noise scale, so a sigma that crosses zero keeps a sensible weight).
 */
export function uncertaintyWeighted(loss: Tensor, sigma: Tensor, lambda: number): Tensor {
  const sign = sigma.f32[0] < 0 ? -1 : 1; // |sigma| = sign * sigma, with its gradient away from 0
  const s = addScalar(mulScalar(sigma, sign), lambda); // (1)
  return add(div(loss, mulScalar(mul(s, s), 2)), log(s));
}
