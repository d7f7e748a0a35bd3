/**
 * sidrec's public API: each pipeline stage is one import away, in the order data flows
 * (data -> features -> tokenize -> model/train -> eval), and the model families that tie them together. The tensor engine is exported as a namespace so its
 * many small ops do not crowd the top level.
 *
 * @example
 * import { loadBenchmark, split, trainSasRec, DEFAULT_TRAIN_CONFIG, evaluate, formatTable } from 'sidrec';
 * const ds = await loadBenchmark('data/amazon-beauty');
 * const sp = split(ds, { historyCap: 50 });
 * const { test } = await trainSasRec(sp, 'runs/beauty/data', {}, { ...DEFAULT_TRAIN_CONFIG, epochs: 30 }, { dir: 'runs/beauty/sasrec' });
 */
export { SidrecError, inputError, type ErrorCode, type ErrorLocation } from './core/errors.js';
export { Rng } from './core/rng.js';
export * from './data/index.js';
export * from './eval/index.js';
export * from './features/index.js';
// Both stages define an ItemText: the catalogue's (data) is the public one; features read it via toFeatureText.
export type { ItemText } from './data/index.js';
export * from './tokenize/index.js';
export { popularityScorer, bigramScorer, fitBigram } from './model/baselines.js';
export { SasRec, DEFAULT_SASREC_CONFIG, type SasRecConfig } from './model/sasrec.js';
export { readManifest, type ModelManifest } from './model/manifest.js';
export { FAMILIES, familyOf, type ModelFamily, type Flags, type FamilyScorer, type OpenContext, type TrainInput } from './families/index.js';
export { openSasRecModel, sasRecRecommender } from './families/sasrec/recommender.js';
export { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './train/config.js';
export { train, type TrainableModel, type TrainHooks, type TrainResult, type EpochRecord } from './train/trainer.js';
export { trainSasRec, sasRecScorer } from './families/sasrec/train.js';
export { runTraining, type TrainingPlan, type FinishedPlan } from './train/run.js';
export * as tensor from './tensor/index.js';
