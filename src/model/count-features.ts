/**
 * The GRank ranker's count features as computed per request (counts.ts says what they are and how training keeps
 * them leak-free): the training transitions' lookup and the (B, K, W) features of candidates. No Node APIs, so the
 * browser runtime (decode/grank-runtime.ts) computes them as the server does.
 */
import type { BigramTable } from './baselines.js';

/** Transitions counted in training, read as the ranker's per-candidate features. */
export interface RankCounts {
  /** Items the counts cover (the training split's); items added later read zero. */
  readonly numItems: number;
  /** Rows sorted by next item (fitBigram's layout). */
  readonly table: BigramTable;
}

/** A pair (from -> to) an example must not count: its own target's transition and the later ones of its window. */
export interface LeftOut {
  readonly from: Int32Array;
  readonly to: Int32Array;
}

/** How often `to` directly followed `from` in training (0 for items the counts do not cover). */
export function transitionCount(counts: RankCounts, from: number, to: number): number {
  if (from < 0 || from >= counts.numItems || to < 0 || to >= counts.numItems) return 0;
  const { start, next, count } = counts.table;
  let lo = start[from];
  let hi = start[from + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (next[mid] === to) return count[mid];
    if (next[mid] < to) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/**
 * The features (B, K, W) row-major into a new array: out[(r K + j) W + k] = log(1 + count(h_r[-1-k] -> c_rj)), zero
 * past the history's start; `candidates` (B, K) are item indices, `newest(r, k)` the k-th newest history item of row
 * r (-1: none), `leftOut[r]` pairs not to count for row r (each occurrence subtracts one).
 */
export function countFeatures(
  counts: RankCounts,
  window: number,
  candidates: Int32Array,
  K: number,
  newest: (row: number, k: number) => number,
  leftOut?: readonly LeftOut[],
): Float32Array {
  const B = K === 0 ? 0 : candidates.length / K;
  const out = new Float32Array(B * K * window);
  for (let r = 0; r < B; r++) {
    const skip = leftOut?.[r];
    for (let k = 0; k < window; k++) {
      const from = newest(r, k);
      if (from < 0) break;
      for (let j = 0; j < K; j++) {
        const to = candidates[r * K + j];
        let c = transitionCount(counts, from, to);
        if (skip && c > 0) for (let p = 0; p < skip.from.length; p++) if (skip.from[p] === from && skip.to[p] === to) c--;
        out[(r * K + j) * window + k] = Math.log1p(Math.max(0, c));
      }
    }
  }
  return out;
}
