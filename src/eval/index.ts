/** The evaluation stage's public surface: one full-ranking evaluator, metrics by name, reports. */
export { evaluate, queryMetrics, DEFAULT_EVAL_OPTIONS, type Scorer, type EvalOptions, type EvalResult, type BucketResult } from './evaluate.js';
export { metricSpec, DEFAULT_METRICS, type MetricSpec, type MetricKind } from './metrics.js';
export { rankFromScores, rankFromList } from './rank.js';
export { formatTable, resultToJson, writeResultJson, type EvalResultJson } from './report.js';
export { compareRanks, type MetricComparison, type CompareOptions } from './compare.js';
