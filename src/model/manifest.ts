/**
 * A trained model directory: `manifest.json` (what was trained, on which dataset, with which settings and
 * results) beside `best.safetensors` (the weights of the best validation epoch) and `checkpoint.safetensors`
 * (the latest epoch, for --resume). The manifest is written last and atomically: its presence means the
 * directory is complete. Writing it first writes the directory's bundle (bundle.ts: the serving catalogue and
 * the pins of it, of the dataset and of the bundled SIDs), so a finished directory serves on its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { SidrecError } from '../core/errors.js';
import { writeBundle, type ModelBundle } from './bundle.js';
import { MODEL_FILES } from './files.js';
import { readSafetensorsMetadata } from '../tensor/io/safetensors.js';

export const MODEL_FORMAT = 'sidrec-model';
export const MODEL_VERSION = 1;

export interface ModelManifest {
  readonly format: typeof MODEL_FORMAT;
  readonly version: number;
  /** The model family (families/index.ts). */
  readonly kind: string;
  readonly numItems: number;
  /** Absolute path of the dataset artifact it was trained on. */
  readonly dataDir: string;
  readonly modelConfig: Readonly<Record<string, unknown>>;
  readonly trainConfig: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly bestEpoch: number;
  readonly valid: Readonly<Record<string, number>>;
  readonly test?: Readonly<Record<string, number>>;
  readonly trainSeconds: number;
  readonly peakRssMiB: number;
  /** The SID directory the model was trained on (absolute), for every model that reads SIDs. */
  readonly sids?: string;
  /** RPG only: codes, item graph, decoding settings and graph-decoded test metrics. */
  readonly rpg?: Readonly<Record<string, unknown>>;
  /** TIGER / Gryphon only: decoding settings, epoch times, Gryphon's beam-ranked test metrics. */
  readonly sid?: Readonly<Record<string, unknown>>;
  /** What the directory carries and pins for serving (absent in directories written before bundles). */
  readonly bundle?: ModelBundle;
  /** A training run still under way (or paused): no manifest.json yet, read from its run.json; the weights are its best epoch so far. */
  readonly inProgress?: boolean;
}

/** Written by the training loop when a run starts (src/train/run-settings.ts). */
export const RUN_SETTINGS_FILE = MODEL_FILES.runSettings;

/** Files a run writes only when it finishes; a fresh run into the same directory removes them first. */
export const FINISHED_RUN_FILES: readonly string[] = Object.freeze([MODEL_FILES.manifest, MODEL_FILES.itemGraph, MODEL_FILES.items]);

/** Writes the bundle of a finished run (bundle.ts), then the manifest pinning it. */
export function writeManifest(dir: string, manifest: ModelManifest): void {
  const bundle = manifest.inProgress ? undefined : writeBundle(dir, manifest);
  writeJsonAtomic(join(dir, MODEL_FILES.manifest), bundle ? { ...manifest, bundle } : manifest);
}

/** A finished model directory, or a run under way that has a best epoch already. */
export function isModelDir(dir: string): boolean {
  return existsSync(join(dir, MODEL_FILES.manifest)) || isRunInProgress(dir);
}

function isRunInProgress(dir: string): boolean {
  return existsSync(join(dir, RUN_SETTINGS_FILE)) && existsSync(join(dir, MODEL_FILES.best));
}

/**
 * The model directory's manifest. A run still under way (or paused with --stop-after) has none yet: its run.json
 * then stands in (`inProgress: true`), so the best epoch so far can be evaluated, queried and served.
 */
export function readManifest(dir: string): ModelManifest {
  const path = join(dir, MODEL_FILES.manifest);
  if (!existsSync(path) && isRunInProgress(dir)) return manifestOfRun(dir);
  if (!existsSync(path)) throw new SidrecError('E_NOT_FOUND', 'not a trained model directory (no manifest.json)', { file: dir });
  let value: ModelManifest;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as ModelManifest;
  } catch (error) {
    throw new SidrecError('E_STATE', `unreadable manifest: ${(error as Error).message}`, { file: path });
  }
  if (value.format !== MODEL_FORMAT) throw new SidrecError('E_STATE', `not a sidrec model manifest`, { file: path, field: 'format' });
  if (value.version !== MODEL_VERSION)
    throw new SidrecError('E_STATE', `manifest version ${value.version}, this sidrec reads ${MODEL_VERSION}`, { file: path, field: 'version' });
  return value;
}

/**
 * The epoch whose weights the directory serves: the manifest's best epoch once training finished, else the epoch
 * best.safetensors records (the best so far, which a run under way may still replace). Undefined when unrecorded.
 */
export function servedEpoch(dir: string, manifest: ModelManifest): number | undefined {
  if (!manifest.inProgress) return manifest.bestEpoch >= 0 ? manifest.bestEpoch : undefined;
  const epoch = Number(readSafetensorsMetadata(join(dir, MODEL_FILES.best)).epoch);
  return Number.isInteger(epoch) ? epoch : undefined;
}

function manifestOfRun(dir: string): ModelManifest {
  const path = join(dir, RUN_SETTINGS_FILE);
  let run: {
    train: Record<string, unknown> & { seed: number };
    model: { kind: string; numItems: number; config: Record<string, unknown>; data: string; sids?: string };
  };
  try {
    run = JSON.parse(readFileSync(path, 'utf8')) as typeof run;
  } catch (error) {
    throw new SidrecError('E_STATE', `unreadable run settings: ${(error as Error).message}`, { file: path });
  }
  const { kind, numItems, config, data, sids } = run.model ?? {};
  if (!kind || !Number.isInteger(numItems) || !config || !data)
    throw new SidrecError('E_STATE', 'run settings lack the model kind, item count, architecture or dataset', { file: path, field: 'model' });
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    kind,
    numItems,
    dataDir: data,
    modelConfig: config,
    trainConfig: run.train,
    seed: run.train.seed,
    bestEpoch: -1,
    valid: {},
    trainSeconds: 0,
    peakRssMiB: 0,
    inProgress: true,
    ...(sids ? { sids } : {}),
  };
}
