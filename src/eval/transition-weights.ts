/**
 * Choosing the transition prior's weight and decay (model/transitions.ts): one pass over a part scores every query
 * once with the model and ranks its target under each candidate (decay, weight) (score + w * sum_k decay^k *
 * log(1 + count(k-th newest item -> item)); full
 * ranking, history not masked, ties by item index, as `evaluate`). Reports NDCG@10 and Recall@10 per weight, for
 * all users and split by whether the (newest item -> target) pair occurs in the training sequences ("seen": what
 * the counts can memorise) or not.
 */
import { SidrecError } from '../core/errors.js';
import { Progress } from '../core/progress.js';
import type { LeaveOneOutSplit } from '../data/split.js';
import type { BigramTable } from '../model/baselines.js';
import { addTransitionCounts, checkReach, NEWEST_ITEM, type TransitionReach } from '../model/transition-counts.js';
import type { Scorer } from '../model/scorer.js';
import { rankFromScores } from './rank.js';

export interface TransitionSweep {
  readonly part: 'valid' | 'test';
  readonly weights: readonly number[];
  /** The prior's reach in this sweep: the newest `window` items, the k-th newest weighted decay^k. */
  readonly window: number;
  readonly decay: number;
  readonly users: number;
  /** Users whose (newest item -> target) pair occurs in training. */
  readonly seenUsers: number;
  /** Per weight: mean NDCG@10 over all users, the seen-pair users and the others; mean Recall@10 over all. */
  readonly ndcg10: readonly number[];
  readonly ndcg10Seen: readonly number[];
  readonly ndcg10Unseen: readonly number[];
  readonly recall10: readonly number[];
}

/** The sweep of one reach (the newest item alone unless given). */
export async function sweepTransitionWeights(
  scorer: Scorer,
  split: LeaveOneOutSplit,
  part: 'valid' | 'test',
  table: BigramTable,
  weights: readonly number[],
  options: { readonly progress?: boolean; readonly batchSize?: number; readonly reach?: TransitionReach } = {},
): Promise<TransitionSweep> {
  const reach = options.reach ?? NEWEST_ITEM;
  const [sweep] = await sweepTransitionPriors(scorer, split, part, table, weights, [reach.decay], reach.window, options);
  return sweep;
}

/**
 * One scoring pass over `part`, every (decay, weight) pair ranked: a sweep per decay, each over `weights`, the
 * newest `window` items read.
 */
export async function sweepTransitionPriors(
  scorer: Scorer,
  split: LeaveOneOutSplit,
  part: 'valid' | 'test',
  table: BigramTable,
  weights: readonly number[],
  decays: readonly number[],
  window: number,
  options: { readonly progress?: boolean; readonly batchSize?: number } = {},
): Promise<TransitionSweep[]> {
  if (scorer.kind !== 'scores') throw new SidrecError('E_CONFIG', 'the transition prior needs a model that scores every item', { field: 'transitions' });
  const N = split.numItems;
  const examples = split[part];
  const W = weights.length;
  const reaches = decays.map((decay) => checkReach({ window, decay }, 'transition prior'));
  const sums = reaches.map(() => ({ ndcg: new Float64Array(W), seen: new Float64Array(W), recall: new Float64Array(W) }));
  let seenUsers = 0;
  const blended = new Float32Array(N);
  const boost = new Float32Array(N);
  const batchSize = options.batchSize ?? 256;
  const progress = new Progress({ label: `transitions ${part}`, total: examples.length, unit: 'queries', quiet: options.progress !== true });
  for (let start = 0; start < examples.length; start += batchSize) {
    const batch = examples.slice(start, start + batchSize);
    const scores = await scorer.score(batch.map(({ user, history }) => ({ user, history })));
    for (let b = 0; b < batch.length; b++) {
      const { history, target } = batch[b];
      boost.fill(0);
      addTransitionCounts(table, N, 1, boost, 0, history); // the newest item's counts at w = 1
      const seen = boost[target] > 0; // log(1 + count) > 0: the pair occurs in training
      if (seen) seenUsers++;
      reaches.forEach((reach, d) => {
        boost.fill(0);
        addTransitionCounts(table, N, 1, boost, 0, history, reach); // the prior at w = 1
        const { ndcg, seen: seenNdcg, recall } = sums[d];
        for (let k = 0; k < W; k++) {
          const w = weights[k];
          for (let i = 0; i < N; i++) blended[i] = scores[b * N + i] + w * boost[i];
          const rank = rankFromScores(blended, 0, N, target);
          if (rank >= 10) continue;
          const gain = 1 / Math.log2(rank + 2);
          ndcg[k] += gain;
          recall[k] += 1;
          if (seen) seenNdcg[k] += gain;
        }
      });
    }
    progress.tick(batch.length);
  }
  progress.finish();
  const Q = examples.length;
  const unseen = Q - seenUsers;
  return reaches.map((reach, d) => {
    const { ndcg, seen: seenNdcg, recall } = sums[d];
    return {
      part,
      weights,
      window: reach.window,
      decay: reach.decay,
      users: Q,
      seenUsers,
      ndcg10: Array.from(ndcg, (v) => v / Q),
      ndcg10Seen: Array.from(seenNdcg, (v) => (seenUsers === 0 ? 0 : v / seenUsers)),
      ndcg10Unseen: Array.from(ndcg, (v, k) => (unseen === 0 ? 0 : (v - seenNdcg[k]) / unseen)),
      recall10: Array.from(recall, (v) => v / Q),
    };
  });
}

/** The weight with the best validation NDCG@10 (the smallest among equals: the model alone wins ties). */
export function bestTransitionWeight(valid: TransitionSweep): number {
  let best = 0;
  for (let k = 1; k < valid.weights.length; k++) if (valid.ndcg10[k] > valid.ndcg10[best]) best = k;
  return valid.weights[best];
}

/**
 * The (decay, weight) with the best validation NDCG@10 over sweeps of one reach each; ties go to the earlier sweep
 * (decays tried smallest first: the newest item alone wins ties) and the smaller weight.
 */
export function bestTransitionPrior(valid: readonly TransitionSweep[]): { readonly sweep: number; readonly weight: number } {
  let best = { sweep: 0, weight: bestTransitionWeight(valid[0]), ndcg: -1 };
  valid.forEach((sweep, d) => {
    const weight = bestTransitionWeight(sweep);
    const ndcg = sweep.ndcg10[sweep.weights.indexOf(weight)];
    if (ndcg > best.ndcg) best = { sweep: d, weight, ndcg };
  });
  return { sweep: best.sweep, weight: best.weight };
}
