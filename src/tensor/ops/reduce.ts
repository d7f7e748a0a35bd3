/**
 * Reductions along one axis (sum, mean, max) or over everything (sumAll, meanAll). The tensor is viewed as
 * (outer, len, inner) around the axis so every reduction is two flat loops, whatever the rank.
 */
import { makeResult, gradOf, normAxis, type Tensor } from '../tensor.js';

function split(x: Tensor, axis: number): { outer: number; len: number; inner: number; shape: number[]; ax: number } {
  const ax = normAxis(axis, x.rank);
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < ax; i++) outer *= x.shape[i];
  for (let i = ax + 1; i < x.rank; i++) inner *= x.shape[i];
  return { outer, len: x.shape[ax], inner, shape: [...x.shape], ax };
}

function reducedShape(shape: number[], ax: number, keepDims: boolean): number[] {
  const s = [...shape];
  if (keepDims) s[ax] = 1;
  else s.splice(ax, 1);
  return s;
}

/** Sum along `axis`. @default keepDims false */
export function sum(x: Tensor, axis: number, keepDims = false): Tensor {
  return sumScaled(x, axis, keepDims, 1);
}

/** Mean along `axis`. */
export function mean(x: Tensor, axis: number, keepDims = false): Tensor {
  return sumScaled(x, axis, keepDims, 1 / x.dim(axis));
}

function sumScaled(x: Tensor, axis: number, keepDims: boolean, scale: number): Tensor {
  const { outer, len, inner, shape, ax } = split(x, axis);
  const X = x.f32;
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    const ob = o * inner;
    for (let l = 0; l < len; l++) {
      const row = base + l * inner;
      for (let i = 0; i < inner; i++) out[ob + i] += X[row + i];
    }
    if (scale !== 1) for (let i = 0; i < inner; i++) out[ob + i] *= scale;
  }
  return makeResult(out, reducedShape(shape, ax, keepDims), [x], (g) => {
    const gx = gradOf(x);
    for (let o = 0; o < outer; o++) {
      const base = o * len * inner;
      const ob = o * inner;
      for (let l = 0; l < len; l++) {
        const row = base + l * inner;
        for (let i = 0; i < inner; i++) gx[row + i] += scale * g[ob + i];
      }
    }
  });
}

/** Max along `axis`; the gradient goes to the first maximal element. */
export function max(x: Tensor, axis: number, keepDims = false): Tensor {
  const { outer, len, inner, shape, ax } = split(x, axis);
  const X = x.f32;
  const out = new Float32Array(outer * inner).fill(-Infinity);
  const arg = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    const ob = o * inner;
    for (let l = 0; l < len; l++) {
      const row = base + l * inner;
      for (let i = 0; i < inner; i++) {
        if (X[row + i] > out[ob + i]) {
          out[ob + i] = X[row + i];
          arg[ob + i] = l;
        }
      }
    }
  }
  return makeResult(out, reducedShape(shape, ax, keepDims), [x], (g) => {
    const gx = gradOf(x);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) gx[o * len * inner + arg[o * inner + i] * inner + i] += g[o * inner + i];
    }
  });
}

/** Sum of all elements, as a scalar tensor. */
export function sumAll(x: Tensor): Tensor {
  return totalScaled(x, 1);
}

/** Mean of all elements, as a scalar tensor. */
export function meanAll(x: Tensor): Tensor {
  return totalScaled(x, 1 / x.size);
}

function totalScaled(x: Tensor, scale: number): Tensor {
  const X = x.f32;
  let s = 0;
  for (let i = 0; i < X.length; i++) s += X[i];
  return makeResult(Float32Array.of(s * scale), [], [x], (g) => {
    const gx = gradOf(x);
    const gv = g[0] * scale;
    for (let i = 0; i < gx.length; i++) gx[i] += gv;
  });
}
