/**
 * GRank's two-stage ranking shared by evaluation and serving: the generator's exact MIPS scores over every item,
 * the top `candidates` of them (history items excluded when asked) re-scored by the ranker, best first.
 */
import { TopK } from '../../decode/topk.js';
import type { GRank } from './model.js';

export interface Ranked {
  readonly items: Int32Array;
  readonly scores: Float32Array;
}

/**
 * Per history: the generator's top `candidates` items (skipping `exclude[r]`), re-ranked by the ranker, the best
 * `k`. `ranker: false` returns the generator's own ranking (MIPS alone).
 */
export function generateRank(
  model: GRank,
  histories: readonly ArrayLike<number>[],
  k: number,
  candidates: number,
  ranker: boolean,
  exclude: readonly (ReadonlySet<number> | undefined)[] = [],
): Ranked[] {
  const N = model.numItems;
  const B = histories.length;
  if (B === 0) return [];
  const scores = model.score(histories); // (B, N)
  const K = Math.min(ranker ? Math.max(candidates, k) : k, N);
  const top = new TopK(K);
  const picked = new Int32Array(B * K).fill(-1);
  const pickedScores = new Float32Array(B * K);
  let width = K;
  for (let r = 0; r < B; r++) {
    top.reset();
    const skip = exclude[r];
    for (let i = 0; i < N; i++) if (!skip?.has(i)) top.push(i, scores[r * N + i]);
    const n = top.sortedInto(picked, r * K, pickedScores.subarray(r * K, (r + 1) * K));
    width = Math.min(width, n);
  }
  if (!ranker || width === 0) return rows(picked, pickedScores, B, K, Math.min(k, width));
  // Rows with fewer candidates than K (huge exclusions) are cut to the narrowest row so the batch stays rectangular.
  const cut = width === K ? picked : Int32Array.from({ length: B * width }, (_, j) => picked[Math.floor(j / width) * K + (j % width)]);
  const reranked = model.rerank(histories, cut, width); // (B, width)
  const out: Ranked[] = [];
  const best = new TopK(Math.min(k, width));
  for (let r = 0; r < B; r++) {
    best.reset();
    for (let j = 0; j < width; j++) best.push(j, reranked[r * width + j]);
    const order = new Int32Array(best.size);
    const values = new Float32Array(best.size);
    best.sortedInto(order, 0, values);
    out.push({ items: Int32Array.from(order, (j) => cut[r * width + j]), scores: values });
  }
  return out;
}

function rows(items: Int32Array, scores: Float32Array, B: number, K: number, k: number): Ranked[] {
  return Array.from({ length: B }, (_, r) => ({ items: items.slice(r * K, r * K + k), scores: scores.slice(r * K, r * K + k) }));
}
