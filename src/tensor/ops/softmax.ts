/**
 * Softmax and log-softmax over the last axis. Softmax runs through the `softmaxRows` kernel; both backward passes
 * use the saved output: dx = y * (g - sum(g * y)) and dx = g - softmax * sum(g).
 */
import { kernels } from '../kernels/registry.js';
import { allocF32 } from '../pool.js';
import { makeResult, gradOf, type Tensor } from '../tensor.js';

export function softmax(x: Tensor): Tensor {
  const cols = x.shape[x.rank - 1];
  const rows = x.size / cols;
  const Y = allocF32(x.size, false);
  Y.set(x.f32);
  kernels().softmaxRows(Y, rows, cols);
  return makeResult(Y, x.shape, [x], (g) => {
    const gx = gradOf(x);
    softmaxBackwardInto(Y, g, gx, rows, cols);
  });
}

/** gx += y * (g - <g, y>) row by row. */
export function softmaxBackwardInto(Y: Float32Array, g: Float32Array, gx: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += g[off + j] * Y[off + j];
    for (let j = 0; j < cols; j++) gx[off + j] += Y[off + j] * (g[off + j] - dot);
  }
}

export function logSoftmax(x: Tensor): Tensor {
  const cols = x.shape[x.rank - 1];
  const rows = x.size / cols;
  const X = x.f32;
  const Y = allocF32(X.length, false);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) if (X[off + j] > m) m = X[off + j];
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(X[off + j] - m);
    const lz = m + Math.log(s);
    for (let j = 0; j < cols; j++) Y[off + j] = X[off + j] - lz;
  }
  return makeResult(Y, x.shape, [x], (g) => {
    const gx = gradOf(x);
    for (let r = 0; r < rows; r++) {
      const off = r * cols;
      let s = 0;
      for (let j = 0; j < cols; j++) s += g[off + j];
      for (let j = 0; j < cols; j++) gx[off + j] += g[off + j] - Math.exp(Y[off + j]) * s;
    }
  });
}
