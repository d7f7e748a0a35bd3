/**
 * Leave-one-out split (S3-Rec / TIGER / RPG protocol): per user, the last item is the test target, the
 * second-to-last the validation target, the rest is training. Validation input = the training prefix; test
 * input = training prefix + validation item; both capped to the most recent `historyCap` items.
 */
import { Rng } from '../core/rng.js';
import type { InteractionDataset, ItemIndex, UserIndex } from './types.js';

export interface SplitOptions {
  /** Keep only the most recent items of each evaluation input. @default 50 (RPG; TIGER uses 20) */
  readonly historyCap?: number;
}

export const DEFAULT_SPLIT_OPTIONS = Object.freeze({ historyCap: 50 });

/** What a model sees at evaluation time: a user and their history (oldest first, at most historyCap items). */
export interface EvalQuery {
  readonly user: UserIndex;
  readonly history: Int32Array;
}

/** One evaluation example: predict `target` from the query. */
export interface EvalExample extends EvalQuery {
  readonly target: ItemIndex;
}

/** A user's full training sequence (oldest first, not capped; training code windows it as it likes). */
export interface TrainSequence {
  readonly user: UserIndex;
  readonly items: Int32Array;
}

export interface LeaveOneOutSplit {
  readonly numItems: number;
  readonly historyCap: number;
  readonly train: readonly TrainSequence[];
  readonly valid: readonly EvalExample[];
  readonly test: readonly EvalExample[];
  /** Occurrences of each item in `train` (for popularity and the cold-start breakdown). */
  readonly trainItemCounts: Int32Array;
  /** Users with fewer than 3 interactions: all their items go to training, no evaluation examples. */
  readonly shortUsers: number;
}

/** Splits every user with >= 3 interactions into train / valid / test. */
export function split(ds: InteractionDataset, options: SplitOptions = {}): LeaveOneOutSplit {
  const historyCap = options.historyCap ?? DEFAULT_SPLIT_OPTIONS.historyCap;
  if (!Number.isInteger(historyCap) || historyCap < 1) throw new RangeError(`historyCap must be a positive integer, got ${historyCap}`);
  const train: TrainSequence[] = [];
  const valid: EvalExample[] = [];
  const test: EvalExample[] = [];
  const trainItemCounts = new Int32Array(ds.numItems);
  let shortUsers = 0;
  for (let u = 0; u < ds.numUsers; u++) {
    const seq = ds.items.subarray(ds.offsets[u], ds.offsets[u + 1]);
    const user = u as UserIndex;
    const n = seq.length;
    if (n < 3) {
      shortUsers++;
      if (n > 0) train.push({ user, items: seq.slice() });
      for (const i of seq) trainItemCounts[i]++;
      continue;
    }
    const items = seq.slice(0, n - 2);
    train.push({ user, items });
    for (const i of items) trainItemCounts[i]++;
    valid.push({ user, history: seq.slice(Math.max(0, n - 2 - historyCap), n - 2), target: seq[n - 2] as ItemIndex });
    test.push({ user, history: seq.slice(Math.max(0, n - 1 - historyCap), n - 1), target: seq[n - 1] as ItemIndex });
  }
  return { numItems: ds.numItems, historyCap, train, valid, test, trainItemCounts, shortUsers };
}

/**
 * The split with its validation targets cut to `users` users drawn once by `seed` (the same users every epoch, in
 * user order), for cheaper per-epoch validation; 0 or at least all of them keeps the split as it is.
 */
export function sampleValidation(split: LeaveOneOutSplit, users: number, seed: number): LeaveOneOutSplit {
  return sampleQueries(split, 'valid', users, seed);
}

/** The split with its `which` queries cut to `users` users drawn by `seed`, in user order (sampleValidation's draw). */
export function sampleQueries(split: LeaveOneOutSplit, which: 'valid' | 'test', users: number, seed: number): LeaveOneOutSplit {
  const queries = split[which];
  if (users <= 0 || users >= queries.length) return split;
  const order = new Rng(seed ^ 0x2545f491)
    .shuffle(Array.from(queries.keys()))
    .slice(0, users)
    .sort((a, b) => a - b);
  return { ...split, [which]: order.map((i) => queries[i]) };
}
