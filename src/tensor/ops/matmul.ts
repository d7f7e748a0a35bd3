/**
 * Matrix products through the kernel seam: `matmul` (2-D, or a batch of leading dims against a shared 2-D right
 * operand, or batched against batched), with transpose flags so backward never materialises a transposed copy,
 * and `linear` (x @ W + b, W stored (in, out)) fused so the bias add and its column-sum gradient ride along.
 */
import { SidrecError } from '../../core/errors.js';
import { kernels } from '../kernels/registry.js';
import { allocF32 } from '../pool.js';
import { makeResult, gradOf, type Tensor } from '../tensor.js';

export interface MatmulOptions {
  /** Use the last two axes of `a` transposed. @default false */
  readonly transA?: boolean;
  /** Use the last two axes of `b` transposed. @default false */
  readonly transB?: boolean;
}

/**
 * op(a) @ op(b). Shapes: a (..., M, K) [or (..., K, M) with transA], b (K, N) [(N, K) with transB] shared across
 * a's leading dims, or b (..., K, N) with the same leading dims as a (batched, via gemmBatched).
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  if (a.rank < 2 || b.rank < 2) throw new SidrecError('E_SHAPE', `matmul needs rank >= 2, got [${a.shape}] and [${b.shape}]`);
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) throw new SidrecError('E_SHAPE', `matmul inner dims differ: [${a.shape}]${transA ? 'ᵀ' : ''} @ [${b.shape}]${transB ? 'ᵀ' : ''}`);
  const lead = a.shape.slice(0, -2);
  let batch = 1;
  for (const d of lead) batch *= d;
  const A = a.f32;
  const B = b.f32;
  if (b.rank === 2 && !transA) {
    // Fold a's leading dims into M: one big GEMM.
    const M = batch * m;
    const C = allocF32(M * n, false);
    kernels().gemm({ transA: false, transB, m: M, n, k, a: A, b: B, c: C });
    return makeResult(C, [...lead, m, n], [a, b], (g) => {
      if (a.requiresGrad) kernels().gemm({ transA: false, transB: !transB, m: M, n: k, k: n, a: g, b: B, beta: 1, c: gradOf(a) });
      if (b.requiresGrad) {
        if (!transB) kernels().gemm({ transA: true, transB: false, m: k, n, k: M, a: A, b: g, beta: 1, c: gradOf(b) });
        else kernels().gemm({ transA: true, transB: false, m: n, n: k, k: M, a: g, b: A, beta: 1, c: gradOf(b) });
      }
    });
  }
  const bLead = b.shape.slice(0, -2);
  const shared = b.rank === 2;
  if (!shared && (bLead.length !== lead.length || bLead.some((d, i) => d !== lead[i]))) {
    throw new SidrecError('E_SHAPE', `batched matmul needs equal leading dims: [${a.shape}] and [${b.shape}]`);
  }
  const C = allocF32(batch * m * n, false);
  const sA = m * k;
  const sB = shared ? 0 : k * n;
  const sC = m * n;
  kernels().gemmBatched({ transA, transB, m, n, k, a: A, b: B, c: C, batch, strideA: sA, strideB: sB, strideC: sC });
  return makeResult(C, [...lead, m, n], [a, b], (g) => {
    const K = kernels();
    if (a.requiresGrad) {
      const gA = gradOf(a);
      if (!transA) K.gemmBatched({ transA: false, transB: !transB, m, n: k, k: n, a: g, b: B, beta: 1, c: gA, batch, strideA: sC, strideB: sB, strideC: sA });
      else K.gemmBatched({ transA: transB, transB: true, m: k, n: m, k: n, a: B, b: g, beta: 1, c: gA, batch, strideA: sB, strideB: sC, strideC: sA });
    }
    if (b.requiresGrad) {
      const gB = gradOf(b);
      // A shared right operand accumulates every batch's contribution into the same gradient.
      const stride = shared ? 0 : k * n;
      if (shared) {
        for (let t = 0; t < batch; t++) accumulateB(t);
      } else if (!transB)
        K.gemmBatched({ transA: !transA, transB: false, m: k, n, k: m, a: A, b: g, beta: 1, c: gB, batch, strideA: sA, strideB: sC, strideC: stride });
      else K.gemmBatched({ transA: true, transB: transA, m: n, n: k, k: m, a: g, b: A, beta: 1, c: gB, batch, strideA: sC, strideB: sA, strideC: stride });
      function accumulateB(t: number): void {
        const at = A.subarray(t * sA);
        const gt = g.subarray(t * sC);
        if (!transB) K.gemm({ transA: !transA, transB: false, m: k, n, k: m, a: at, b: gt, beta: 1, c: gB });
        else K.gemm({ transA: true, transB: transA, m: n, n: k, k: m, a: gt, b: at, beta: 1, c: gB });
      }
    }
  });
}

/** x (..., K) @ w (K, N) + bias (N): one GEMM, bias added per row; backward dX, dW, db in three passes. */
export function linear(x: Tensor, w: Tensor, bias?: Tensor | null): Tensor {
  if (w.rank !== 2) throw new SidrecError('E_SHAPE', `linear weight must be (in, out), got [${w.shape}]`);
  const [k, n] = w.shape;
  if (x.shape[x.rank - 1] !== k) throw new SidrecError('E_SHAPE', `linear: input [${x.shape}] does not end in ${k}`);
  if (bias && (bias.rank !== 1 || bias.size !== n)) throw new SidrecError('E_SHAPE', `linear bias must be (${n}), got [${bias.shape}]`);
  const m = x.size / k;
  const X = x.f32;
  const W = w.f32;
  const Y = allocF32(m * n, false);
  if (bias) {
    const bv = bias.f32;
    for (let i = 0; i < m; i++) Y.set(bv, i * n);
  }
  kernels().gemm({ transA: false, transB: false, m, n, k, a: X, b: W, beta: bias ? 1 : 0, c: Y });
  const inputs = bias ? [x, w, bias] : [x, w];
  return makeResult(Y, [...x.shape.slice(0, -1), n], inputs, (g) => {
    const K = kernels();
    if (x.requiresGrad) K.gemm({ transA: false, transB: true, m, n: k, k: n, a: g, b: W, beta: 1, c: gradOf(x) });
    if (w.requiresGrad) K.gemm({ transA: true, transB: false, m: k, n, k: m, a: X, b: g, beta: 1, c: gradOf(w) });
    if (bias?.requiresGrad) columnSumInto(g, m, n, gradOf(bias));
  });
}

let ones = new Float32Array(0);

/** out[j] += sum_i g[i * n + j], as a (1 x m) @ (m x n) GEMM against a cached vector of ones. */
export function columnSumInto(g: Float32Array, m: number, n: number, out: Float32Array): void {
  if (ones.length < m) ones = new Float32Array(Math.max(m, 2 * ones.length)).fill(1);
  kernels().gemm({ transA: false, transB: false, m: 1, n, k: m, a: ones, b: g, beta: 1, c: out });
}
