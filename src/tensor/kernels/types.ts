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
}

export type KernelName = keyof Kernels;

/** A provider implements any subset; the registry fills the rest from the plain-TypeScript reference. */
export interface KernelProvider {
  readonly name: ProviderName;
  readonly kernels: Partial<Kernels>;
}

export type ProviderName = 'plain' | 'onnxruntime' | 'openblas';
