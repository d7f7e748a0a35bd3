/**
 * GRank's two-stage ranking shared by evaluation and serving: the generator's maximum-inner-product candidates
 * (mips.ts; history items excluded when asked), re-scored by the ranker, best first.
 */
import { TopK } from '../../decode/topk.js';
import { exactMips, type Mips } from './mips.js';
import type { GRank } from './model.js';

export interface Ranked {
  readonly items: Int32Array;
  readonly scores: Float32Array;
}

/** What ranking needs besides the model: item vectors computed once, and the MIPS index over them. */
export interface GRankIndex {
  readonly vectors: Float32Array;
  readonly mips: Mips;
}

/** The exact index over the model's current item vectors (rebuild after weights or items change). */
export function exactIndex(model: GRank): GRankIndex {
  const vectors = model.inferenceVectors();
  return { vectors, mips: exactMips(vectors, model.numItems, model.config.dim) };
}

/**
 * Per history: the generator's top `candidates` items (skipping `exclude[r]`), re-ranked by the ranker, the best
 * `k`. `ranker: false` returns the generator's own ranking (MIPS alone).
 */
export function generateRank(
  model: GRank,
  index: GRankIndex,
  histories: readonly ArrayLike<number>[],
  k: number,
  candidates: number,
  ranker: boolean,
  exclude: readonly (ReadonlySet<number> | undefined)[] = [],
): Ranked[] {
  const B = histories.length;
  if (B === 0) return [];
  const users = model.userVectors(histories, index.vectors); // (B, D)
  const found = index.mips.search(users, B, ranker ? Math.max(candidates, k) : k, exclude);
  if (!ranker) return found;
  // A rectangular batch for the ranker: rows cut to the narrowest (only exclusions or a tiny catalogue shorten one).
  const width = Math.min(...found.map((f) => f.items.length));
  if (width === 0) return found.map((f) => ({ items: f.items.slice(0, 0), scores: f.scores.slice(0, 0) }));
  const picked = new Int32Array(B * width);
  found.forEach((f, r) => picked.set(f.items.subarray(0, width), r * width));
  const reranked = model.rerank(histories, users, index.vectors, picked, width); // (B, width)
  const best = new TopK(Math.min(k, width));
  return found.map((_, r) => {
    best.reset();
    for (let j = 0; j < width; j++) best.push(j, reranked[r * width + j]);
    const order = new Int32Array(best.size);
    const values = new Float32Array(best.size);
    best.sortedInto(order, 0, values);
    return { items: Int32Array.from(order, (j) => picked[r * width + j]), scores: values };
  });
}
