/**
 * DIGER (arXiv 2601.19711): a TIGER encoder-decoder (model/tiger.ts) trained jointly with the RQ-VAE tokenizer
 * that gives its Semantic IDs. Per batch, the items the batch touches (history and targets) are re-tokenized
 * through the differentiable code assignment (quantize.ts); each tokenizer digit's SID token embedding is then
 * onehot_l @ E_l (exactly TIGER's embedding row in the forward pass), and each target digit's cross-entropy is
 * taken against the soft-gradient one-hot, so the recommendation loss reaches the codes from both sides. The
 * collision digit stays an ordinary token, from the table refreshed at each epoch's start (`refreshTable`).
 *
 * Parameters: `tiger.*` (lr), `tokenizer.*` (lr x tokenizerLrScale), `sigma` ('std' decay), `usage.<level>`
 * (the 'frequency' decay's usage EMAs: buffers that take no gradient, saved with the weights).
 */
import { Rng } from '../../core/rng.js';
import {
  add,
  concat,
  embedding,
  initConstant,
  intTensor,
  linear,
  linearCrossEntropy,
  logSoftmax,
  matmul,
  mul,
  mulScalar,
  noGrad,
  reshape,
  slice,
  sumAll,
  tidy,
  type NamedParameter,
  type Tensor,
} from '../../tensor/index.js';
import { Module, type ForwardContext } from '../../tensor/layers/index.js';
import { Tiger, type TigerConfig } from '../../model/tiger.js';
import { packEncoderRows } from '../../model/tiger-vocab.js';
import type { RqVaeNet } from '../../tokenize/rqvae.js';
import { SemanticIdTable } from '../../tokenize/sid-table.js';
import { levelNoise, uncertaintyWeighted, updateUsage, type DecayConfig } from './decay.js';
import { assignSoftCodes } from './quantize.js';

/** One step's examples: who, what they had (item indices, oldest first, at most maxItems), what came next. */
export interface DigerBatch {
  readonly size: number;
  readonly users: Int32Array;
  readonly histories: readonly Int32Array[];
  readonly targets: Int32Array;
}

export interface DigerOptions {
  readonly decay: DecayConfig;
  /** Tokenizer lr / recommender lr (DIGER: 1e-5 / 1e-3). */
  readonly tokenizerLrScale: number;
  /** sigma's lr / recommender lr ('std'; DIGER: 1e-3 / 1e-3). */
  readonly sigmaLrScale: number;
  /** Weight of the RQ-VAE's own loss beside the recommendation loss. @default 1 */
  readonly tokenizerWeight: number;
  /** Codes of the collision digit (fixed vocabulary; larger groups share the last). */
  readonly collisionCodes: number;
}

/** Item feature rows the tokenizer reads: (count, dim). */
export interface FeatureRows {
  readonly count: number;
  readonly dim: number;
  readonly data: Float32Array;
}

export class Diger extends Module {
  readonly tiger: Tiger;
  readonly tokenizer: RqVaeNet;
  /** (1) the 'std' decay's noise scale. */
  readonly sigma: Tensor;
  /** Per tokenizer level, (K) usage EMA ('frequency'). */
  readonly usage: Tensor[] = [];
  /** The SIDs as of the last `refreshTable` (nearest codes, collision digit capped). */
  table: SemanticIdTable;
  private readonly scratch: Int32Array;

  constructor(
    tigerConfig: Partial<TigerConfig>,
    tokenizer: RqVaeNet,
    readonly features: FeatureRows,
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
    this.sigma = initConstant(this.param('sigma', [1]), 1);
    for (let l = 0; l < levels; l++) this.usage.push(initConstant(this.param(`usage.${l}`, [codebookSize]), 1 / codebookSize));
    this.scratch = new Int32Array(features.count).fill(-1);
    this.table = this.refreshTable();
  }

  get config(): TigerConfig & { readonly diger: DigerOptions } {
    return { ...this.tiger.config, diger: this.options };
  }

  /** Parameter groups: the tokenizer at its own lr (frozen in 'static' mode), sigma at its own. */
  override namedParameters(prefix = ''): NamedParameter[] {
    const frozen = this.options.decay.mode === 'static';
    return super.namedParameters(prefix).map((p) => {
      const name = p.name.slice(prefix.length);
      if (name.startsWith('tokenizer.')) return { ...p, lrScale: frozen ? 0 : this.options.tokenizerLrScale };
      if (name === 'sigma') return { ...p, lrScale: this.options.sigmaLrScale };
      return p;
    });
  }

  /** Every item's nearest codes now (no noise) -> the table, collision digit capped at `collisionCodes`. */
  refreshTable(): SemanticIdTable {
    const net = this.tokenizer;
    const { count, dim, data } = this.features;
    const codes = new Int32Array(count * net.config.levels);
    const block = 4096;
    for (let s = 0; s < count; s += block) {
      const m = Math.min(block, count - s);
      net.quantize(net.encodeLatent(data.subarray(s * dim, (s + m) * dim), m), m, codes, s);
    }
    this.table = SemanticIdTable.build(
      codes,
      count,
      { baseDigits: net.config.levels, collisionDigit: true, codebookSize: net.config.codebookSize },
      this.options.collisionCodes,
    );
    return this.table;
  }

