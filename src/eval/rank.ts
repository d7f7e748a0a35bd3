/**
 * The target's rank among ALL items without sorting (O(N) per query, no full sort): the number of items whose
 * score is strictly greater than the target's, plus the number of items with an EQUAL score and a smaller item
 * index. So ties are broken by item index, exactly as a stable descending sort by score would order them; a model
 * that gives every item the same score ranks target i at position i, not at 0. History items are NOT masked
 * (as in the papers' evaluators). Ranks are 0-based; a NaN target score is an error (a broken model must not
 * score as "last but one").
 */
import { SidrecError } from '../core/errors.js';

/** 0-based rank of `target` in `scores[offset .. offset + numItems)`. */
export function rankFromScores(scores: Float32Array, offset: number, numItems: number, target: number): number {
  const t = scores[offset + target];
  if (Number.isNaN(t)) throw new SidrecError('E_STATE', `score of target item ${target} is NaN`, { field: 'scores' });
  let above = 0;
  const end = offset + numItems;
  const tieEnd = offset + target;
  for (let p = offset; p < tieEnd; p++) if (scores[p] >= t) above++;
  for (let p = tieEnd + 1; p < end; p++) if (scores[p] > t) above++;
  return above;
}

/** 0-based position of `target` in a ranked candidate list; Infinity when absent. */
export function rankFromList(list: ArrayLike<number>, target: number): number {
  for (let p = 0; p < list.length; p++) if (list[p] === target) return p;
  return Number.POSITIVE_INFINITY;
}
