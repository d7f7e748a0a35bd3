/**
 * DIGER's uncertainty decay (arXiv 2601.19711): how much Gumbel noise each code choice gets as training goes on.
 * - 'static': no noise and no tokenizer update (TIGER on the pre-trained RQ-VAE SIDs, the baseline);
 * - 'gumbel': constant noise scale s (no decay);
 * - 'frequency': noise s only on "hot" codes, whose usage EMA (momentum .99) exceeds `hotRatio` x uniform, so
 *   items crowding a code are pushed to explore while the rest settle;
 * - 'std': a learnable noise scale sigma, the recommendation loss L weighted as L / (2 (sigma + lambda)^2) +
 *   log(sigma + lambda) (uncertainty weighting): sigma follows sqrt(L) - lambda down as the loss falls.
 * The usage EMAs are saved with the weights (buffers that take no gradient), so a resumed run continues them.
 */
import { SidrecError } from '../../core/errors.js';
import { add, addScalar, div, log, mul, mulScalar, type GumbelOptions, type Tensor } from '../../tensor/index.js';

export const SID_MODES = ['static', 'gumbel', 'frequency', 'std'] as const;
export type SidMode = (typeof SID_MODES)[number];

export interface DecayConfig {
  readonly mode: SidMode;
  /** Gumbel-softmax temperature. @default 2 */
  readonly tau: number;
  /** Noise scale s ('gumbel', 'frequency'). @default 1 */
  readonly noiseScale: number;
  /** 'frequency': a code is hot above this multiple of uniform usage. @default 1.5 */
  readonly hotRatio: number;
  /** 'frequency': usage EMA momentum. @default 0.99 */
  readonly momentum: number;
  /** 'std': lambda in L / (2 (sigma + lambda)^2) + log(sigma + lambda). @default 1.7 */
  readonly lambda: number;
}

export const DEFAULT_DECAY: DecayConfig = Object.freeze({ mode: 'frequency', tau: 2, noiseScale: 1, hotRatio: 1.5, momentum: 0.99, lambda: 1.7 });

/** The Gumbel options of one level: per-code noise scales for 'frequency', one scale otherwise. */
export function levelNoise(config: DecayConfig, usage: Float32Array | undefined, sigma: number): GumbelOptions {
  switch (config.mode) {
    case 'static':
      return { tau: config.tau, noiseScale: 0 };
    case 'gumbel':
      return { tau: config.tau, noiseScale: config.noiseScale };
    case 'std':
      return { tau: config.tau, noiseScale: Math.max(0, sigma) };
    case 'frequency': {
      if (!usage) throw new SidrecError('E_STATE', 'frequency-based decay needs the usage EMA');
      const hot = config.hotRatio / usage.length;
      const noise = new Float32Array(usage.length);
      for (let k = 0; k < usage.length; k++) noise[k] = usage[k] > hot ? config.noiseScale : 0;
      return { tau: config.tau, noise };
    }
  }
}

/**
 * usage <- m usage + (1 - m) (share of `rows` choosing each code at `level` of the (rows, levels) `codes`).
 * Starts from uniform (1 / K), so no code is hot before it has been chosen more than its share.
 */
export function updateUsage(usage: Float32Array, codes: Int32Array, rows: number, levels: number, level: number, momentum: number): void {
  const share = new Float32Array(usage.length);
  for (let i = 0; i < rows; i++) share[codes[i * levels + level]] += 1 / rows;
  for (let k = 0; k < usage.length; k++) usage[k] = momentum * usage[k] + (1 - momentum) * share[k];
}

/** 'std': L / (2 (sigma + lambda)^2) + log(sigma + lambda) for the scalar loss L and the (1) parameter sigma. */
export function uncertaintyWeighted(loss: Tensor, sigma: Tensor, lambda: number): Tensor {
  const s = addScalar(sigma, lambda); // (1)
  return add(div(loss, mulScalar(mul(s, s), 2)), log(s));
}
