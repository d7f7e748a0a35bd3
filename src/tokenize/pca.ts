/**
 * PCA (optionally whitened) as RPG applies it before OPQ: mean, top eigenvectors of the covariance of a
 * (sub)sample, projection z = (x - mean) W with W = V_k (diag(lambda_k + eps))^(-1/2) when whitened, and the
 * pseudo-inverse back to input space for reconstruction error. Products on the gemm seam.
 */
import { kernels } from '../tensor/kernels/registry.js';
import { gram, symmetricEigen } from '../features/linalg.js';

export interface PcaModel {
  readonly inputDim: number;
  readonly outputDim: number;
  /** (inputDim) */
  readonly mean: Float32Array;
  /** (inputDim, outputDim) projection. */
  readonly components: Float32Array;
  /** (outputDim, inputDim) back-projection (components^+). */
  readonly inverse: Float32Array;
  /** Every principal axis's variance, largest first (set by fitPca; not stored in artifacts). */
  readonly variance?: Float64Array;
}

/** Fit on the (n, dim) rows of x. Whitening adds eps = 1e-6 x mean eigenvalue to every eigenvalue. */
export function fitPca(x: Float32Array, n: number, dim: number, outputDim: number, whiten: boolean): PcaModel {
  const mean = new Float32Array(dim);
  const acc = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) acc[j] += x[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] = acc[j] / n;
  const centered = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) centered[i * dim + j] = x[i * dim + j] - mean[j];
  const cov = gram(centered, n, dim);
  for (let i = 0; i < cov.length; i++) cov[i] /= Math.max(n - 1, 1);
  const { values, vectors } = symmetricEigen(cov, dim);
  let meanVal = 0;
  for (let i = 0; i < dim; i++) meanVal += Math.max(values[i], 0) / dim;
  const eps = 1e-6 * meanVal + 1e-12;
  const components = new Float32Array(dim * outputDim);
  const inverse = new Float32Array(outputDim * dim);
  for (let c = 0; c < outputDim; c++) {
    const scale = whiten ? Math.sqrt(Math.max(values[c], 0) + eps) : 1;
    for (let r = 0; r < dim; r++) {
      components[r * outputDim + c] = vectors[r * dim + c] / scale;
      inverse[c * dim + r] = vectors[r * dim + c] * scale;
    }
  }
  return { inputDim: dim, outputDim, mean, components, inverse, variance: Float64Array.from(values, (v) => Math.max(v, 0)) };
}

/** (n, outputDim) = (x - mean) W, computed as x W - mean W. */
export function pcaTransform(pca: PcaModel, x: Float32Array, n: number): Float32Array {
  const { inputDim, outputDim, mean, components } = pca;
  const out = new Float32Array(n * outputDim);
  kernels().gemm({ transA: false, transB: false, m: n, n: outputDim, k: inputDim, a: x, b: components, c: out });
  const shift = new Float32Array(outputDim);
  kernels().gemm({ transA: false, transB: false, m: 1, n: outputDim, k: inputDim, a: mean, b: components, c: shift });
  for (let i = 0; i < n; i++) for (let j = 0; j < outputDim; j++) out[i * outputDim + j] -= shift[j];
  return out;
}

/** (n, inputDim) = z W^+ + mean. */
export function pcaInverse(pca: PcaModel, z: Float32Array, n: number): Float32Array {
  const { inputDim, outputDim, mean, inverse } = pca;
  const out = new Float32Array(n * inputDim);
  kernels().gemm({ transA: false, transB: false, m: n, n: inputDim, k: outputDim, a: z, b: inverse, c: out });
  for (let i = 0; i < n; i++) for (let j = 0; j < inputDim; j++) out[i * inputDim + j] += mean[j];
  return out;
}
