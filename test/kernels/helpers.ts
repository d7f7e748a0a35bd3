/**
 * Shared fixtures for the kernel agreement tests: seeded inputs, a float32 tolerance check that names the first
 * bad index, and access to one provider's kernels (or the reason it is not available here).
 */
import assert from 'node:assert/strict';
import { describeKernels, kernels, setKernelPreference } from '../../src/tensor/kernels/registry.js';
import type { KernelName, Kernels, ProviderName } from '../../src/tensor/kernels/types.js';

export const OPTIONAL_PROVIDERS: readonly ProviderName[] = ['openblas', 'onnxruntime'];
const SEAM: readonly KernelName[] = ['gemm', 'gemmBatched', 'softmaxCrossEntropy', 'gelu', 'geluBackward', 'softmaxRows'];

/** Kernels of one provider (`names` forced onto it, the seam's six by default), or why it is unavailable. */
export function providerKernels(provider: ProviderName, names: readonly KernelName[] = SEAM): Kernels | string {
  const { failures } = describeKernels();
  if (failures[provider]) return `${provider} not available: ${failures[provider]}`;
  setKernelPreference(Object.fromEntries(names.map((k) => [k, provider])));
  try {
    return { ...kernels() };
  } catch (error) {
    return `${provider} not available: ${(error as Error).message}`;
  } finally {
    setKernelPreference({});
  }
}

export function random(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = lo + ((s >>> 0) / 2 ** 32) * (hi - lo);
  }
  return out;
}

/** |actual - expected| <= tol * (1 + |expected|) everywhere, and NaN only where expected is NaN. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= tol * (1 + Math.abs(e));
    if (!ok) assert.fail(`${what}: index ${i}: got ${a}, expected ${e} (tolerance ${tol})`);
  }
}
