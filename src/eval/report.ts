/**
 * Evaluation output: a fixed-width text table (overall metrics, then one row per cold-start bucket) and a JSON
 * form (ranks of unretrieved targets as null, since JSON has no Infinity).
 */
import { writeJsonAtomic } from '../core/atomic.js';
import type { EvalResult } from './evaluate.js';

/** Table of one or more results (e.g. valid and test of one model, or several models on test). */
export function formatTable(results: readonly EvalResult[], labels?: readonly string[]): string {
  if (results.length === 0) return '';
  const names = results[0].metricNames;
  const header = ['run', 'bucket (train count)', 'queries', ...names];
  const rows: string[][] = [];
  results.forEach((r, k) => {
    const label = labels?.[k] ?? r.part;
    rows.push([label, 'all', String(r.numQueries), ...names.map((m) => (r.metrics[m] ?? 0).toFixed(4))]);
    for (const b of r.buckets) rows.push([label, b.label, String(b.count), ...names.map((m) => (b.metrics[m] ?? 0).toFixed(4))]);
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const fmt = (row: readonly string[]): string => row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

export interface EvalResultJson {
  /** What was ranked, as the table's first column says it (when the caller names it). */
  readonly label?: string;
  readonly part: 'valid' | 'test';
  readonly numQueries: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly buckets: readonly { label: string; min: number; max: number | null; count: number; metrics: Readonly<Record<string, number>> }[];
  readonly seconds: number;
  /** Present when requested: per query [user, target, rank|null]. */
  readonly perQuery?: readonly (readonly [number, number, number | null])[];
}

export function resultToJson(result: EvalResult, options: { perQuery?: boolean; label?: string } = {}): EvalResultJson {
  return {
    ...(options.label !== undefined ? { label: options.label } : {}),
    part: result.part,
    numQueries: result.numQueries,
    metrics: result.metrics,
    buckets: result.buckets.map((b) => ({ label: b.label, min: b.min, max: Number.isFinite(b.max) ? b.max : null, count: b.count, metrics: b.metrics })),
    seconds: result.seconds,
    ...(options.perQuery ? { perQuery: Array.from(result.ranks, (r, q) => [result.users[q], result.targets[q], Number.isFinite(r) ? r : null] as const) } : {}),
  };
}

/** Writes `resultToJson(result)` atomically. */
export function writeResultJson(path: string, result: EvalResult, options: { perQuery?: boolean; label?: string } = {}): void {
  writeJsonAtomic(path, resultToJson(result, options));
}
