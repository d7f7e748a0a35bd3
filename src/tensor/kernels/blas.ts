/**
 * The OpenBLAS kernel provider: maps the kernel seam onto the optional N-API addon built from `native/`
 * (cblas_sgemm for GEMM, fused OpenMP/SIMD C loops for the row, elementwise, layer-norm, embedding-bag
 * and Adam kernels). The addon checks every
 * bound itself; this file only fills in the seam's defaults (leading dimensions, alpha, beta, scale).
 * Loading (and the OPENBLAS_CORETYPE choice that must precede it) lives in `load.ts`.
 */
import type {
  AdamStepArgs,
  DropoutArgs,
  EmbeddingBagArgs,
  GatherSumArgs,
  GemmArgs,
  GemmBatchedArgs,
  KernelProvider,
  Kernels,
  LayerNormBackwardArgs,
  LayerNormForwardArgs,
  ResidualHeadsArgs,
  ResidualHeadsBackwardArgs,
  SoftmaxCrossEntropyArgs,
} from './types.js';

/** The addon's exports, as `native/src/addon.c` defines them. */
export interface BlasAddon {
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    strideA: number,
    b: Float32Array,
    ldb: number,
    strideB: number,
    beta: number,
    c: Float32Array,
    ldc: number,
    strideC: number,
    batch: number,
  ): void;
  softmaxCrossEntropy(logits: Float32Array, rows: number, cols: number, targets: Int32Array, grad: Float32Array | null, scale: number): number;
  gelu(x: Float32Array, out: Float32Array, n: number): void;
  geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number, accumulate: boolean): void;
  softmaxRows(x: Float32Array, rows: number, cols: number): void;
  layerNormForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    out: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  layerNormBackward(
    x: Float32Array,
    gamma: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    dy: Float32Array,
    dx: Float32Array | null,
    dgamma: Float32Array | null,
    dbeta: Float32Array | null,
    rows: number,
    cols: number,
  ): void;
  adamStep(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    biasCorrection1: number,
    biasCorrection2: number,
  ): void;
  embeddingBagForward(table: Float32Array, dim: number, ids: Int32Array, bag: number, positions: number, weights: Float32Array | null, out: Float32Array): void;
  embeddingBagBackward(
    dTable: Float32Array,
    dim: number,
    ids: Int32Array,
    bag: number,
    positions: number,
    weights: Float32Array | null,
    dOut: Float32Array,
  ): void;
  info(): { corename: string; blasThreads: number; ompThreads: number };
  /** Added after the first release of the addon: a build without them still serves every other kernel. */
  residualSiluNormalize?(h: Float32Array, p: Float32Array, s: Float32Array, q: Float32Array, inv: Float32Array, rows: number, heads: number, dim: number): void;
  residualSiluNormalizeBackward?(
    p: Float32Array,
    s: Float32Array,
    q: Float32Array,
    inv: Float32Array,
    dq: Float32Array,
    dh: Float32Array | null,
    rows: number,
    heads: number,
    dim: number,
  ): void;
  gatherSum?(table: Float32Array, rows: number, rowLength: number, ids: Int32Array, count: number, bag: number, out: Float32Array): void;
  dropout?(x: Float32Array, out: Float32Array, mask: Float32Array, n: number, seed: number, threshold: number, scale: number): void;
  relu?(x: Float32Array, out: Float32Array, n: number): void;
  reluBackward?(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number, accumulate: boolean): void;
}

const ADDON_EXPORTS = [
  'sgemm',
  'softmaxCrossEntropy',
  'gelu',
  'geluBackward',
  'softmaxRows',
  'layerNormForward',
  'layerNormBackward',
  'adamStep',
  'embeddingBagForward',
  'embeddingBagBackward',
  'info',
] as const;

/** Throws naming the missing export when a stale build of the addon does not match this file. */
export function checkBlasAddon(value: unknown): BlasAddon {
  for (const name of ADDON_EXPORTS) {
    if (typeof (value as Record<string, unknown> | null)?.[name] !== 'function') {
      throw new Error(`addon lacks ${name}(): rebuild it with npm run build:native`);
    }
  }
  return value as BlasAddon;
}

