/**
 * Orthogonal Procrustes for OPQ's rotation step: the orthogonal R minimising ||Z R - Y||_F is the polar factor
 * of M = Z^T Y = U S V^T, R = U V^T = M V S^-1 V^T, with V, S^2 from the symmetric eigen-decomposition of M^T M.
 * d x d work in float64 (d <= ~1024).
 */
import { symmetricEigen } from '../features/linalg.js';

/** c (n, n) = op(a) @ op(b) for square float64 matrices. */
function matmul64(a: Float64Array, b: Float64Array, n: number, transA: boolean, transB: boolean): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < n; p++) {
      const av = transA ? a[p * n + i] : a[i * n + p];
      if (av === 0) continue;
      if (!transB) {
        const rb = p * n;
        for (let j = 0; j < n; j++) c[i * n + j] += av * b[rb + j];
      } else {
        for (let j = 0; j < n; j++) c[i * n + j] += av * b[j * n + p];
      }
    }
  }
  return c;
}

/** Polar factor of the (d, d) matrix m (row-major): the nearest orthogonal matrix, as float32. */
export function polarFactor(m: ArrayLike<number>, d: number): Float32Array {
  const m64 = Float64Array.from(m);
  const { values, vectors } = symmetricEigen(matmul64(m64, m64, d, true, false), d); // M^T M = V S^2 V^T
  const smax = Math.sqrt(Math.max(values[0], 0));
  const scaled = new Float64Array(d * d); // V S^-1
  for (let c = 0; c < d; c++) {
    const s = Math.max(Math.sqrt(Math.max(values[c], 0)), 1e-12 * smax, 1e-300);
    for (let r = 0; r < d; r++) scaled[r * d + c] = vectors[r * d + c] / s;
  }
  const u = matmul64(m64, scaled, d, false, false); // M V S^-1 = U
  return Float32Array.from(matmul64(u, vectors, d, false, true)); // U V^T
}
