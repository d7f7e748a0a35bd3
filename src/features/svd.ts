/**
 * Randomized truncated SVD (Halko, Martinsson & Tropp 2011, Alg. 4.4 with re-orthonormalised power
 * iterations): Gaussian sketch Y = A Omega with oversampling, q power iterations Y = A (A^T Q), each step
 * orthonormalised, then the small SVD of B = Q^T A via the eigen-decomposition of B B^T. Seeded.
 * Used by LSA text features, attribute features and PPMI co-occurrence features.
 */
import { Rng } from '../core/rng.js';
import { kernels } from '../tensor/kernels/registry.js';
import { columnPeak, gaussianMatrix, orthonormalizeColumns, symmetricEigen } from './linalg.js';
import { csrMulDense, csrTranspose, type CsrMatrix } from './sparse.js';

/** What the SVD needs of a matrix: products with dense row-major blocks. */
export interface LinearOperator {
  readonly rows: number;
  readonly cols: number;
  /** out (rows, l) = A @ B (cols, l). */
  mul(b: Float32Array, l: number, out: Float32Array): void;
  /** out (cols, l) = A^T @ B (rows, l). */
  mulTranspose(b: Float32Array, l: number, out: Float32Array): void;
}

/** A sparse matrix as an operator; keeps a transposed copy so both products stream rows. */
export function csrOperator(a: CsrMatrix): LinearOperator {
  const at = csrTranspose(a);
  return {
    rows: a.rows,
    cols: a.cols,
    mul: (b, l, out) => csrMulDense(a, b, l, out),
    mulTranspose: (b, l, out) => csrMulDense(at, b, l, out),
  };
}

/** A dense (rows, cols) row-major matrix as an operator; products on the gemm seam. */
export function denseOperator(a: Float32Array, rows: number, cols: number): LinearOperator {
  return {
    rows,
    cols,
    mul: (b, l, out) => kernels().gemm({ transA: false, transB: false, m: rows, n: l, k: cols, a, b, c: out }),
    mulTranspose: (b, l, out) => kernels().gemm({ transA: true, transB: false, m: cols, n: l, k: rows, a, b, c: out }),
  };
}

export interface RandomizedSvdOptions {
  /** Number of singular triplets kept. */
  readonly rank: number;
  /** Extra sketch columns. @default 10 */
  readonly oversample?: number;
  /** Power iterations (2-4 is enough for text spectra). @default 3 */
  readonly powerIters?: number;
  /** @default 0 */
  readonly seed?: number;
}

export interface SvdResult {
  readonly rank: number;
  /** Singular values, descending. */
  readonly singularValues: Float64Array;
  /** (rows, rank) left singular vectors. */
  readonly u: Float32Array;
  /** (cols, rank) right singular vectors: a new row x (1, cols) projects as x @ V. */
  readonly v: Float32Array;
}

export function randomizedSvd(a: LinearOperator, options: RandomizedSvdOptions): SvdResult {
  const rank = Math.min(options.rank, a.rows, a.cols);
  const l = Math.min(rank + (options.oversample ?? 10), a.rows, a.cols);
  const powerIters = options.powerIters ?? 3;
  const rng = new Rng(options.seed ?? 0);
  const omega = gaussianMatrix(rng, a.cols, l); // (cols, l)
  const y = new Float32Array(a.rows * l); // (rows, l)
  const z = new Float32Array(a.cols * l); // (cols, l)
  a.mul(omega, l, y);
  for (let it = 0; it < powerIters; it++) {
    orthonormalizeColumns(y, a.rows, l);
    a.mulTranspose(y, l, z);
    orthonormalizeColumns(z, a.cols, l);
    a.mul(z, l, y);
  }
  orthonormalizeColumns(y, a.rows, l); // Q (rows, l)
  a.mulTranspose(y, l, z); // B^T = A^T Q (cols, l)
  const bbt = new Float32Array(l * l);
  kernels().gemm({ transA: true, transB: false, m: l, n: l, k: a.cols, a: z, b: z, c: bbt }); // B B^T (l, l)
  const { values, vectors } = symmetricEigen(bbt, l);
  const singularValues = new Float64Array(rank);
  const w = new Float32Array(l * rank); // (l, rank) top eigenvectors
  const wScaled = new Float32Array(l * rank); // (l, rank) eigenvectors / sigma
  for (let c = 0; c < rank; c++) {
    const sigma = Math.sqrt(Math.max(values[c], 0));
    singularValues[c] = sigma;
    const inv = sigma > 0 ? 1 / sigma : 0;
    for (let r = 0; r < l; r++) {
      w[r * rank + c] = vectors[r * l + c];
      wScaled[r * rank + c] = vectors[r * l + c] * inv;
    }
  }
  const u = new Float32Array(a.rows * rank);
  kernels().gemm({ transA: false, transB: false, m: a.rows, n: rank, k: l, a: y, b: w, c: u }); // Q W
  const v = new Float32Array(a.cols * rank);
  kernels().gemm({ transA: false, transB: false, m: a.cols, n: rank, k: l, a: z, b: wScaled, c: v }); // B^T W / sigma
  flipSigns(u, v, a.rows, a.cols, rank);
  return { rank, singularValues, u, v };
}

/**
 * A singular pair's sign is arbitrary (u, v and -u, -v are both right), and rounding decides it: another GEMM
 * provider or OpenBLAS thread count flipped whole feature columns, and with them every RQ-VAE SID. As
 * scikit-learn's svd_flip: each column of u gets its largest-magnitude entry positive, v follows.
 */
function flipSigns(u: Float32Array, v: Float32Array, rows: number, cols: number, rank: number): void {
  for (let c = 0; c < rank; c++) {
    if (columnPeak(u, rows, rank, c) >= 0) continue;
    for (let r = 0; r < rows; r++) u[r * rank + c] = 0 - u[r * rank + c]; // 0 - x: a zero row stays +0
    for (let r = 0; r < cols; r++) v[r * rank + c] = 0 - v[r * rank + c];
  }
}

/** LSA embedding U diag(sigma) (rows, rank): what sklearn's TruncatedSVD.fit_transform returns. */
export function scaledLeftVectors(svd: SvdResult, rows: number): Float32Array {
  const out = new Float32Array(rows * svd.rank);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < svd.rank; c++) out[i * svd.rank + c] = svd.u[i * svd.rank + c] * svd.singularValues[c];
  }
  return out;
}
