/**
 * Cross-entropy fused with log-softmax, computed in row chunks through the `softmaxCrossEntropy` kernel, and the
 * fused `linearCrossEntropy` (hidden @ W + b -> CE) that never holds the full (N, V) logits: with a scalar
 * reduction it computes dX, dW, db chunk by chunk during the forward pass (one logits chunk resident at a time,
 * three GEMMs per chunk, as many as the unfused graph) and backward only scales them; with reduction 'none' it
 * recomputes each chunk's logits in backward. Grouped softmax: the V columns split into G groups of C = V / G,
 * each with its own softmax and target (RPG / the reference model: 32 codebooks x 256 codes), which is the same
 * memory as (N * G) rows of C.
 */
import { SidrecError } from '../../core/errors.js';
import { kernels } from '../kernels/registry.js';
import { isGradEnabled, makeResult, gradOf, type Tensor } from '../tensor.js';
import { columnSumInto } from './matmul.js';
import { allocF32, releaseF32 } from '../pool.js';

export interface CrossEntropyOptions {
  /** Number of independent softmax groups the last axis is split into; targets are (N, G). @default 1 */
  readonly groups?: number;
  /** 'mean' over valid targets (non-negative), 'sum', or 'none' (per row, summed over groups). @default 'mean' */
  readonly reduction?: 'mean' | 'sum' | 'none';
  /** With groups and 'mean': 'mean' averages over (row, group) pairs; 'sum' sums groups and averages rows. @default 'mean' */
  readonly groupReduction?: 'mean' | 'sum';
  /**
   * Rows per chunk (bounds the resident logits to chunkRows x V). @default as many rows as fit in 128 MiB of
   * logits, at least 256: larger chunks make larger GEMMs (measured on the reference head, 448 -> 8192, 2 cores:
   * 124 GFLOP/s at 1024 rows, 148 at 2048, 166 at 4096), the budget keeps memory bounded for any vocabulary.
   */
  readonly chunkRows?: number;
}

interface CeLayout {
  readonly N: number;
  readonly V: number;
  readonly G: number;
  readonly C: number;
  readonly chunk: number;
  readonly reduction: 'mean' | 'sum' | 'none';
  /** Multiplier from summed pair losses to the reported scalar loss (mean/sum). */
  readonly scale: number;
  /** Multiplier applied to each row's group-summed loss for 'none' (1, or 1/G for groupReduction 'mean'). */
  readonly rowScale: number;
}

const CHUNK_BUDGET_BYTES = 128 * 1024 * 1024;

function defaultChunkRows(V: number): number {
  return Math.max(256, Math.floor(CHUNK_BUDGET_BYTES / (4 * V)));
}

function layout(N: number, V: number, targets: Tensor, opts: CrossEntropyOptions): CeLayout {
  const G = opts.groups ?? 1;
  if (V % G !== 0) throw new SidrecError('E_SHAPE', `cross-entropy: ${V} columns do not split into ${G} groups`);
  if (targets.size !== N * G) throw new SidrecError('E_SHAPE', `cross-entropy: targets [${targets.shape}] must hold ${N} x ${G}`);
  const C = V / G;
  const T = targets.i32;
  let valid = 0;
  for (let i = 0; i < T.length; i++) {
    if (T[i] >= C) throw new SidrecError('E_SHAPE', `cross-entropy target ${T[i]} out of range [0, ${C})`);
    if (T[i] >= 0) valid++;
  }
  const reduction = opts.reduction ?? 'mean';
  const groupSum = (opts.groupReduction ?? 'mean') === 'sum';
  const scale = reduction === 'sum' ? 1 : valid === 0 ? 0 : (groupSum ? G : 1) / valid;
  const chunk = Math.max(1, Math.min(N, opts.chunkRows ?? defaultChunkRows(V)));
  return { N, V, G, C, chunk, reduction, scale, rowScale: groupSum ? 1 : 1 / G };
}

/**
 * CE of logits chunk rows [r0, r0+R) in place: returns per-row summed losses into `rowLoss` (optional) and, when
 * `withGrad`, overwrites the chunk with d(loss)/d(logits) using per-row scales `scaleOf(row)`.
 */
