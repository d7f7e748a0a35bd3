/**
 * A trained model directory: `manifest.json` (what was trained, on which dataset, with which settings and
 * results) beside `best.safetensors` (the weights of the best validation epoch) and `checkpoint.safetensors`
 * (the latest epoch, for --resume). The manifest is written last and atomically: its presence means the
 * directory is complete.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { SidrecError } from '../core/errors.js';

export const MODEL_FORMAT = 'sidrec-model';
export const MODEL_VERSION = 1;

export interface ModelManifest {
  readonly format: typeof MODEL_FORMAT;
  readonly version: number;
  readonly kind: 'sasrec' | 'rpg' | 'tiger' | 'gryphon';
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
  /** RPG only: SIDs, item graph, decoding settings and graph-decoded test metrics. */
  readonly rpg?: Readonly<Record<string, unknown>>;
  /** TIGER / Gryphon only: `sidsDir` (the SemanticIdTable directory), decoding settings, epoch times, Gryphon's beam-ranked test metrics. */
  readonly sid?: Readonly<Record<string, unknown>>;
}

export function writeManifest(dir: string, manifest: ModelManifest): void {
  writeJsonAtomic(join(dir, 'manifest.json'), manifest);
}

export function isModelDir(dir: string): boolean {
  return existsSync(join(dir, 'manifest.json'));
}

export function readManifest(dir: string): ModelManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new SidrecError('E_NOT_FOUND', 'not a trained model directory (no manifest.json)', { file: dir });
  let value: ModelManifest;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as ModelManifest;
  } catch (error) {
    throw new SidrecError('E_STATE', `unreadable manifest: ${(error as Error).message}`, { file: path });
  }
  if (value.format !== MODEL_FORMAT) throw new SidrecError('E_STATE', `not a sidrec model manifest`, { file: path, field: 'format' });
  if (value.version !== MODEL_VERSION) throw new SidrecError('E_STATE', `manifest version ${value.version}, this sidrec reads ${MODEL_VERSION}`, { file: path, field: 'version' });
  return value;
}