export function blasProvider(addon: BlasAddon): KernelProvider {
  function gemmBatched(g: GemmBatchedArgs): void {
    const lda = g.lda ?? (g.transA ? g.m : g.k);
    const ldb = g.ldb ?? (g.transB ? g.k : g.n);
    const ldc = g.ldc ?? g.n;
    addon.sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha ?? 1, g.a, lda, g.strideA, g.b, ldb, g.strideB, g.beta ?? 0, g.c, ldc, g.strideC, g.batch);
  }
  return {
    name: 'openblas',
    kernels: {
      gemm: (g: GemmArgs) => gemmBatched({ ...g, batch: 1, strideA: 0, strideB: 0, strideC: 0 }),
      gemmBatched,
      softmaxCrossEntropy: ({ logits, rows, cols, targets, grad, scale = 1 }: SoftmaxCrossEntropyArgs) =>
        addon.softmaxCrossEntropy(logits, rows, cols, targets, grad ?? null, scale),
      gelu: (x, out, n) => addon.gelu(x, out, n),
      geluBackward: (x, dy, dx, n, accumulate) => addon.geluBackward(x, dy, dx, n, accumulate),
      softmaxRows: (x, rows, cols) => addon.softmaxRows(x, rows, cols),
      layerNormForward: ({ x, gamma, beta, out, mean, rstd, rows, cols, eps }: LayerNormForwardArgs) =>
        addon.layerNormForward(x, gamma, beta, out, mean, rstd, rows, cols, eps),
      layerNormBackward: ({ x, gamma, mean, rstd, dy, dx, dgamma, dbeta, rows, cols }: LayerNormBackwardArgs) =>
        addon.layerNormBackward(x, gamma, mean, rstd, dy, dx ?? null, dgamma ?? null, dbeta ?? null, rows, cols),
      adamStep: (a: AdamStepArgs) =>
        addon.adamStep(a.param, a.grad, a.m, a.v, a.n, a.lr, a.beta1, a.beta2, a.eps, a.weightDecay, a.biasCorrection1, a.biasCorrection2),
      embeddingBagForward: (e: EmbeddingBagArgs & { readonly out: Float32Array }) =>
        addon.embeddingBagForward(e.table, e.dim, e.ids, e.bag, e.positions, e.weights ?? null, e.out),
      embeddingBagBackward: (e: EmbeddingBagArgs & { readonly dOut: Float32Array }) =>
        addon.embeddingBagBackward(e.table, e.dim, e.ids, e.bag, e.positions, e.weights ?? null, e.dOut),
      ...(addon.residualSiluNormalize && addon.residualSiluNormalizeBackward
        ? residualHeads(addon.residualSiluNormalize, addon.residualSiluNormalizeBackward)
        : {}),
      ...(addon.gatherSum ? gatherSumKernel(addon.gatherSum) : {}),
      ...(addon.dropout ? dropoutKernel(addon.dropout) : {}),
      ...(addon.relu && addon.reluBackward ? { relu: addon.relu, reluBackward: addon.reluBackward } : {}),
    },
  };
}

function residualHeads(
  forward: NonNullable<BlasAddon['residualSiluNormalize']>,
  backward: NonNullable<BlasAddon['residualSiluNormalizeBackward']>,
): Partial<Kernels> {
  return {
    residualSiluNormalize: ({ h, p, s, q, inv, rows, heads, dim }: ResidualHeadsArgs) => forward(h, p, s, q, inv, rows, heads, dim),
    residualSiluNormalizeBackward: ({ p, s, q, inv, dq, dh, rows, heads, dim }: ResidualHeadsBackwardArgs) => backward(p, s, q, inv, dq, dh, rows, heads, dim),
  };
}

function gatherSumKernel(gatherSum: NonNullable<BlasAddon['gatherSum']>): Partial<Kernels> {
  return { gatherSum: ({ table, rows, rowLength, ids, count, bag, out }: GatherSumArgs) => gatherSum(table, rows, rowLength, ids, count, bag, out) };
}

function dropoutKernel(dropout: NonNullable<BlasAddon['dropout']>): Partial<Kernels> {
  return { dropout: ({ x, out, mask, n, seed, threshold, scale }: DropoutArgs) => dropout(x, out, mask, n, seed, threshold, scale) };
}
