/**
 * TIGER (Rajput et al., NeurIPS 2023): a T5-style encoder-decoder over Semantic IDs. The encoder reads a hashed
 * user token and the flattened SID tokens (collision digit included) of up to 20 history items, bidirectionally,
 * with T5 relative position bias; the decoder starts from BOS and predicts the next item's SID digit by digit
 * under teacher forcing. Each digit has its own output projection over that digit's codes, so the loss is the
 * cross-entropy over the digit's slice of the vocabulary, and beam search reads one digit's logits per step.
 * Attention: 4 heads x 32 (dim / heads) by default; `headDim` sets the head width apart from the model dim, as T5
 * and the public TIGER reproductions do (6 heads x 64 on d 128).
 */
import { Rng } from '../core/rng.js';
import { SidrecError } from '../core/errors.js';
import { add, dropout, intTensor, linearCrossEntropy, mulScalar, noGrad, slice, tidy, reshape, type Tensor, linear } from '../tensor/index.js';
import type { SidBatch } from './sid-batch.js';
import { Embedding, LayerNorm, Linear, Module, TransformerBlock, type ForwardContext } from '../tensor/layers/index.js';
import { RelativePositionBias, T5DecoderBlock } from './tiger-layers.js';
import { SidVocabulary, type EncoderInput } from './tiger-vocab.js';

export interface TigerConfig {
  /** @default 128 */
  readonly dim: number;
  /** @default 4 */
  readonly encoderLayers: number;
  /** @default 4 */
  readonly decoderLayers: number;
  /** Must divide dim unless headDim is set. @default 4 */
  readonly heads: number;
  /** Width of each attention head; heads x headDim need not equal dim (T5's d_kv). @default dim / heads */
  readonly headDim?: number;
  /** @default 1024 */
  readonly ffn: number;
  /** @default 0.1 */
  readonly dropout: number;
  /** History items read. @default 20 */
  readonly maxItems: number;
  /** Hashed user tokens. @default 2000 */
  readonly userBuckets: number;
  /** T5 relative-position buckets. @default 32 */
  readonly relBuckets: number;
  /** @default 128 */
  readonly relMaxDistance: number;
  /** Codes per digit, collision digit included (from the SemanticIdTable). */
  readonly codeSizes: readonly number[];
}

export const DEFAULT_TIGER_CONFIG: Omit<TigerConfig, 'codeSizes'> = Object.freeze({
  dim: 128,
  encoderLayers: 4,
  decoderLayers: 4,
  heads: 4,
  ffn: 1024,
  dropout: 0.1,
  maxItems: 20,
  userBuckets: 2000,
  relBuckets: 32,
  relMaxDistance: 128,
});

/** Encoder output for a batch of requests, kept alive across decoding steps (dispose when done). */
export interface EncodedRequests {
  /** (B, T, D) */
  readonly memory: Tensor;
  /** int32 (B, T), 1 at padding. */
  readonly padding: Tensor;
  readonly input: EncoderInput;
}

export class Tiger extends Module {
  readonly config: TigerConfig;
  readonly vocab: SidVocabulary;
  /** (vocab, D): codes of every digit, BOS, user buckets. */
  readonly tokens: Embedding;
  private readonly encBias: RelativePositionBias;
  private readonly encoder: TransformerBlock[];
  private readonly encNorm: LayerNorm;
  private readonly decBias: RelativePositionBias;
  private readonly decoder: T5DecoderBlock[];
  private readonly decNorm: LayerNorm;
  /** One projection per digit: (D, codeSizes[d]). */
  private readonly heads: Linear[];

  constructor(config: Partial<TigerConfig> & Pick<TigerConfig, 'codeSizes'>, seed: number) {
    super();
    this.config = { ...DEFAULT_TIGER_CONFIG, ...config };
    const { dim, heads, headDim, ffn, dropout: p, encoderLayers, decoderLayers, relBuckets, relMaxDistance, codeSizes } = this.config;
    if (headDim === undefined && dim % heads !== 0) throw new SidrecError('E_CONFIG', `TIGER: ${heads} heads do not divide dim ${dim}`, { field: 'heads' });
    const rng = new Rng(seed);
    this.vocab = new SidVocabulary(codeSizes, this.config.userBuckets);
    this.tokens = this.module('tokens', new Embedding(this.vocab.size, dim, rng, 1 / Math.sqrt(dim)));
    this.encBias = this.module('encBias', new RelativePositionBias(heads, true, relBuckets, relMaxDistance, rng));
    this.encoder = Array.from({ length: encoderLayers }, (_, i) =>
      this.module(`encoder.${i}`, new TransformerBlock({ dim, heads, headDim, ffn, dropout: p, activation: 'relu' }, rng)),
    );
    this.encNorm = this.module('encNorm', new LayerNorm(dim));
    this.decBias = this.module('decBias', new RelativePositionBias(heads, false, relBuckets, relMaxDistance, rng));
    this.decoder = Array.from({ length: decoderLayers }, (_, i) =>
      this.module(`decoder.${i}`, new T5DecoderBlock({ dim, heads, headDim, ffn, dropout: p }, rng)),
    );
    this.decNorm = this.module('decNorm', new LayerNorm(dim));
    this.heads = codeSizes.map((size, d) => this.module(`heads.${d}`, new Linear(dim, size, rng)));
  }

  /** Digit d's output projection (D -> codeSizes[d]). */
  head(d: number): Linear {
    return this.heads[d];
  }

  get digits(): number {
    return this.vocab.digits;
  }

