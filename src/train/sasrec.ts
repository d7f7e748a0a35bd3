/**
 * Trains SASRec on a leave-one-out split: next-item batches from the training part, validation NDCG@10 with the
 * shared full-ranking evaluator each epoch, then the best epoch's weights are evaluated on the test targets and
 * the model directory is completed with its manifest.
 */
import { join, resolve } from 'node:path';
import { sampleValidation, type LeaveOneOutSplit } from '../data/index.js';
import { evaluate, type EvalResult, type Scorer } from '../eval/index.js';
import { writeManifest } from '../model/manifest.js';
import { runManifest } from './manifest.js';
import { SasRec, type SasRecConfig } from '../model/sasrec.js';
import { loadCheckpoint } from '../tensor/index.js';
import { nextItemBatches, trainingWindows } from './batches.js';
import type { TrainConfig } from './config.js';
import { BEST_FILE, train, type TrainResult, type TrainRunOptions } from './trainer.js';

export function sasRecScorer(model: SasRec): Scorer {
  return { kind: 'scores', score: (batch) => model.score(batch.map((q) => q.history)) };
}

export interface SasRecRun {
  readonly model: SasRec;
  readonly result: TrainResult;
  /** Test metrics of the best epoch (absent when the run stopped early for its epoch budget). */
  readonly test?: EvalResult;
}

export async function trainSasRec(
  split: LeaveOneOutSplit,
  dataDir: string,
  modelConfig: Partial<SasRecConfig>,
  config: TrainConfig,
  run: TrainRunOptions,
  /** Validation users drawn once (0 = all); see sampleValidation. */
  validUsers = 0,
): Promise<SasRecRun> {
  const started = performance.now();
  const model = new SasRec(split.numItems, modelConfig, config.seed);
  const windows = trainingWindows(split.train, model.config.maxLen);
  const scorer = sasRecScorer(model);
  const validSplit = sampleValidation(split, validUsers, config.seed);
  const result = await train(model, config, {
    batches: (_epoch, rng) => nextItemBatches(windows, config.batchSize, rng),
    validate: async () => (await evaluate(scorer, validSplit, 'valid', { batchSize: 512 })).metrics,
  }, { ...run, model: { kind: 'sasrec', numItems: split.numItems, config: model.config, data: resolve(dataDir), ...(validUsers > 0 ? { validUsers } : {}) } });
  if (result.stopped === 'max-epochs-this-run') return { model, result };
  loadCheckpoint(join(run.dir, BEST_FILE), model.namedParameters());
  const test = await evaluate(scorer, split, 'test', { batchSize: 512, progress: run.quiet !== true });
  writeManifest(run.dir, runManifest({ kind: 'sasrec', numItems: split.numItems, dataDir, modelConfig: model.config, config, result, test: test.metrics, started }));
  return { model, result, test };
}
