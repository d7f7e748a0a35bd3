/**
 * Shape ops: reshape (a view sharing storage), permute/transpose (one strided copy; attention's head split is
 * permute(x.reshape(B, T, H, hd), [0, 2, 1, 3])), slice along an axis, and concat along an axis.
 */
import { SidrecError } from '../../core/errors.js';
import { allocF32 } from '../pool.js';
import { accumulateGrad, makeResult, gradOf, normAxis, shapeSize, type Tensor } from '../tensor.js';

/** Same storage, new shape; one dimension may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = [...shape];
  const free = s.indexOf(-1);
  if (free >= 0) {
    const known = s.reduce((acc, d, i) => (i === free ? acc : acc * d), 1);
    s[free] = known === 0 ? 0 : x.size / known;
  }
  if (shapeSize(s) !== x.size) throw new SidrecError('E_SHAPE', `cannot reshape [${x.shape}] to [${shape}]`);
  return makeResult(x.data, s, [x], (g) => accumulateGrad(x, g, true), { viewOf: x });
}

/** Reorder axes: out.shape[i] = x.shape[perm[i]]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const rank = x.rank;
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new SidrecError('E_SHAPE', `bad permutation [${perm}] for rank ${rank}`);
  }
  const inStrides = stridesOf(x.shape);
  const outShape = perm.map((p) => x.shape[p]);
  const srcStride = perm.map((p) => inStrides[p]);
  const X = x.data;
  const out = X instanceof Int32Array ? new Int32Array(X.length) : allocF32(X.length, false);
  permuteCopy(X, out, outShape, srcStride, false);
  return makeResult(out, outShape, [x], (g) => {
    permuteCopy(g, gradOf(x), outShape, srcStride, true);
  });
}

/** Swap two axes. */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = x.shape.map((_, i) => i);
  const ia = normAxis(a, x.rank);
  const ib = normAxis(b, x.rank);
  perm[ia] = ib;
  perm[ib] = ia;
  return permute(x, perm);
}

function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= shape[i];
  }
  return st;
}

/** Walk the output in order; forward: out[o] = src[off]; backward (scatter): src[off] += out[o]. */
function permuteCopy(src: Float32Array | Int32Array, dst: Float32Array | Int32Array, outShape: number[], srcStride: number[], scatterAdd: boolean): void {
  const rank = outShape.length;
  const total = shapeSize(outShape);
  if (rank === 0 || total === 0) {
    if (total === 1) {
      if (scatterAdd) dst[0] += src[0];
      else dst[0] = src[0];
    }
    return;
  }
  const n = outShape[rank - 1];
  const ds = srcStride[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let o = 0; o < total; o += n) {
    if (scatterAdd) for (let j = 0; j < n; j++) dst[off + j * ds] += src[o + j];
    else for (let j = 0; j < n; j++) dst[o + j] = src[off + j * ds];
    for (let ax = rank - 2; ax >= 0; ax--) {
      idx[ax]++;
      off += srcStride[ax];
      if (idx[ax] < outShape[ax]) break;
      off -= srcStride[ax] * outShape[ax];
      idx[ax] = 0;
    }
  }
}

/** x[..., start:end, ...] along `axis`. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normAxis(axis, x.rank);
  const len = x.shape[ax];
  if (start < 0 || end > len || start > end) throw new SidrecError('E_SHAPE', `slice [${start}, ${end}) out of range for axis of ${len}`);
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < ax; i++) outer *= x.shape[i];
  for (let i = ax + 1; i < x.rank; i++) inner *= x.shape[i];
  const w = (end - start) * inner;
  const X = x.data;
  const out = X instanceof Int32Array ? new Int32Array(outer * w) : allocF32(outer * w, false);
  for (let o = 0; o < outer; o++) out.set(X.subarray(o * len * inner + start * inner, o * len * inner + end * inner), o * w);
  const shape = [...x.shape];
  shape[ax] = end - start;
  return makeResult(out, shape, [x], (g) => {
    const gx = gradOf(x);
    for (let o = 0; o < outer; o++) {
      const src = o * w;
      const dst = o * len * inner + start * inner;
      for (let i = 0; i < w; i++) gx[dst + i] += g[src + i];
    }
  });
}

/** Concatenate along `axis`; all other dims must match. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new SidrecError('E_SHAPE', 'concat of no tensors');
  const first = xs[0];
  const ax = normAxis(axis, first.rank);
  for (const t of xs) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new SidrecError('E_SHAPE', `concat: [${t.shape}] does not fit [${first.shape}] on axis ${ax}`);
    }
  }
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < ax; i++) outer *= first.shape[i];
  for (let i = ax + 1; i < first.rank; i++) inner *= first.shape[i];
  const total = xs.reduce((s, t) => s + t.shape[ax], 0);
  const rowOut = total * inner;
  const isInt = first.dtype === 'int32';
  const out = isInt ? new Int32Array(outer * rowOut) : allocF32(outer * rowOut, false);
  const offsets: number[] = [];
  let at = 0;
  for (const t of xs) {
    offsets.push(at);
    const w = t.shape[ax] * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * w, (o + 1) * w), o * rowOut + at);
    at += w;
  }
  const shape = [...first.shape];
  shape[ax] = total;
  return makeResult(out, shape, xs, (g) => {
    xs.forEach((t, k) => {
      if (!t.requiresGrad) return;
      const gt = gradOf(t);
      const w = t.shape[ax] * inner;
      for (let o = 0; o < outer; o++) {
        const src = o * rowOut + offsets[k];
        for (let i = 0; i < w; i++) gt[o * w + i] += g[src + i];
      }
    });
  });
}