function ceChunk(
  L: CeLayout,
  logits: Float32Array,
  targets: Int32Array,
  r0: number,
  R: number,
  withGrad: boolean,
  scaleOf: (row: number) => number,
  rowLoss?: Float32Array,
): number {
  const K = kernels();
  const { G, C, V } = L;
  if (!rowLoss && (!withGrad || L.reduction !== 'none')) {
    // One kernel call for the whole chunk with a single scale.
    return K.softmaxCrossEntropy({
      logits,
      rows: R * G,
      cols: C,
      targets: targets.subarray(r0 * G, (r0 + R) * G),
      grad: withGrad ? logits : undefined,
      scale: scaleOf(r0),
    });
  }
  let total = 0;
  for (let r = 0; r < R; r++) {
    const row = logits.subarray(r * V, (r + 1) * V);
    const l = K.softmaxCrossEntropy({
      logits: row,
      rows: G,
      cols: C,
      targets: targets.subarray((r0 + r) * G, (r0 + r + 1) * G),
      grad: withGrad ? row : undefined,
      scale: scaleOf(r0 + r),
    });
    if (rowLoss) rowLoss[r0 + r] = l * L.rowScale;
    total += l;
  }
  return total;
}

function lossResult(L: CeLayout, total: number, rowLoss: Float32Array | undefined): { data: Float32Array; shape: number[] } {
  if (L.reduction === 'none') return { data: rowLoss!, shape: [L.N] };
  return { data: Float32Array.of(total * L.scale), shape: [] };
}

/** Cross-entropy of logits (..., V) against int32 targets (...) or (..., G). Negative targets are ignored. */
export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const V = logits.shape[logits.rank - 1];
  const N = logits.size / V;
  const L = layout(N, V, targets, opts);
  const X = logits.f32;
  const T = targets.i32;
  const scratch = allocF32(L.chunk * V, false);
  const rowLoss = L.reduction === 'none' ? new Float32Array(N) : undefined;
  let total = 0;
  for (let r0 = 0; r0 < N; r0 += L.chunk) {
    const R = Math.min(L.chunk, N - r0);
    const chunk = scratch.subarray(0, R * V);
    chunk.set(X.subarray(r0 * V, (r0 + R) * V));
    total += ceChunk(L, chunk, T, r0, R, false, () => 1, rowLoss);
  }
  const { data, shape } = lossResult(L, total, rowLoss);
  return makeResult(
    data,
    shape,
    [logits],
    (g) => {
      const gx = gradOf(logits);
      const scaleOf = L.reduction === 'none' ? (r: number) => g[r] * L.rowScale : () => g[0] * L.scale;
      for (let r0 = 0; r0 < N; r0 += L.chunk) {
        const R = Math.min(L.chunk, N - r0);
        const chunk = scratch.subarray(0, R * V);
        chunk.set(X.subarray(r0 * V, (r0 + R) * V));
        ceChunk(L, chunk, T, r0, R, true, scaleOf);
        const base = r0 * V;
        for (let i = 0; i < R * V; i++) gx[base + i] += chunk[i];
      }
    },
    { saved: [scratch] },
  );
}

export interface LinearCrossEntropyOptions extends CrossEntropyOptions {
  /** Weight stored (V, D) instead of (D, V) (tied with an embedding table). @default false */
  readonly transposeWeight?: boolean;
}

/**
 * CE(hidden @ W + b) without materialising the (N, V) logits. hidden (..., D), W (D, V) [or (V, D) with
 * transposeWeight], bias (V), targets int32 (...) or (..., G).
 */
