/**
 * `sidrec experiments`: every experiment file of the repository and where it stands (experiment-status.ts), as a
 * table or JSON: finished, training now (which process), stopped part-way, not started or superseded; epochs run of those
 * scheduled, patience, the best validation and the test NDCG@10 (interim while a run is under way), at most how long
 * the rest of the schedule takes, and the command that takes each further.
 */
import { join, resolve } from 'node:path';
import { formatSeconds } from '../core/progress.js';
import { defineCommand } from './command.js';
import { experimentsRoot } from './experiment.js';
import { experimentStatuses, type ExperimentStatus } from './experiment-status.js';

export const experimentsCommand = defineCommand({
  spec: {
    name: 'experiments',
    summary: 'List the experiment files and where each stands (finished, training, stopped, not started)',
    details: `Examples:
  sidrec experiments                  (every experiments/*.json here or above)
  sidrec experiments rpg              (those whose name contains "rpg")
  sidrec experiments --json           (one object per experiment)
Reads results/NAME.json and runs/NAME/model (epoch log, settings, checkpoint header, training lock) without loading
a model. "epochs" counts those finished, and the batches of the next one a checkpoint holds ("+N batches"). "left"
is at most the rest of the schedule at the last epochs' pace: early stopping may end a run sooner.
"next" is the command that takes an experiment further (--resume for a stopped run, --so-far for interim results of
one training now). A superseded experiment (its file's "superseded" says by which and why) is kept for the
figures taken from it and is not meant to be run again.`,
    positional: 'filter',
    options: {
      filter: { type: 'string', description: 'Only experiments whose name contains this' },
      work: { type: 'string', description: "Folder of the stages' outputs (default: runs/ beside experiments/)" },
      results: { type: 'string', description: 'Folder of the results files (default: results/ beside experiments/)' },
      json: { type: 'boolean', description: 'Print JSON instead of a table', default: false },
    },
  },
  async run(o) {
    const root = experimentsRoot(process.cwd());
    const statuses = experimentStatuses(root, {
      ...(o.work ? { work: resolve(o.work) } : {}),
      ...(o.results ? { results: resolve(o.results) } : {}),
      ...(o.filter ? { filter: o.filter } : {}),
    });
    if (o.json) {
      process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
      return;
    }
    if (statuses.length === 0) {
      process.stdout.write(`no experiments${o.filter ? ` matching "${o.filter}"` : ''} in ${join(root, 'experiments')}\n`);
      return;
    }
    process.stdout.write(statusTable(statuses));
  },
});

const figure = (x: number): string => x.toFixed(4).replace(/^0/, '');

/** One row per experiment, columns padded to their widest cell. */
export function statusTable(statuses: readonly ExperimentStatus[]): string {
  const header = ['experiment', 'model', 'state', 'epochs', 'patience', 'best valid N@10', 'test N@10', 'left (at most)', 'next'];
  const rows = statuses.map((s) => [
    s.name,
    s.model,
    s.state === 'training' && s.pid !== undefined ? `training (pid ${s.pid})` : s.state,
    s.epochsRun !== undefined ? `${s.epochsRun}/${s.epochsScheduled}${s.inside ? ` (+${s.inside.batches} batches)` : ''}` : '',
    s.patience ? `${s.patience.bad}/${s.patience.of}${s.patience.warming ? ' (warm-up)' : ''}` : '',
    s.bestValid ? `${figure(s.bestValid.ndcg10)} @${s.bestValid.epoch}` : '',
    s.test ? `${figure(s.test.ndcg10)}${s.test.interim ? ` (interim${s.test.epoch !== undefined ? `, @${s.test.epoch}` : ''})` : ''}` : '',
    s.secondsLeft !== undefined ? formatSeconds(s.secondsLeft) : '',
    [s.error, s.next ?? (s.superseded ? `superseded${s.superseded.by ? ` by ${s.superseded.by.join(', ')}` : ''}` : undefined)]
      .filter((cell) => cell !== undefined)
      .join('; '),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd()}\n`;
  return [line(header), ...rows.map(line)].join('');
}
