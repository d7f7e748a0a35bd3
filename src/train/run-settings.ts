/**
 * What a training run was started with (`OUT/run.json`: the training options plus the model's kind, architecture
 * and dataset), so `--resume` continues the same run: resuming with other settings would silently mix two
 * trainings in one checkpoint. Only the schedule's length (epochs) and the patience may change on resume; the
 * warm-up + cosine schedule is then re-sized to the new length from the step reached.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { SidrecError } from '../core/errors.js';
import { RUN_SETTINGS_FILE } from '../model/manifest.js';
import type { TrainConfig } from './config.js';

export interface RunSettings {
  readonly train: TrainConfig;
  /** The model's kind, architecture, dataset, and anything else the run depends on. */
  readonly model: Readonly<Record<string, unknown>>;
  /** The engine mode the run trains in (src/tensor/kernels/denormals.ts); absent in runs started before it. */
  readonly engine?: { readonly denormals: string };
}

/** Training options that may differ between a run and its resumption. */
const MAY_CHANGE_ON_RESUME: ReadonlySet<string> = new Set(['train.epochs', 'train.patience', 'engine.denormals']);

export function writeRunSettings(dir: string, settings: RunSettings): void {
  writeJsonAtomic(join(dir, RUN_SETTINGS_FILE), settings);
}

/**
 * On resume: throws naming every setting that differs from the run being resumed (except epochs and patience),
 * and returns notes on those that may change. A checkpoint from before run.json existed is accepted as is.
 * `added` names model settings (paths inside the model block, e.g. `config.auxNegatives`) that the family gained
 * after runs were started, each with the value that trains as before it existed: a run.json without such a key
 * resumes when the current value is that one.
 */
export function checkResumeSettings(dir: string, current: RunSettings, added: Readonly<Record<string, unknown>> = {}): string[] {
  const path = join(dir, RUN_SETTINGS_FILE);
  if (!existsSync(path)) return [];
  const saved = JSON.parse(readFileSync(path, 'utf8')) as RunSettings;
  const before = flatten(saved as unknown as Record<string, unknown>);
  const now = flatten(current as unknown as Record<string, unknown>);
  const changed = [...new Set([...before.keys(), ...now.keys()])].filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(now.get(k)));
  // The value a run that did not record setting k trained at, when the family lists k as added since.
  const recordedLater = (k: string): { readonly value: unknown } | undefined => {
    const inModel = k.startsWith('model.') ? k.slice('model.'.length) : undefined;
    return inModel !== undefined && !before.has(k) && inModel in added ? { value: added[inModel] } : undefined;
  };
  const asBefore = (k: string): boolean => {
    const later = recordedLater(k);
    return later !== undefined && JSON.stringify(later.value) === JSON.stringify(now.get(k));
  };
  const refused = changed.filter((k) => !MAY_CHANGE_ON_RESUME.has(k) && !asBefore(k));
  if (refused.length > 0) {
    const had = (k: string): string => {
      const later = recordedLater(k);
      return later ? `${JSON.stringify(later.value)}, from before the setting was recorded` : JSON.stringify(before.get(k));
    };
    const list = refused.map((k) => `${k} ${JSON.stringify(now.get(k))} (the run has ${had(k)})`).join(', ');
    throw new SidrecError(
      'E_CONFIG',
      `--resume with other settings than the run being resumed: ${list}; repeat the run's own options, or train into a new --out`,
      { file: path, field: refused[0] },
    );
  }
  return changed.map((k) =>
    asBefore(k)
      ? `${k}: ${JSON.stringify(now.get(k))} (added since the run started; trains as before)`
      : before.has(k)
        ? `${k}: ${JSON.stringify(before.get(k))} -> ${JSON.stringify(now.get(k))}`
        : `${k}: ${JSON.stringify(now.get(k))} (not recorded when the run started)`,
  );
}

function flatten(value: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out.set(key, v);
  }
  return out;
}
