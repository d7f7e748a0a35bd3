/**
 * The table `sidrec quickstart` ends with, written for someone who has never seen the project: one row per model
 * with a line on what it is, the test metrics side by side, and a closing sentence naming the winner by NDCG@10
 * and its margin over the runner-up. The figures are the evaluator's, untouched; only the layout is here.
 */
import type { EvalResult } from '../eval/index.js';

export interface ModelRow {
  /** Short name, e.g. "SASRec". */
  readonly name: string;
  /** What the model is, in a few words. */
  readonly what: string;
  readonly result: EvalResult;
}

/** Metric that picks the winner (the one early stopping selects on). */
export const WINNER_METRIC = 'ndcg@10';

/** Rows as a fixed-width table: model, what it is, then each metric of the first row's result. */
export function formatModelTable(rows: readonly ModelRow[], metrics: readonly string[] = rows[0]?.result.metricNames ?? []): string {
  const header = ['model', 'what it is', ...metrics.map((m) => m.replace('recall', 'Recall').replace('ndcg', 'NDCG'))];
  const body = rows.map((r) => [r.name, r.what, ...metrics.map((m) => (r.result.metrics[m] ?? Number.NaN).toFixed(4))]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const fmt = (row: readonly string[]): string =>
    row
      .map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt)].join('\n');
}

/** "SASRec wins: NDCG@10 0.4120 vs 0.3309 for item bigram (+24.5%)." — or a tie, by `metric`. */
export function winnerLine(rows: readonly ModelRow[], metric = WINNER_METRIC): string {
  if (rows.length === 0) return '';
  const ranked = [...rows].sort((a, b) => (b.result.metrics[metric] ?? 0) - (a.result.metrics[metric] ?? 0));
  const [best, second] = ranked;
  const label = metric.replace('recall', 'Recall').replace('ndcg', 'NDCG');
  const top = best.result.metrics[metric] ?? 0;
  if (!second) return `${best.name}: ${label} ${top.toFixed(4)}.`;
  const next = second.result.metrics[metric] ?? 0;
  if (top === next) return `${best.name} and ${second.name} tie on ${label} (${top.toFixed(4)}).`;
  const margin = next > 0 ? ` (+${(((top - next) / next) * 100).toFixed(1)}%)` : '';
  return `${best.name} wins: ${label} ${top.toFixed(4)} vs ${next.toFixed(4)} for ${second.name}${margin}.`;
}
