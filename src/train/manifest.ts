/**
 * The part of a model directory's manifest that every trained model shares, derived from the finished run, so
 * each model's trainer only adds its own block (`rpg`, `sid`).
 */
import { resolve } from 'node:path';
import { peakRssMiB } from '../core/memory.js';
import { MODEL_FORMAT, MODEL_VERSION, type ModelManifest } from '../model/manifest.js';
import type { TrainConfig } from './config.js';
import type { TrainResult } from './trainer.js';

export interface FinishedRun {
  readonly kind: ModelManifest['kind'];
  readonly numItems: number;
  readonly dataDir: string;
  readonly modelConfig: object;
  readonly config: TrainConfig;
  readonly result: TrainResult;
  readonly test: Readonly<Record<string, number>>;
  /** performance.now() when the run started. */
  readonly started: number;
}

export function runManifest(run: FinishedRun): ModelManifest {
  const best = run.result.history.find((h) => h.epoch === run.result.bestEpoch);
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    kind: run.kind,
    numItems: run.numItems,
    dataDir: resolve(run.dataDir),
    modelConfig: { ...run.modelConfig },
    trainConfig: { ...run.config },
    seed: run.config.seed,
    bestEpoch: run.result.bestEpoch,
    valid: best?.valid ?? {},
    test: run.test,
    trainSeconds: (performance.now() - run.started) / 1000,
    peakRssMiB: peakRssMiB(),
  };
}
