/**
 * One training entry for every model family: a family describes its run as a `TrainingPlan` (the model, its
 * batches and validation, the run.json block, how to finish), and `runTraining` drives it through the shared loop
 * (trainer.ts), loads the best epoch, lets the plan evaluate the test split, and completes the model directory
 * with the manifest: the part every model shares (manifest.ts) plus the family's own block. One process at a time per
 * model directory (run-lock.ts).
 */
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import type { EvalResult } from '../eval/index.js';
import { writeManifest } from '../model/manifest.js';
import { loadCheckpoint } from '../tensor/index.js';
import type { TrainConfig } from './config.js';
import { runManifest } from './manifest.js';
import { lockRun } from './run-lock.js';
import { BEST_FILE, train, type TrainableModel, type TrainHooks, type TrainResult, type TrainRunOptions } from './trainer.js';

/** A model the loop can train and a manifest can describe. */
export interface PlannedModel<Batch> extends TrainableModel<Batch> {
  /** The architecture's resolved config (recorded in the manifest). */
  readonly config: object;
}

export interface TrainingPlan<Batch = unknown, Part = Batch> {
  /** The manifest kind (the family's table key). */
  readonly kind: string;
  readonly numItems: number;
  readonly dataDir: string;
  readonly model: PlannedModel<Part>;
  /** Batches, validation and optional parts (trainer.ts). */
  readonly hooks: TrainHooks<Batch, Part>;
  /** run.json's model block: everything besides the training options that the run depends on (checked on resume). */
  readonly settings: Readonly<Record<string, unknown>>;
  /**
   * Settings the family gained after runs were started (paths inside `settings`, e.g. `config.auxNegatives`), each
   * with the value that trains as before it existed: such a run resumes when the current value is that one.
   */
  readonly addedSettings?: Readonly<Record<string, unknown>>;
  /** Starting weights of a fresh run (e.g. Gryphon from a TIGER run). */
  readonly warmStart?: () => void;
  /** After the best epoch's weights are loaded: the test evaluation and the family's manifest block. */
  finish(run: TrainRunOptions, result: TrainResult): Promise<FinishedPlan>;
}

export interface FinishedPlan {
  /** The test metrics the manifest records as `test`. */
  readonly test: EvalResult;
  /** What the CLI prints: one row per ranking (label, result). */
  readonly tables: readonly { readonly label: string; readonly result: EvalResult }[];
  /** The family's own manifest fields, e.g. `{ rpg: {...} }`. */
  readonly manifest?: Readonly<Record<string, unknown>>;
  /** Extra lines for the CLI (e.g. the item graph's build time). */
  readonly notes?: readonly string[];
}

export interface TrainingOutcome {
  readonly result: TrainResult;
  /** Absent when the run paused (--stop-after) before its schedule ended. */
  readonly finished?: FinishedPlan;
}

export async function runTraining<Batch, Part>(plan: TrainingPlan<Batch, Part>, config: TrainConfig, run: TrainRunOptions): Promise<TrainingOutcome> {
  const release = lockRun(run.dir);
  try {
    return await trainAndFinish(plan, config, run);
  } finally {
    release();
  }
}

async function trainAndFinish<Batch, Part>(plan: TrainingPlan<Batch, Part>, config: TrainConfig, run: TrainRunOptions): Promise<TrainingOutcome> {
  const started = performance.now();
  const result = await train(plan.model, config, plan.hooks, {
    ...run,
    ...(plan.warmStart ? { warmStart: plan.warmStart } : {}),
    ...(plan.addedSettings ? { addedSettings: plan.addedSettings } : {}),
    model: plan.settings,
  });
  if (result.stopped === 'max-epochs-this-run' || result.stopped === 'interrupted') return { result };
  loadCheckpoint(join(run.dir, BEST_FILE), plan.model.namedParameters());
  const finished = await plan.finish(run, result).catch((error: unknown) => {
    if (!(error instanceof SidrecError && error.code === 'E_INTERRUPTED')) throw error;
    throw new SidrecError(
      'E_INTERRUPTED',
      `${error.message} in the final evaluation: training is over and saved (best epoch ${result.bestEpoch}); continue: the same command with --resume, which evaluates it`,
      { file: run.dir },
    );
  });
  const shared = runManifest({
    kind: plan.kind,
    numItems: plan.numItems,
    dataDir: plan.dataDir,
    modelConfig: plan.model.config,
    config,
    result,
    test: finished.test.metrics,
    started,
  });
  writeManifest(run.dir, { ...shared, ...finished.manifest });
  return { result, finished };
}
