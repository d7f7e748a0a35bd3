/**
 * Where each experiment stands (`sidrec experiments`): read from what `sidrec reproduce` leaves behind, without
 * loading a model: its results file (final or interim), its run directory's epoch log, settings (run.json), the
 * training loop's state in the checkpoint's header and the training lock (which process trains it now). From those:
 * finished, training now, stopped part-way (to resume), or not started; epochs run of those scheduled, the best
 * validation figure, the test figure, and at most how long the rest of the schedule takes at the recent epochs' pace
 * (early stopping may end it sooner).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { FAMILIES } from '../families/index.js';
import { MODEL_FILES } from '../model/files.js';
import { readSafetensorsMetadata } from '../tensor/io/safetensors.js';
import { DEFAULT_TRAIN_CONFIG } from '../train/config.js';
import { readEpochLog } from '../train/epoch-log.js';
import { runLockOwner } from '../train/run-lock.js';
import { bestEpochOf, type EpochRecord } from '../train/trainer.js';
import { experimentPaths, readExperiment, type Experiment } from './experiment.js';

/**
 * finished: its run directory holds a finished model; training: a live process holds the run's lock; stopped: epochs
 * logged, no process (resume it); results only: a results file and no run directory here (made on another machine,
 * or the directory removed); not started; baseline: nothing to train (its results say whether it ran); invalid: the
 * file does not read as an experiment (`error` says why; the others are listed all the same); superseded: stopped or not
 * started, and its file says a later design replaced it (nothing to run).
 */
export type ExperimentState = 'finished' | 'training' | 'stopped' | 'results only' | 'not started' | 'superseded' | 'baseline' | 'invalid';

export interface ExperimentStatus {
  readonly name: string;
  /** The model family (train.model) or the baseline's name. */
  readonly model: string;
  readonly state: ExperimentState;
  /** The process training it now (state 'training'). */
  readonly pid?: number;
  /** Epochs logged (a results file's, when there is no run directory); undefined for a baseline. */
  readonly epochsRun?: number;
  readonly epochsScheduled?: number;
  /** A checkpoint inside an epoch (stopped or training): the epoch, and the batches of it done. */
  readonly inside?: { readonly epoch: number; readonly batches: number };
  /** Epochs in a row without a better validation figure, of the patience (counted after the warm-up). */
  readonly patience?: { readonly bad: number; readonly of: number; readonly warming: boolean };
  readonly bestValid?: { readonly epoch: number; readonly ndcg10: number };
  /** Test NDCG@10 of results/NAME.json; `interim` when it ranks a run still under way. */
  readonly test?: { readonly ndcg10: number; readonly interim: boolean; readonly epoch?: number };
  /** Mean seconds of the last (up to 3) epochs logged. */
  readonly secondsPerEpoch?: number;
  /** At most this many seconds to the end of the schedule, at that pace. */
  readonly secondsLeft?: number;
  /** The file's `superseded`: the experiments that replaced it, and why. */
  readonly superseded?: { readonly by?: readonly string[]; readonly why: string };
  /** The command that takes it further (none when finished and its results are written, or superseded). */
  readonly next?: string;
  /** Why an invalid experiment file, or its results file, was not read (the file and field named). */
  readonly error?: string;
}

/** Every experiments/*.json under `root` whose name contains `filter`, with its status. */
export function experimentStatuses(
  root: string,
  options: { readonly work?: string; readonly results?: string; readonly filter?: string } = {},
): ExperimentStatus[] {
  const folder = join(root, 'experiments');
  const names = readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .filter((n) => !options.filter || n.includes(options.filter))
    .sort();
  return names.map((name) => {
    let experiment: Experiment;
    try {
      experiment = readExperiment(join(folder, `${name}.json`));
    } catch (error) {
      if (!(error instanceof SidrecError)) throw error;
      return { name, model: '', state: 'invalid', error: error.message };
    }
    return experimentStatus(experiment, options);
  });
}

