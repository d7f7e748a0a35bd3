/**
 * The training loop shared by every model: AdamW with warm-up + cosine decay and gradient clipping, validation
 * after every epoch with the one evaluation path, the best parameters kept, early stopping (patience counts only
 * epochs that end after the warm-up: a model whose learning rate is still rising is not judged yet; RPG's paper
 * schedule warms up over 72-112 epochs), and a checkpoint
 * (parameters + optimiser + loop state, written atomically) after every epoch. Each epoch draws its batch order
 * and dropout from a generator seeded by (seed, epoch), so a run killed at any point and resumed from its last
 * checkpoint ends with exactly the weights and metrics of an uninterrupted run.
 */
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { formatSeconds, Progress } from '../core/progress.js';
import { Rng, type RngState } from '../core/rng.js';
import {
  AdamW,
  clipGradNorm,
  describeKernels,
  loadCheckpoint,
  mulScalar,
  saveCheckpoint,
  tidy,
  warmupCosine,
  type NamedParameter,
  type Tensor,
} from '../tensor/index.js';
import type { ForwardContext } from '../tensor/layers/index.js';
import { FINISHED_RUN_FILES, RUN_SETTINGS_FILE } from '../model/manifest.js';
import type { TrainConfig } from './config.js';
import { checkResumeSettings, writeRunSettings } from './run-settings.js';
import { MODEL_FILES } from '../model/files.js';

export interface TrainableModel<Batch> {
  namedParameters(): NamedParameter[];
  loss(batch: Batch, ctx: ForwardContext): Tensor;
}

/**
 * What the loop asks of a run. `Batch` is one optimiser step's draw; `Part` is what the model's loss reads (the
 * same type unless `parts` turns a draw into several model batches).
 */
export interface TrainHooks<Batch, Part = Batch> {
  /** The epoch's batches, in an order drawn from `rng`. */
  batches(epoch: number, rng: Rng): readonly Batch[];
  /**
   * Validation metrics after an epoch (must contain `config.selectMetric`). `signal` (the run's) stops it between
   * batches of queries with E_INTERRUPTED (`evaluate`'s option): the loop then checkpoints after the epoch's batches.
   */
  validate(epoch: number, signal?: AbortSignal): Promise<Readonly<Record<string, number>>>;
  /**
   * Computes one optimiser step in pieces: each part's loss scaled by its weight and the gradients accumulated
   * (weights summing to 1 give the whole batch's mean), e.g. a random batch in length-sorted parts so that it
   * costs little padding (batches.ts). Required when `Part` is not `Batch`. @default the batch whole
   */
  parts?(batch: Batch): readonly (readonly [Part, number])[];
}

export interface EpochRecord {
  readonly epoch: number;
  readonly loss: number;
  readonly seconds: number;
  readonly valid: Readonly<Record<string, number>>;
}

/**
 * The epoch training keeps as best among `history`: the first with the highest validation `metric` (the loop's
 * rule: an epoch replaces the best only when it beats it). For readers of an epoch log without a best checkpoint.
 */
export function bestEpochOf(history: readonly EpochRecord[], metric: string): EpochRecord | undefined {
  let best: EpochRecord | undefined;
  for (const e of history) if ((e.valid[metric] ?? -Infinity) > (best?.valid[metric] ?? -Infinity)) best = e;
  return best;
}

export interface TrainResult {
  readonly bestEpoch: number;
  readonly bestMetric: number;
  readonly history: readonly EpochRecord[];
  /** Why the loop ended. */
  readonly stopped: 'patience' | 'epochs' | 'max-epochs-this-run' | 'interrupted';
  /** With 'interrupted': where the run stopped, as the checkpoint holds it (batch 0: at the epoch's start; batches: in its validation). */
  readonly interruptedAt?: { readonly epoch: number; readonly batch: number; readonly batches: number };
}

