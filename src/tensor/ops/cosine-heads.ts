/**
 * RPG's output layer fused with its multi-token-prediction loss (Hou et al., KDD 2025). For hidden states h (N, D),
 * m residual projection heads q_d = normalize(h + SiLU(h W_d + b_d)) (W: (D, m*D), the heads side by side), a
 * code table E (m*C, D) and targets (N, m):
 *   logit(n, d, c) = cos(q_{n,d}, E[d*C + c]) / temperature,  loss = mean over valid (n, d) of CE(logits(n, d), target).
 * Rows go in chunks and each chunk's gradient is formed during the forward pass (as `linearCrossEntropy` does), so
 * the (N, m, D) head outputs and (N, m, C) logits are resident one chunk at a time, and the unfused graph's
 * permutes and separate elementwise passes (SiLU, residual add, L2-normalise, each with its backward) disappear.
 * Per-digit products read the heads in place: A = Q (R, m, D) at column offset d*D, leading dimension m*D.
 */
import { SidrecError } from '../../core/errors.js';
import { kernels } from '../kernels/registry.js';
import { isGradEnabled, makeResult, type Tensor } from '../tensor.js';
import { allocF32, releaseF32 } from '../pool.js';
import { addScaledGrad } from './loss.js';
import { columnSumInto } from './matmul.js';
import { normalizeRowsBackward, normalizeRowsInto } from './norm.js';

export interface CosineHeadsOptions {
  /** Softmax temperature of the cosine logits (RPG: 0.03-0.07). */
  readonly temperature: number;
  /** Rows per chunk. @default as many as fit in 32 MiB per (rows, m*D) buffer, at least 64 */
  readonly chunkRows?: number;
}

/** Shapes of one call: N rows of width D, m heads, C codes per digit. */
export interface CosineHeadsShape {
  readonly N: number;
  readonly D: number;
  readonly m: number;
  readonly C: number;
}

const CHUNK_BUDGET_BYTES = 32 * 1024 * 1024;

/** Working buffers for one chunk of R rows. */
interface ChunkBuffers {
  /** (R, m*D): h W + b, then (backward) d loss / d(h W + b). */
  readonly P: Float32Array;
  /** (R, m*D): sigmoid(P), kept for SiLU's derivative. */
  readonly S: Float32Array;
  /** (R, m*D): unit head outputs q. */
  readonly Q: Float32Array;
  /** (R*m): 1 / |h + SiLU(P)| per head. */
  readonly inv: Float32Array;
  /** (R, m, C): logits, then (backward) their gradient. */
  readonly Z: Float32Array;
}

function chunkBuffers(R: number, s: CosineHeadsShape): ChunkBuffers {
  const w = R * s.m * s.D;
  return { P: allocF32(w, false), S: allocF32(w, false), Q: allocF32(w, false), inv: new Float32Array(R * s.m), Z: allocF32(R * s.m * s.C, false) };
}

function releaseBuffers(b: ChunkBuffers): void {
  releaseF32(b.P);
  releaseF32(b.S);
  releaseF32(b.Q);
  releaseF32(b.Z);
}

/** Forward of rows [r0, r0 + R): heads into buf.Q (with buf.P, buf.S, buf.inv) and logits into buf.Z. */
function forwardChunk(
  H: Float32Array,
  W: Float32Array,
  bias: Float32Array | null,
  En: Float32Array,
  s: CosineHeadsShape,
  temperature: number,
  r0: number,
  R: number,
  buf: ChunkBuffers,
): void {
  const K = kernels();
  const { D, m, C } = s;
  const mD = m * D;
  const P = buf.P;
  if (bias) for (let r = 0; r < R; r++) P.set(bias, r * mD);
  K.gemm({ transA: false, transB: false, m: R, n: mD, k: D, a: H.subarray(r0 * D), b: W, beta: bias ? 1 : 0, c: P });
  K.residualSiluNormalize({ h: H.subarray(r0 * D), p: P, s: buf.S, q: buf.Q, inv: buf.inv, rows: R, heads: m, dim: D });
  for (let d = 0; d < m; d++) {
    K.gemm({
      transA: false,
      transB: true,
      m: R,
      n: C,
      k: D,
      alpha: 1 / temperature,
      a: buf.Q.subarray(d * D),
      lda: mD,
      b: En.subarray(d * C * D),
      ldb: D,
      c: buf.Z.subarray(d * C),
      ldc: m * C,
    });
  }
}

