/**
 * Smooth inverse frequency (SIF) sentence embeddings, Arora, Liang & Ma, "A Simple but Tough-to-Beat Baseline for
 * Sentence Embeddings" (ICLR 2017): v_s = (1/|s|) sum_{w in s} a / (a + p(w)) v_w over the words of s that have a
 * vector, then the projection on the first singular vector(s) u of the matrix of all v_s is removed,
 * v_s <- v_s - u u^T v_s (uncentred, as the authors' TruncatedSVD). The weights damp words every item shares
 * ("beauty", a brand placeholder); the removed direction is what all items have in common.
 */
import { gram, symmetricEigen } from './linalg.js';
import type { WordVectors } from './word-vectors.js';

/** p(w) = count(w) / total over every token of `docs` (words with and without a vector). */
export function wordProbabilities(docs: readonly (readonly string[])[]): Map<string, number> {
  const counts = new Map<string, number>();
  let total = 0;
  for (const doc of docs) {
    for (const w of doc) counts.set(w, (counts.get(w) ?? 0) + 1);
    total += doc.length;
  }
  const p = new Map<string, number>();
  for (const [w, c] of counts) p.set(w, c / total);
  return p;
}

/** SIF weight a / (a + p(w)); a word never counted (p = 0) weighs 1. */
export function sifWeight(a: number, p: number | undefined): number {
  return a / (a + (p ?? 0));
}

/**
 * (docs, dim) weighted averages over each doc's words that have a vector; a doc with none gets a zero row.
 * Accumulated in float64.
 */
export function sifAverages(docs: readonly (readonly string[])[], vectors: WordVectors, weight: (word: string) => number): Float32Array {
  const d = vectors.dim;
  const out = new Float32Array(docs.length * d);
  const acc = new Float64Array(d);
  docs.forEach((doc, i) => {
    acc.fill(0);
    let known = 0;
    for (const w of doc) {
      const v = vectors.vector(w);
      if (v === undefined) continue;
      const s = weight(w);
      for (let j = 0; j < d; j++) acc[j] += s * v[j];
      known++;
    }
    if (known === 0) return;
    for (let j = 0; j < d; j++) out[i * d + j] = acc[j] / known;
  });
  return out;
}

/** (k, dim) the top-k right singular vectors of X (rows, dim), uncentred: eigenvectors of X^T X. */
export function topComponents(x: Float32Array, rows: number, dim: number, k: number): Float64Array {
  const { vectors } = symmetricEigen(gram(x, rows, dim), dim);
  const out = new Float64Array(k * dim);
  for (let c = 0; c < k; c++) {
    // A fixed sign (largest |entry| positive) so the stored components do not depend on the solver's choice.
    let big = 0;
    for (let j = 0; j < dim; j++) if (Math.abs(vectors[j * dim + c]) > Math.abs(big)) big = vectors[j * dim + c];
    const s = big < 0 ? -1 : 1;
    for (let j = 0; j < dim; j++) out[c * dim + j] = s * vectors[j * dim + c];
  }
  return out;
}

/** In place: x_i <- x_i - sum_c u_c (u_c . x_i) for the (k, dim) orthonormal `components`. */
export function removeComponents(x: Float32Array, rows: number, dim: number, components: Float64Array): void {
  const k = components.length / dim;
  for (let i = 0; i < rows; i++) {
    const off = i * dim;
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += components[c * dim + j] * x[off + j];
      for (let j = 0; j < dim; j++) x[off + j] -= dot * components[c * dim + j];
    }
  }
}
