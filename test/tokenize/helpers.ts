/** Synthetic data for tokenizer tests: planted Gaussian clusters and correlated low-rank vectors. */
import { Rng } from '../../src/core/rng.js';
import type { ItemFeatures } from '../../src/features/types.js';

/** n points around `clusters` well-separated centres; returns the data and each point's true cluster. */
export function plantedClusters(seed: number, n: number, dim: number, clusters: number, noise = 0.05): { features: ItemFeatures; labels: Int32Array } {
  const rng = new Rng(seed);
  const centres = new Float32Array(clusters * dim).map(() => rng.normal());
  const data = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    labels[i] = c;
    for (let j = 0; j < dim; j++) data[i * dim + j] = centres[c * dim + j] + noise * rng.normal();
  }
  return { features: { count: n, dim, data }, labels };
}

/** n vectors x = z A with z ~ N(0, diag(decaying)) and a random mixing A: correlated dims, where OPQ helps. */
export function correlated(seed: number, n: number, dim: number): ItemFeatures {
  const rng = new Rng(seed);
  const mix = new Float32Array(dim * dim).map(() => rng.normal() / Math.sqrt(dim));
  const data = new Float32Array(n * dim);
  const z = new Float32Array(dim);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < dim; k++) z[k] = rng.normal() * 0.85 ** k;
    for (let j = 0; j < dim; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += z[k] * mix[k * dim + j];
      data[i * dim + j] = s;
    }
  }
  return { count: n, dim, data };
}

/** Reconstruction error relative to the data variance: 0 perfect, 1 = predicting the mean. */
export function relErr(f: ItemFeatures, recon: Float32Array): number {
  const mean = new Float64Array(f.dim);
  for (let i = 0; i < f.count; i++) for (let j = 0; j < f.dim; j++) mean[j] += f.data[i * f.dim + j] / f.count;
  let e = 0;
  let v = 0;
  for (let i = 0; i < f.count * f.dim; i++) {
    e += (f.data[i] - recon[i]) ** 2;
    v += (f.data[i] - mean[i % f.dim]) ** 2;
  }
  return e / v;
}
