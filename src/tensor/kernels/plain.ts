/**
 * The plain-TypeScript kernels: the reference every other provider is tested against, and the fallback that is
 * always present. Written for correctness first, then for a cache-friendly loop order (i-k-j for GEMM).
 */
import type {
  AdamStepArgs,
  EmbeddingBagArgs,
  GemmArgs,
  DropoutArgs,
  GatherSumArgs,
  GemmBatchedArgs,
  KernelProvider,
  LayerNormBackwardArgs,
  LayerNormForwardArgs,
  ResidualHeadsArgs,
  ResidualHeadsBackwardArgs,
  SoftmaxCrossEntropyArgs,
} from './types.js';

function gemm({ transA, transB, m, n, k, alpha = 1, a, lda, b, ldb, beta = 0, c, ldc }: GemmArgs): void {
  const sa = lda ?? (transA ? m : k);
  const sb = ldb ?? (transB ? k : n);
  const sc = ldc ?? n;
  for (let i = 0; i < m; i++) {
    const rowC = i * sc;
    if (beta === 0) c.fill(0, rowC, rowC + n);
    else if (beta !== 1) for (let j = 0; j < n; j++) c[rowC + j] *= beta;
  }
  if (!transB) {
    // i-k-j: stream contiguous rows of B into a contiguous row of C.
    for (let i = 0; i < m; i++) {
      const rowC = i * sc;
      for (let p = 0; p < k; p++) {
        const av = alpha * (transA ? a[p * sa + i] : a[i * sa + p]);
        if (av === 0) continue;
        const rowB = p * sb;
        for (let j = 0; j < n; j++) c[rowC + j] += av * b[rowB + j];
      }
    }
    return;
  }
  // B transposed: each C entry is a dot product of a row of op(A) with a row of B as stored.
  for (let i = 0; i < m; i++) {
    const rowC = i * sc;
    for (let j = 0; j < n; j++) {
      const rowB = j * sb;
      let acc = 0;
      if (transA) for (let p = 0; p < k; p++) acc += a[p * sa + i] * b[rowB + p];
      else {
        const rowA = i * sa;
        for (let p = 0; p < k; p++) acc += a[rowA + p] * b[rowB + p];
      }
      c[rowC + j] += alpha * acc;
    }
  }
}

function gemmBatched(args: GemmBatchedArgs): void {
  const { batch, strideA, strideB, strideC, a, b, c } = args;
  for (let t = 0; t < batch; t++) {
    gemm({ ...args, a: a.subarray(t * strideA), b: b.subarray(t * strideB), c: c.subarray(t * strideC) });
  }
}

function softmaxCrossEntropy({ logits, rows, cols, targets, grad, scale = 1 }: SoftmaxCrossEntropyArgs): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const target = targets[r];
    if (target < 0) {
      if (grad) grad.fill(0, off, off + cols);
      continue;
    }
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (logits[off + j] > max) max = logits[off + j];
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(logits[off + j] - max);
    const logZ = max + Math.log(sum);
    total += logZ - logits[off + target];
    if (grad) {
      for (let j = 0; j < cols; j++) grad[off + j] = scale * Math.exp(logits[off + j] - logZ);
      grad[off + target] -= scale;
    }
  }
  return total;
}

const GELU_C = Math.sqrt(2 / Math.PI);

function gelu(x: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)));
  }
}

function geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number, accumulate: boolean): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const t = Math.tanh(GELU_C * (v + 0.044715 * v * v * v));
    const d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * v * v);
    dx[i] = (accumulate ? dx[i] : 0) + dy[i] * d;
  }
}

function softmaxRows(x: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (x[off + j] > max) max = x[off + j];
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(x[off + j] - max);
      x[off + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < cols; j++) x[off + j] *= inv;
  }
}

function layerNormForward({ x, gamma, beta, out, mean, rstd, rows, cols, eps }: LayerNormForwardArgs): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[off + j];
    const mu = s / cols;
    let ss = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[off + j] - mu;
      ss += d * d;
    }
    const rs = 1 / Math.sqrt(ss / cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < cols; j++) out[off + j] = (x[off + j] - mu) * rs * gamma[j] + beta[j];
  }
}

function layerNormBackward({ x, gamma, mean, rstd, dy, dx, dgamma, dbeta, rows, cols }: LayerNormBackwardArgs): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const mu = mean[r];
    const rs = rstd[r];
    // dxhat = dy * gamma; dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)).
    let sumD = 0;
    let sumDX = 0;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[off + j] - mu) * rs;
      const d = dy[off + j] * gamma[j];
      sumD += d;
      sumDX += d * xhat;
      if (dgamma) dgamma[j] += dy[off + j] * xhat;
      if (dbeta) dbeta[j] += dy[off + j];
    }
    if (!dx) continue;
    const mD = sumD / cols;
    const mDX = sumDX / cols;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[off + j] - mu) * rs;
      dx[off + j] += rs * (dy[off + j] * gamma[j] - mD - xhat * mDX);
    }
  }
}

