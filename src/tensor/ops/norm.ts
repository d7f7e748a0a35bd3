/**
 * Normalisation: layer norm over the last axis (through the layerNorm kernels, saving per-row mean and rstd),
 * L2 normalisation and cosine similarity (RPG's logits are cosine(head(h), code embedding) / temperature).
 */
import { SidrecError } from '../../core/errors.js';
import { kernels } from '../kernels/registry.js';
import { allocF32 } from '../pool.js';
import { makeResult, gradOf, type Tensor } from '../tensor.js';
import { mul } from './binary.js';
import { sum } from './reduce.js';

/** LayerNorm over the last axis: x (..., D), gamma (D), beta (D). @default eps 1e-5 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const cols = x.shape[x.rank - 1];
  if (gamma.size !== cols || beta.size !== cols) throw new SidrecError('E_SHAPE', `layerNorm: gamma/beta must be (${cols})`);
  const rows = x.size / cols;
  const X = x.f32;
  const out = allocF32(X.length, false);
  const meanBuf = new Float32Array(rows);
  const rstd = new Float32Array(rows);
  kernels().layerNormForward({ x: X, gamma: gamma.f32, beta: beta.f32, out, mean: meanBuf, rstd, rows, cols, eps });
  return makeResult(out, x.shape, [x, gamma, beta], (g) => {
    kernels().layerNormBackward({
      x: X,
      gamma: gamma.f32,
      mean: meanBuf,
      rstd,
      dy: g,
      dx: x.requiresGrad ? gradOf(x) : undefined,
      dgamma: gamma.requiresGrad ? gradOf(gamma) : undefined,
      dbeta: beta.requiresGrad ? gradOf(beta) : undefined,
      rows,
      cols,
    });
  });
}

/** x / max(||x||, eps) along the last axis. @default eps 1e-12 */
export function l2Normalize(x: Tensor, eps = 1e-12): Tensor {
  const cols = x.shape[x.rank - 1];
  const rows = x.size / cols;
  const Y = allocF32(x.size, false);
  const inv = new Float32Array(rows);
  normalizeRowsInto(x.f32, rows, cols, Y, inv, eps);
  return makeResult(Y, x.shape, [x], (g) => normalizeRowsBackward(Y, g, inv, rows, cols, gradOf(x), true));
}

/** out = rows of x (rows, cols) scaled to unit length; inv[r] = 1 / max(|x_r|, eps). `out` may be `x`. */
export function normalizeRowsInto(x: Float32Array, rows: number, cols: number, out: Float32Array, inv: Float32Array, eps = 1e-12): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[off + j] * x[off + j];
    const iv = 1 / Math.max(Math.sqrt(s), eps);
    inv[r] = iv;
    for (let j = 0; j < cols; j++) out[off + j] = x[off + j] * iv;
  }
}

/**
 * Backward of `normalizeRowsInto` from the unit rows y and their gradient g: d(x/|x|) = (g - y <g, y>) / |x|,
 * added to `out` when `accumulate`, else written (then `out` may be `g`).
 */
export function normalizeRowsBackward(
  y: Float32Array,
  g: Float32Array,
  inv: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array,
  accumulate: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += g[off + j] * y[off + j];
    for (let j = 0; j < cols; j++) {
      const d = (g[off + j] - y[off + j] * dot) * inv[r];
      out[off + j] = accumulate ? out[off + j] + d : d;
    }
  }
}

/** Cosine similarity along the last axis (broadcasting): a (..., D), b (..., D) -> (...). */
export function cosineSimilarity(a: Tensor, b: Tensor, eps = 1e-12): Tensor {
  return sum(mul(l2Normalize(a, eps), l2Normalize(b, eps)), -1);
}
