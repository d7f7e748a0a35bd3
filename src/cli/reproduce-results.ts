/**
 * `results/NAME.json` of `sidrec reproduce`, in its three forms: a baseline's (ranked on validation and test), a
 * finished training run's (the manifest's test metrics, the transitions prior and the evaluate stage when the
 * experiment has them, every epoch), and an interim one for a paused run or one still training (its best epoch so far
 * ranked on test, marked `inProgress`). Each names the experiment, its settings, the commit and the engine.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { SidrecError } from '../core/errors.js';
import { peakRssMiB } from '../core/memory.js';
import { MODEL_FILES } from '../model/files.js';
import { readManifest, servedEpoch } from '../model/manifest.js';
import { openTransitions } from '../model/transitions.js';
import { readEpochLog } from '../train/epoch-log.js';
import { bestEpochOf, type EpochRecord } from '../train/trainer.js';
import type { Experiment } from './experiment.js';
import { engineOf } from './reproduce-engine.js';
import type { StageRunner } from './reproduce-stages.js';

/** What every results writer needs: the experiment, its run folders, the stage runner and where the file goes. */
export interface ResultsContext {
  readonly experiment: Experiment;
  readonly runner: StageRunner;
  readonly dirs: { readonly data: string; readonly sids: string | undefined; readonly model: string; readonly work: string };
  /** results/NAME.json */
  readonly out: string;
  /** The code that ran (see gitCommit). */
  readonly commit: string;
  /** performance.now() when this invocation started. */
  readonly started: number;
  readonly say: (line: string) => void;
}

function header(ctx: ResultsContext): Record<string, unknown> {
  const { experiment, commit } = ctx;
  return { experiment: experiment.name, description: experiment.description, settings: experiment.raw, commit };
}

const secondsOf = (epochs: readonly EpochRecord[]): number => Math.round(epochs.reduce((sum, e) => sum + (Number.isFinite(e.seconds) ? e.seconds : 0), 0));

/** Nothing to train: the baseline ranked on validation and on test, as `sidrec evaluate` ranks it. */
export async function writeBaselineResults(ctx: ResultsContext): Promise<void> {
  const { dirs } = ctx;
  const evaluation: Record<string, { metrics: Record<string, number> }> = {};
  for (const split of ['valid', 'test'] as const) {
    const json = join(dirs.work, `baseline-${split}.json`);
    await ctx.runner.run('baseline', { data: dirs.data, sids: dirs.sids, split, json }, true);
    evaluation[split] = JSON.parse(readFileSync(json, 'utf8'));
  }
  writeJsonAtomic(ctx.out, {
    ...header(ctx),
    finishedAt: new Date().toISOString(),
    wallSeconds: Math.round((performance.now() - ctx.started) / 1000),
    peakRssMiB: Math.round(peakRssMiB()),
    engine: engineOf(),
    valid: evaluation.valid.metrics,
    test: evaluation.test.metrics,
    evaluation,
  });
  ctx.say(`results -> ${ctx.out}`);
}

/**
 * The best epoch so far, ranked on test by sidrec evaluate, the model alone (as the finished run's "test"), then, when
 * the experiment has one, the transitions stage fitted to it (the prior records that epoch). A run training beside
 * this may keep a better epoch meanwhile: the evaluation is redone when the served epoch moved under it, and the
 * prior names the epoch it was fitted to (it may be newer). Returns the number of epochs the file covers.
 */