export function experimentStatus(experiment: Experiment, options: { readonly work?: string; readonly results?: string } = {}): ExperimentStatus {
  const { name } = experiment;
  const paths = experimentPaths(experiment, options);
  const resultsPath = paths.results;
  const read = readResults(resultsPath);
  const results = read.results;
  const test =
    typeof results?.test?.['ndcg@10'] === 'number'
      ? { ndcg10: results.test['ndcg@10'], interim: results.inProgress !== undefined, ...(results.bestEpoch !== undefined ? { epoch: results.bestEpoch } : {}) }
      : undefined;
  const command = `sidrec reproduce ${name}`;
  const train = experiment.stages.train;
  if (!train) {
    const model = String(experiment.stages.baseline?.model ?? 'baseline');
    return { name, model, state: 'baseline', ...(test ? { test } : {}), ...(results ? {} : { next: command }), ...(read.error ? { error: read.error } : {}) };
  }
  const model = String(train.model ?? 'sasrec');
  const dir = paths.model;
  const logged = readEpochLog(join(dir, MODEL_FILES.epochs));
  const epochs = logged.length > 0 ? logged : Array.isArray(results?.epochs) ? results.epochs : []; // a results file keeps the run's epochs
  const settings = readJson<{ train?: { epochs?: number; patience?: number; warmupSteps?: number } }>(join(dir, MODEL_FILES.runSettings));
  const family = FAMILIES[model as keyof typeof FAMILIES];
  const scheduled = settings?.train?.epochs ?? numberOr(train.epochs, family?.trainDefaults?.epochs ?? DEFAULT_TRAIN_CONFIG.epochs);
  const finished = existsSync(join(dir, MODEL_FILES.manifest));
  const owner = runLockOwner(dir);
  const { superseded } = experiment;
  // A superseded design is not meant to go on: stopped part-way or never started, it is listed as superseded.
  const state: ExperimentState = finished
    ? 'finished'
    : owner?.alive
      ? 'training'
      : results && logged.length === 0
        ? 'results only'
        : superseded
          ? 'superseded'
          : logged.length > 0
            ? 'stopped'
            : 'not started';
  const best = bestEpochOf(epochs, 'ndcg@10');
  const recent = epochs.slice(-3).filter((e) => Number.isFinite(e.seconds));
  const pace = recent.length > 0 ? recent.reduce((sum, e) => sum + e.seconds, 0) / recent.length : undefined;
  const loop = loopState(join(dir, MODEL_FILES.checkpoint));
  const patienceOf = settings?.train?.patience;
  const warmup = settings?.train?.warmupSteps;
  const running = state === 'training' || state === 'stopped';
  const next =
    state === 'not started'
      ? command
      : state === 'stopped'
        ? `${command} --resume`
        : state === 'training'
          ? `${command} --so-far`
          : state === 'finished' && (results === undefined || test?.interim)
            ? command // the results file is missing or interim: reproduce writes it from the finished run
            : undefined;
  return {
    name,
    model,
    state,
    ...(state === 'training' && owner ? { pid: owner.pid } : {}),
    epochsRun: epochs.length,
    epochsScheduled: scheduled,
    ...(running && loop?.partial ? { inside: loop.partial } : {}),
    ...(running && loop && patienceOf !== undefined
      ? { patience: { bad: loop.badEpochs, of: patienceOf, warming: warmup !== undefined && loop.step <= warmup } }
      : {}),
    ...(best ? { bestValid: { epoch: best.epoch, ndcg10: best.valid['ndcg@10'] } } : {}),
    ...(test ? { test } : {}),
    ...(pace !== undefined ? { secondsPerEpoch: pace } : {}),
    ...(running && pace !== undefined ? { secondsLeft: Math.max(0, scheduled - epochs.length) * pace } : {}),
    ...(superseded ? { superseded } : {}),
    ...(next ? { next } : {}),
    ...(read.error ? { error: read.error } : {}),
  };
}

/** results/NAME.json, or why it does not read (listed with the row; `reproduce` rewrites it). */
function readResults(path: string): { readonly results?: ResultsFile; readonly error?: string } {
  if (!existsSync(path)) return {};
  try {
    const results = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof results !== 'object' || results === null || Array.isArray(results)) return { error: `${path}: not a results object` };
    return { results: results as ResultsFile };
  } catch (error) {
    return { error: `${path}: not JSON (${(error as Error).message})` };
  }
}

interface ResultsFile {
  readonly test?: Readonly<Record<string, number>>;
  readonly epochs?: readonly EpochRecord[];
  readonly bestEpoch?: number;
  readonly inProgress?: unknown;
}

/** The training loop's saved state (the checkpoint header's `loop`), or undefined without a readable one. */
function loopState(
  path: string,
): { readonly step: number; readonly badEpochs: number; readonly partial?: { readonly epoch: number; readonly batches: number } } | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const loop = JSON.parse(readSafetensorsMetadata(path).loop ?? 'null') as {
      step?: number;
      badEpochs?: number;
      partial?: { epoch?: number; batch?: number };
    } | null;
    if (!loop || typeof loop.badEpochs !== 'number') return undefined;
    const { epoch, batch } = loop.partial ?? {};
    const partial = typeof epoch === 'number' && typeof batch === 'number' ? { epoch, batches: batch } : undefined;
    return { step: loop.step ?? 0, badEpochs: loop.badEpochs, ...(partial ? { partial } : {}) };
  } catch {
    return undefined; // being rewritten this moment: the next look finds it
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
