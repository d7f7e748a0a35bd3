/**
 * The training plan of a model that scores every item after a history and trains on next-item windows (SASRec,
 * the Markov chain): windows from the training part, validation NDCG@10 by full ranking each epoch, the best
 * epoch's test metrics. A family builds its model and hands it here.
 */
import { resolve } from 'node:path';
import { sampleValidation, type LeaveOneOutSplit } from '../data/index.js';
import { evaluate, type Scorer } from '../eval/index.js';
import type { NextItemBatch } from '../model/next-item-batch.js';
import { lengthSortedParts, nextItemBatches, type TrainingWindow, trainingWindows } from '../train/batches.js';
import type { TrainConfig } from '../train/config.js';
import type { PlannedModel, TrainingPlan } from '../train/run.js';
import type { TrainHooks } from '../train/trainer.js';

/** A next-item model that scores every item: (B, numItems) row-major for B histories. */
export interface FullScoringModel extends PlannedModel<NextItemBatch> {
  readonly config: { readonly maxLen: number };
  score(histories: readonly ArrayLike<number>[]): Float32Array;
}

export function fullScorer(model: FullScoringModel): Scorer {
  return { kind: 'scores', score: (batch) => model.score(batch.map((q) => q.history)) };
}

/** The loop's hooks for next-item windows: batches (uniform in length-sorted parts, or length-bucketed) and validation. */
export function nextItemHooks(
  windows: readonly TrainingWindow[],
  batchSize: number,
  batching: 'uniform' | 'length-bucketed',
  validate: (signal?: AbortSignal) => Promise<Readonly<Record<string, number>>>,
): TrainHooks<NextItemBatch> {
  const uniform = batching === 'uniform';
  return {
    batches: (_epoch, rng) => nextItemBatches(windows, batchSize, rng, !uniform),
    ...(uniform ? { parts: (batch: NextItemBatch) => lengthSortedParts(batch) } : {}),
    validate: (_epoch, signal) => validate(signal),
  };
}

export function nextItemPlan<M extends FullScoringModel>(
  kind: string,
  model: M,
  split: LeaveOneOutSplit,
  dataDir: string,
  config: TrainConfig,
  /** Validation users drawn once (0 = all); see sampleValidation. */
  validUsers = 0,
  /** 'uniform': batches drawn uniformly, computed in length-sorted parts (as RPG trains). @default 'length-bucketed' */
  batching: 'uniform' | 'length-bucketed' = 'length-bucketed',
): TrainingPlan<NextItemBatch> & { readonly model: M } {
  const uniform = batching === 'uniform';
  const windows = trainingWindows(split.train, model.config.maxLen);
  const scorer = fullScorer(model);
  const validSplit = sampleValidation(split, validUsers, config.seed);
  return {
    kind,
    numItems: split.numItems,
    dataDir,
    model,
    hooks: nextItemHooks(
      windows,
      config.batchSize,
      batching,
      async (signal) => (await evaluate(scorer, validSplit, 'valid', { batchSize: 512, signal })).metrics,
    ),
    settings: {
      kind,
      numItems: split.numItems,
      config: model.config,
      data: resolve(dataDir),
      ...(validUsers > 0 ? { validUsers } : {}),
      ...(uniform ? { batching } : {}),
    },
    async finish(run) {
      const test = await evaluate(scorer, split, 'test', { batchSize: 512, progress: run.quiet !== true, signal: run.signal });
      return { test, tables: [{ label: `${kind} (test)`, result: test }] };
    },
  };
}