function adamStep(args: AdamStepArgs): void {
  const { param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2 } = args;
  const step = lr / biasCorrection1;
  const invBc2 = 1 / biasCorrection2;
  const decay = lr * weightDecay;
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] -= (step * mi) / (Math.sqrt(vi * invBc2) + eps) + decay * param[i];
  }
}

function embeddingBagForward({ table, dim, ids, bag, positions, weights, out }: EmbeddingBagArgs & { readonly out: Float32Array }): void {
  out.fill(0, 0, positions * dim);
  for (let p = 0; p < positions; p++) {
    const dst = p * dim;
    for (let b = 0; b < bag; b++) {
      const id = ids[p * bag + b];
      if (id < 0) continue;
      const src = id * dim;
      for (let j = 0; j < dim; j++) out[dst + j] += table[src + j];
    }
    const w = weights ? weights[p] : 1;
    if (w !== 1) for (let j = 0; j < dim; j++) out[dst + j] *= w;
  }
}

function embeddingBagBackward({ table, dim, ids, bag, positions, weights, dOut }: EmbeddingBagArgs & { readonly dOut: Float32Array }): void {
  for (let p = 0; p < positions; p++) {
    const w = weights ? weights[p] : 1;
    const src = p * dim;
    for (let b = 0; b < bag; b++) {
      const id = ids[p * bag + b];
      if (id < 0) continue;
      const dst = id * dim;
      if (w === 1) for (let j = 0; j < dim; j++) table[dst + j] += dOut[src + j];
      else for (let j = 0; j < dim; j++) table[dst + j] += w * dOut[src + j];
    }
  }
}

function relu(x: Float32Array, out: Float32Array, n: number): void {
  // biome-ignore lint/complexity/useMathMinMax: a NaN input gives 0 here (Math.max would give NaN), as in the other kernels
  for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
}

function reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number, accumulate: boolean): void {
  if (accumulate) for (let i = 0; i < n; i++) dx[i] += x[i] > 0 ? dy[i] : 0;
  else for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
}

function silu(x: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = x[i] / (1 + Math.exp(-x[i]));
}

function siluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number, accumulate: boolean): void {
  for (let i = 0; i < n; i++) {
    const s = 1 / (1 + Math.exp(-x[i]));
    dx[i] = (accumulate ? dx[i] : 0) + dy[i] * s * (1 + x[i] * (1 - s));
  }
}

function residualSiluNormalize({ h, p, s, q, inv, rows, heads, dim }: ResidualHeadsArgs): void {
  for (let r = 0; r < rows; r++) {
    const hr = r * dim;
    for (let d = 0; d < heads; d++) {
      const base = (r * heads + d) * dim;
      let sumsq = 0;
      for (let j = 0; j < dim; j++) {
        const pj = p[base + j];
        const sg = 1 / (1 + Math.exp(-pj));
        s[base + j] = sg;
        const u = h[hr + j] + pj * sg;
        q[base + j] = u;
        sumsq += u * u;
      }
      const iv = 1 / Math.max(Math.sqrt(sumsq), 1e-12);
      inv[r * heads + d] = iv;
      for (let j = 0; j < dim; j++) q[base + j] *= iv;
    }
  }
}

function residualSiluNormalizeBackward({ p, s, q, inv, dq, dh, rows, heads, dim }: ResidualHeadsBackwardArgs): void {
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < heads; d++) {
      const base = (r * heads + d) * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += q[base + j] * dq[base + j];
      const iv = inv[r * heads + d];
      for (let j = 0; j < dim; j++) {
        const du = (dq[base + j] - q[base + j] * dot) * iv;
        if (dh) dh[r * dim + j] += du;
        const sg = s[base + j];
        p[base + j] = du * sg * (1 + p[base + j] * (1 - sg));
      }
    }
  }
}

function gatherSum({ table, rows, rowLength, ids, count, bag, out }: GatherSumArgs): void {
  for (let r = 0; r < rows; r++) {
    const off = r * rowLength;
    const row = r * count;
    for (let i = 0; i < count; i++) {
      const base = i * bag;
      let s = 0;
      for (let b = 0; b < bag; b++) s += table[off + ids[base + b]];
      out[row + i] = s;
    }
  }
}

function dropout({ x, out, mask, n, seed, threshold, scale }: DropoutArgs): void {
  const kept = Math.fround(scale); // float32, as the mask stores it, so out = x * mask exactly
  for (let i = 0; i < n; i++) {
    let h = (seed + Math.imul(i, 0x9e3779b9)) | 0; // fmix32 (MurmurHash3's finaliser) of a Weyl sequence
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    const m = (h ^ (h >>> 16)) >>> 0 >= threshold ? kept : 0;
    mask[i] = m;
    out[i] = x[i] * m;
  }
}

export const plainKernels: KernelProvider = {
  name: 'plain',
  kernels: {
    gemm,
    gemmBatched,
    softmaxCrossEntropy,
    gelu,
    geluBackward,
    softmaxRows,
    layerNormForward,
    layerNormBackward,
    adamStep,
    embeddingBagForward,
    embeddingBagBackward,
    relu,
    reluBackward,
    silu,
    siluBackward,
    residualSiluNormalize,
    residualSiluNormalizeBackward,
    gatherSum,
    dropout,
  },
};
