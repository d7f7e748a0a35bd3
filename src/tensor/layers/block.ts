/**
 * The pre-LN transformer block (GPT-2): x + attn(ln1(x)); [x + crossAttn(lnX(x), memory) for a T5-style decoder];
 * x + mlp(ln2(x)) with a GELU (tanh) feed-forward. Residual dropout applies to each branch when training.
 */
import type { Rng } from '../../core/rng.js';
import { add } from '../ops/binary.js';
import { dropout } from '../ops/random.js';
import { gelu, relu } from '../ops/unary.js';
import type { Tensor } from '../tensor.js';
import { MultiHeadAttention, type AttendOptions } from './attention.js';
import { LayerNorm, Linear } from './basic.js';
import { Module, type ForwardContext } from './module.js';

export class MLP extends Module {
  private readonly fc: Linear;
  private readonly proj: Linear;

  constructor(
    dim: number,
    hidden: number,
    rng: Rng,
    readonly activation: 'gelu' | 'relu' = 'gelu',
  ) {
    super();
    this.fc = this.module('fc', new Linear(dim, hidden, rng));
    this.proj = this.module('proj', new Linear(hidden, dim, rng));
  }

  /** (..., D) -> (..., D) */
  forward(x: Tensor): Tensor {
    const h = this.fc.forward(x); // (..., F)
    return this.proj.forward(this.activation === 'gelu' ? gelu(h) : relu(h));
  }
}

export interface BlockOptions {
  readonly dim: number;
  readonly heads: number;
  readonly ffn: number;
  /** Dropout on each residual branch (GPT-2's resid_pdrop). @default 0 */
  readonly dropout?: number;
  /** Dropout on the attention weights (GPT-2's attn_pdrop). @default the residual dropout */
  readonly attnDropout?: number;
  /** Add a cross-attention sub-layer (T5 decoder). @default false */
  readonly cross?: boolean;
  /** @default 'gelu' */
  readonly activation?: 'gelu' | 'relu';
  /** Width of each attention head (attention.ts). @default dim / heads */
  readonly headDim?: number;
}

export interface BlockInputs extends AttendOptions {
  /** Encoder output (B, Tk, D) for cross-attention. */
  readonly memory?: Tensor;
  /** int32 (B, Tk): padding keys of the memory. */
  readonly memoryPaddingMask?: Tensor;
}

export class TransformerBlock extends Module {
  private readonly ln1: LayerNorm;
  private readonly attn: MultiHeadAttention;
  private readonly lnCross: LayerNorm | null;
  private readonly crossAttn: MultiHeadAttention | null;
  private readonly ln2: LayerNorm;
  private readonly mlp: MLP;
  readonly dropout: number;

  constructor(opts: BlockOptions, rng: Rng) {
    super();
    this.dropout = opts.dropout ?? 0;
    const attnDropout = opts.attnDropout ?? this.dropout;
    this.ln1 = this.module('ln1', new LayerNorm(opts.dim));
    this.attn = this.module('attn', new MultiHeadAttention(opts.dim, opts.heads, rng, { dropout: attnDropout, headDim: opts.headDim }));
    this.lnCross = opts.cross ? this.module('lnCross', new LayerNorm(opts.dim)) : null;
    this.crossAttn = opts.cross
      ? this.module('crossAttn', new MultiHeadAttention(opts.dim, opts.heads, rng, { dropout: attnDropout, cross: true, headDim: opts.headDim }))
      : null;
    this.ln2 = this.module('ln2', new LayerNorm(opts.dim));
    this.mlp = this.module('mlp', new MLP(opts.dim, opts.ffn, rng, opts.activation));
  }

  /** x (B, T, D) -> (B, T, D) */
  forward(x: Tensor, ctx: ForwardContext, inputs: BlockInputs = {}): Tensor {
    const drop = (t: Tensor): Tensor => (ctx.training && this.dropout > 0 && ctx.rng ? dropout(t, this.dropout, ctx.rng) : t);
    let h = add(x, drop(this.attn.forward(this.ln1.forward(x), ctx, { causal: inputs.causal, keyPaddingMask: inputs.keyPaddingMask, bias: inputs.bias })));
    if (this.crossAttn && this.lnCross) {
      h = add(h, drop(this.crossAttn.forward(this.lnCross.forward(h), ctx, { keyPaddingMask: inputs.memoryPaddingMask }, inputs.memory)));
    }
    return add(h, drop(this.mlp.forward(this.ln2.forward(h))));
  }
}