export function linearCrossEntropy(hidden: Tensor, weight: Tensor, bias: Tensor | null, targets: Tensor, opts: LinearCrossEntropyOptions = {}): Tensor {
  const tw = opts.transposeWeight ?? false;
  if (weight.rank !== 2) throw new SidrecError('E_SHAPE', `linearCrossEntropy weight must be 2-D, got [${weight.shape}]`);
  const D = hidden.shape[hidden.rank - 1];
  const V = tw ? weight.shape[0] : weight.shape[1];
  if ((tw ? weight.shape[1] : weight.shape[0]) !== D)
    throw new SidrecError('E_SHAPE', `linearCrossEntropy: hidden [${hidden.shape}] vs weight [${weight.shape}]`);
  if (bias && bias.size !== V) throw new SidrecError('E_SHAPE', `linearCrossEntropy bias must be (${V})`);
  const N = hidden.size / D;
  const L = layout(N, V, targets, opts);
  const H = hidden.f32;
  const W = weight.f32;
  const Bv = bias?.f32;
  const T = targets.i32;
  const inputs = bias ? [hidden, weight, bias] : [hidden, weight];
  const needGrad = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  const scratch = allocF32(L.chunk * V, false);
  const K = kernels();

  const logitsOf = (r0: number, R: number): Float32Array => {
    const out = scratch.subarray(0, R * V);
    if (Bv) for (let r = 0; r < R; r++) out.set(Bv, r * V);
    K.gemm({ transA: false, transB: tw, m: R, n: V, k: D, a: H.subarray(r0 * D), b: W, beta: Bv ? 1 : 0, c: out });
    return out;
  };
  // Accumulate this chunk's dlogits (R, V) into dH rows, dW and db.
  const accumulate = (r0: number, R: number, dl: Float32Array, dH: Float32Array | null, dW: Float32Array | null, db: Float32Array | null): void => {
    if (dH) K.gemm({ transA: false, transB: !tw, m: R, n: D, k: V, a: dl, b: W, beta: 1, c: dH.subarray(r0 * D) });
    if (dW) {
      if (!tw) K.gemm({ transA: true, transB: false, m: D, n: V, k: R, a: H.subarray(r0 * D), b: dl, beta: 1, c: dW });
      else K.gemm({ transA: true, transB: false, m: V, n: D, k: R, a: dl, b: H.subarray(r0 * D), beta: 1, c: dW });
    }
    if (db) columnSumInto(dl, R, V, db);
  };

  const rowLoss = L.reduction === 'none' ? new Float32Array(N) : undefined;
  const eager = needGrad && L.reduction !== 'none';
  // Eager gradients, consumed (handed over or added and recycled) by the one backward call.
  let dH = eager && hidden.requiresGrad ? allocF32(H.length) : null;
  let dW = eager && weight.requiresGrad ? allocF32(W.length) : null;
  let db = eager && bias?.requiresGrad ? allocF32(V) : null;
  let total = 0;
  for (let r0 = 0; r0 < N; r0 += L.chunk) {
    const R = Math.min(L.chunk, N - r0);
    const chunk = logitsOf(r0, R);
    total += ceChunk(L, chunk, T, r0, R, eager, () => L.scale, rowLoss);
    if (eager) accumulate(r0, R, chunk, dH, dW, db);
  }
  const { data, shape } = lossResult(L, total, rowLoss);
  if (eager || !needGrad) releaseF32(scratch);
  return makeResult(
    data,
    shape,
    inputs,
    (g) => {
      if (eager) {
        const s = g[0];
        addScaledGrad(dH, hidden, s);
        addScaledGrad(dW, weight, s);
        if (bias) addScaledGrad(db, bias, s);
        dH = dW = db = null;
        return;
      }
      const gH = hidden.requiresGrad ? gradOf(hidden) : null;
      const gW = weight.requiresGrad ? gradOf(weight) : null;
      const gb = bias?.requiresGrad ? gradOf(bias) : null;
      for (let r0 = 0; r0 < N; r0 += L.chunk) {
        const R = Math.min(L.chunk, N - r0);
        const chunk = logitsOf(r0, R);
        ceChunk(L, chunk, T, r0, R, true, (r) => g[r] * L.rowScale);
        accumulate(r0, R, chunk, gH, gW, gb);
      }
    },
    { saved: eager || !needGrad ? [] : [scratch] },
  );
}

export function addScaledGrad(src: Float32Array | null, t: Tensor, s: number): void {
  if (!src || !t.requiresGrad) return;
  if (!t.grad && s === 1) {
    t.grad = src; // the eager gradient buffer belongs to this op alone
    return;
  }
  const g = gradOf(t);
  for (let i = 0; i < g.length; i++) g[i] += s * src[i];
  releaseF32(src);
}
