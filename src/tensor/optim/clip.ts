/** Global gradient-norm clipping (PyTorch's clip_grad_norm_): scale all grads by maxNorm / (norm + 1e-6) if over. */
import type { NamedParameter } from './optimizer.js';

/** Returns the total L2 norm of all gradients before clipping. */
export function clipGradNorm(params: readonly NamedParameter[], maxNorm: number): number {
  let ss = 0;
  for (const { tensor } of params) {
    const g = tensor.grad;
    if (!g) continue;
    for (let i = 0; i < g.length; i++) ss += g[i] * g[i];
  }
  const norm = Math.sqrt(ss);
  if (norm > maxNorm) {
    const s = maxNorm / (norm + 1e-6);
    for (const { tensor } of params) {
      const g = tensor.grad;
      if (g) for (let i = 0; i < g.length; i++) g[i] *= s;
    }
  }
  return norm;
}
