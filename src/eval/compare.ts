/**
 * Is ranking B better than ranking A on the same queries? Both rank the same leave-one-out targets (per query the
 * 0-based rank of the target, Infinity when not retrieved), so the comparison is paired: each metric's mean for A
 * and B, B's relative difference, and a 95% interval for it from a paired bootstrap over queries (the same queries
 * resampled for both, seeded), with the share of resamples in which B beats A. A single run's difference is only
 * evidence when its interval excludes 0; a bar such as "+5%" is met when the interval's lower end clears it.
 */
import { Rng } from '../core/rng.js';
import { metricSpec } from './metrics.js';

export interface MetricComparison {
  readonly metric: string;
  readonly a: number;
  readonly b: number;
  /** b / a - 1 (NaN when a is 0). */
  readonly relative: number;
  /** 2.5% and 97.5% quantiles of the resampled relative differences. */
  readonly interval: readonly [number, number];
  /** Share of resamples in which B's mean exceeds A's. */
  readonly bBetter: number;
}

export interface CompareOptions {
  /** @default 1000 */
  readonly resamples?: number;
  /** @default 0 */
  readonly seed?: number;
}

/** Compares the per-query ranks `a` and `b` (same queries, same order) on each metric name. */
export function compareRanks(a: Float64Array, b: Float64Array, metrics: readonly string[], options: CompareOptions = {}): MetricComparison[] {
  if (a.length !== b.length) throw new RangeError(`${a.length} ranks against ${b.length}: the two rankings must cover the same queries`);
  const n = a.length;
  const resamples = options.resamples ?? 1000;
  const specs = metrics.map(metricSpec);
  // Per metric, each query's value under A and B (typed, computed once).
  const va = specs.map((s) => Float64Array.from(a, (r) => s.value(r)));
  const vb = specs.map((s) => Float64Array.from(b, (r) => s.value(r)));
  const draws = specs.map(() => new Float64Array(resamples));
  const wins = new Float64Array(specs.length);
  const rng = new Rng(options.seed ?? 0);
  const sumA = new Float64Array(specs.length);
  const sumB = new Float64Array(specs.length);
  for (let t = 0; t < resamples; t++) {
    sumA.fill(0);
    sumB.fill(0);
    for (let i = 0; i < n; i++) {
      const q = rng.int(n);
      for (let m = 0; m < specs.length; m++) {
        sumA[m] += va[m][q];
        sumB[m] += vb[m][q];
      }
    }
    for (let m = 0; m < specs.length; m++) {
      draws[m][t] = sumA[m] > 0 ? sumB[m] / sumA[m] - 1 : Number.NaN;
      if (sumB[m] > sumA[m]) wins[m]++;
    }
  }
  return specs.map((spec, m) => {
    const meanA = mean(va[m]);
    const meanB = mean(vb[m]);
    const sorted = draws[m].filter((x) => !Number.isNaN(x)).sort();
    const at = (p: number): number => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
    return {
      metric: spec.name,
      a: meanA,
      b: meanB,
      relative: meanA > 0 ? meanB / meanA - 1 : Number.NaN,
      interval: [at(0.025), at(0.975)] as const,
      bBetter: wins[m] / resamples,
    };
  });
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? 0 : sum / values.length;
}
