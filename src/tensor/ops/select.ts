/**
 * Non-differentiable selection: argmax/argmin and top-k along the last axis, and k-nearest-centroid assignment
 * (squared Euclidean, via one GEMM: |x - c|^2 = |x|^2 - 2 x.c + |c|^2) for k-means and residual quantisation.
 */
import { SidrecError } from '../../core/errors.js';
import { kernels } from '../kernels/registry.js';
import { Tensor } from '../tensor.js';

function argBest(x: Tensor, sign: 1 | -1): Tensor {
  const cols = x.shape[x.rank - 1];
  const rows = x.size / cols;
  const X = x.f32;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let best = 0;
    let bv = sign * X[off];
    for (let j = 1; j < cols; j++) {
      const v = sign * X[off + j];
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    out[r] = best;
  }
  return new Tensor(out, x.shape.slice(0, -1));
}

/** Index of the largest value along the last axis (first on ties): (..., C) -> int32 (...). */
export function argmax(x: Tensor): Tensor {
  return argBest(x, 1);
}

/** Index of the smallest value along the last axis. */
export function argmin(x: Tensor): Tensor {
  return argBest(x, -1);
}

/** The k largest values along the last axis, in descending order: values (..., k) and int32 indices (..., k). */
export function topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
  const cols = x.shape[x.rank - 1];
  if (k < 1 || k > cols) throw new SidrecError('E_SHAPE', `topk: k=${k} out of range for ${cols} columns`);
  const rows = x.size / cols;
  const X = x.f32;
  const vals = new Float32Array(rows * k);
  const idx = new Int32Array(rows * k);
  // Per row: keep a sorted buffer of the best k (insertion), O(cols * k) worst case but O(cols) typically.
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const vo = r * k;
    let filled = 0;
    for (let j = 0; j < cols; j++) {
      const v = X[off + j];
      if (filled === k && !(v > vals[vo + k - 1])) continue;
      let pos = filled < k ? filled++ : k - 1;
      while (pos > 0 && vals[vo + pos - 1] < v) {
        vals[vo + pos] = vals[vo + pos - 1];
        idx[vo + pos] = idx[vo + pos - 1];
        pos--;
      }
      vals[vo + pos] = v;
      idx[vo + pos] = j;
    }
  }
  const shape = [...x.shape.slice(0, -1), k];
  return { values: new Tensor(vals, shape), indices: new Tensor(idx, shape) };
}

/** For each row of x (N, D), the index of the nearest centroid (K, D) and its squared distance. */
export function nearestCentroid(x: Tensor, centroids: Tensor): { indices: Tensor; distances: Tensor } {
  if (x.rank !== 2 || centroids.rank !== 2 || x.shape[1] !== centroids.shape[1]) {
    throw new SidrecError('E_SHAPE', `nearestCentroid: x (N, D) and centroids (K, D), got [${x.shape}] and [${centroids.shape}]`);
  }
  const [N, D] = x.shape;
  const K = centroids.shape[0];
  const X = x.f32;
  const C = centroids.f32;
  const cNorm = new Float32Array(K);
  for (let c = 0; c < K; c++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += C[c * D + j] * C[c * D + j];
    cNorm[c] = s;
  }
  const idx = new Int32Array(N);
  const dist = new Float32Array(N);
  const chunk = Math.max(1, Math.min(N, Math.floor((1 << 22) / Math.max(1, K))));
  const dots = new Float32Array(chunk * K);
  for (let r0 = 0; r0 < N; r0 += chunk) {
    const rows = Math.min(chunk, N - r0);
    kernels().gemm({ transA: false, transB: true, m: rows, n: K, k: D, a: X.subarray(r0 * D), b: C, c: dots });
    for (let i = 0; i < rows; i++) {
      let best = 0;
      let bd = Infinity;
      for (let c = 0; c < K; c++) {
        const d = cNorm[c] - 2 * dots[i * K + c];
        if (d < bd) {
          bd = d;
          best = c;
        }
      }
      let xn = 0;
      const xo = (r0 + i) * D;
      for (let j = 0; j < D; j++) xn += X[xo + j] * X[xo + j];
      idx[r0 + i] = best;
      dist[r0 + i] = Math.max(0, bd + xn);
    }
  }
  return { indices: new Tensor(idx, [N]), distances: new Tensor(dist, [N]) };
}