export interface TrainRunOptions {
  /** Directory for `checkpoint.safetensors` (latest) and `best.safetensors` (best validation). */
  readonly dir: string;
  /** Continue from dir/checkpoint.safetensors when it exists. @default false */
  readonly resume?: boolean;
  /** Stop after this many epochs in this process (the checkpoint allows continuing): for tests and budgets. */
  readonly maxEpochsThisRun?: number;
  readonly quiet?: boolean;
  /** Called after each epoch (logging). */
  readonly onEpoch?: (record: EpochRecord) => void;
  /** The model side of the run's settings (kind, architecture, dataset), saved in run.json and checked on resume. */
  readonly model?: Readonly<Record<string, unknown>>;
  /** Sets the starting weights of a fresh run (e.g. from another run); not called when resuming from a checkpoint. */
  readonly warmStart?: () => void;
  /** Model settings added since older runs started, with their as-before values (run-settings.ts). */
  readonly addedSettings?: Readonly<Record<string, unknown>>;
  /** Stops the loop at the next batch boundary with a checkpoint to resume from (the CLI aborts it on SIGINT / SIGTERM). */
  readonly signal?: AbortSignal;
  /**
   * Also checkpoint between batches when this many seconds passed since the last checkpoint, so that a process
   * killed outright loses at most that much (0: at epoch ends only). @default 600
   */
  readonly checkpointSeconds?: number;
}

export interface LoopState {
  epoch: number; // epochs completed
  step: number;
  bestEpoch: number;
  bestMetric: number;
  badEpochs: number;
  history: EpochRecord[];
  /** A checkpoint taken between batches: how far into the next epoch it is. */
  partial?: PartialEpoch;
}

/** The part of an epoch a mid-epoch checkpoint has trained: resuming skips those batches and continues the draws. */
interface PartialEpoch {
  readonly epoch: number;
  /** Batches done. */
  readonly batch: number;
  readonly lossSum: number;
  readonly seconds: number;
  /** The training context's generator (dropout, sampling) after those batches. */
  readonly rng: RngState;
}

/** The line the CLI prints when a training run ends. */
export function formatRunSummary(result: TrainResult, seconds: number): string {
  const next = result.stopped === 'max-epochs-this-run' || result.stopped === 'interrupted' ? ' (continue: the same command with --resume)' : '';
  return `best epoch ${result.bestEpoch} (valid ndcg@10 ${result.bestMetric.toFixed(4)}), stopped by ${result.stopped}${next}, ${formatSeconds(seconds)}`;
}

export const CHECKPOINT_FILE = MODEL_FILES.checkpoint;
export const BEST_FILE = MODEL_FILES.best;
/** One JSON line per finished epoch (epoch, loss, seconds, valid metrics), for watching a long run: tail -f. */
export const EPOCH_LOG_FILE = MODEL_FILES.epochs;

/** Files that mark `dir` as holding a training run (finished, paused or interrupted); [] when none. */
export function existingRunFiles(dir: string): string[] {
  return [RUN_SETTINGS_FILE, CHECKPOINT_FILE, BEST_FILE, EPOCH_LOG_FILE, ...FINISHED_RUN_FILES].filter((file) => existsSync(join(dir, file)));
}

