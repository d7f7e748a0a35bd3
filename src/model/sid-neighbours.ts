/**
 * The content baseline over Semantic IDs: every item ranked by how much of its SID it shares with the user's newest
 * history items; nothing trained. It says what the SIDs alone carry (the item features, quantised) apart from any
 * model: a generative recommender reading the same SIDs should not rank worse than this on users whose next item
 * the transition counts have never seen (BENCHMARKS.md, issue 20).
 *
 * Similarity of items a and b, in [0, 1]: for unordered SIDs (RPG's OPQ digits) the share of digits with equal codes;
 * for hierarchical SIDs (RQ-VAE, residual k-means) the share of the leading digits they have in common, since a
 * deeper code only means something under the same prefix. The collision digit is not part of either. A user's
 * score for item j is sum over the newest `window` history items h_k (k = 0 the newest) of decay^k sim(h_k, j),
 * with the item's training count breaking ties below the smallest step a shared digit makes; items already in
 * the history are ranked last by default (each is its own nearest neighbour; Amazon's 5-core logs hold no repeat).
 *
 * Inverted lists (item lists per digit and code) make a query cost the items that share a code, not the catalogue.
 */
import { SidrecError } from '../core/errors.js';
import type { LeaveOneOutSplit } from '../data/split.js';
import { isHierarchical, type SemanticIdTable } from '../tokenize/sid-table.js';
import { popularityTiebreak, rowScorer } from './baselines.js';
import type { Scorer } from './scorer.js';

export interface SidNeighboursOptions {
  /** Newest history items read. @default 5 */
  readonly window: number;
  /** Weight of the k-th newest item: decay^k. @default 0.5 */
  readonly decay: number;
  /** Rank the history's own items last (an item read is its own nearest neighbour). @default true */
  readonly maskHistory: boolean;
}

export const DEFAULT_SID_NEIGHBOURS: SidNeighboursOptions = Object.freeze({ window: 5, decay: 0.5, maskHistory: true });

/** Items per (digit, code): the items with code c at digit d are `items[start[d * K + c] .. start[d * K + c + 1])`. */
interface InvertedLists {
  readonly codebook: number;
  readonly start: Int32Array; // (digits * codebook + 1)
  readonly items: Int32Array; // (digits * count)
}

function invertedLists(table: SemanticIdTable, digits: number): InvertedLists {
  const { count, codes } = table;
  const stride = table.digits;
  let codebook = 0;
  for (let i = 0; i < count; i++) for (let d = 0; d < digits; d++) codebook = Math.max(codebook, codes[i * stride + d] + 1);
  const start = new Int32Array(digits * codebook + 1);
  for (let i = 0; i < count; i++) for (let d = 0; d < digits; d++) start[d * codebook + codes[i * stride + d] + 1]++;
  for (let s = 0; s < digits * codebook; s++) start[s + 1] += start[s];
  const fill = start.slice(0, digits * codebook);
  const items = new Int32Array(digits * count);
  for (let i = 0; i < count; i++) for (let d = 0; d < digits; d++) items[fill[d * codebook + codes[i * stride + d]]++] = i;
  return { codebook, start, items };
}

/** The scorer; `table` must hold a SID for every item of the split. */
export function sidNeighboursScorer(split: LeaveOneOutSplit, table: SemanticIdTable, options: Partial<SidNeighboursOptions> = {}): Scorer {
  const { window, decay, maskHistory } = { ...DEFAULT_SID_NEIGHBOURS, ...options };
  if (!Number.isInteger(window) || window < 1) throw new SidrecError('E_CONFIG', `window must be a positive integer, got ${window}`, { field: 'window' });
  if (!(decay > 0 && decay <= 1)) throw new SidrecError('E_CONFIG', `decay must be in (0, 1], got ${decay}`, { field: 'decay' });
  const n = split.numItems;
  if (table.count !== n) throw new SidrecError('E_STATE', `the SID table has ${table.count} items, the dataset ${n}`, { field: 'sids' });
  const digits = table.shape.baseDigits;
  const stride = table.digits;
  const codes = table.codes;
  const hierarchical = isHierarchical(table.shape);
  const lists = invertedLists(table, digits);
  // Popularity below half the smallest step: one shared digit of the oldest item read outranks it.
  const base = popularityTiebreak(split.trainItemCounts, (0.5 * decay ** (window - 1)) / digits);
  const share = 1 / digits;

  function addNeighbours(out: Float32Array, row: number, item: number, weight: number): void {
    const w = weight * share;
    if (!hierarchical) {
      for (let d = 0; d < digits; d++) {
        const s = d * lists.codebook + codes[item * stride + d];
        for (let p = lists.start[s]; p < lists.start[s + 1]; p++) out[row + lists.items[p]] += w;
      }
      return;
    }
    // Hierarchical: the items under the same first code, each credited with the length of the common prefix.
    const s = codes[item * stride];
    for (let p = lists.start[s]; p < lists.start[s + 1]; p++) {
      const j = lists.items[p];
      let prefix = 1;
      while (prefix < digits && codes[j * stride + prefix] === codes[item * stride + prefix]) prefix++;
      out[row + j] += w * prefix;
    }
  }

  return rowScorer(n, base, (out, row, history) => {
    let weight = 1;
    for (let k = 0; k < window && k < history.length; k++, weight *= decay) addNeighbours(out, row, history[history.length - 1 - k], weight);
    if (maskHistory) for (const item of history) out[row + item] = -1;
  });
}
