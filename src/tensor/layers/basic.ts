/**
 * The basic layers: Linear (weight stored (in, out) so x @ W needs no transpose), LayerNorm, Embedding (plain
 * look-up and the mean/sum bag of RPG's code embeddings). GPT-2 initialisation: N(0, 0.02) weights, zero biases.
 */
import type { Rng } from '../../core/rng.js';
import { embedding, embeddingBag, type BagMode } from '../ops/gather.js';
import { linear } from '../ops/matmul.js';
import { layerNorm } from '../ops/norm.js';
import { initConstant, initNormal } from '../optim/init.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

export interface LinearOptions {
  /** @default true */
  readonly bias?: boolean;
  /** Std of the normal weight init; 0 gives a zero-initialised layer (RPG's projection heads). @default 0.02 */
  readonly initStd?: number;
}

export class Linear extends Module {
  readonly weight: Tensor; // (in, out)
  readonly bias: Tensor | null; // (out)

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    opts: LinearOptions = {},
  ) {
    super();
    this.weight = this.param('weight', [inFeatures, outFeatures]);
    const std = opts.initStd ?? 0.02;
    if (std > 0) initNormal(this.weight, rng, std);
    this.bias = (opts.bias ?? true) ? this.param('bias', [outFeatures]) : null;
  }

  /** (..., in) -> (..., out) */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export class LayerNorm extends Module {
  readonly gamma: Tensor; // (D)
  readonly beta: Tensor; // (D)

  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.gamma = initConstant(this.param('weight', [dim]), 1);
    this.beta = this.param('bias', [dim]);
  }

  /** (..., D) -> (..., D) */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.gamma, this.beta, this.eps);
  }
}

export class Embedding extends Module {
  readonly table: Tensor; // (V, D)

  constructor(
    readonly count: number,
    readonly dim: number,
    rng: Rng,
    initStd = 0.02,
  ) {
    super();
    this.table = initNormal(this.param('weight', [count, dim]), rng, initStd);
  }

  /** int32 ids (...) -> (..., D); negative ids give zero rows. */
  forward(ids: Tensor): Tensor {
    return embedding(this.table, ids);
  }

  /** int32 ids (..., m) -> (..., D): mean (RPG) or sum of the m rows at each position. */
  bag(ids: Tensor, mode: BagMode = 'mean'): Tensor {
    return embeddingBag(this.table, ids, mode);
  }
}
