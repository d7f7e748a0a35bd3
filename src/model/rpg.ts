/**
 * RPG (Hou et al., KDD 2025): generating long, unordered Semantic IDs in parallel. Each item is m OPQ codes
 * (digit d's code c is token d * C + c of one shared table). A history item enters as the MEAN of its m code
 * embeddings; a GPT-2-style causal decoder reads the history; one residual projection head per digit
 * (h + SiLU(W_d h + b_d), W_d zero-initialised) turns the last hidden state into m query vectors; the logit of
 * code c at digit d is cosine(head_d(h), E[d * C + c]) / temperature with E tied to the input table.
 * Loss (multi-token prediction): mean over digits and real positions of each digit's cross-entropy.
 * Item score: sum over digits of log p(code of the item at that digit) — see `rpg-score.ts`.
 * Not in the paper, off by default (`itemIds`): a learned per-item embedding added to each history item's input, so
 * the newest item is read by its identity as well as by its codes (an item-id model's exact item-to-item memory).
 */
import { Rng } from '../core/rng.js';
import { SidrecError } from '../core/errors.js';
import {
  add,
  cosineHeadsCrossEntropy,
  cosineHeadsLogits,
  dropout,
  embedding,
  embeddingBag,
  initNormal,
  intTensor,
  noGrad,
  normalizeRowsInto,
  reshape,
  tidy,
  type Tensor,
} from '../tensor/index.js';
import type { NextItemBatch } from './next-item-batch.js';
import { LayerNorm, Linear, Module, TransformerBlock, type ForwardContext } from '../tensor/layers/index.js';

export interface RpgConfig {
  /** Hidden size. @default 448 */
  readonly dim: number;
  /** @default 2 */
  readonly layers: number;
  /** @default 4 */
  readonly heads: number;
  /** Feed-forward width. @default 1024 */
  readonly ffn: number;
  /** Dropout on the input embeddings (paper: 0.5). @default 0.5 */
  readonly dropout: number;
  /** Dropout on the attention weights (the reference's attn_pdrop). @default 0.5 */
  readonly attnDropout: number;
  /** Dropout on each block's residual branches (the reference's resid_pdrop). @default 0 */
  readonly residDropout: number;
  /** Softmax temperature of the cosine logits (paper: 0.03-0.07; .03 in every run measured here). @default 0.03 */
  readonly temperature: number;
  /** Most recent items read. @default 50 */
  readonly maxLen: number;
  /**
   * Standard deviation of the code-embedding initialisation; 0 = 0.02 * sqrt(m), so that the mean of an item's m
   * codes starts with the norm of one position embedding (std 0.02). With GPT-2's 0.02 the item signal starts
   * sqrt(m) times weaker than the position's and RPG first learns only the codes' marginals: on Beauty (d 128,
   * m 32) validation NDCG@10 after 2 epochs was .0081 with 0.02 * sqrt(32) against .0030 with 0.02.
   * @default 0
   */
  readonly codeInitStd: number;
  /**
   * Add a learned embedding per item (std 0.02, the scale of the mean of its codes) to each history item's input.
   * Not in the paper. On Beauty RPG ranked the target from the newest item's seen transitions at .25 NDCG@10 where
   * SASRec, reading item ids, reached .35 (and the item bigram .47), while RPG led on unseen transitions: the mean of
   * 32 code embeddings blurs the item it stands for. Items added after training get a zero row (codes only).
   * @default false
   */
  readonly itemIds: boolean;
  /**
   * Initialisation of each block's residual output projections (attention out, MLP proj): 'standard' draws them like
   * every other Linear; 'gpt2' divides them by sqrt(2 * layers), as GPT-2 and rpg_torch.py do. On Beauty at the T03
   * settings 'gpt2' halved the training-loss gap to rpg_torch.py over 10 epochs (.010 -> .004 nats; BENCHMARKS.md).
   * @default 'standard'
   */
  readonly residualInit: ResidualInit;
}

/** How the blocks' residual output projections start (RpgConfig.residualInit). */
export type ResidualInit = 'standard' | 'gpt2';

export const DEFAULT_RPG_CONFIG: RpgConfig = Object.freeze({
  dim: 448,
  layers: 2,
  heads: 4,
  ffn: 1024,
  dropout: 0.5,
  attnDropout: 0.5,
  residDropout: 0,
  temperature: 0.03,
  maxLen: 50,
  codeInitStd: 0,
  itemIds: false,
  residualInit: 'standard',
});

/** Items' Semantic IDs as the model needs them: (numItems, digits) codes in [0, codebookSize). */
export interface ItemCodes {
  readonly numItems: number;
  readonly digits: number;
  readonly codebookSize: number;
  /** int32 (numItems, digits). */
  readonly codes: Int32Array;
}