  loss(batch: DigerBatch, ctx: ForwardContext): Tensor {
    const net = this.tokenizer;
    const { levels, codebookSize: K } = net.config;
    const { decay } = this.options;
    const tiger = this.tiger;
    const vocab = tiger.vocab;
    const m = vocab.digits; // levels + the collision digit
    const D = tiger.config.dim;
    const B = batch.size;
    // The batch's distinct items, in first-seen order.
    const items: number[] = [];
    const slot = (item: number): number => {
      if (this.scratch[item] < 0) {
        this.scratch[item] = items.length;
        items.push(item);
      }
      return this.scratch[item];
    };
    for (const h of batch.histories) for (const it of h) slot(it);
    for (const t of batch.targets) slot(t);
    const U = items.length;
    const x = new Float32Array(U * this.features.dim);
    items.forEach((it, u) => x.set(this.features.data.subarray(it * this.features.dim, (it + 1) * this.features.dim), u * this.features.dim));

    const rng = (ctx.rng as Rng | undefined) ?? new Rng(0);
    const sigma = this.sigma.f32[0];
    const noise = (l: number) => levelNoise(decay, this.usage[l]?.f32, ctx.training ? sigma : 0);
    const quiet = () => ({ tau: decay.tau, noiseScale: 0 });
    const assign = () => assignSoftCodes(net, x, U, ctx.training ? noise : quiet, rng);
    const soft = decay.mode === 'static' ? noGrad(assign) : assign();
    if (ctx.training && decay.mode === 'frequency') for (let l = 0; l < levels; l++) updateUsage(this.usage[l].f32, soft.codes, U, levels, l, decay.momentum);

    // Rows of the batch's token table: [digit 0 of each item, ..., digit levels-1 of each item, every vocab token].
    const W = tiger.tokens.table; // (vocab, D)
    const tab = concat([...soft.onehots.map((h, l) => matmul(h, slice(W, 0, vocab.offsets[l], vocab.offsets[l] + K))), W], 0);
    const base = levels * U;
    const collisionRow = (item: number): number => base + vocab.token(levels, this.table.codesOf(item)[levels]);

    const input = packEncoderRows(
      batch.histories,
      m,
      tiger.config.maxItems,
      (r) => base + vocab.userToken(batch.users[r]),
      (item, d) => (d < levels ? d * U + this.scratch[item] : collisionRow(item)),
    );
    const { memory, padding } = tiger.encodeEmbedded(embedding(tab, intTensor(input.ids, [B, input.length])), input, ctx);
    const dec = new Int32Array(B * m);
    for (let r = 0; r < B; r++) {
      const t = batch.targets[r];
      dec[r * m] = base + vocab.bos;
      for (let d = 0; d + 1 < m; d++) dec[r * m + d + 1] = d < levels ? d * U + this.scratch[t] : collisionRow(t);
    }
    const h = tiger.decodeEmbedded(memory, padding, embedding(tab, intTensor(dec, [B, m])), 1, ctx); // (B, m, D)
    const targetSlots = intTensor(
      Int32Array.from(batch.targets, (t) => this.scratch[t]),
      [B],
    );
    let rec: Tensor | null = null;
    for (let d = 0; d < m; d++) {
      const hd = reshape(slice(h, 1, d, d + 1), [B, D]);
      const head = tiger.head(d);
      let l: Tensor;
      if (d < levels) {
        // Cross-entropy against the target's one-hot, which carries the soft assignment's gradient.
        const target = embedding(soft.onehots[d], targetSlots); // (B, K)
        l = mulScalar(sumAll(mul(logSoftmax(linear(hd, head.weight, head.bias)), target)), -1 / B);
      } else {
        const codes = Int32Array.from(batch.targets, (t) => this.table.codesOf(t)[levels]);
        l = linearCrossEntropy(hd, head.weight, head.bias, intTensor(codes, [B]), { reduction: 'mean' });
      }
      rec = rec ? add(rec, l) : l;
    }
    for (const it of items) this.scratch[it] = -1;
    let total = mulScalar(rec as Tensor, 1 / m);
    if (decay.mode === 'std') total = uncertaintyWeighted(total, this.sigma, decay.lambda);
    if (decay.mode !== 'static' && this.options.tokenizerWeight > 0) total = add(total, mulScalar(soft.tokenizerLoss, this.options.tokenizerWeight));
    return total;
  }

  /** Code use per tokenizer level of the current table: share of codes used and perplexity (exp entropy). */
  codeUse(): { readonly used: number[]; readonly perplexity: number[] } {
    const { levels, codebookSize: K } = this.tokenizer.config;
    const used: number[] = [];
    const perplexity: number[] = [];
    for (let l = 0; l < levels; l++) {
      const counts = new Float64Array(K);
      for (let i = 0; i < this.table.count; i++) counts[this.table.codesOf(i)[l]]++;
      let entropy = 0;
      let nonzero = 0;
      for (const c of counts) {
        if (c === 0) continue;
        nonzero++;
        const p = c / this.table.count;
        entropy -= p * Math.log(p);
      }
      used.push(nonzero / K);
      perplexity.push(Math.exp(entropy));
    }
    return { used, perplexity };
  }
}

/** tidy-wrapped `refreshTable` (the encode allocates engine tensors). */
export function refreshDigerTable(model: Diger): SemanticIdTable {
  return tidy(() => model.refreshTable());
}
