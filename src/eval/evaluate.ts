/**
 * The one evaluation path, for validation and test alike (RPG's evaluator; the papers' protocol): full ranking
 * over all items, no sampled negatives, history items not masked (`excludeHistory` ranks as a service that leaves
 * out what the user already has: every history item removed from the ranking, so a target in the history is not
 * retrieved; a variant of the protocol, never the papers' figures). A scorer either returns dense scores for a
 * batch, (B, N) row-major in a Float32Array, or — for models that only generate candidates — a ranked top-K list
 * per query (a target outside the list counts as not retrieved). Scorers see only {user, history}. Results: mean metrics, per-query ranks, and a
 * breakdown by how often the target occurs in the training split (cold-start buckets).
 */
import { SidrecError } from '../core/errors.js';
import { Progress } from '../core/progress.js';
import type { EvalQuery, LeaveOneOutSplit } from '../data/split.js';
import type { Scorer } from '../model/scorer.js';
import { DEFAULT_METRICS, metricSpec, type MetricSpec } from './metrics.js';
import { rankFromList, rankFromScores } from './rank.js';

export type { MaybePromise, Scorer } from '../model/scorer.js';

export interface EvalOptions {
  /** Metric names, see `metricSpec`. @default DEFAULT_METRICS (recall/ndcg @5, @10, @20) */
  readonly metrics?: readonly string[];
  /** Queries per scorer call. @default 256 */
  readonly batchSize?: number;
  /**
   * Lower edges of the cold-start buckets over the target's count in the TRAINING part of the split
   * (`split.trainItemCounts`: the same counts for valid and test), after the implicit 0.
   * @default [1, 5, 20] -> buckets "0", "1-4", "5-19", "20+"
   */
  readonly bucketEdges?: readonly number[];
  /** Show a progress bar on stderr. @default false */
  readonly progress?: boolean;
  /** The progress bar's label. @default `eval <part>` */
  readonly label?: string;
  /** Remove each query's history items from its ranking (as served with `excludeHistory`). @default false */
  readonly excludeHistory?: boolean;
  /**
   * Stops between batches once aborted (Ctrl-C in training), throwing E_INTERRUPTED; while it is set, the loop
   * yields to the event loop every ~50 ms so that a signal handler can run.
   */
  readonly signal?: AbortSignal;
}

export const DEFAULT_EVAL_OPTIONS = Object.freeze({
  metrics: DEFAULT_METRICS,
  batchSize: 256,
  bucketEdges: Object.freeze([1, 5, 20]),
  progress: false,
  excludeHistory: false,
});

