/**
 * RPG item scores: score(item) = sum over digits d of log p_d(code of the item at d), m table look-ups per item
 * once a user's m distributions are known (Hou et al. 2025). `exactScores` applies it to every item of the
 * catalogue (the exact mode, also used for validation); graph-constrained decoding (src/decode/graph.ts) applies
 * it to the items it visits only.
 */
import type { Scorer } from './scorer.js';
import { kernels } from '../tensor/index.js';
import type { Rpg } from './rpg.js';

/**
 * Sum of per-digit log-probs for `count` items. logp: the user's (m * C) row at `off`; tokens: (numItems, m)
 * flat tokens d * C + code; writes out[j] for items[j].
 */
export function scoreItems(logp: Float32Array, off: number, tokens: Int32Array, m: number, items: ArrayLike<number>, count: number, out: Float32Array): void {
  for (let j = 0; j < count; j++) {
    const base = items[j] * m;
    let s = 0;
    for (let d = 0; d < m; d++) s += logp[off + tokens[base + d]];
    out[j] = s;
  }
}

/** Scores of all N items for B users from their (B, m * C) log-probs: (B, N) row-major (the `gatherSum` kernel). */
export function scoreAll(logp: Float32Array, B: number, tokens: Int32Array, m: number, C: number, N: number): Float32Array {
  const out = new Float32Array(B * N); // (B, N)
  kernels().gatherSum({ table: logp, rows: B, rowLength: m * C, ids: tokens, count: N, bag: m, out });
  return out;
}

/** Exact mode: every item scored, for the shared evaluator. */
export function rpgExactScorer(model: Rpg): Scorer {
  return {
    kind: 'scores',
    score: (batch) => {
      const logp = model.logProbs(batch.map((q) => q.history));
      return scoreAll(logp, batch.length, model.itemTokens, model.digits, model.codebookSize, model.numItems);
    },
  };
}
