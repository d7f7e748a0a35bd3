/**
 * Multi-head attention (Vaswani et al.): self-attention with one fused QKV projection (GPT-2), or
 * cross-attention with separate query and key/value inputs (T5's decoder), with causal and key-padding masks.
 * Heads are read in place from the packed projections by the fused attention ops: no split or merge copies.
 */
import { SidrecError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { packedCrossAttention, packedSelfAttention } from '../ops/attention.js';
import type { Tensor } from '../tensor.js';
import { Linear } from './basic.js';
import { Module, type ForwardContext } from './module.js';

export interface AttentionLayerOptions {
  /** Probability dropout on attention weights. @default 0 */
  readonly dropout?: number;
  /** Query from one input, keys/values from another (encoder memory). @default false */
  readonly cross?: boolean;
  /** @default true */
  readonly bias?: boolean;
  /**
   * Width of each head: the projections map dim to heads x headDim and back (T5 sets it apart from the model dim:
   * 6 heads x 64 on d 128). @default dim / heads, which must then divide dim
   */
  readonly headDim?: number;
}

export interface AttendOptions {
  readonly causal?: boolean;
  /** int32 (B, Tk), non-zero at padding keys. */
  readonly keyPaddingMask?: Tensor;
  /** Additive score bias (H, Tq, Tk), e.g. T5's relative position bias. */
  readonly bias?: Tensor;
}

/** The width of the queries, keys and values: heads x the head width (headDim, else dim / heads). */
export function attentionWidth(dim: number, heads: number, headDim?: number): number {
  return heads * (headDim ?? dim / heads);
}

export class MultiHeadAttention extends Module {
  readonly headDim: number;
  readonly cross: boolean;
  readonly dropout: number;
  private readonly qkv: Linear | null;
  private readonly q: Linear | null;
  private readonly kv: Linear | null;
  private readonly out: Linear;

  constructor(
    readonly dim: number,
    readonly heads: number,
    rng: Rng,
    opts: AttentionLayerOptions = {},
  ) {
    super();
    if (opts.headDim === undefined && dim % heads !== 0) throw new SidrecError('E_CONFIG', `model dim ${dim} is not divisible by ${heads} heads`);
    this.headDim = opts.headDim ?? dim / heads;
    const inner = attentionWidth(dim, heads, opts.headDim);
    this.cross = opts.cross ?? false;
    this.dropout = opts.dropout ?? 0;
    const bias = opts.bias ?? true;
    this.qkv = this.cross ? null : this.module('qkv', new Linear(dim, 3 * inner, rng, { bias }));
    this.q = this.cross ? this.module('q', new Linear(dim, inner, rng, { bias })) : null;
    this.kv = this.cross ? this.module('kv', new Linear(dim, 2 * inner, rng, { bias })) : null;
    this.out = this.module('out', new Linear(inner, dim, rng, { bias }));
  }

  /** x (B, Tq, D) [, memory (B, Tk, D) for cross-attention] -> (B, Tq, D). */
  forward(x: Tensor, ctx: ForwardContext, opts: AttendOptions = {}, memory?: Tensor): Tensor {
    const attnOpts = { causal: opts.causal, keyPaddingMask: opts.keyPaddingMask, bias: opts.bias, dropout: ctx.training ? this.dropout : 0, rng: ctx.rng };
    let merged: Tensor; // (B, Tq, heads x headDim)
    if (this.qkv) merged = packedSelfAttention(this.qkv.forward(x), this.heads, attnOpts);
    else {
      if (!memory) throw new SidrecError('E_STATE', 'cross-attention needs a memory input');
      merged = packedCrossAttention(this.q!.forward(x), this.kv!.forward(memory), this.heads, attnOpts);
    }
    return this.out.forward(merged);
  }
}
