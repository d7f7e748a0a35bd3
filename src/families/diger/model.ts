/**
 * DIGER (arXiv 2601.19711): a TIGER encoder-decoder (model/tiger.ts) trained jointly with the RQ-VAE tokenizer that
 * gives its Semantic IDs, as the authors' public code does it. The recommender reads and predicts the hard codes of
 * the table refreshed at each epoch's start (`refreshTable`); in the same steps the tokenizer's codebooks keep
 * training on the batch's target items through the noisy straight-through assignment (quantize.ts: latent
 * reconstruction + codebook + commitment, the encoder frozen), with the noise schedule of decay.ts. So the SIDs move
 * between epochs, explored where codes are crowded ('frequency') or while the recommendation loss is high ('std'),
 * and the recommender follows them. With sidGradient 'recommendation' (the authors' later end-to-end modes, e2e.ts)
 * the recommendation loss reaches the codebooks as well, through each item's soft assignment.
 *
 * Parameters: `tiger.*` (lr), `tokenizer.codebook.*` (lr x tokenizerLrScale; the rest of the tokenizer frozen),
 * `sigma` ('std'), `usage.<level>` (the 'frequency' usage EMAs: buffers that take no gradient, saved with the weights).
 */
import { Rng } from '../../core/rng.js';
import { add, initConstant, mulScalar, noGrad, tidy, type NamedParameter, type Tensor } from '../../tensor/index.js';
import { Module, type ForwardContext } from '../../tensor/layers/index.js';
import type { SidBatch } from '../../model/sid-batch.js';
import { Tiger, type TigerConfig } from '../../model/tiger.js';
import type { RqVaeNet } from '../../tokenize/rqvae.js';
import { SemanticIdTable } from '../../tokenize/sid-table.js';
import { hotRows, levelNoise, nearestCodes, uncertaintyWeighted, updateUsage, type DecayConfig } from './decay.js';
import { batchItems, recommendationLossIntoCodes } from './e2e.js';
import { quantizeWithNoise, type NoisyCodes } from './quantize.js';

export interface DigerOptions {
  readonly decay: DecayConfig;
  /** Tokenizer lr / recommender lr (DIGER: 1e-5 / 1e-3). */
  readonly tokenizerLrScale: number;
  /** sigma's lr / recommender lr ('std'; DIGER: 1e-3 / 1e-3). */
  readonly sigmaLrScale: number;
  /** 'std': sigma's starting value, the noise scale at the start (DIGER: 1). Absent in runs from before it existed: 1. */
  readonly sigmaInit?: number;
  /** Weight of the tokenizer's loss (latent reconstruction + codebook + commitment) beside the recommendation loss. */
  readonly tokenizerWeight: number;
  /** Codes of the collision digit (fixed vocabulary; larger groups share the last). */
  readonly collisionCodes: number;
  /**
   * 'recommendation': the recommendation loss reaches the codebooks through each item's soft assignment (e2e.ts;
   * the tokenizer then trains on every item of the batch, history and targets); 'none': only the tokenizer's own
   * loss moves them. Absent in runs from before it existed: 'none'.
   */
  readonly sidGradient?: SidGradient;
}

/** DigerOptions.sidGradient. */
export type SidGradient = 'none' | 'recommendation';

/** Item feature rows the tokenizer reads: (count, dim). */
export interface FeatureRows {
  readonly count: number;
  readonly dim: number;
  readonly data: Float32Array;
}

/** Every item's latent (count, latentDim): the tokenizer's encoder output, which DIGER keeps frozen. */
export interface LatentRows {
  readonly count: number;
  readonly dim: number;
  readonly data: Float32Array;
}

/** The frozen encoder's latents of every item's features. */
export function encodeLatents(tokenizer: RqVaeNet, features: FeatureRows): LatentRows {
  const dim = tokenizer.config.latentDim;
  const data = new Float32Array(features.count * dim);
  const block = 4096;
  for (let s = 0; s < features.count; s += block) {
    const m = Math.min(block, features.count - s);
    data.set(tokenizer.encodeLatent(features.data.subarray(s * features.dim, (s + m) * features.dim), m), s * dim);
  }
  return { count: features.count, dim, data };
}

export class Diger extends Module {
  readonly tiger: Tiger;
  readonly tokenizer: RqVaeNet;
  /** (1) the 'std' decay's noise scale. */
  readonly sigma: Tensor;
  /** Per tokenizer level, (K) usage EMA of the nearest codes ('frequency'; the first level's decides which items are hot). */
  readonly usage: Tensor[] = [];
  /** The SIDs as of the last `refreshTable` (nearest codes, collision digit capped). */
  table: SemanticIdTable;
  constructor(
    tigerConfig: Partial<TigerConfig>,
    tokenizer: RqVaeNet,
    /** Every item's latent (encodeLatents): the encoder is frozen, so they are computed once. */
    readonly latents: LatentRows,
    readonly options: DigerOptions,
    seed: number,
  ) {
    super();
    const { levels, codebookSize } = tokenizer.config;
    this.tokenizer = this.module('tokenizer', tokenizer);
    this.tiger = this.module(
      'tiger',
      new Tiger({ ...tigerConfig, codeSizes: [...new Array<number>(levels).fill(codebookSize), options.collisionCodes] }, seed),
    );
    this.sigma = initConstant(this.param('sigma', [1]), options.sigmaInit ?? 1);
    for (let l = 0; l < levels; l++) this.usage.push(initConstant(this.param(`usage.${l}`, [codebookSize]), 1 / codebookSize));
    if (latents.dim !== tokenizer.config.latentDim) throw new RangeError(`latents are ${latents.dim}-d, the tokenizer's ${tokenizer.config.latentDim}-d`);
    this.table = this.refreshTable();
  }

