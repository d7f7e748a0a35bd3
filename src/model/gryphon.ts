/**
 * Gryphon (arXiv 2606.08604): TIGER's SID generator plus an item-level scorer trained jointly, both reading the
 * encoder output of one forward pass. Loss = SID cross-entropy + lambda x item cross-entropy (full softmax over
 * all items). Inference (src/decode/beam-tiger.ts, resolve.ts): beam search over SIDs, resolve every SID (or
 * prefix) to its concrete items, re-score them with the item scorer.
 */
import { Rng } from '../core/rng.js';
import { add, mulScalar, noGrad, tidy, type Tensor } from '../tensor/index.js';
import type { SidBatch } from './sid-batch.js';
import { Module, type ForwardContext } from '../tensor/layers/index.js';
import { ItemScorer } from './item-scorer.js';
import { DEFAULT_TIGER_CONFIG, Tiger, type EncodedRequests, type TigerConfig } from './tiger.js';

export interface GryphonConfig extends TigerConfig {
  /** Weight of the item-level loss. @default 1 */
  readonly lambda: number;
}

export const DEFAULT_GRYPHON_CONFIG: Omit<GryphonConfig, 'codeSizes'> = Object.freeze({ ...DEFAULT_TIGER_CONFIG, lambda: 1 });

export class Gryphon extends Module {
  readonly config: GryphonConfig;
  readonly tiger: Tiger;
  readonly scorer: ItemScorer;

  /** @param itemTokens (numItems, digits) token ids of every item's SID: `vocab.itemTokens(table)`. */
  constructor(
    readonly numItems: number,
    itemTokens: Int32Array,
    config: Partial<GryphonConfig> & Pick<GryphonConfig, 'codeSizes'>,
    seed: number,
  ) {
    super();
    this.config = { ...DEFAULT_GRYPHON_CONFIG, ...config };
    this.tiger = this.module('tiger', new Tiger(this.config, seed));
    this.scorer = this.module('scorer', new ItemScorer(numItems, this.config.dim, itemTokens, this.tiger.digits, new Rng(seed ^ 0x5bd1e995)));
  }

  loss(batch: SidBatch, ctx: ForwardContext): Tensor {
    const { memory, padding } = this.tiger.encode(batch.encoder, ctx); // (B, T, D)
    const sid = this.tiger.sidLoss(memory, padding, batch, ctx);
    const users = this.scorer.userVectors(memory, batch.encoder.lengths); // (B, D)
    const item = this.scorer.loss(users, this.scorer.itemMatrix(this.tiger.tokens.table), batch.targetItems);
    return add(sid, mulScalar(item, this.config.lambda));
  }

  /** User vectors (B, D) from already-encoded requests (no second encoder pass). */
  userVectors(enc: EncodedRequests): Float32Array {
    return noGrad(() => tidy(() => this.scorer.userVectors(enc.memory, enc.input.lengths).f32.slice()));
  }

  /** Every item's vector (N, D), computed once per inference session. */
  itemMatrix(): Float32Array {
    return noGrad(() => tidy(() => this.scorer.itemMatrix(this.tiger.tokens.table).f32.slice()));
  }
}