  /** Encoder over packed inputs -> memory (B, T, D) and the padding mask tensor. */
  encode(input: EncoderInput, ctx: ForwardContext): { memory: Tensor; padding: Tensor } {
    return this.encodeEmbedded(this.tokens.forward(intTensor(input.ids, [input.size, input.length])), input, ctx);
  }

  /**
   * Encoder over already embedded inputs x (B, T, D) laid out as `input` (its padding): DIGER embeds SID tokens
   * through its differentiable code assignment instead of the token table.
   */
  encodeEmbedded(embedded: Tensor, input: EncoderInput, ctx: ForwardContext): { memory: Tensor; padding: Tensor } {
    const { size: B, length: T } = input;
    let x = embedded; // (B, T, D)
    if (ctx.training && this.config.dropout > 0 && ctx.rng) x = dropout(x, this.config.dropout, ctx.rng as Rng);
    const padding = intTensor(input.padding, [B, T]);
    const bias = this.encBias.forward(T, T); // (H, T, T)
    for (const block of this.encoder) x = block.forward(x, ctx, { keyPaddingMask: padding, bias });
    return { memory: this.encNorm.forward(x), padding };
  }

  /** Decoder over token prefixes int32 (B*G, t) (BOS first), G rows per request -> hidden (B*G, t, D). */
  decode(memory: Tensor, padding: Tensor, tokens: Int32Array, rows: number, t: number, groups: number, ctx: ForwardContext): Tensor {
    return this.decodeEmbedded(memory, padding, this.tokens.forward(intTensor(tokens, [rows, t])), groups, ctx);
  }

  /** Decoder over already embedded prefixes (B*G, t, D) -> hidden (B*G, t, D). */
  decodeEmbedded(memory: Tensor, padding: Tensor, embedded: Tensor, groups: number, ctx: ForwardContext): Tensor {
    const t = embedded.shape[1];
    let x = embedded; // (B*G, t, D)
    if (ctx.training && this.config.dropout > 0 && ctx.rng) x = dropout(x, this.config.dropout, ctx.rng as Rng);
    const bias = this.decBias.forward(t, t); // (H, t, t)
    for (const block of this.decoder) x = block.forward(x, memory, padding, groups, bias, ctx);
    return this.decNorm.forward(x);
  }

  /** Mean over digits of the CE of the target SID's code at that digit (teacher forcing). */
  sidLoss(memory: Tensor, padding: Tensor, batch: SidBatch, ctx: ForwardContext): Tensor {
    return this.digitLoss(this.decode(memory, padding, batch.decoderInput, batch.size, this.digits, 1, ctx), batch);
  }

  /**
   * Mean over digits of the CE of the target's code at each digit from the decoder's outputs h (B, digits, D);
   * `extra(d, hd)` may add a term to digit d's (DIGER's label path).
   */
  digitLoss(h: Tensor, batch: SidBatch, extra?: (digit: number, hidden: Tensor) => Tensor | null): Tensor {
    const m = this.digits;
    let total: Tensor | null = null;
    for (let d = 0; d < m; d++) {
      const hd = reshape(slice(h, 1, d, d + 1), [batch.size, this.config.dim]); // (B, D)
      const targets = new Int32Array(batch.size);
      for (let r = 0; r < batch.size; r++) targets[r] = batch.targetCodes[r * m + d];
      const head = this.heads[d];
      let l = linearCrossEntropy(hd, head.weight, head.bias, intTensor(targets, [batch.size]), { reduction: 'mean' });
      const added = extra?.(d, hd);
      if (added) l = add(l, added);
      total = total ? add(total, l) : l;
    }
    return mulScalar(total as Tensor, 1 / m);
  }

  loss(batch: SidBatch, ctx: ForwardContext): Tensor {
    const { memory, padding } = this.encode(batch.encoder, ctx);
    return this.sidLoss(memory, padding, batch, ctx);
  }

  /** Encode requests once for decoding; the result's tensors are kept until `releaseEncoded`. */
  encodeRequests(input: EncoderInput): EncodedRequests {
    return noGrad(() => {
      const out = tidy(() => this.encode(input, { training: false }));
      out.memory.kept = true;
      out.padding.kept = true;
      return { memory: out.memory, padding: out.padding, input };
    });
  }

  releaseEncoded(enc: EncodedRequests): void {
    enc.memory.kept = false;
    enc.padding.kept = false;
    enc.memory.dispose();
    enc.padding.dispose();
  }

  /**
   * Logits of digit `step` for `rows` = B*G code prefixes int32 (rows, step), G per request:
   * Float32Array (rows, codeSizes[step]).
   */
  nextLogits(enc: EncodedRequests, prefixes: Int32Array, rows: number, step: number, groups: number): Float32Array {
    const t = step + 1;
    const tokens = new Int32Array(rows * t);
    for (let r = 0; r < rows; r++) {
      tokens[r * t] = this.vocab.bos;
      for (let d = 0; d < step; d++) tokens[r * t + 1 + d] = this.vocab.token(d, prefixes[r * step + d]);
    }
    return noGrad(() =>
      tidy(() => {
        const h = this.decode(enc.memory, enc.padding, tokens, rows, t, groups, { training: false }); // (rows, t, D)
        const last = reshape(slice(h, 1, t - 1, t), [rows, this.config.dim]); // (rows, D)
        const head = this.heads[step];
        return linear(last, head.weight, head.bias).f32.slice(); // (rows, V_step)
      }),
    );
  }
}
