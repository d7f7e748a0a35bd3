/**
 * `sidrec curves`: training runs side by side, from their epoch logs (OUT/epochs.jsonl, or the "epochs" of a
 * `sidrec reproduce` results file, so committed runs can be drawn after their directories are gone; or an experiment's,
 * by name: its run directory while it has one, else its results file): each metric by epoch as a
 * table on stdout and, with --out, as line charts in one SVG (eval/line-chart.ts). Works on finished runs and on
 * runs still training (the epochs logged so far).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { SidrecError } from '../core/errors.js';
import { chartsSvg, type Panel } from '../eval/line-chart.js';
import { MODEL_FILES } from '../model/files.js';
import { readEpochLog, readResultsEpochs } from '../train/epoch-log.js';
import type { EpochRecord } from '../train/trainer.js';
import { defineCommand } from './command.js';
import { experimentPaths, readExperiment } from './experiment.js';

/** A results file (results/NAME.json) rather than a model directory. */
const isResultsFile = (path: string): boolean => path.toLowerCase().endsWith('.json');

/** A run's name: a results file's NAME, a model folder's name, or the folder above a `model` folder (sidrec reproduce's layout). */
function runLabel(dir: string): string {
  const full = resolve(dir);
  if (isResultsFile(full)) return basename(full).slice(0, -'.json'.length);
  return basename(full) === 'model' ? basename(dirname(full)) : basename(full);
}

/** A metric of one epoch: `loss` (training), `seconds`, or a validation figure by name. */
function metricOf(record: EpochRecord, metric: string): number {
  if (metric === 'loss') return record.loss;
  if (metric === 'seconds') return record.seconds;
  return record.valid[metric] ?? Number.NaN;
}

/** An experiment's epochs: its run directory (sidrec reproduce's runs/NAME/model) once it logged one, else results/NAME.json. */
function experimentRun(name: string): string {
  const { model, results } = experimentPaths(readExperiment(name));
  return existsSync(join(model, MODEL_FILES.epochs)) || !existsSync(results) ? model : results;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

export const curvesCommand = defineCommand({
  spec: {
    name: 'curves',
    outIsFile: true,
    summary: 'Compare training runs: metrics by epoch as tables and SVG line charts',
    details: `Examples:
  sidrec curves --models runs/diger-beauty-static/model,runs/diger-beauty-frequency/model
  sidrec curves --models runs/a/model,runs/b/model --metrics ndcg@10,perplexity@2,codes-used@2 --out curves.svg
  sidrec curves --models results/diger-beauty-static-e10.json,results/diger-beauty-std-e10.json
  sidrec curves --experiments diger-beauty-static-e30,diger-beauty-frequency-e30 --metrics ndcg@10,sids-changed
Reads each model directory's epochs.jsonl (finished epochs so far, so a run still training can be watched; a run
with none yet is left out, saying so), or the epochs a sidrec reproduce results file (NAME.json) recorded; an experiment (--experiments, by name) is read
from its run directory (runs/NAME/model beside experiments/) while that has logged an epoch, else from results/NAME.json. A
metric is "loss" (mean training loss), "seconds", or any validation figure the run records (ndcg@10, recall@10; DIGER
also codes-used@L, perplexity@L, sids-changed). Prints one table per metric (a column per run) and, with --out,
writes the charts as one SVG file (a panel per metric).`,
    options: {
      models: { type: 'string', description: 'Model directories (each with an epochs.jsonl) or results files (NAME.json), comma-separated' },
      experiments: {
        type: 'string',
        description: "Experiment names (experiments/NAME.json here or above), comma-separated: each run's directory, or its results file",
      },
      labels: { type: 'string', description: 'Names for the runs, comma-separated, --models first (default: each run folder or experiment name)' },
      metrics: { type: 'string', description: 'Metrics, comma-separated', default: 'ndcg@10,loss' },
      out: { type: 'string', description: 'SVG file to write the charts to (a name ending in .svg; replaced whole)' },
    },
  },
  async run(o) {
    const dirs = [...list(o.models), ...list(o.experiments).map(experimentRun)];
    if (dirs.length === 0)
      throw new SidrecError('E_CONFIG', 'missing --models (model directories or results files) or --experiments (names), comma-separated', { field: 'models' });
    const labels = list(o.labels);
    if (labels.length > 0 && labels.length !== dirs.length)
      throw new SidrecError('E_CONFIG', `${labels.length} labels for ${dirs.length} models`, { field: 'labels' });
    if (o.out !== undefined && !o.out.toLowerCase().endsWith('.svg'))
      throw new SidrecError('E_CONFIG', 'the charts are SVG: give --out a name ending in .svg', { file: o.out, field: 'out' });
    const metrics = list(o.metrics);
    if (metrics.length === 0) throw new SidrecError('E_CONFIG', 'missing --metrics', { field: 'metrics' });
    const runs = dirs
      .map((dir, i) => ({ label: labels[i] ?? runLabel(dir), path: isResultsFile(dir) ? dir : join(dir, MODEL_FILES.epochs) }))
      .map((run) => ({ ...run, epochs: isResultsFile(run.path) ? readResultsEpochs(run.path) : readEpochLog(run.path) }))
      .filter((run) => {
        if (run.epochs.length === 0) process.stderr.write(`sidrec curves: ${run.path}: no finished epoch logged yet; left out\n`);
        return run.epochs.length > 0;
      });
    if (runs.length === 0) throw new SidrecError('E_NOT_FOUND', 'none of the runs has logged a finished epoch yet', { field: 'models' });
    for (const metric of metrics) {
      if (!runs.some((r) => r.epochs.some((e) => Number.isFinite(metricOf(e, metric)))))
        throw new SidrecError('E_CONFIG', `no run records "${metric}" (e.g. loss, ndcg@10)`, { field: 'metrics' });
    }
    const panels: Panel[] = metrics.map((metric) => ({
      title: metric === 'loss' ? 'training loss' : `validation ${metric}`,
      xLabel: 'epoch',
      yLabel: metric,
      series: runs.map((r) => ({ label: r.label, points: r.epochs.map((e) => [e.epoch, metricOf(e, metric)] as const) })),
    }));
    const lastEpoch = Math.max(...runs.map((r) => r.epochs[r.epochs.length - 1].epoch));
    const width = Math.max(10, ...runs.map((r) => r.label.length + 2));
    for (const metric of metrics) {
      const lines = [`${metric}`, `${'epoch'.padStart(5)}${runs.map((r) => r.label.padStart(width)).join('')}`];
      for (let epoch = 1; epoch <= lastEpoch; epoch++) {
        const cells = runs.map((r) => {
          const e = r.epochs.find((x) => x.epoch === epoch);
          const v = e ? metricOf(e, metric) : Number.NaN;
          return (Number.isFinite(v) ? v.toFixed(4) : '-').padStart(width);
        });
        lines.push(`${String(epoch).padStart(5)}${cells.join('')}`);
      }
      process.stdout.write(`${lines.join('\n')}\n\n`);
    }
    if (o.out) {
      writeFileAtomic(o.out, chartsSvg(panels));
      process.stdout.write(`charts -> ${o.out}\n`);
    }
  },
});
