/**
 * Finite-difference gradient checking for the autodiff tests: the analytic gradient of sum(f(x) * R) for a fixed
 * random R against central differences accumulated in float64.
 */
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { Tensor, noGrad, tidy } from '../../src/tensor/tensor.js';

export function randn(shape: number[], rng: Rng, scale = 1): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * rng.normal();
  return out;
}

export interface GradInput {
  readonly shape: number[];
  readonly data: Float32Array;
  /** Finite-difference this input. @default true */
  readonly check?: boolean;
}

/** Weighted sum of the output in float64. */
function weighted(out: Tensor, R: Float64Array): number {
  const d = out.f32;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i] * R[i];
  return s;
}

export function gradCheck(name: string, inputs: GradInput[], f: (xs: Tensor[]) => Tensor, opts: { eps?: number; tol?: number; seed?: number } = {}): void {
  const eps = opts.eps ?? 1e-2;
  const tol = opts.tol ?? 2e-2;
  const rng = new Rng(opts.seed ?? 99);
  // Analytic.
  const analytic = tidy(() => {
    const xs = inputs.map((inp) => new Tensor(new Float32Array(inp.data), inp.shape, { requiresGrad: inp.check !== false }));
    const out = f(xs);
    const R = new Float64Array(out.size);
    for (let i = 0; i < R.length; i++) R[i] = rng.normal();
    const seed = Float32Array.from(R);
    out.backward(seed);
    return { grads: xs.map((x) => (x.grad ? new Float32Array(x.grad) : null)), R };
  });
  const { R } = analytic;
  inputs.forEach((inp, k) => {
    if (inp.check === false) return;
    const ga = analytic.grads[k] ?? new Float32Array(inp.data.length);
    const gn = new Float64Array(inp.data.length);
    for (let i = 0; i < inp.data.length; i++) {
      const evalAt = (delta: number): number =>
        noGrad(() =>
          tidy(() => {
            const xs = inputs.map((q, j) => {
              const d = new Float32Array(q.data);
              if (j === k) d[i] += delta;
              return new Tensor(d, q.shape);
            });
            return weighted(f(xs), R);
          }),
        );
      gn[i] = (evalAt(eps) - evalAt(-eps)) / (2 * eps);
    }
    let maxDiff = 0;
    let maxRef = 0;
    for (let i = 0; i < gn.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ga[i] - gn[i]));
      maxRef = Math.max(maxRef, Math.abs(gn[i]));
    }
    const rel = maxDiff / Math.max(maxRef, 1e-3);
    assert.ok(
      rel < tol,
      `${name}: input ${k} relative gradient error ${rel.toExponential(2)} (max diff ${maxDiff.toExponential(2)}, max |g| ${maxRef.toExponential(2)})`,
    );
  });
}