  get config(): TigerConfig & { readonly diger: DigerOptions } {
    return { ...this.tiger.config, diger: this.options };
  }

  /** Parameter groups: the codebooks at the tokenizer's lr (frozen in 'static' mode), the rest of the tokenizer frozen, sigma at its own. */
  override namedParameters(prefix = ''): NamedParameter[] {
    const frozen = this.options.decay.mode === 'static';
    return super.namedParameters(prefix).map((p) => {
      const name = p.name.slice(prefix.length);
      if (name.startsWith('tokenizer.codebook.')) return { ...p, lrScale: frozen ? 0 : this.options.tokenizerLrScale };
      if (name.startsWith('tokenizer.')) return { ...p, lrScale: 0 };
      if (name === 'sigma') return { ...p, lrScale: this.options.sigmaLrScale };
      return p;
    });
  }

  /** Every item's nearest codes now (no noise) -> the table, collision digit capped at `collisionCodes`. */
  refreshTable(): SemanticIdTable {
    return this.useCodes(this.nearestCodes());
  }

  /** Every item's nearest codes at each tokenizer level now, without noise: (count, levels). */
  nearestCodes(): Int32Array {
    const net = this.tokenizer;
    const { count } = this.latents;
    const codes = new Int32Array(count * net.config.levels);
    net.quantize(this.latents.data.slice(), count, codes);
    return codes;
  }

  /** The table of these codes ((count, levels), as `nearestCodes` gives them), made the current one. */
  useCodes(codes: Int32Array): SemanticIdTable {
    const net = this.tokenizer;
    this.table = SemanticIdTable.build(
      codes,
      this.latents.count,
      { baseDigits: net.config.levels, collisionDigit: true, codebookSize: net.config.codebookSize },
      this.options.collisionCodes,
    );
    return this.table;
  }

  /**
   * TIGER's loss on the table's codes, plus (training, not 'static') the tokenizer's loss on the batch's targets; with
   * sidGradient 'recommendation', the recommendation loss reaches the codes too (e2e.ts) and the tokenizer's loss
   * covers every item of the batch.
   */
  loss(batch: SidBatch, ctx: ForwardContext): Tensor {
    const { decay, tokenizerWeight } = this.options;
    const intoCodes = ctx.training && decay.mode !== 'static' && this.options.sidGradient === 'recommendation';
    if (intoCodes) return this.lossIntoCodes(batch, ctx);
    const rec = this.tiger.loss(batch, ctx);
    let total = decay.mode === 'std' ? uncertaintyWeighted(rec, this.sigma, decay.lambda) : rec;
    if (!ctx.training || decay.mode === 'static' || tokenizerWeight === 0) return total;
    const tokenizer = this.noisyCodes(Array.from(new Set(batch.targetItems)), ctx, false);
    total = add(total, mulScalar(tokenizer.loss, tokenizerWeight));
    return total;
  }

  /** The recommendation loss through the soft assignments of the batch's items, plus the tokenizer's loss on them. */
  private lossIntoCodes(batch: SidBatch, ctx: ForwardContext): Tensor {
    const { decay, tokenizerWeight } = this.options;
    const items = batchItems(batch);
    const codes = this.noisyCodes(Array.from(items), ctx, true);
    const rec = recommendationLossIntoCodes(this.tiger, this.table, batch, items, codes.soft as Tensor[], ctx);
    const total = decay.mode === 'std' ? uncertaintyWeighted(rec, this.sigma, decay.lambda) : rec;
    return tokenizerWeight === 0 ? total : add(total, mulScalar(codes.loss, tokenizerWeight));
  }

  /** The tokenizer's noisy straight-through assignment of `items` (quantize.ts), its decay schedule's noise. */
  private noisyCodes(items: readonly number[], ctx: ForwardContext, withSoft: boolean): NoisyCodes {
    const { decay } = this.options;
    const L = this.tokenizer.config.latentDim;
    const K = this.tokenizer.config.codebookSize;
    const z = new Float32Array(items.length * L);
    items.forEach((item, u) => z.set(this.latents.data.subarray(item * L, (item + 1) * L), u * L));
    let hot: Uint8Array | undefined;
    const sigma = this.sigma.f32[0];
    const noise = (level: number, logits: Float32Array) => {
      if (decay.mode === 'frequency') {
        // Each level keeps the usage EMA of its nearest codes; the first level's decides, for all of an item's levels.
        const nearest = nearestCodes(logits, items.length, K);
        // A step in parts advances the EMA by each part's share: momentum^share per part, momentum over the step.
        updateUsage(this.usage[level].f32, nearest, decay.momentum ** (ctx.share ?? 1));
        if (level === 0) hot = hotRows(nearest, this.usage[0].f32, decay.hotRatio);
      }
      return levelNoise(decay, sigma, hot, K);
    };
    return quantizeWithNoise(this.tokenizer, z, items.length, noise, (ctx.rng as Rng | undefined) ?? new Rng(0), withSoft);
  }
}

/** tidy-wrapped `refreshTable`. */
export function refreshDigerTable(model: Diger): SemanticIdTable {
  return noGrad(() => tidy(() => model.refreshTable()));
}
