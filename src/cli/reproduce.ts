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
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { SidrecError } from '../core/errors.js';
import { peakRssMiB } from '../core/memory.js';
import { denormalMode, describeKernels, providersLoaded } from '../tensor/index.js';
import { defineCommand, type Command } from './command.js';
import { experimentPaths, readExperiment, STAGES, shellLine, stageArgs, type Experiment, type StageName } from './experiment.js';
import { parseCommand } from './options.js';
import { MODEL_FILES } from '../model/files.js';
import { readManifest, servedEpoch } from '../model/manifest.js';
import { readEpochLog } from '../train/epoch-log.js';
import { bestEpochOf } from '../train/trainer.js';
import { lockRun } from '../train/run-lock.js';
import { openTransitions } from '../model/transitions.js';

/** The stage commands, passed in so this file needs no import of the command table (which lists this command). */
// biome-ignore lint/suspicious/noExplicitAny: stage commands of different option specs
export type StageCommands = Readonly<Record<StageName, Command<any>>>;

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
      const work = paths.work;
      const started = performance.now();
      const commit = gitCommit(experiment.root); // the code that runs, read before the stages (HEAD may move meanwhile)
      const dirs = { data: join(work, 'data'), sids: join(work, 'sids'), model: paths.model };
      // One reproduce per run folder (--so-far only reads): a second would rewrite the data, SIDs or checkpoints of
      // the first under it, or, started while an interrupted one is still saving, mix their checkpoints.
      const release = o['so-far'] ? () => {} : lockRun(work);
      try {
        const say = (line: string): void => void process.stdout.write(`${line}\n`);
        say(`experiment ${experiment.name}: ${experiment.description}`);
        for (const line of engineNotes) say(line);
        // A stage is done when its stamp holds the arguments it would run with now and those of every stage before
        // it (a changed dataset makes new SIDs and a new model).
        const keys: Partial<Record<StageName, string>> = {};
        let upstream: unknown[] = [];
        for (const stage of STAGES) {
          if (!experiment.stages[stage] && stage !== 'prepare') continue;
          upstream = [...upstream, stage, stageArgs(withSeed(experiment, stage, stages[stage]))];
          keys[stage] = JSON.stringify(upstream);
        }
        const stageStamp = (stage: StageName): { stamp: string; key: string; done: boolean } => {
          const stamp = join(work, `${stage}.done.json`);
          const key = keys[stage] as string;
          return { stamp, key, done: existsSync(stamp) && (JSON.parse(readFileSync(stamp, 'utf8')) as { key: string }).key === key };
        };
        /** Runs a stage's command with `options` as the CLI would, printing the line first, tagged `[tag]`. */
        const invoke = async (tag: string, stage: StageName, options: Record<string, string | number | boolean>): Promise<void> => {
          const command = stages[stage];
          const args = stageArgs(o.quiet && 'quiet' in command.spec.options ? { ...options, quiet: true } : options);
          say(`[${tag}] sidrec ${command.spec.name} ${shellLine(args)}`);
          const parsed = parseCommand(command.spec, args);
          if (parsed) await command.run(parsed);
        };
        /** Run a stage unless done; `finished` says whether it ran to the end (training may pause). */
        const run = async (
          stage: StageName,
          wired: Record<string, string | number | boolean | undefined>,
          always = false,
          finished = (): boolean => true,
        ): Promise<void> => {
          const options = {
            ...withSeed(experiment, stage, stages[stage]),
            ...Object.fromEntries(Object.entries(wired).filter(([, v]) => v !== undefined)),
          } as Record<string, string | number | boolean>;
          const { stamp, key, done } = stageStamp(stage);
          if (!always && done) {
            say(`[${stage}] done earlier with the same settings (${stamp})`);
            return;
          }
          if (stage === 'train' && !o.resume && existsSync(join(dirs.model, 'run.json'))) {
            throw new SidrecError(
              'E_CONFIG',
              `${dirs.model} holds an unfinished training run: add --resume to continue it (or delete the folder to start over)`,
              { field: 'resume' },
            );
          }
          await invoke(stage, stage, options);
          if (finished()) writeJsonAtomic(stamp, { key, finishedAt: new Date().toISOString() });
        };

        await run('prepare', { out: dirs.data });
        const sids = experiment.stages.tokenize ? dirs.sids : undefined;
        if (sids) await run('tokenize', { data: dirs.data, out: sids });
        const out = paths.results;
        const header = { experiment: experiment.name, description: experiment.description, settings: experiment.raw, commit };
        if (experiment.stages.baseline) {
          // Nothing to train: the baseline ranked on validation and on test, as `sidrec evaluate` ranks it.
          const evaluation: Record<string, { metrics: Record<string, number> }> = {};
          for (const split of ['valid', 'test'] as const) {
            const json = join(work, `baseline-${split}.json`);
            await run('baseline', { data: dirs.data, sids, split, json }, true);
            evaluation[split] = JSON.parse(readFileSync(json, 'utf8'));
          }
          writeJsonAtomic(out, {
            ...header,
            finishedAt: new Date().toISOString(),
            wallSeconds: Math.round((performance.now() - started) / 1000),
            peakRssMiB: Math.round(peakRssMiB()),
            engine: engineOf(),
            valid: evaluation.valid.metrics,
            test: evaluation.test.metrics,
            evaluation,
          });
          say(`results -> ${out}`);
          return;
        }
        const manifestPath = join(dirs.model, MODEL_FILES.manifest);
        if (o['so-far'] && existsSync(manifestPath))
          throw new SidrecError('E_CONFIG', `training has finished: its results are ${out} (sidrec reproduce ${o.experiment} re-writes them)`, {
            field: 'so-far',
          });
        if (!o['so-far'])
          await run('train', { data: dirs.data, sids, out: dirs.model, resume: o.resume || undefined, 'stop-after': o['stop-after'] }, false, () =>
            existsSync(manifestPath),
          );
        const epochs = readEpochLog(join(dirs.model, MODEL_FILES.epochs));
        if (!existsSync(manifestPath)) {
          const continueLine = `continue: sidrec reproduce ${o.experiment} --resume`;
          if (epochs.length === 0) {
            if (o['so-far']) throw new SidrecError('E_STATE', `no epoch has finished yet in ${dirs.model}`, { field: 'so-far' });
            say(`paused before the first epoch ended; ${continueLine}`);
            return;
          }
          // The best epoch so far, ranked on test by sidrec evaluate, the model alone (as the finished run's "test"),
          // then, when the experiment has one, the transitions stage fitted to it (the prior records that epoch). A run
          // training beside this may keep a better epoch meanwhile: the evaluation is redone when the served epoch moved
          // under it, and the prior names the epoch it was fitted to (it may be newer).
          const json = join(work, 'evaluate-so-far.json');
          const servedNow = (): number | undefined => servedEpoch(dirs.model, readManifest(dirs.model));
          let evaluated: number | undefined;
          for (let attempt = 0; evaluated === undefined; attempt++) {
            const before = servedNow();
            await invoke('so far', 'evaluate', { model: dirs.model, data: dirs.data, split: 'test', transitions: 'off', json });
            if (servedNow() === before)
              evaluated = before ?? -1; // else training kept a better epoch meanwhile: again
            else if (attempt === 2)
              throw new SidrecError('E_STATE', 'training keeps finding better epochs faster than one evaluation: try again', { file: dirs.model });
          }
          const evaluation = JSON.parse(readFileSync(json, 'utf8')) as { label?: string; metrics: Record<string, number> };
          let transitions: unknown;
          if (experiment.stages.transitions) {
            await invoke('so far', 'transitions', { ...withSeed(experiment, 'transitions', stages.transitions), model: dirs.model, data: dirs.data });
            const prior = openTransitions(dirs.model, readManifest(dirs.model).numItems);
            if (prior) transitions = { weight: prior.weight, reach: prior.reach, modelEpoch: prior.modelEpoch, ...prior.report };
          }
          const scheduled = (experiment.stages.train?.epochs as number | undefined) ?? null;
          // The evaluated epoch's own log line (the log is read again: the epoch may have ended after it was first read).
          const logged = readEpochLog(join(dirs.model, MODEL_FILES.epochs));
          const best = logged.find((e) => e.epoch === evaluated) ?? bestEpochOf(logged, 'ndcg@10') ?? logged[0];
          writeJsonAtomic(out, {
            ...header,
            inProgress: { epochsRun: logged.length, epochsScheduled: scheduled, note: 'interim: the best epoch so far; the finished run replaces this file' },
            writtenAt: new Date().toISOString(),
            trainingSeconds: Math.round(logged.reduce((sum, e) => sum + (Number.isFinite(e.seconds) ? e.seconds : 0), 0)),
            engine: engineOf(),
            bestEpoch: best.epoch,
            valid: best.valid,
            test: evaluation.metrics,
            ...(transitions ? { transitions } : {}),
            evaluation: { test: evaluation },
            epochs: logged,
          });
          say(`${o['so-far'] ? 'so far' : 'paused'} after epoch ${logged.length}; interim results -> ${out}; ${continueLine}`);
          return;
        }
        const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
        let transitions: unknown;
        if (experiment.stages.transitions) {
          await run('transitions', { model: dirs.model, data: dirs.data });
          const prior = openTransitions(dirs.model, manifest.numItems as number, manifest.bestEpoch as number);
          if (prior) transitions = { weight: prior.weight, reach: prior.reach, ...prior.report };
        }
        let evaluation: unknown;
        if (experiment.stages.evaluate) {
          const json = join(work, 'evaluate.json');
          await run('evaluate', { model: dirs.model, data: dirs.data, json }, true);
          evaluation = JSON.parse(readFileSync(json, 'utf8'));
        }
        writeJsonAtomic(out, {
          ...header,
          finishedAt: new Date().toISOString(),
          // This invocation's wall time and peak RSS; a run resumed over several invocations also reports the time
          // its epochs took in all of them (the epoch log's seconds; validation included, the final test not).
          wallSeconds: Math.round((performance.now() - started) / 1000),
          trainingSeconds: Math.round(epochs.reduce((sum, e) => sum + (Number.isFinite(e.seconds) ? e.seconds : 0), 0)),
          peakRssMiB: Math.round(peakRssMiB()),
          engine: engineOf(),
          bestEpoch: manifest.bestEpoch,
          valid: manifest.valid,
          test: manifest.test,
          ...(manifest.rpg ? { testGraph: (manifest.rpg as Record<string, unknown>).testGraph } : {}),
          ...(manifest.grank ? grankResults(manifest.grank as Record<string, unknown>) : {}),
          ...(transitions ? { transitions } : {}),
          ...(evaluation ? { evaluation } : {}),
          epochs,
        });
        say(`results -> ${out}`);
      } finally {
        release();
      }
    },
  });
}