export async function train<Batch, Part = Batch>(
  model: TrainableModel<Part>,
  config: TrainConfig,
  hooks: TrainHooks<Batch, Part>,
  run: TrainRunOptions,
): Promise<TrainResult> {
  const params = model.namedParameters();
  const optimizer = new AdamW(params, { lr: config.lr, weightDecay: config.weightDecay });
  // Every epoch has the same number of batches; the schedule is sized from the first epoch this process runs.
  let schedule: ((step: number) => number) | undefined;
  const checkpointPath = join(run.dir, CHECKPOINT_FILE);
  // The engine's subnormal mode too: it changes the numbers (not the run), so a resumption in another one says so.
  const settings = { train: config, model: run.model ?? {}, engine: { denormals: describeKernels().denormals } };
  const resuming = run.resume === true && existsSync(checkpointPath);
  const changed = resuming ? checkResumeSettings(run.dir, settings, run.addedSettings) : []; // before the weights: names the differing option
  const state: LoopState = resuming
    ? restore(checkpointPath, params, optimizer)
    : { epoch: 0, step: 0, bestEpoch: -1, bestMetric: -Infinity, badEpochs: 0, history: [] };
  if (resuming && !run.quiet)
    process.stderr.write(
      `resuming ${state.partial ? `inside epoch ${state.partial.epoch}, after ${state.partial.batch} of its batches` : `after epoch ${state.epoch}`} (${state.bestEpoch > 0 ? `best ${config.selectMetric} ${state.bestMetric.toFixed(4)} at epoch ${state.bestEpoch}` : 'no epoch validated yet'})${changed.length ? `; changed: ${changed.join(', ')}` : ''}\n`,
    );
  if (!resuming) run.warmStart?.();
  // The first epoch's batches before anything is written: a dataset with nothing to train on leaves no run.json
  // or epochs.jsonl behind. The loop reuses them (and their generator), so the run draws the same numbers.
  let pending: { epoch: number; rng: Rng; batches: readonly Batch[] } | undefined;
  if (state.epoch < config.epochs && state.badEpochs < config.patience) {
    const rng = epochRng(config.seed, state.epoch + 1);
    pending = { epoch: state.epoch + 1, rng, batches: hooks.batches(state.epoch + 1, rng) };
    if (pending.batches.length === 0) throw new SidrecError('E_INPUT', 'no training sequences with at least 2 items');
  }
  mkdirSync(run.dir, { recursive: true });
  // A fresh run over an earlier one: its manifest and graph would describe the old weights, its checkpoint and best
  // weights would be taken for this run's (by --resume after a crash in epoch 1, by evaluate meanwhile), and its
  // transition prior was fitted to the old scores.
  if (!resuming) for (const file of [...FINISHED_RUN_FILES, CHECKPOINT_FILE, BEST_FILE, MODEL_FILES.transitions]) rmSync(join(run.dir, file), { force: true });
  writeRunSettings(run.dir, settings);

  const epochLog = join(run.dir, EPOCH_LOG_FILE);
  if (state.epoch === 0 && !state.partial) writeFileSync(epochLog, '');
  const checkpointMs = 1000 * (run.checkpointSeconds ?? 600) || Infinity;
  let lastSave = performance.now();
  let lastYield = performance.now();
  let epochsThisRun = 0;
  while (state.epoch < config.epochs && state.badEpochs < config.patience) {
    if (run.maxEpochsThisRun !== undefined && epochsThisRun >= run.maxEpochsThisRun) return result(state, 'max-epochs-this-run');
    const epoch = state.epoch + 1;
    const drawn = pending?.epoch === epoch ? pending : undefined;
    pending = undefined;
    const rng = drawn?.rng ?? epochRng(config.seed, epoch);
    const batches = drawn?.batches ?? hooks.batches(epoch, rng);
    if (batches.length === 0) throw new SidrecError('E_INPUT', 'no training sequences with at least 2 items');
    schedule ??= warmupCosine({ peakLr: config.lr, warmupSteps: config.warmupSteps, totalSteps: config.epochs * batches.length });
    const partial = state.partial?.epoch === epoch ? state.partial : undefined; // resuming inside this epoch
    state.partial = undefined;
    const ctx: ForwardContext = { training: true, rng: partial ? Rng.restore(partial.rng) : rng.fork() };
    const progress = new Progress({ label: `epoch ${epoch}`, total: batches.length, unit: 'batches', quiet: run.quiet, startAt: partial?.batch ?? 0 });
    const started = performance.now() - (partial?.seconds ?? 0) * 1000;
    let lossSum = partial?.lossSum ?? 0;
    for (let b = partial?.batch ?? 0; b < batches.length; b++) {
      const batch = batches[b];
      if (run.signal && performance.now() - lastYield > 50) {
        await new Promise((resolve) => setImmediate(resolve)); // lets a signal handler run (the batches are synchronous)
        lastYield = performance.now();
      }
      if (run.signal?.aborted) return interrupted(b);
      optimizer.zeroGrad();
      let loss = 0;
      for (const [part, weight] of hooks.parts?.(batch) ?? [[batch as unknown as Part, 1] as const]) {
        loss += tidy(() => {
          const l = model.loss(part, weight === 1 ? ctx : { ...ctx, share: weight });
          (weight === 1 ? l : mulScalar(l, weight)).backward();
          return l.item() * weight;
        });
      }
      if (!Number.isFinite(loss)) throw new SidrecError('E_STATE', `training diverged: loss ${loss} at epoch ${epoch}, step ${state.step} (lower --lr?)`);
      if (config.clip > 0) clipGradNorm(params, config.clip);
      optimizer.lr = schedule(state.step);
      optimizer.step();
      state.step++;
      lossSum += loss;
      progress.tick(1, `loss ${loss.toFixed(4)}`);
      if (b + 1 < batches.length && performance.now() - lastSave > checkpointMs) savePartial(b + 1);
    }
    let valid: Readonly<Record<string, number>>;
    try {
      valid = await hooks.validate(epoch, run.signal);
    } catch (error) {
      if (error instanceof SidrecError && error.code === 'E_INTERRUPTED' && run.signal?.aborted) return interrupted(batches.length);
      throw error;
    }
    const metric = valid[config.selectMetric];
    if (metric === undefined) throw new SidrecError('E_CONFIG', `validation did not report "${config.selectMetric}"`);
    const record: EpochRecord = { epoch, loss: lossSum / batches.length, seconds: (performance.now() - started) / 1000, valid };
    state.history.push(record);
    state.epoch = epoch;
    if (metric > state.bestMetric) {
      state.bestMetric = metric;
      state.bestEpoch = epoch;
      state.badEpochs = 0;
      saveCheckpoint(join(run.dir, BEST_FILE), params, undefined, { epoch: String(epoch), [config.selectMetric]: String(metric) });
    } else if (state.step > config.warmupSteps) state.badEpochs++; // an epoch that ended inside the warm-up: see patienceCounts
    progress.finish(`loss ${record.loss.toFixed(4)}  valid ${config.selectMetric} ${metric.toFixed(4)}  ${outlook(state, config)}`);
    saveCheckpoint(checkpointPath, params, optimizer, { loop: JSON.stringify(state) });
    lastSave = performance.now();
    appendFileSync(epochLog, `${JSON.stringify(record)}\n`);
    run.onEpoch?.(record);
    epochsThisRun++;
    if (run.signal?.aborted && state.epoch < config.epochs && state.badEpochs < config.patience) return interrupted(0, epoch + 1);

    /** A checkpoint after `done` batches of this epoch (the loop state says how far, and the draws' state). */
    function savePartial(done: number): void {
      const at: PartialEpoch = { epoch, batch: done, lossSum, seconds: (performance.now() - started) / 1000, rng: (ctx.rng as Rng).snapshot() };
      saveCheckpoint(checkpointPath, params, optimizer, { loop: JSON.stringify({ ...state, partial: at }) });
      lastSave = performance.now();
    }

    /** Stops before batch `b` of epoch `at` (b = the epoch's batches: in its validation), checkpointed there. */
    function interrupted(b: number, at = epoch): TrainResult {
      if (b > 0) {
        savePartial(b);
        progress.finish(`interrupted ${b === batches.length ? 'in validation' : `after ${b} of ${batches.length} batches`}: saved`);
      }
      return { ...result(state, 'interrupted'), interruptedAt: { epoch: at, batch: b, batches: batches.length } };
    }
  }
  return result(state, state.badEpochs >= config.patience ? 'patience' : 'epochs');
}

