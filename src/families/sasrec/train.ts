/**
 * SASRec's training run (Kang & McAuley, ICDM 2018, with full-softmax cross-entropy at every position): next-item
 * batches from the training part, validation NDCG@10 with the shared full-ranking evaluator each epoch, and the
 * best epoch's test metrics; driven by the one training entry (train/run.ts).
 */
import type { LeaveOneOutSplit } from '../../data/index.js';
import type { EvalResult, Scorer } from '../../eval/index.js';
import { SasRec, type SasRecConfig } from '../../model/sasrec.js';
import { fullScorer, nextItemPlan } from '../next-item-plan.js';
import type { Batching } from '../options.js';
import type { TrainConfig } from '../../train/config.js';
import { runTraining, type TrainingPlan } from '../../train/run.js';
import type { TrainResult, TrainRunOptions } from '../../train/trainer.js';
import type { NextItemBatch } from '../../model/next-item-batch.js';

export function sasRecScorer(model: SasRec): Scorer {
  return fullScorer(model);
}

/** SASRec's run: every position of every training window is a target (next-item-plan.ts). */
export function sasRecPlan(
  split: LeaveOneOutSplit,
  dataDir: string,
  modelConfig: Partial<SasRecConfig>,
  config: TrainConfig,
  validUsers = 0,
  batching: Batching = 'length-bucketed',
): TrainingPlan<NextItemBatch> & { readonly model: SasRec } {
  return nextItemPlan('sasrec', new SasRec(split.numItems, modelConfig, config.seed), split, dataDir, config, validUsers, batching);
}

export interface SasRecRun {
  readonly model: SasRec;
  readonly result: TrainResult;
  /** Test metrics of the best epoch (absent when the run stopped early for its epoch budget). */
  readonly test?: EvalResult;
}

/** Trains SASRec into `run.dir` (the library entry; `sidrec train` goes through the family table). */
export async function trainSasRec(
  split: LeaveOneOutSplit,
  dataDir: string,
  modelConfig: Partial<SasRecConfig>,
  config: TrainConfig,
  run: TrainRunOptions,
  /** Validation users drawn once (0 = all); see sampleValidation. */
  validUsers = 0,
): Promise<SasRecRun> {
  const plan = sasRecPlan(split, dataDir, modelConfig, config, validUsers);
  const { result, finished } = await runTraining(plan, config, run);
  return { model: plan.model, result, ...(finished ? { test: finished.test } : {}) };
}
