/** The data stage's public surface: loaders, k-core, split, artifact I/O, synthetic data. */
export * from './types.js';
export { loadBenchmark, type BenchmarkOptions } from './benchmark.js';
export { loadInteractionLog, DEFAULT_LOG_OPTIONS, type LogOptions, type LogFormat } from './log.js';
export { loadCatalogEntries, loadAttributes, alignCatalog, type CatalogOptions, type CatalogEntries } from './catalog.js';
export { kCoreFilter, type KCoreOptions } from './kcore.js';
export {
  split,
  sampleQueries,
  sampleValidation,
  DEFAULT_SPLIT_OPTIONS,
  type SplitOptions,
  type EvalExample,
  type EvalQuery,
  type TrainSequence,
  type LeaveOneOutSplit,
} from './split.js';
export { saveDataset, loadDataset, DATASET_FORMAT, DATASET_VERSION } from './artifact.js';
export {
  generateSynthetic,
  syntheticDataset,
  writeSyntheticBenchmark,
  DEFAULT_SYNTHETIC_CONFIG,
  type SyntheticConfig,
  type SyntheticData,
  type SyntheticItem,
} from './synthetic.js';
