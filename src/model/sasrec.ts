/**
 * SASRec (Kang & McAuley, ICDM 2018) as the baseline every generative model must beat, trained the way later
 * work found strongest: full-softmax cross-entropy over all items at every position (Klenitskiy & Vasilev,
 * RecSys 2023) with the output layer tied to the input item embeddings. A causal pre-LN transformer over
 * right-padded item-id embeddings plus learned recency positions (0 = the most recent item).
 */
import { Rng } from '../core/rng.js';

import { add, dropout, embedding, intTensor, initNormal, linearCrossEntropy, noGrad, kernels, type Tensor } from '../tensor/index.js';
import { packHistories, type NextItemBatch } from './next-item-batch.js';
import { LayerNorm, Module, TransformerBlock, type ForwardContext } from '../tensor/layers/index.js';

export interface SasRecConfig {
  /** Embedding and hidden size (128 beat 64 on Beauty: test N@10 .0415 vs .0361, BENCHMARKS.md). @default 128 */
  readonly dim: number;
  /** @default 2 */
  readonly layers: number;
  /** @default 2 */
  readonly heads: number;
  /** Feed-forward width. @default 256 */
  readonly ffn: number;
  /** Dropout on embeddings, attention and residual branches. @default 0.3 */
  readonly dropout: number;
  /** Most recent items read. @default 50 */
  readonly maxLen: number;
}

export const DEFAULT_SASREC_CONFIG: SasRecConfig = Object.freeze({ dim: 128, layers: 2, heads: 2, ffn: 256, dropout: 0.3, maxLen: 50 });

export class SasRec extends Module {
  readonly config: SasRecConfig;
  /** (numItems + 1, D): row 0 is padding, row i + 1 is item i; also the output layer. */
  readonly itemTable: Tensor;
  /** (maxLen, D): recency positions. */
  private readonly positions: Tensor;
  private readonly blocks: TransformerBlock[];
  private readonly finalNorm: LayerNorm;

  constructor(
    readonly numItems: number,
    config: Partial<SasRecConfig>,
    seed: number,
  ) {
    super();
    this.config = { ...DEFAULT_SASREC_CONFIG, ...config };
    const { dim, layers, heads, ffn, dropout: p } = this.config;
    const rng = new Rng(seed);
    this.itemTable = initNormal(this.param('items', [numItems + 1, dim]), rng, 1 / Math.sqrt(dim));
    this.positions = initNormal(this.param('positions', [this.config.maxLen, dim]), rng, 1 / Math.sqrt(dim));
    this.blocks = Array.from({ length: layers }, (_, i) => this.module(`blocks.${i}`, new TransformerBlock({ dim, heads, ffn, dropout: p }, rng)));
    this.finalNorm = this.module('norm', new LayerNorm(dim));
  }

  /** ids int32 (B, L) right-padded (item + 1, 0 = pad) -> hidden (B, L, D). */
  hidden(ids: Int32Array, lengths: Int32Array, length: number, ctx: ForwardContext): Tensor {
    const B = lengths.length;
    const positions = new Int32Array(B * length);
    for (let r = 0; r < B; r++) for (let t = 0; t < lengths[r]; t++) positions[r * length + t] = lengths[r] - 1 - t;
    let x = add(embedding(this.itemTable, intTensor(ids, [B, length])), embedding(this.positions, intTensor(positions, [B, length]))); // (B, L, D)
    if (ctx.training && this.config.dropout > 0) x = dropout(x, this.config.dropout, ctx.rng as Rng);
    for (const block of this.blocks) x = block.forward(x, ctx, { causal: true });
    return this.finalNorm.forward(x); // (B, L, D)
  }

  /** Mean cross-entropy of the next item over every real position of the batch. */
  loss(batch: NextItemBatch, ctx: ForwardContext): Tensor {
    const h = this.hidden(batch.inputs, batch.lengths, batch.length, ctx); // (B, L, D)
    const targets = new Int32Array(batch.targets.length);
    for (let i = 0; i < targets.length; i++) targets[i] = batch.targets[i] < 0 ? -1 : batch.targets[i] + 1;
    return linearCrossEntropy(h, this.itemTable, null, intTensor(targets, [batch.size, batch.length]), { transposeWeight: true, reduction: 'mean' });
  }

  /** Scores of every item for each history: (B, numItems) row-major. */
  score(histories: readonly ArrayLike<number>[]): Float32Array {
    const D = this.config.dim;
    const { ids, lengths, length } = packHistories(histories, this.config.maxLen);
    const B = lengths.length;
    const last = new Float32Array(B * D); // (B, D)
    noGrad(() => {
      const h = this.hidden(ids, lengths, length, { training: false });
      const H = h.f32;
      for (let r = 0; r < B; r++) last.set(H.subarray((r * length + lengths[r] - 1) * D, (r * length + lengths[r]) * D), r * D);
      h.dispose();
    });
    const scores = new Float32Array(B * this.numItems); // (B, N)
    kernels().gemm({ transA: false, transB: true, m: B, n: this.numItems, k: D, a: last, b: this.itemTable.f32.subarray(D), c: scores });
    return scores;
  }
}
