/**
 * Broadcasting add, sub, mul, div and scalar arithmetic, with gradients reduced back to each input's shape.
 */
import { accumulateGrad, makeResult, gradOf, sameShape, type Tensor } from '../tensor.js';
import { broadcast, forEachRow } from './broadcast.js';
import { allocF32 } from '../pool.js';

type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

function binary(a: Tensor, b: Tensor, op: BinaryOp): Tensor {
  const A = a.f32;
  const B = b.f32;
  if (sameShape(a.shape, b.shape)) return sameShapeBinary(a, b, A, B, op);
  const bc = broadcast(a.shape, b.shape);
  let size = 1;
  for (const d of bc.shape) size *= d;
  const out = allocF32(size, false);
  forEachRow(bc, (o, ia, ib, n, da, db) => {
    switch (op) {
      case 'add':
        for (let j = 0; j < n; j++) out[o + j] = A[ia + j * da] + B[ib + j * db];
        break;
      case 'sub':
        for (let j = 0; j < n; j++) out[o + j] = A[ia + j * da] - B[ib + j * db];
        break;
      case 'mul':
        for (let j = 0; j < n; j++) out[o + j] = A[ia + j * da] * B[ib + j * db];
        break;
      case 'div':
        for (let j = 0; j < n; j++) out[o + j] = A[ia + j * da] / B[ib + j * db];
        break;
    }
  });
  return makeResult(out, bc.shape, [a, b], (g) => {
    const gA = a.requiresGrad ? gradOf(a) : null;
    const gB = b.requiresGrad ? gradOf(b) : null;
    forEachRow(bc, (o, ia, ib, n, da, db) => {
      for (let j = 0; j < n; j++) {
        const gv = g[o + j];
        const x = ia + j * da;
        const y = ib + j * db;
        switch (op) {
          case 'add':
            if (gA) gA[x] += gv;
            if (gB) gB[y] += gv;
            break;
          case 'sub':
            if (gA) gA[x] += gv;
            if (gB) gB[y] -= gv;
            break;
          case 'mul':
            if (gA) gA[x] += gv * B[y];
            if (gB) gB[y] += gv * A[x];
            break;
          case 'div':
            if (gA) gA[x] += gv / B[y];
            if (gB) gB[y] -= (gv * A[x]) / (B[y] * B[y]);
            break;
        }
      }
    });
  });
}

function sameShapeBinary(a: Tensor, b: Tensor, A: Float32Array, B: Float32Array, op: BinaryOp): Tensor {
  const n = A.length;
  const out = allocF32(n, false);
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = A[i] + B[i];
      break;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = A[i] - B[i];
      break;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = A[i] * B[i];
      break;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = A[i] / B[i];
      break;
  }
  return makeResult(out, a.shape, [a, b], (g) => {
    // The result gradient is dead after this call: hand it to a (add/sub) and copy for b (add) without zero-filling.
    const aOwns = (op === 'add' || op === 'sub') && a.requiresGrad && a !== b;
    if (b.requiresGrad && op === 'add') accumulateGrad(b, g, false);
    if (aOwns) accumulateGrad(a, g, true);
    else if (a.requiresGrad) {
      const gA = gradOf(a);
      switch (op) {
        case 'add':
        case 'sub':
          for (let i = 0; i < n; i++) gA[i] += g[i];
          break;
        case 'mul':
          for (let i = 0; i < n; i++) gA[i] += g[i] * B[i];
          break;
        case 'div':
          for (let i = 0; i < n; i++) gA[i] += g[i] / B[i];
          break;
      }
    }
    if (b.requiresGrad && op !== 'add') {
      const gB = gradOf(b);
      switch (op) {
        case 'sub':
          for (let i = 0; i < n; i++) gB[i] -= g[i];
          break;
        case 'mul':
          for (let i = 0; i < n; i++) gB[i] += g[i] * A[i];
          break;
        case 'div':
          for (let i = 0; i < n; i++) gB[i] -= (g[i] * A[i]) / (B[i] * B[i]);
          break;
      }
    }
  });
}

/** a + b with broadcasting. */
export function add(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, 'add');
}
/** a - b with broadcasting. */
export function sub(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, 'sub');
}
/** a * b with broadcasting. */
export function mul(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, 'mul');
}
/** a / b with broadcasting. */
export function div(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, 'div');
}

/** alpha * x + beta (scalars). */
export function affine(x: Tensor, alpha: number, beta = 0): Tensor {
  const X = x.f32;
  const out = allocF32(X.length, false);
  for (let i = 0; i < X.length; i++) out[i] = alpha * X[i] + beta;
  return makeResult(out, x.shape, [x], (g) => {
    const gx = gradOf(x);
    for (let i = 0; i < g.length; i++) gx[i] += alpha * g[i];
  });
}

export function mulScalar(x: Tensor, c: number): Tensor {
  return affine(x, c, 0);
}
export function addScalar(x: Tensor, c: number): Tensor {
  return affine(x, 1, c);
}
export function neg(x: Tensor): Tensor {
  return affine(x, -1, 0);
}