export class Rpg extends Module {
  readonly config: RpgConfig;
  readonly numItems: number;
  readonly digits: number;
  readonly codebookSize: number;
  readonly codes: ItemCodes;
  /** int32 (numItems, m): token of item i at digit d = d * C + codes[i, d]. */
  readonly itemTokens: Int32Array;
  /** (m * C, D): code embeddings, shared by the input bag and the output logits. */
  readonly codeTable: Tensor;
  /** (numItems, D) when `config.itemIds`: each item's own input embedding, added to the mean of its codes. */
  readonly itemTable?: Tensor;
  /** (maxLen, D): absolute positions (0 = oldest item of the window), GPT-2 style. */
  private readonly positions: Tensor;
  private readonly blocks: TransformerBlock[];
  private readonly finalNorm: LayerNorm;
  /** (D, m * D): the m heads' Linear layers side by side, zero-initialised so each head starts as identity. */
  private readonly headProj: Linear;

  constructor(codes: ItemCodes, config: Partial<RpgConfig>, seed: number) {
    super();
    this.config = { ...DEFAULT_RPG_CONFIG, ...config };
    const { dim, layers, heads, ffn, attnDropout, residDropout } = this.config;
    if (dim % heads !== 0) throw new SidrecError('E_CONFIG', `rpg: heads ${heads} must divide dim ${dim}`, { field: 'heads' });
    if (codes.codes.length !== codes.numItems * codes.digits)
      throw new SidrecError('E_SHAPE', `rpg: codes hold ${codes.codes.length} values, expected ${codes.numItems} x ${codes.digits}`);
    this.codes = codes;
    this.numItems = codes.numItems;
    this.digits = codes.digits;
    this.codebookSize = codes.codebookSize;
    this.itemTokens = new Int32Array(codes.codes.length);
    for (let i = 0; i < codes.codes.length; i++) {
      const c = codes.codes[i];
      if (c < 0 || c >= this.codebookSize) throw new SidrecError('E_SHAPE', `rpg: code ${c} out of [0, ${this.codebookSize})`);
      this.itemTokens[i] = (i % this.digits) * this.codebookSize + c;
    }
    const rng = new Rng(seed);
    const codeStd = this.config.codeInitStd > 0 ? this.config.codeInitStd : 0.02 * Math.sqrt(this.digits);
    this.codeTable = initNormal(this.param('codes', [this.digits * this.codebookSize, dim]), rng, codeStd);
    this.positions = initNormal(this.param('positions', [this.config.maxLen, dim]), rng, 0.02);
    if (this.config.itemIds) this.itemTable = initNormal(this.param('items', [this.numItems, dim]), rng, 0.02);
    this.blocks = Array.from({ length: layers }, (_, i) =>
      this.module(`blocks.${i}`, new TransformerBlock({ dim, heads, ffn, dropout: residDropout, attnDropout }, rng)),
    );
    this.finalNorm = this.module('norm', new LayerNorm(dim));
    this.headProj = this.module('heads', new Linear(dim, this.digits * dim, rng, { initStd: 0 }));
    if (this.config.residualInit === 'gpt2') scaleResidualProjections(this, layers);
  }

  /** inputs (B, L) right-padded item + 1 (0 = pad) -> hidden (B, L, D). */
  hidden(inputs: Int32Array, lengths: Int32Array, length: number, ctx: ForwardContext): Tensor {
    const B = lengths.length;
    const m = this.digits;
    const tokens = new Int32Array(B * length * m).fill(-1); // (B, L, m); -1 = padding (a zero row)
    const pos = new Int32Array(B * length).fill(-1); // (B, L)
    for (let r = 0; r < B; r++) {
      for (let t = 0; t < lengths[r]; t++) {
        const p = r * length + t;
        const item = inputs[p] - 1;
        if (item < 0) continue;
        tokens.set(this.itemTokens.subarray(item * m, (item + 1) * m), p * m);
        pos[p] = t;
      }
    }
    let x = add(embeddingBag(this.codeTable, intTensor(tokens, [B, length, m]), 'mean'), embedding(this.positions, intTensor(pos, [B, length]))); // (B, L, D)
    if (this.itemTable) {
      const ids = new Int32Array(B * length); // (B, L); -1 = padding (a zero row)
      for (let p = 0; p < ids.length; p++) ids[p] = pos[p] < 0 ? -1 : inputs[p] - 1;
      x = add(x, embedding(this.itemTable, intTensor(ids, [B, length])));
    }
    if (ctx.training && this.config.dropout > 0) x = dropout(x, this.config.dropout, ctx.rng as Rng);
    for (const block of this.blocks) x = block.forward(x, ctx, { causal: true });
    return this.finalNorm.forward(x); // (B, L, D)
  }

  /** Code logits (N, m, C) for hidden states h (N, D), no gradient; `normalized`: the code table with unit rows. */
  codeLogits(h: Tensor, normalized?: Float32Array): Float32Array {
    return cosineHeadsLogits(h, this.headProj.weight, this.headProj.bias, this.codeTable, {
      temperature: this.config.temperature,
      normalizedTable: normalized,
    });
  }

