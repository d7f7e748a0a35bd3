/**
 * A DIGER run still under way (or paused with --stop-after) has no frozen SID directory yet: its SIDs live in the
 * checkpoint's codebooks. This rebuilds the best epoch's TIGER and SIDs from the run's run.json (the pre-trained SID
 * directory), its item latents (pretrained.ts) and best weights, exactly as the run's own validation reads them,
 * so `evaluate`, `recommend`, `serve` and `export` work on the best epoch so far, as for every other family.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../../core/errors.js';
import { loadDataset, split } from '../../data/index.js';
import { MODEL_FILES } from '../../model/files.js';
import { RUN_SETTINGS_FILE, type ModelManifest } from '../../model/manifest.js';
import type { TigerConfig } from '../../model/tiger.js';
import { loadCheckpoint } from '../../tensor/index.js';
import type { LoadedSidModel } from '../tiger/open.js';
import { Diger, refreshDigerTable, type DigerOptions } from './model.js';
import { loadPretrainedSids, tokenizerFeatures, tokenizerLatents } from './pretrained.js';

interface DigerRunBlock {
  readonly config?: TigerConfig & { readonly diger?: DigerOptions };
  readonly data?: string;
  readonly initialSids?: string;
}

/** The best epoch so far of the DIGER run in `dir` as a TIGER and the SID table it decodes. */
export function openDigerInProgress(dir: string, manifest: ModelManifest): LoadedSidModel {
  const path = join(dir, RUN_SETTINGS_FILE);
  const run = (JSON.parse(readFileSync(path, 'utf8')) as { model?: DigerRunBlock }).model ?? {};
  const { config, data, initialSids } = run;
  if (!config?.diger || !data || !initialSids)
    throw new SidrecError('E_STATE', 'a DIGER run.json names its architecture, dataset and pre-trained SIDs; this one does not', {
      file: path,
      field: 'model',
    });
  const pre = loadPretrainedSids(initialSids);
  const features = () => {
    const dataset = loadDataset(data); // only for a run from before its latents were kept
    return tokenizerFeatures(dataset, split(dataset), pre);
  };
  const latents = tokenizerLatents(dir, pre, features, { reuse: true, save: false });
  const { diger: options, codeSizes: _codeSizes, ...tiger } = config;
  const model = new Diger(tiger, pre.tokenizer.network, latents, options, manifest.seed);
  loadCheckpoint(join(dir, MODEL_FILES.best), model.namedParameters());
  return { kind: 'tiger', manifest, model: model.tiger, table: refreshDigerTable(model) };
}
