/**
 * The plain-TypeScript kernels: the reference every other provider is tested against, and the fallback that is
 * always present. Written for correctness first, then for a cache-friendly loop order (i-k-j for GEMM).
 */
import type { GemmArgs, GemmBatchedArgs, KernelProvider, SoftmaxCrossEntropyArgs } from './types.js';

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

export const plainKernels: KernelProvider = {
  name: 'plain',
  kernels: { gemm, gemmBatched, softmaxCrossEntropy, gelu, geluBackward, softmaxRows },
};
