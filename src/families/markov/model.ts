/**
 * A factorized first-order Markov chain (the item-item term of FPMC, Rendle et al., WWW 2010): the next item's
 * logits are the dot products of the last item's "from" embedding with every item's "to" embedding, trained with
 * full-softmax cross-entropy at every position of the training windows (as SASRec). The learned counterpart of
 * the bigram count baseline: it shares statistics between similar items where the counts cannot.
 */
import { Rng } from '../../core/rng.js';
import type { NextItemBatch } from '../../model/next-item-batch.js';
import { dropout, embedding, initNormal, intTensor, kernels, linearCrossEntropy, type Tensor } from '../../tensor/index.js';
import { Module, type ForwardContext } from '../../tensor/layers/index.js';

export interface MarkovConfig {
  /** Embedding size. @default 64 */
  readonly dim: number;
  /** Dropout on the "from" embeddings. @default 0.2 */
  readonly dropout: number;
  /** Most recent items of a history used for training windows (scoring reads only the last). @default 50 */
  readonly maxLen: number;
}

export const DEFAULT_MARKOV_CONFIG: MarkovConfig = Object.freeze({ dim: 64, dropout: 0.2, maxLen: 50 });

export class MarkovChain extends Module {
  readonly config: MarkovConfig;
  /** (N + 1, D): row i + 1 is item i as the last item; row 0 is padding. */
  private readonly from: Tensor;
  /** (N + 1, D): row i + 1 is item i as the next item. */
  private readonly to: Tensor;

  constructor(
    readonly numItems: number,
    config: Partial<MarkovConfig>,
    seed: number,
  ) {
    super();
    this.config = { ...DEFAULT_MARKOV_CONFIG, ...config };
    const { dim } = this.config;
    const rng = new Rng(seed);
    this.from = initNormal(this.param('from', [numItems + 1, dim]), rng, 1 / Math.sqrt(dim));
    this.to = initNormal(this.param('to', [numItems + 1, dim]), rng, 1 / Math.sqrt(dim));
  }

  /** Mean cross-entropy of the next item given the current one, over every real position of the batch. */
  loss(batch: NextItemBatch, ctx: ForwardContext): Tensor {
    let h = embedding(this.from, intTensor(batch.inputs, [batch.size, batch.length])); // (B, L, D)
    if (ctx.training && this.config.dropout > 0) h = dropout(h, this.config.dropout, ctx.rng as Rng);
    const targets = Int32Array.from(batch.targets, (t) => (t < 0 ? -1 : t + 1));
    return linearCrossEntropy(h, this.to, null, intTensor(targets, [batch.size, batch.length]), { transposeWeight: true, reduction: 'mean' });
  }

  /** Scores of every item after each history's last item: (B, numItems) row-major. */
  score(histories: readonly ArrayLike<number>[]): Float32Array {
    const D = this.config.dim;
    const B = histories.length;
    const last = new Float32Array(B * D); // (B, D); an empty history reads the padding row (zeros at init)
    histories.forEach((h, r) => {
      const row = h.length === 0 ? 0 : h[h.length - 1] + 1;
      last.set(this.from.f32.subarray(row * D, (row + 1) * D), r * D);
    });
    const scores = new Float32Array(B * this.numItems); // (B, N)
    kernels().gemm({ transA: false, transB: true, m: B, n: this.numItems, k: D, a: last, b: this.to.f32.subarray(D), c: scores });
    return scores;
  }
}
