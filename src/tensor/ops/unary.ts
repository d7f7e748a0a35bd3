/**
 * Elementwise activations: exp, log, tanh, sigmoid, and ReLU, GELU (tanh form) and SiLU through the kernel seam.
 * Backward uses the saved output where that is cheaper (exp, tanh, sigmoid) and the input otherwise.
 */
import { kernels } from '../kernels/registry.js';
import { allocF32 } from '../pool.js';
import { makeResult, gradOf, type Tensor } from '../tensor.js';

type Unary = 'exp' | 'log' | 'tanh' | 'sigmoid';

function unary(x: Tensor, op: Unary): Tensor {
  const X = x.f32;
  const n = X.length;
  const Y = allocF32(n, false);
  switch (op) {
    case 'exp':
      for (let i = 0; i < n; i++) Y[i] = Math.exp(X[i]);
      break;
    case 'log':
      for (let i = 0; i < n; i++) Y[i] = Math.log(X[i]);
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) Y[i] = Math.tanh(X[i]);
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) Y[i] = 1 / (1 + Math.exp(-X[i]));
      break;
  }
  return makeResult(Y, x.shape, [x], (g) => {
    const gx = gradOf(x);
    switch (op) {
      case 'exp':
        for (let i = 0; i < n; i++) gx[i] += g[i] * Y[i];
        break;
      case 'log':
        for (let i = 0; i < n; i++) gx[i] += g[i] / X[i];
        break;
      case 'tanh':
        for (let i = 0; i < n; i++) gx[i] += g[i] * (1 - Y[i] * Y[i]);
        break;
      case 'sigmoid':
        for (let i = 0; i < n; i++) gx[i] += g[i] * Y[i] * (1 - Y[i]);
        break;
    }
  });
}

export function exp(x: Tensor): Tensor {
  return unary(x, 'exp');
}
export function log(x: Tensor): Tensor {
  return unary(x, 'log');
}
export function tanh(x: Tensor): Tensor {
  return unary(x, 'tanh');
}
export function sigmoid(x: Tensor): Tensor {
  return unary(x, 'sigmoid');
}
/** x * sigmoid(x), through the silu kernels. */
export function silu(x: Tensor): Tensor {
  return throughKernels(x, 'silu');
}
/** max(x, 0), through the relu kernels. */
export function relu(x: Tensor): Tensor {
  return throughKernels(x, 'relu');
}

/** GELU, tanh approximation (GPT-2, PyTorch `approximate="tanh"`). */
export function gelu(x: Tensor): Tensor {
  return throughKernels(x, 'gelu');
}

/** An activation whose forward and backward (accumulating dx += dy * f'(x)) are kernels of the seam. */
function throughKernels(x: Tensor, name: 'silu' | 'relu' | 'gelu'): Tensor {
  const X = x.f32;
  const Y = allocF32(X.length, false);
  kernels()[name](X, Y, X.length);
  return makeResult(Y, x.shape, [x], (g) => {
    kernels()[`${name}Backward`](X, g, gradOf(x), X.length, true);
  });
}
