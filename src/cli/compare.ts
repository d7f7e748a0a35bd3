/**
 * `sidrec compare`: two evaluations of the same split (`sidrec evaluate --per-user --json`) side by side, paired by
 * query: each metric for the baseline and the candidate, the candidate's relative difference with a 95% paired
 * bootstrap interval (eval/compare.ts), and how often the candidate wins over the resamples.
 */
import { writeJsonAtomic } from '../core/atomic.js';
import { SidrecError } from '../core/errors.js';
import { readJsonFile } from '../core/json-file.js';
import { compareRanks, type MetricComparison } from '../eval/compare.js';
import { DEFAULT_METRICS } from '../eval/metrics.js';
import type { EvalResultJson } from '../eval/report.js';
import { defineCommand } from './command.js';

export const compareCommand = defineCommand({
  spec: {
    name: 'compare',
    summary: 'Is one model better than another? Two evaluations of the same split, paired by user, with bootstrap intervals',
    details: `Examples:
  sidrec evaluate --model runs/static/model --per-user --json static.json
  sidrec evaluate --model runs/diger/model --per-user --json diger.json
  sidrec compare --baseline static.json --candidate diger.json
  sidrec compare --baseline static.json --candidate diger.json --metrics ndcg@10 --resamples 5000 --json cmp.json
Both files must rank the same users' targets (the same data and split). For each metric: the baseline's and the
candidate's mean, the relative difference, its 95% interval from a paired bootstrap over users (the same users
resampled for both; --seed fixes them), and the share of resamples in which the candidate is ahead. A difference
whose interval includes 0 is not one this split can tell from noise.`,
    options: {
      baseline: { type: 'string', description: 'Evaluation JSON of the reference model (sidrec evaluate --per-user --json)' },
      candidate: { type: 'string', description: 'Evaluation JSON of the model compared with it' },
      metrics: { type: 'string', description: 'Metrics, comma-separated', default: DEFAULT_METRICS.join(',') },
      resamples: { type: 'number', integer: true, min: 100, description: 'Bootstrap resamples', default: 1000 },
      seed: { type: 'number', integer: true, description: 'Seed of the resampling', default: 0 },
      json: { type: 'string', description: 'Also write the comparison to this JSON file' },
    },
  },
  async run(o) {
    if (!o.baseline) throw new SidrecError('E_CONFIG', 'missing --baseline (an evaluation JSON with per-user ranks)', { field: 'baseline' });
    if (!o.candidate) throw new SidrecError('E_CONFIG', 'missing --candidate (an evaluation JSON with per-user ranks)', { field: 'candidate' });
    const [a, b] = pairedRanks(readEvaluation(o.baseline), o.baseline, readEvaluation(o.candidate), o.candidate);
    const metrics = o.metrics
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    const rows = compareRanks(a, b, metrics, { resamples: o.resamples, seed: o.seed });
    process.stdout.write(`${comparisonTable(rows, a.length)}\n`);
    if (o.json)
      writeJsonAtomic(o.json, { baseline: o.baseline, candidate: o.candidate, queries: a.length, resamples: o.resamples, seed: o.seed, metrics: rows });
  },
});

function readEvaluation(file: string): EvalResultJson {
  const json = readJsonFile(file) as Partial<EvalResultJson>;
  if (!Array.isArray(json.perQuery))
    throw new SidrecError('E_INPUT', 'no per-user ranks: write the evaluation with sidrec evaluate --per-user --json FILE', { file, field: 'perQuery' });
  return json as EvalResultJson;
}

/** Both files' ranks in the baseline's query order, after checking that they rank the same split's targets. */
function pairedRanks(a: EvalResultJson, fileA: string, b: EvalResultJson, fileB: string): [Float64Array, Float64Array] {
  if (a.part !== b.part) throw new SidrecError('E_INPUT', `ranks the ${b.part} split, the baseline ${a.part}`, { file: fileB, field: 'part' });
  const rows = a.perQuery as NonNullable<EvalResultJson['perQuery']>;
  const other = b.perQuery as NonNullable<EvalResultJson['perQuery']>;
  const byUser = new Map<number, readonly [number, number, number | null]>();
  for (const row of other) byUser.set(row[0], row);
  if (byUser.size !== rows.length)
    throw new SidrecError('E_INPUT', `${byUser.size} users against the baseline's ${rows.length}: evaluate both on every user of the same data`, {
      file: fileB,
      field: 'perQuery',
    });
  const rankOf = (r: number | null): number => (r === null ? Number.POSITIVE_INFINITY : r);
  const ra = new Float64Array(rows.length);
  const rb = new Float64Array(rows.length);
  rows.forEach(([user, target, rank], q) => {
    const match = byUser.get(user);
    if (!match) throw new SidrecError('E_INPUT', `user ${user} of ${fileA} is not ranked here`, { file: fileB, field: 'perQuery' });
    if (match[1] !== target)
      throw new SidrecError('E_INPUT', `user ${user}'s target is item ${match[1]} here and ${target} in ${fileA}: not the same data or split`, {
        file: fileB,
        field: 'perQuery',
      });
    ra[q] = rankOf(rank);
    rb[q] = rankOf(match[2]);
  });
  return [ra, rb];
}

const pct = (x: number): string => (Number.isNaN(x) ? 'n/a' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`);

/** One row per metric: baseline, candidate, relative difference, 95% interval, share of resamples the candidate wins. */
export function comparisonTable(rows: readonly MetricComparison[], queries: number): string {
  const header = ['metric', 'baseline', 'candidate', 'relative', '95% interval', 'candidate ahead'];
  const cells = rows.map((r) => [
    r.metric,
    r.a.toFixed(4),
    r.b.toFixed(4),
    pct(r.relative),
    `${pct(r.interval[0])} .. ${pct(r.interval[1])}`,
    `${(100 * r.bBetter).toFixed(1)}%`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const fmt = (row: readonly string[]): string => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [`${queries} users, paired`, fmt(header), ...cells.map(fmt)].join('\n');
}
