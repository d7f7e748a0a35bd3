/**
 * `sidrec reproduce NAME|FILE`: runs an experiment file (see experiment.ts) stage by stage, prepare -> tokenize
 * (or import) -> train -> evaluate, through the same commands a user would type, into `runs/NAME/`, and writes
 * `results/NAME.json`: every metric, the settings, the commit, wall time, peak RSS and the epoch log. A stage that
 * finished with the same arguments is not run again; training pauses with `--stop-after N` and continues with
 * `--resume`, so a long experiment spans several sessions. A paused run (or, with `--so-far`, one under way in another
 * process) gets an interim results file: its best epoch so far ranked on test (and the transitions stage fitted to
 * it, when the experiment has one), marked `inProgress`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { MODEL_FILES } from '../model/files.js';
import { readEpochLog } from '../train/epoch-log.js';
import { lockRun } from '../train/run-lock.js';
import { defineCommand } from './command.js';
import { experimentPaths, readExperiment } from './experiment.js';
import { applyEngine } from './reproduce-engine.js';
import { writeBaselineResults, writeFinishedResults, writeInterimResults, type ResultsContext } from './reproduce-results.js';
import { StageRunner, type StageCommands } from './reproduce-stages.js';

export type { StageCommands } from './reproduce-stages.js';

export function reproduceCommand(stages: StageCommands) {
  return defineCommand({
    spec: {
      name: 'reproduce',
      summary: 'Re-create a committed quality figure from its experiment file (prepare -> tokenize -> train [-> transitions] [-> evaluate], or a baseline)',
      details: `Examples:
  sidrec reproduce rpg-beauty-t03                    (experiments/rpg-beauty-t03.json -> results/rpg-beauty-t03.json)
  sidrec reproduce rpg-beauty-t03 --stop-after 10    (train 10 epochs of the schedule, then pause)
  sidrec reproduce rpg-beauty-t03 --resume           (continue a paused or interrupted run)
  sidrec reproduce rpg-beauty-t03 --so-far           (results of the best epoch so far; training, if under way, goes on)
  sidrec reproduce my-experiment.json --work /data/runs
  sidrec reproduce sid-neighbours-beauty             (a built-in baseline: "baseline" instead of "train")
Stages run the same commands you would type (each is printed before it runs) into WORK/NAME/{data,sids,model};
a stage already finished with the same arguments is skipped. The results file holds the test (and best
validation) metrics, the experiment, the commit, wall time, peak RSS and every epoch. A run that paused, or one
still training (--so-far), gets an interim results file instead: its best epoch so far ranked on test, marked
"inProgress" with the epochs run and scheduled; the finished run replaces it.`,
      positional: 'experiment',
      options: {
        experiment: { type: 'string', description: 'An experiment name (experiments/NAME.json here or above) or a .json file' },
        resume: { type: 'boolean', description: 'Continue a paused or interrupted training stage', default: false },
        'stop-after': { type: 'number', integer: true, min: 1, description: 'Pause training after this many epochs in this run' },
        'so-far': {
          type: 'boolean',
          description: 'Train nothing: write the interim results of the best epoch so far (the run may be under way in another process)',
          default: false,
        },
        work: { type: 'string', description: "Folder for the stages' outputs (default: runs/ beside experiments/)" },
        results: { type: 'string', description: 'Folder for NAME.json (default: results/ beside experiments/)' },
        quiet: { type: 'boolean', description: 'No progress bars', default: false },
      },
    },
    async run(o) {
      if (o.experiment === undefined)
        throw new SidrecError('E_CONFIG', 'name an experiment: sidrec reproduce NAME (experiments/NAME.json) or FILE.json', { field: 'experiment' });
      if (o['so-far'] && (o.resume || o['stop-after'] !== undefined))
        throw new SidrecError('E_CONFIG', '--so-far trains nothing: give it without --resume and --stop-after', { field: 'so-far' });
      const experiment = readExperiment(o.experiment);
      const engineNotes = applyEngine(experiment);
      const paths = experimentPaths(experiment, { work: o.work, results: o.results });
      const started = performance.now();
      const commit = gitCommit(experiment.root); // the code that runs, read before the stages (HEAD may move meanwhile)
      const say = (line: string): void => void process.stdout.write(`${line}\n`);
      const dirs = {
        work: paths.work,
        data: join(paths.work, 'data'),
        sids: experiment.stages.tokenize ? join(paths.work, 'sids') : undefined,
        model: paths.model,
      };
      // One reproduce per run folder (--so-far only reads): a second would rewrite the data, SIDs or checkpoints of
      // the first under it, or, started while an interrupted one is still saving, mix their checkpoints.
      const release = o['so-far'] ? () => {} : lockRun(paths.work);
      try {
        say(`experiment ${experiment.name}: ${experiment.description}`);
        for (const line of engineNotes) say(line);
        const { superseded } = experiment;
        if (superseded) say(`note: this design is superseded${superseded.by ? ` by ${superseded.by.join(', ')}` : ''}: ${superseded.why}`);
        const runner = new StageRunner(experiment, stages, { work: paths.work, model: dirs.model, quiet: o.quiet, resume: o.resume, say });
        await runner.run('prepare', { out: dirs.data });
        if (dirs.sids) await runner.run('tokenize', { data: dirs.data, out: dirs.sids });
        const ctx: ResultsContext = { experiment, runner, dirs, out: paths.results, commit, started, say };
        if (experiment.stages.baseline) return await writeBaselineResults(ctx);
        const manifestPath = join(dirs.model, MODEL_FILES.manifest);
        if (o['so-far'] && existsSync(manifestPath))
          throw new SidrecError('E_CONFIG', `training has finished: its results are ${paths.results} (sidrec reproduce ${o.experiment} re-writes them)`, {
            field: 'so-far',
          });
        if (!o['so-far'])
          await runner.run(
            'train',
            { data: dirs.data, sids: dirs.sids, out: dirs.model, resume: o.resume || undefined, 'stop-after': o['stop-after'] },
            false,
            () => existsSync(manifestPath),
          );
        if (existsSync(manifestPath)) return await writeFinishedResults(ctx);
        const continueLine = `continue: sidrec reproduce ${o.experiment} --resume`;
        if (readEpochLog(join(dirs.model, MODEL_FILES.epochs)).length === 0) {
          if (o['so-far']) throw new SidrecError('E_STATE', `no epoch has finished yet in ${dirs.model}`, { field: 'so-far' });
          say(`paused before the first epoch ended; ${continueLine}`);
          return;
        }
        const epochsRun = await writeInterimResults(ctx);
        say(`${o['so-far'] ? 'so far' : 'paused'} after epoch ${epochsRun}; interim results -> ${paths.results}; ${continueLine}`);
      } finally {
        release();
      }
    },
  });
}

/** HEAD's commit, with "+dirty" when tracked files differ from it; "unknown" outside a git checkout. */
function gitCommit(dir: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}
