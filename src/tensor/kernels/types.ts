/**
 * The kernel seam: raw, synchronous, allocation-free numeric routines over Float32Array views. The autodiff ops in
 * `src/tensor/` call these and nothing else for heavy work, so a provider (plain TypeScript, onnxruntime-node,
 * the optional OpenBLAS addon) can be swapped per kernel after profiling. All matrices are row-major.
 *
 * Contract for every provider: results agree with the plain-TypeScript provider (the reference) to float32
 * rounding; no kernel keeps a reference to its arguments after it returns; output arrays are written, never
 * reallocated.
 */

/** C[m x n] = alpha * op(A) @ op(B) + beta * C, where op(A) is m x k and op(B) is k x n. */
export interface GemmArgs {
  readonly transA: boolean;
  readonly transB: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** @default 1 */
  readonly alpha?: number;
  readonly a: Float32Array;
  /** Leading dimension of A as stored (its row length): k if !transA else m, unless it is a sub-matrix view. */
  readonly lda?: number;
  readonly b: Float32Array;
  readonly ldb?: number;
  /** 0 overwrites C, 1 accumulates into it. @default 0 */
  readonly beta?: number;
  readonly c: Float32Array;
  readonly ldc?: number;
}

/**
 * `batch` independent GEMMs; batch i reads A at `a.subarray(i * strideA)`, B at `i * strideB` and writes C at
 * `i * strideC` (strides in elements). Attention's (B*H) products of (T x hd) by (hd x T) use this.
 */
export interface GemmBatchedArgs extends GemmArgs {
  readonly batch: number;
  readonly strideA: number;
  readonly strideB: number;
  readonly strideC: number;
}

/**
 * Row-wise softmax cross-entropy over `rows` rows of `cols` logits, fused: returns the summed loss
 * (sum over rows of logsumexp(row) - row[target]) and, when `grad` is given, writes
 * grad = scale * (softmax(row) - onehot(target)). `grad` may alias `logits` (in place). Rows whose target is
 * negative are ignored (zero loss, zero gradient): that is how padding positions are masked.
 */
export interface SoftmaxCrossEntropyArgs {
  readonly logits: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly targets: Int32Array;
  readonly grad?: Float32Array;
  /** @default 1 */
  readonly scale?: number;
}

export interface Kernels {
  gemm(args: GemmArgs): void;
  gemmBatched(args: GemmBatchedArgs): void;
  softmaxCrossEntropy(args: SoftmaxCrossEntropyArgs): number;
  /** out[i] = gelu_tanh(x[i]) over n elements. */
  gelu(x: Float32Array, out: Float32Array, n: number): void;
  /** dx[i] (+)= dy[i] * gelu_tanh'(x[i]); accumulates into dx when `accumulate`. */
  geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number, accumulate: boolean): void;
  /** In-place row softmax over `rows` rows of `cols`. */
  softmaxRows(x: Float32Array, rows: number, cols: number): void;
  /**
   * Row layer norm over `rows` rows of `cols`: out = (x - mean) * rstd * gamma + beta; writes each row's mean and
   * rstd = 1 / sqrt(var + eps) (biased variance) for the backward pass.
   */
  layerNormForward(args: LayerNormForwardArgs): void;
  /** Layer-norm backward: accumulates into dx, dgamma, dbeta (each optional) from dy and the saved mean/rstd. */
  layerNormBackward(args: LayerNormBackwardArgs): void;
  /**
   * One Adam/AdamW update over n elements, in place on param, m, v:
   * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; param -= lr * (m / bc1) / (sqrt(v / bc2) + eps) + lr * wd * param,
   * where bc1 = 1 - b1^t, bc2 = 1 - b2^t and the decoupled decay uses the parameter before this step's update.
   */
  adamStep(args: AdamStepArgs): void;
  /**
   * Embedding bag forward: for each of `positions` positions, out[p] = weights[p] (or 1) * sum over its `bag` ids
   * (ids[p * bag + b], negative ids skipped) of table rows of length `dim`. `out` is overwritten.
   */
  embeddingBagForward(args: EmbeddingBagArgs & { readonly out: Float32Array }): void;
  /** Embedding bag backward (scatter-add): dTable[id] += weights[p] (or 1) * dOut[p] for every id of position p. */
  embeddingBagBackward(args: EmbeddingBagArgs & { readonly dOut: Float32Array }): void;
  /** out[i] = max(x[i], 0) over n elements (T5's feed-forward in TIGER). */
  relu(x: Float32Array, out: Float32Array, n: number): void;
  /** dx[i] (+)= x[i] > 0 ? dy[i] : 0; accumulates into dx when `accumulate`. */
  reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number, accumulate: boolean): void;
  /** out[i] = silu(x[i]) = x[i] * sigmoid(x[i]) over n elements (RPG's projection heads). */
  silu(x: Float32Array, out: Float32Array, n: number): void;
  /** dx[i] (+)= dy[i] * silu'(x[i]); accumulates into dx when `accumulate`. */
  siluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number, accumulate: boolean): void;
  /**
   * RPG's residual heads, the elementwise part: for row r and head d, with p = P[r, d, :] and h = H[r, :]:
   * S = sigmoid(p), u = h + p * S, inv[r * heads + d] = 1 / max(|u|, 1e-12), Q = u * inv.
   */
  residualSiluNormalize(args: ResidualHeadsArgs): void;
  /**
   * Its backward from dQ: dU = (dQ - Q <Q, dQ>) * inv; dh[r] += sum over heads of dU (when dh is given); P is
   * overwritten with dP = dU * S * (1 + P * (1 - S)).
   */
  residualSiluNormalizeBackward(args: ResidualHeadsBackwardArgs): void;
  /**
   * out[r * count + i] = sum over b < bag of table[r * rowLength + ids[i * bag + b]] for r < rows, i < count:
   * RPG's item scores (each item's m code log-probabilities summed) for every item at once. Ids are in
   * [0, rowLength).
   */
  gatherSum(args: GatherSumArgs): void;
  /**
   * Inverted dropout with a counter-based mask: element i is kept when fmix32(seed + i * 0x9e3779b9) >= threshold
   * (threshold = round(p * 2^32)); mask[i] = scale when kept, else 0, and out[i] = x[i] * mask[i]. The mask depends
   * only on (seed, i), so every provider and thread count draws the same one.
   */
  dropout(args: DropoutArgs): void;
}