/** GRank's own figures: the generator alone on test, the ranker weight serving uses and how it was chosen. */
function grankResults(grank: Record<string, unknown>): Record<string, unknown> {
  return { testGenerator: grank.testGenerator, rankerWeight: grank.rankerWeight, rankerWeightChoice: grank.rankerWeightChoice };
}

/** The experiment's options for a stage, with the top-level seed where the command takes one and none is set. */
// biome-ignore lint/suspicious/noExplicitAny: any stage command
function withSeed(experiment: Experiment, stage: StageName, command: Command<any>): Record<string, string | number | boolean> {
  const options: Record<string, string | number | boolean> = { ...(experiment.stages[stage] ?? {}) };
  if (experiment.seed !== undefined && 'seed' in command.spec.options && options.seed === undefined) options.seed = experiment.seed;
  return options;
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

/**
 * Sets the engine settings an experiment pins (`engine.denormals`, `engine.threads`) before any kernel loads; the
 * environment (SIDREC_DENORMALS, SIDREC_THREADS) wins. Returns the lines to print for settings that are not the
 * defaults, and refuses a process whose kernels already run otherwise (both are fixed when they load).
 */
function applyEngine(experiment: Experiment): string[] {
  const lines: string[] = [];
  const pin = (variable: 'SIDREC_DENORMALS' | 'SIDREC_THREADS', field: string, pinned: string, running: () => string, note: string): void => {
    const fromEnv = process.env[variable]?.trim();
    if (fromEnv) {
      lines.push(`engine: ${variable}=${fromEnv} (the experiment pins ${pinned}; the environment wins)`);
      return;
    }
    if (providersLoaded() && running() !== pinned)
      throw new SidrecError(
        'E_CONFIG',
        `the experiment pins ${field} ${pinned} but this process's kernels already run with ${running()}: run sidrec reproduce in a fresh process`,
        { file: experiment.file, field },
      );
    process.env[variable] = pinned;
    if (note) lines.push(note);
  };
  const { denormals, threads } = experiment.engine ?? {};
  if (denormals)
    pin(
      'SIDREC_DENORMALS',
      'engine.denormals',
      denormals,
      denormalMode,
      denormals === 'keep' ? 'engine: subnormal floats kept, as when this figure was made (engine.denormals)' : '',
    );
  if (threads !== undefined)
    pin(
      'SIDREC_THREADS',
      'engine.threads',
      String(threads),
      () => String(describeKernels().threads),
      `engine: ${threads} compute thread${threads === 1 ? '' : 's'}, as when this figure was made (engine.threads)`,
    );
  return lines;
}

/**
 * The GEMM provider, subnormal handling and compute threads this process ran with: a result made with any of them
 * changed can differ (SIDs fitted with 1 and 2 OpenBLAS threads differed in most codes, at the same quality).
 */
function engineOf(): { readonly gemm: string; readonly denormals: string; readonly threads: number } {
  const { chosen, denormals, threads } = describeKernels();
  return { gemm: chosen.gemm, denormals, threads };
}