function checkShapes(hidden: Tensor, weight: Tensor, bias: Tensor | null, table: Tensor): CosineHeadsShape {
  if (hidden.rank !== 2 || weight.rank !== 2 || table.rank !== 2)
    throw new SidrecError('E_SHAPE', `cosine heads: hidden [${hidden.shape}], weight [${weight.shape}] and table [${table.shape}] must be 2-D`);
  const [N, D] = hidden.shape;
  if (weight.shape[0] !== D || weight.shape[1] % D !== 0) throw new SidrecError('E_SHAPE', `cosine heads: weight [${weight.shape}] must be (${D}, m * ${D})`);
  const m = weight.shape[1] / D;
  if (bias && bias.size !== m * D) throw new SidrecError('E_SHAPE', `cosine heads: bias must hold ${m * D} values, got ${bias.size}`);
  if (table.shape[1] !== D || table.shape[0] % m !== 0) throw new SidrecError('E_SHAPE', `cosine heads: table [${table.shape}] must be (${m} * C, ${D})`);
  return { N, D, m, C: table.shape[0] / m };
}

function defaultChunk(s: CosineHeadsShape, chunkRows?: number): number {
  return Math.max(1, Math.min(s.N, chunkRows ?? Math.max(64, Math.floor(CHUNK_BUDGET_BYTES / (4 * s.m * s.D)))));
}

/**
 * Logits (N, m, C) of the heads, no gradient (inference). `normalizedTable`: E with unit rows, so a caller that
 * scores many groups normalises the table once (`normalizeRowsInto`).
 */
export function cosineHeadsLogits(
  hidden: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  table: Tensor,
  opts: CosineHeadsOptions & { readonly normalizedTable?: Float32Array },
): Float32Array {
  const s = checkShapes(hidden, weight, bias, table);
  const { N, m, C, D } = s;
  let En = opts.normalizedTable;
  if (!En) {
    En = new Float32Array(table.size);
    normalizeRowsInto(table.f32, m * C, D, En, new Float32Array(m * C));
  }
  const out = new Float32Array(N * m * C);
  const chunk = defaultChunk(s, opts.chunkRows);
  const buf = chunkBuffers(chunk, s);
  for (let r0 = 0; r0 < N; r0 += chunk) {
    const R = Math.min(chunk, N - r0);
    forwardChunk(hidden.f32, weight.f32, bias?.f32 ?? null, En, s, opts.temperature, r0, R, buf);
    out.set(buf.Z.subarray(0, R * m * C), r0 * m * C);
  }
  releaseBuffers(buf);
  return out;
}

/**
 * Mean cross-entropy of the heads' code logits against targets (N, m) (int32; negative = ignored), a scalar.
 * Gradients flow to hidden, weight, bias and table.
 */
