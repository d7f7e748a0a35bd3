/**
 * Non-learned baselines usable as evaluation scorers, for sanity checks and tests:
 *  - popularity: each item's count in the training split (same list for every user);
 *  - bigram (first-order Markov): count of "last history item -> j" transitions in the training split, with
 *    popularity as a tiebreaker below one transition (so unseen transitions fall back to popularity);
 *  - recent bigram: the same counts from the newest 5 history items, the k-th newest weighted .5^k, each as
 *    log(1 + count) (the transition prior's form, transition-counts.ts), popularity breaking ties only. On Amazon
 *    Beauty and Sports it ranks well above the first-order bigram (BENCHMARKS.md): the count baseline to beat.
 * All are fitted on `split.train` only, so validation and test are scored by the same model.
 */
import type { LeaveOneOutSplit } from '../data/split.js';
import type { Scorer } from './scorer.js';
import { addTransitionCounts, type TransitionReach } from './transition-counts.js';

export function popularityScorer(split: LeaveOneOutSplit): Scorer {
  const n = split.numItems;
  const pop = Float32Array.from(split.trainItemCounts);
  return {
    kind: 'scores',
    score: (batch) => {
      const out = new Float32Array(batch.length * n); // (B, N)
      for (let b = 0; b < batch.length; b++) out.set(pop, b * n);
      return out;
    },
  };
}

/** Transition counts in CSR: successors of item i are `next[start[i] .. start[i+1])` with counts `count[...]`. */
export interface BigramTable {
  readonly start: Int32Array;
  readonly next: Int32Array;
  readonly count: Float32Array;
}

export function fitBigram(split: LeaveOneOutSplit): BigramTable {
  const n = split.numItems;
  const maps: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (const { items } of split.train) {
    for (let p = 0; p + 1 < items.length; p++) {
      const m = maps[items[p]];
      m.set(items[p + 1], (m.get(items[p + 1]) ?? 0) + 1);
    }
  }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + maps[i].size;
  const next = new Int32Array(start[n]);
  const count = new Float32Array(start[n]);
  maps.forEach((m, i) => {
    let p = start[i];
    for (const [j, c] of [...m.entries()].sort((a, b) => a[0] - b[0])) {
      next[p] = j;
      count[p++] = c;
    }
  });
  return { start, next, count };
}

export function bigramScorer(split: LeaveOneOutSplit, table: BigramTable = fitBigram(split)): Scorer {
  // Popularity below 0.5: breaks ties among equal transition counts without outranking one transition.
  return rowScorer(split.numItems, popularityTiebreak(split.trainItemCounts, 0.5), (out, row, history) => {
    if (history.length === 0) return;
    const last = history[history.length - 1];
    for (let p = table.start[last]; p < table.start[last + 1]; p++) out[row + table.next[p]] += table.count[p];
  });
}

/** Each item's training count scaled into [0, ceiling): a tie-breaker kept below a baseline's smallest step. */
export function popularityTiebreak(counts: Int32Array, ceiling: number): Float32Array {
  let maxPop = 0;
  for (const c of counts) maxPop = Math.max(maxPop, c);
  return Float32Array.from(counts, (c) => (ceiling * c) / (maxPop + 1));
}

/** A dense scorer whose rows start from `base` and get `add(out, rowOffset, history)` per query. */
export function rowScorer(n: number, base: Float32Array, add: (out: Float32Array, row: number, history: Int32Array) => void): Scorer {
  return {
    kind: 'scores',
    score: (batch) => {
      const out = new Float32Array(batch.length * n); // (B, N)
      for (let b = 0; b < batch.length; b++) {
        out.set(base, b * n);
        add(out, b * n, batch[b].history);
      }
      return out;
    },
  };
}

/** The recent bigram's reach: the newest 5 items, each older one counting half the one after it. */
export const RECENT_BIGRAM_REACH: TransitionReach = Object.freeze({ window: 5, decay: 0.5 });

export function recentBigramScorer(split: LeaveOneOutSplit, reach: TransitionReach = RECENT_BIGRAM_REACH, table: BigramTable = fitBigram(split)): Scorer {
  const n = split.numItems;
  // Popularity below 1e-3: below any transition's share (the least: decay^(window-1) * log 2 = .043).
  return rowScorer(n, popularityTiebreak(split.trainItemCounts, 1e-3), (out, row, history) => addTransitionCounts(table, n, 1, out, row, history, reach));
}