export interface BucketResult {
  /** e.g. "0", "1-4", "20+". */
  readonly label: string;
  /** Inclusive range of training counts. */
  readonly min: number;
  readonly max: number;
  readonly count: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface EvalResult {
  readonly part: 'valid' | 'test';
  readonly numQueries: number;
  readonly metricNames: readonly string[];
  /** Mean over queries. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Per query, in the split's order: user index, target item, 0-based rank (Infinity = not retrieved). */
  readonly users: Int32Array;
  readonly targets: Int32Array;
  readonly ranks: Float64Array;
  readonly buckets: readonly BucketResult[];
  readonly seconds: number;
}

/** Evaluates `scorer` on `split[part]`. */
export async function evaluate(scorer: Scorer, split: LeaveOneOutSplit, part: 'valid' | 'test', options: EvalOptions = {}): Promise<EvalResult> {
  const started = performance.now();
  const opts = { ...DEFAULT_EVAL_OPTIONS, ...options };
  const specs = opts.metrics.map(metricSpec);
  if (specs.length === 0) throw new SidrecError('E_CONFIG', 'no metrics requested', { field: 'metrics' });
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1)
    throw new SidrecError('E_CONFIG', `batchSize must be a positive integer, got ${opts.batchSize}`, { field: 'batchSize' });
  const maxK = Math.max(...specs.map((s) => s.k));
  const examples = split[part];
  const n = split.numItems;
  const Q = examples.length;
  const users = new Int32Array(Q);
  const targets = new Int32Array(Q);
  const ranks = new Float64Array(Q);
  const label = opts.label ?? `eval ${part}`;
  const progress = new Progress({ label, total: Q, unit: 'queries', quiet: !opts.progress });
  let lastYield = performance.now();
  for (let start = 0; start < Q; start += opts.batchSize) {
    if (opts.signal && performance.now() - lastYield > 50) {
      await new Promise((resolve) => setImmediate(resolve)); // the scorers are synchronous: let a signal handler run
      lastYield = performance.now();
    }
    if (opts.signal?.aborted) {
      progress.finish(`interrupted after ${start} of ${Q} queries`);
      throw new SidrecError('E_INTERRUPTED', `${label} stopped after ${start} of ${Q} queries`);
    }
    const batch = examples.slice(start, start + opts.batchSize);
    // Scorers get queries without the target, so a model cannot peek at the answer.
    const queries: EvalQuery[] = batch.map(({ user, history }) => ({ user, history }));
    if (scorer.kind === 'scores') {
      const scores = await scorer.score(queries);
      if (scores.length !== batch.length * n) {
        throw new SidrecError('E_SHAPE', `scorer returned ${scores.length} scores, expected ${batch.length} x ${n}`, { field: 'scores' });
      }
      for (let b = 0; b < batch.length; b++) {
        const { history, target } = batch[b];
        const rank = rankFromScores(scores, b * n, n, target);
        ranks[start + b] = opts.excludeHistory ? rankWithoutHistory(rank, scores, b * n, history, target) : rank;
      }
    } else {
      const longest = opts.excludeHistory ? Math.max(0, ...batch.map((q) => q.history.length)) : 0;
      const lists = await scorer.topK(queries, maxK + longest); // room for the history items taken out below
      if (lists.length !== batch.length)
        throw new SidrecError('E_SHAPE', `scorer returned ${lists.length} lists for ${batch.length} queries`, { field: 'topK' });
      for (let b = 0; b < batch.length; b++) {
        const { history, target } = batch[b];
        const list = opts.excludeHistory ? withoutHistory(lists[b], history, maxK) : lists[b];
        ranks[start + b] = rankFromList(list, target);
      }
    }
    for (let b = 0; b < batch.length; b++) {
      users[start + b] = batch[b].user;
      targets[start + b] = batch[b].target;
    }
    progress.tick(batch.length);
  }
  progress.finish();

  const all = Array.from({ length: Q }, (_, q) => q);
  const metrics = meanMetrics(specs, ranks, all);
  const edges = [0, ...opts.bucketEdges];
  const buckets: BucketResult[] = edges.map((min, e) => {
    const max = e + 1 < edges.length ? edges[e + 1] - 1 : Number.POSITIVE_INFINITY;
    const members = all.filter((q) => {
      const c = split.trainItemCounts[targets[q]];
      return c >= min && c <= max;
    });
    const label = max === Number.POSITIVE_INFINITY ? `${min}+` : min === max ? `${min}` : `${min}-${max}`;
    return { label, min, max, count: members.length, metrics: meanMetrics(specs, ranks, members) };
  });
  return { part, numQueries: Q, metricNames: specs.map((s) => s.name), metrics, users, targets, ranks, buckets, seconds: (performance.now() - started) / 1000 };
}

/**
 * A target's rank once the history's items leave the ranking: less the history items ranked above it (the ties
 * broken by index as rankFromScores breaks them); not retrieved when the target is itself in the history.
 */
function rankWithoutHistory(rank: number, scores: Float32Array, offset: number, history: Int32Array, target: number): number {
  if (history.includes(target)) return Number.POSITIVE_INFINITY;
  const t = scores[offset + target];
  let above = 0;
  for (const item of new Set(history)) {
    const s = scores[offset + item];
    if (s > t || (s === t && item < target)) above++;
  }
  return rank - above;
}

/** The first `k` items of a ranked list that are not in `history`. */
function withoutHistory(list: ArrayLike<number>, history: Int32Array, k: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < list.length && out.length < k; p++) if (!history.includes(list[p])) out.push(list[p]);
  return out;
}

/** Metric values of one query from its rank. */
export function queryMetrics(result: EvalResult, q: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of result.metricNames) out[name] = metricSpec(name).value(result.ranks[q]);
  return out;
}

function meanMetrics(specs: readonly MetricSpec[], ranks: Float64Array, members: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of specs) {
    let sum = 0;
    for (const q of members) sum += spec.value(ranks[q]);
    out[spec.name] = members.length === 0 ? 0 : sum / members.length;
  }
  return out;
}
