/**
 * Gryphon's item-level scorer (arXiv 2606.08604): scores concrete items, so items that collide on one SID (and
 * thus share one beam likelihood) still get different scores. The user vector is a projection of the masked mean
 * of the encoder output of the SAME forward pass that feeds SID generation (one encoder pass per request); an
 * item's vector is its own learned embedding plus the mean of its SID token embeddings (shared with the
 * generator); score = dot product. Trained with full-softmax cross-entropy over all items (cheap through
 * linearCrossEntropy, which never materialises the (B, N) logits).
 */
import type { Rng } from '../core/rng.js';
import { add, embeddingBag, initNormal, intTensor, linearCrossEntropy, matmul, reshape, tensor, type Tensor } from '../tensor/index.js';
import { Linear, Module } from '../tensor/layers/index.js';

export class ItemScorer extends Module {
  /** (N, D) */
  readonly items: Tensor;
  private readonly userProj: Linear;
  /** int32 (N, digits) token ids of each item's SID. */
  private readonly itemTokens: Tensor;

  constructor(
    readonly numItems: number,
    readonly dim: number,
    itemTokens: Int32Array,
    readonly digits: number,
    rng: Rng,
  ) {
    super();
    this.items = initNormal(this.param('items', [numItems, dim]), rng, 1 / Math.sqrt(dim));
    this.userProj = this.module('userProj', new Linear(dim, dim, rng));
    this.itemTokens = intTensor(itemTokens, [numItems, digits]);
    this.itemTokens.kept = true;
  }

  /** memory (B, T, D) with per-row real lengths (padding at the end) -> user vectors (B, D). */
  userVectors(memory: Tensor, lengths: Int32Array): Tensor {
    const [B, T] = memory.shape;
    const w = new Float32Array(B * T); // (B, 1, T): masked mean weights
    for (let r = 0; r < B; r++) w.fill(1 / lengths[r], r * T, r * T + lengths[r]);
    const pooled = reshape(matmul(tensor(w, [B, 1, T]), memory), [B, this.dim]); // (B, D)
    return this.userProj.forward(pooled);
  }

  /** All item vectors (N, D) = own embedding + mean of its SID token embeddings (tokenTable (V, D)). */
  itemMatrix(tokenTable: Tensor): Tensor {
    return add(this.items, embeddingBag(tokenTable, this.itemTokens, 'mean'));
  }

  /** Full-softmax CE of the target items: users (B, D), matrix (N, D). */
  loss(users: Tensor, matrix: Tensor, targets: Int32Array): Tensor {
    return linearCrossEntropy(users, matrix, null, intTensor(targets, [targets.length]), { transposeWeight: true, reduction: 'mean' });
  }

  override dispose(): void {
    super.dispose();
    this.itemTokens.kept = false;
    this.itemTokens.dispose();
  }
}

/** Dot products of one user vector (D) with the candidate rows of matrix (N, D): out[j] = <u, M[items[j]]>. */
export function scoreCandidates(user: Float32Array, matrix: Float32Array, dim: number, items: ArrayLike<number>, out: Float64Array): void {
  for (let j = 0; j < items.length; j++) {
    const off = items[j] * dim;
    let s = 0;
    for (let k = 0; k < dim; k++) s += user[k] * matrix[off + k];
    out[j] = s;
  }
}
