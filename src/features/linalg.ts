/**
 * Small dense linear algebra shared by features (randomized SVD) and tokenize (PCA, OPQ's Procrustes step):
 * a symmetric eigen-solver (Householder tridiagonalisation + implicit QL, as in EISPACK tred2/tql2 via JAMA),
 * column orthonormalisation through the Gram matrix (heavy part on the gemm seam), Gaussian matrices.
 * Eigen-solves run in float64 on d x d matrices (d <= ~1024); every n x d product goes through `kernels().gemm`.
 */
import { kernels } from '../tensor/kernels/registry.js';
import type { Rng } from '../core/rng.js';

export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  readonly values: Float64Array;
  /** (n, n) row-major; column j is the eigenvector of values[j]. */
  readonly vectors: Float64Array;
}

/** Eigen-decomposition of a symmetric (n, n) row-major matrix (only read, never written). */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 1) {
    d[0] = v[0];
    v[0] = 1;
  } else {
    tred2(n, v, d, e);
    tql2(n, v, d, e);
  }
  // Sort descending, permuting columns.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x] || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const src = order[c];
    values[c] = d[src];
    // An eigenvector's sign is arbitrary, and rounding (another GEMM, another thread count) flips it: fix it so the
    // largest-magnitude entry is positive, or every feature and SID downstream would depend on the machine.
    const flip = columnPeak(v, n, n, src) < 0;
    for (let r = 0; r < n; r++) vectors[r * n + c] = flip ? 0 - v[r * n + src] : v[r * n + src]; // 0 - x keeps zeros +0
  }
  return { values, vectors };
}

/** The largest-magnitude entry of column `c` of a (rows, cols) row-major matrix: its sign fixes a vector's sign. */
export function columnPeak(m: ArrayLike<number>, rows: number, cols: number, c: number): number {
  let peak = 0;
  for (let r = 0; r < rows; r++) if (Math.abs(m[r * cols + c]) > Math.abs(peak)) peak = m[r * cols + c];
  return peak;
}

function tred2(n: number, V: Float64Array, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * d[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

function tql2(n: number, V: Float64Array, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let guard = 0;
      do {
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (let k = 0; k < n; k++) {
            const row = k * n;
            h = V[row + i + 1];
            V[row + i + 1] = s * V[row + i] + c * h;
            V[row + i] = c * V[row + i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1 && ++guard < 100);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/**
 * Gram matrix G = X^T X of a (rows, cols) float32 matrix, returned in float64. Heavy part on the gemm seam.
 */
export function gram(x: Float32Array, rows: number, cols: number): Float64Array {
  const g32 = new Float32Array(cols * cols);
  kernels().gemm({ transA: true, transB: false, m: cols, n: cols, k: rows, a: x, b: x, c: g32 });
  return Float64Array.from(g32);
}

/**
 * Orthonormal basis of the column span of Y (rows, cols), written back into Y: Q = Y V diag(1/sqrt(lambda)) from
 * the eigen-decomposition of Y^T Y, applied twice (CholeskyQR2-style) because one float32 pass loses ~half the
 * digits. Columns for numerically null directions (lambda < 1e-10 lambda_max) come out zero.
 */
export function orthonormalizeColumns(y: Float32Array, rows: number, cols: number): void {
  const tmp = new Float32Array(rows * cols);
  for (let pass = 0; pass < 2; pass++) {
    const { values, vectors } = symmetricEigen(gram(y, rows, cols), cols);
    const maxVal = Math.max(values[0], 0);
    const t = new Float32Array(cols * cols); // (cols, cols): V diag(1/sqrt(lambda))
    for (let c = 0; c < cols; c++) {
      const lambda = values[c];
      if (!(lambda > 1e-10 * maxVal) || lambda <= 0) continue;
      const s = 1 / Math.sqrt(lambda);
      for (let r = 0; r < cols; r++) t[r * cols + c] = vectors[r * cols + c] * s;
    }
    kernels().gemm({ transA: false, transB: false, m: rows, n: cols, k: cols, a: y, b: t, c: tmp });
    y.set(tmp);
  }
}

/** (rows, cols) matrix of independent standard normals. */
export function gaussianMatrix(rng: Rng, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}