export async function writeInterimResults(ctx: ResultsContext): Promise<number> {
  const { dirs, experiment, runner } = ctx;
  const json = join(dirs.work, 'evaluate-so-far.json');
  const servedNow = (): number | undefined => servedEpoch(dirs.model, readManifest(dirs.model));
  let evaluated: number | undefined;
  for (let attempt = 0; evaluated === undefined; attempt++) {
    const before = servedNow();
    await runner.invoke('so far', 'evaluate', { model: dirs.model, data: dirs.data, split: 'test', transitions: 'off', json });
    if (servedNow() === before)
      evaluated = before ?? -1; // else training kept a better epoch meanwhile: again
    else if (attempt === 2)
      throw new SidrecError('E_STATE', 'training keeps finding better epochs faster than one evaluation: try again', { file: dirs.model });
  }
  const evaluation = JSON.parse(readFileSync(json, 'utf8')) as { label?: string; metrics: Record<string, number> };
  let transitions: unknown;
  if (experiment.stages.transitions) {
    await runner.invoke('so far', 'transitions', { ...runner.stageOptions('transitions'), model: dirs.model, data: dirs.data });
    const prior = openTransitions(dirs.model, readManifest(dirs.model).numItems);
    if (prior) transitions = { weight: prior.weight, reach: prior.reach, modelEpoch: prior.modelEpoch, ...prior.report };
  }
  const scheduled = (experiment.stages.train?.epochs as number | undefined) ?? null;
  // The evaluated epoch's own log line (the log is read again: the epoch may have ended after it was first read).
  const logged = readEpochLog(join(dirs.model, MODEL_FILES.epochs));
  const best = logged.find((e) => e.epoch === evaluated) ?? bestEpochOf(logged, 'ndcg@10') ?? logged[0];
  writeJsonAtomic(ctx.out, {
    ...header(ctx),
    inProgress: { epochsRun: logged.length, epochsScheduled: scheduled, note: 'interim: the best epoch so far; the finished run replaces this file' },
    writtenAt: new Date().toISOString(),
    trainingSeconds: secondsOf(logged),
    engine: engineOf(),
    bestEpoch: best.epoch,
    valid: best.valid,
    test: evaluation.metrics,
    ...(transitions ? { transitions } : {}),
    evaluation: { test: evaluation },
    epochs: logged,
  });
  return logged.length;
}

/** A finished training run: the manifest's test metrics, then the transitions and evaluate stages the experiment has. */
export async function writeFinishedResults(ctx: ResultsContext): Promise<void> {
  const { dirs, experiment, runner } = ctx;
  const epochs = readEpochLog(join(dirs.model, MODEL_FILES.epochs));
  const manifestPath = join(dirs.model, MODEL_FILES.manifest);
  if (!existsSync(manifestPath)) throw new SidrecError('E_STATE', `training in ${dirs.model} has not finished`, { file: manifestPath });
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  let transitions: unknown;
  if (experiment.stages.transitions) {
    await runner.run('transitions', { model: dirs.model, data: dirs.data });
    const prior = openTransitions(dirs.model, manifest.numItems as number, manifest.bestEpoch as number);
    if (prior) transitions = { weight: prior.weight, reach: prior.reach, ...prior.report };
  }
  let evaluation: unknown;
  if (experiment.stages.evaluate) {
    const json = join(dirs.work, 'evaluate.json');
    await runner.run('evaluate', { model: dirs.model, data: dirs.data, json }, true);
    evaluation = JSON.parse(readFileSync(json, 'utf8'));
  }
  writeJsonAtomic(ctx.out, {
    ...header(ctx),
    finishedAt: new Date().toISOString(),
    // This invocation's wall time and peak RSS; a run resumed over several invocations also reports the time its
    // epochs took in all of them (the epoch log's seconds; validation included, the final test not).
    wallSeconds: Math.round((performance.now() - ctx.started) / 1000),
    trainingSeconds: secondsOf(epochs),
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
  ctx.say(`results -> ${ctx.out}`);
}

/** GRank's own figures: the generator alone on test, the ranker weight serving uses and how it was chosen. */
function grankResults(grank: Record<string, unknown>): Record<string, unknown> {
  return { testGenerator: grank.testGenerator, rankerWeight: grank.rankerWeight, rankerWeightChoice: grank.rankerWeightChoice };
}