export function cosineHeadsCrossEntropy(hidden: Tensor, weight: Tensor, bias: Tensor | null, table: Tensor, targets: Tensor, opts: CosineHeadsOptions): Tensor {
  const s = checkShapes(hidden, weight, bias, table);
  const { N, D, m, C } = s;
  const mD = m * D;
  if (targets.size !== N * m) throw new SidrecError('E_SHAPE', `cosine heads: targets [${targets.shape}] must hold ${N} x ${m}`);
  const T = targets.i32;
  let valid = 0;
  for (let i = 0; i < T.length; i++) {
    if (T[i] >= C) throw new SidrecError('E_SHAPE', `cosine heads: target ${T[i]} out of range [0, ${C})`);
    if (T[i] >= 0) valid++;
  }
  const scale = valid === 0 ? 0 : 1 / valid;
  const tau = opts.temperature;
  const K = kernels();
  const H = hidden.f32;
  const W = weight.f32;
  const inputs = bias ? [hidden, weight, bias, table] : [hidden, weight, table];
  const needGrad = isGradEnabled() && inputs.some((t) => t.requiresGrad);

  const En = allocF32(table.size, false);
  const eInv = new Float32Array(m * C);
  normalizeRowsInto(table.f32, m * C, D, En, eInv);
  let dH = needGrad && hidden.requiresGrad ? allocF32(H.length) : null;
  let dW = needGrad && weight.requiresGrad ? allocF32(W.length) : null;
  let db = needGrad && bias?.requiresGrad ? allocF32(mD) : null;
  let dE = needGrad && table.requiresGrad ? allocF32(table.size) : null; // first d loss / d En, then d loss / d E
  // Weight and bias gradients need dP even when hidden's does not.
  const needP = dH !== null || dW !== null || db !== null;
  const chunk = defaultChunk(s, opts.chunkRows);
  const buf = chunkBuffers(chunk, s);
  const { P, S, Q, inv, Z } = buf;
  const dQ = needP ? allocF32(chunk * mD, false) : null;
  let total = 0;
  for (let r0 = 0; r0 < N; r0 += chunk) {
    const R = Math.min(chunk, N - r0);
    forwardChunk(H, W, bias?.f32 ?? null, En, s, tau, r0, R, buf);
    const Zc = Z.subarray(0, R * m * C);
    total += K.softmaxCrossEntropy({ logits: Zc, rows: R * m, cols: C, targets: T.subarray(r0 * m, (r0 + R) * m), grad: needGrad ? Zc : undefined, scale });
    if (!needGrad) continue;
    for (let d = 0; d < m; d++) {
      const dZd = Z.subarray(d * C);
      if (dE)
        K.gemm({
          transA: true,
          transB: false,
          m: C,
          n: D,
          k: R,
          alpha: 1 / tau,
          a: dZd,
          lda: m * C,
          b: Q.subarray(d * D),
          ldb: mD,
          beta: 1,
          c: dE.subarray(d * C * D),
        });
      if (dQ)
        K.gemm({
          transA: false,
          transB: false,
          m: R,
          n: D,
          k: C,
          alpha: 1 / tau,
          a: dZd,
          lda: m * C,
          b: En.subarray(d * C * D),
          ldb: D,
          c: dQ.subarray(d * D),
          ldc: mD,
        });
    }
    if (!dQ) continue;
    // Through the normalisation, the residual and SiLU; P becomes dP.
    K.residualSiluNormalizeBackward({ p: P, s: S, q: Q, inv, dq: dQ, dh: dH ? dH.subarray(r0 * D) : null, rows: R, heads: m, dim: D });
    if (dH) K.gemm({ transA: false, transB: true, m: R, n: D, k: mD, a: P, b: W, beta: 1, c: dH.subarray(r0 * D) });
    if (dW) K.gemm({ transA: true, transB: false, m: D, n: mD, k: R, a: H.subarray(r0 * D), b: P, beta: 1, c: dW });
    if (db) columnSumInto(P.subarray(0, R * mD), R, mD, db);
  }
  releaseBuffers(buf);
  releaseF32(dQ);
  // Through the table's row normalisation: dE = (dEn - en <en, dEn>) / |e|, in place.
  if (dE) normalizeRowsBackward(En, dE, eInv, m * C, D, dE, false);
  releaseF32(En);
  return makeResult(Float32Array.of(total * scale), [], inputs, (g) => {
    addScaledGrad(dH, hidden, g[0]);
    addScaledGrad(dW, weight, g[0]);
    if (bias) addScaledGrad(db, bias, g[0]);
    addScaledGrad(dE, table, g[0]);
    dH = dW = db = dE = null;
  });
}