export interface DropoutArgs {
  readonly x: Float32Array;
  readonly out: Float32Array;
  readonly mask: Float32Array;
  readonly n: number;
  /** uint32 */
  readonly seed: number;
  /** uint32: an element is dropped when its hash is below it. */
  readonly threshold: number;
  readonly scale: number;
}

export interface GatherSumArgs {
  readonly table: Float32Array;
  readonly rows: number;
  readonly rowLength: number;
  /** (count, bag) */
  readonly ids: Int32Array;
  readonly count: number;
  readonly bag: number;
  /** (rows, count) out */
  readonly out: Float32Array;
}

export interface ResidualHeadsArgs {
  /** (rows, dim) */
  readonly h: Float32Array;
  /** (rows, heads, dim) pre-activations */
  readonly p: Float32Array;
  /** (rows, heads, dim) out: sigmoid(p) */
  readonly s: Float32Array;
  /** (rows, heads, dim) out: unit head outputs */
  readonly q: Float32Array;
  /** (rows * heads) out: 1 / |u| */
  readonly inv: Float32Array;
  readonly rows: number;
  readonly heads: number;
  readonly dim: number;
}

export interface ResidualHeadsBackwardArgs {
  /** (rows, heads, dim): pre-activations in, their gradient out */
  readonly p: Float32Array;
  readonly s: Float32Array;
  readonly q: Float32Array;
  readonly inv: Float32Array;
  /** (rows, heads, dim) gradient of Q */
  readonly dq: Float32Array;
  /** (rows, dim) accumulated gradient of h, or null */
  readonly dh: Float32Array | null;
  readonly rows: number;
  readonly heads: number;
  readonly dim: number;
}

export interface EmbeddingBagArgs {
  /** (rows, dim) for forward; the gradient of the table, same shape, for backward. */
  readonly table: Float32Array;
  readonly dim: number;
  /** positions x bag ids; negative = padding. */
  readonly ids: Int32Array;
  readonly bag: number;
  readonly positions: number;
  /** Per-position scale (1 / count for a mean bag); absent = 1. */
  readonly weights?: Float32Array;
}

export interface LayerNormForwardArgs {
  readonly x: Float32Array;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly out: Float32Array;
  readonly mean: Float32Array;
  readonly rstd: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly eps: number;
}

export interface LayerNormBackwardArgs {
  readonly x: Float32Array;
  readonly gamma: Float32Array;
  readonly mean: Float32Array;
  readonly rstd: Float32Array;
  readonly dy: Float32Array;
  readonly dx?: Float32Array;
  readonly dgamma?: Float32Array;
  readonly dbeta?: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

export interface AdamStepArgs {
  readonly param: Float32Array;
  readonly grad: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly n: number;
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Decoupled weight decay (AdamW); 0 for Adam. */
  readonly weightDecay: number;
  /** 1 - beta1^t */
  readonly biasCorrection1: number;
  /** 1 - beta2^t */
  readonly biasCorrection2: number;
}

export type KernelName = keyof Kernels;

/** A provider implements any subset; the registry fills the rest from the plain-TypeScript reference. */
export interface KernelProvider {
  readonly name: ProviderName;
  readonly kernels: Partial<Kernels>;
}

export type ProviderName = 'plain' | 'onnxruntime' | 'openblas';
