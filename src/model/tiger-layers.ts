/**
 * The T5 pieces TIGER needs beyond the shared blocks (Raffel et al., JMLR 2020): the bucketed relative position
 * bias (one table per stack, shared by its layers, bidirectional for the encoder and causal for the decoder) and
 * a decoder block whose cross-attention runs G decoder rows of one request against that request's single copy of
 * the encoder memory: during beam search the G beams of a request are folded into the query axis, so the memory
 * is never repeated per beam (cross-attention has no mask between queries, so this is exact).
 */
import type { Rng } from '../core/rng.js';
import { add, dropout, embedding, initNormal, intTensor, permute, reshape, type Tensor } from '../tensor/index.js';
import { LayerNorm, MLP, Module, MultiHeadAttention, type ForwardContext } from '../tensor/layers/index.js';
import { relativeBuckets } from './tiger-inputs.js';

export class RelativePositionBias extends Module {
  /** (buckets, H) */
  readonly table: Tensor;
  private readonly cache = new Map<string, Int32Array>();

  constructor(
    readonly heads: number,
    readonly bidirectional: boolean,
    readonly buckets: number,
    readonly maxDistance: number,
    rng: Rng,
  ) {
    super();
    this.table = initNormal(this.param('weight', [buckets, heads]), rng, 0.02);
  }

  /** Additive attention bias (H, Tq, Tk); queries sit at the last Tq positions of the Tk keys. */
  forward(Tq: number, Tk: number): Tensor {
    const key = `${Tq}x${Tk}`;
    let ids = this.cache.get(key);
    if (!ids) {
      ids = relativeBuckets(Tq, Tk, this.bidirectional, this.buckets, this.maxDistance);
      this.cache.set(key, ids);
    }
    return permute(embedding(this.table, intTensor(ids, [Tq, Tk])), [2, 0, 1]); // (Tq, Tk, H) -> (H, Tq, Tk)
  }
}

export interface DecoderBlockOptions {
  readonly dim: number;
  readonly heads: number;
  readonly ffn: number;
  readonly dropout: number;
  /** Width of each attention head. @default dim / heads */
  readonly headDim?: number;
}

/** Pre-LN T5 decoder block: causal self-attention with relative bias, grouped cross-attention, ReLU MLP. */
export class T5DecoderBlock extends Module {
  private readonly ln1: LayerNorm;
  private readonly selfAttn: MultiHeadAttention;
  private readonly lnCross: LayerNorm;
  private readonly crossAttn: MultiHeadAttention;
  private readonly ln2: LayerNorm;
  private readonly mlp: MLP;

  constructor(
    private readonly opts: DecoderBlockOptions,
    rng: Rng,
  ) {
    super();
    const { dim, heads, ffn, dropout: p, headDim } = opts;
    this.ln1 = this.module('ln1', new LayerNorm(dim));
    this.selfAttn = this.module('attn', new MultiHeadAttention(dim, heads, rng, { dropout: p, headDim }));
    this.lnCross = this.module('lnCross', new LayerNorm(dim));
    this.crossAttn = this.module('crossAttn', new MultiHeadAttention(dim, heads, rng, { dropout: p, cross: true, headDim }));
    this.ln2 = this.module('ln2', new LayerNorm(dim));
    this.mlp = this.module('mlp', new MLP(dim, ffn, rng, 'relu'));
  }

  /**
   * x (B*G, t, D): G consecutive rows per request; memory (B, Tk, D); memoryPadding int32 (B, Tk);
   * selfBias (H, t, t) -> (B*G, t, D).
   */
  forward(x: Tensor, memory: Tensor, memoryPadding: Tensor, groups: number, selfBias: Tensor, ctx: ForwardContext): Tensor {
    const p = this.opts.dropout;
    const drop = (t: Tensor): Tensor => (ctx.training && p > 0 && ctx.rng ? dropout(t, p, ctx.rng) : t);
    const [BG, t, D] = x.shape;
    const B = BG / groups;
    let h = add(x, drop(this.selfAttn.forward(this.ln1.forward(x), ctx, { causal: true, bias: selfBias }))); // (B*G, t, D)
    const q = reshape(this.lnCross.forward(h), [B, groups * t, D]); // (B, G*t, D)
    const c = this.crossAttn.forward(q, ctx, { keyPaddingMask: memoryPadding }, memory); // (B, G*t, D)
    h = add(h, drop(reshape(c, [BG, t, D])));
    return add(h, drop(this.mlp.forward(this.ln2.forward(h))));
  }
}