  /** The code table with unit rows, (m * C, D) flat: normalise once, score many groups. */
  normalizedCodes(): Float32Array {
    const rows = this.digits * this.codebookSize;
    const out = new Float32Array(rows * this.config.dim);
    normalizeRowsInto(this.codeTable.f32, rows, this.config.dim, out, new Float32Array(rows));
    return out;
  }

  /** Multi-token prediction: mean over digits and real positions of the cross-entropy of the next item's code. */
  loss(batch: NextItemBatch, ctx: ForwardContext): Tensor {
    const { size: B, length: L } = batch;
    const D = this.config.dim;
    const m = this.digits;
    let real = 0;
    for (let r = 0; r < B; r++) real += batch.lengths[r];
    const rows = new Int32Array(real); // flat (B * L) index of every real position
    const targets = new Int32Array(real * m); // (Nv, m): code of the target item at digit d
    let n = 0;
    for (let r = 0; r < B; r++) {
      for (let t = 0; t < batch.lengths[r]; t++, n++) rows[n] = r * L + t;
    }
    for (let j = 0; j < real; j++) {
      const item = batch.targets[rows[j]];
      for (let d = 0; d < m; d++) targets[j * m + d] = item < 0 ? -1 : this.codes.codes[item * m + d];
    }
    const h = reshape(this.hidden(batch.inputs, batch.lengths, L, ctx), [B * L, D]); // (B*L, D)
    const hv = embedding(h, intTensor(rows, [real])); // (Nv, D): real positions only
    return cosineHeadsCrossEntropy(hv, this.headProj.weight, this.headProj.bias, this.codeTable, intTensor(targets, [real, m]), {
      temperature: this.config.temperature,
    });
  }

  /**
   * Per-digit log-probabilities for each history: (B, m * C) row-major, row b's digit d block at d * C.
   * Histories longer than maxLen keep their most recent items; an empty history reads one padding position.
   * Rows are run in groups of similar length (sorted), so a batch costs its real positions, not B x maxLen.
   */
  logProbs(histories: readonly ArrayLike<number>[], group = 64): Float32Array {
    const m = this.digits;
    const C = this.codebookSize;
    const out = new Float32Array(histories.length * m * C); // (B, m*C)
    const order = Array.from(histories.keys()).sort((a, b) => histories[a].length - histories[b].length || a - b);
    noGrad(() =>
      tidy(() => {
        const codes = this.normalizedCodes(); // once per call
        for (let start = 0; start < order.length; start += group) {
          const rows = order.slice(start, start + group);
          tidy(() =>
            this.logProbsInto(
              rows.map((r) => histories[r]),
              rows,
              out,
              codes,
            ),
          );
        }
      }),
    );
    return out;
  }

  private logProbsInto(histories: readonly ArrayLike<number>[], rows: readonly number[], out: Float32Array, codes: Float32Array): void {
    const B = histories.length;
    const { dim: D, maxLen } = this.config;
    const m = this.digits;
    const C = this.codebookSize;
    const length = Math.max(1, ...histories.map((h) => Math.min(maxLen, h.length)));
    const inputs = new Int32Array(B * length);
    const lengths = new Int32Array(B);
    const last = new Int32Array(B);
    histories.forEach((h, r) => {
      const start = Math.max(0, h.length - maxLen);
      for (let t = start; t < h.length; t++) inputs[r * length + t - start] = h[t] + 1;
      lengths[r] = Math.max(1, h.length - start);
      last[r] = r * length + lengths[r] - 1;
    });
    const h = reshape(this.hidden(inputs, lengths, length, { training: false }), [B * length, D]);
    const Z = this.codeLogits(embedding(h, intTensor(last, [B])), codes); // (B, m, C)
    for (let b = 0; b < B; b++) {
      for (let d = 0; d < m; d++) {
        const src = (b * m + d) * C;
        let mx = -Infinity;
        for (let c = 0; c < C; c++) if (Z[src + c] > mx) mx = Z[src + c];
        let s = 0;
        for (let c = 0; c < C; c++) s += Math.exp(Z[src + c] - mx);
        const lse = mx + Math.log(s);
        const dst = rows[b] * m * C + d * C;
        for (let c = 0; c < C; c++) out[dst + c] = Z[src + c] - lse;
      }
    }
  }
}

/** GPT-2's residual scaling: each block's attention-out and MLP-proj weights divided by sqrt(2 * layers), in place. */
function scaleResidualProjections(model: Module, layers: number): void {
  const residualOut = /^blocks\.\d+\.(attn\.out|mlp\.proj)\.weight$/;
  const scaled = model.namedParameters().filter((p) => residualOut.test(p.name));
  if (scaled.length !== 2 * layers) throw new Error(`rpg: expected ${2 * layers} residual projections, found ${scaled.map((p) => p.name).join(', ')}`);
  const factor = 1 / Math.sqrt(2 * layers);
  for (const p of scaled) {
    const w = p.tensor.f32;
    for (let i = 0; i < w.length; i++) w[i] *= factor;
  }
}