/**
 * After an epoch: the best so far, the patience used, and the time the rest of the schedule takes at the pace of the
 * last three epochs (an upper bound: early stopping may end it sooner), e.g.
 * "best 0.0636 @ 8, patience 2/5; 22 epochs left, at most ~1h06m".
 */
export function outlook(
  state: Pick<LoopState, 'epoch' | 'bestEpoch' | 'bestMetric' | 'badEpochs' | 'history'> & { step?: number },
  config: Pick<TrainConfig, 'epochs' | 'patience'> & { warmupSteps?: number },
): string {
  const warming = state.step !== undefined && config.warmupSteps !== undefined && state.step <= config.warmupSteps;
  const head = `best ${state.bestMetric.toFixed(4)} @ ${state.bestEpoch}, patience ${state.badEpochs}/${config.patience}${warming ? ' (counted after the warm-up)' : ''}`;
  const left = state.badEpochs >= config.patience ? 0 : config.epochs - state.epoch;
  if (left <= 0) return head;
  const recent = state.history.slice(-3);
  const pace = recent.reduce((sum, r) => sum + r.seconds, 0) / Math.max(1, recent.length);
  return `${head}; ${left} epoch${left === 1 ? '' : 's'} left, at most ~${formatSeconds(left * pace)}`;
}

function result(state: LoopState, stopped: TrainResult['stopped']): TrainResult {
  return { bestEpoch: state.bestEpoch, bestMetric: state.bestMetric, history: state.history, stopped };
}

function restore(path: string, params: readonly NamedParameter[], optimizer: AdamW): LoopState {
  const metadata = loadCheckpoint(path, params, optimizer);
  if (!metadata.loop) throw new SidrecError('E_STATE', 'checkpoint has no training-loop state', { file: path });
  const state = JSON.parse(metadata.loop) as LoopState;
  // JSON writes the -Infinity of a run with no validated epoch yet (stopped inside its first) as null.
  return { ...state, bestMetric: state.bestMetric ?? -Infinity };
}

/** The generator for one epoch: depends only on (seed, epoch), so resumed runs draw the same numbers. */
function epochRng(seed: number, epoch: number): Rng {
  return new Rng((Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(epoch + 1, 0x85ebca77)) >>> 0);
}
