/**
 * Opens a trained model directory: reads its manifest, rebuilds the architecture its `kind` names and loads the
 * best weights. RPG directories also hold the items' codes (sids.safetensors) and the item graph, which decoding
 * opens itself (decode/item-graph.ts: openItemGraph).
 */
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { loadCheckpoint } from '../tensor/index.js';
import { readManifest, type ModelManifest } from './manifest.js';
import { Rpg, type RpgConfig } from './rpg.js';
import { loadItemCodes } from './rpg-io.js';
import { SasRec, type SasRecConfig } from './sasrec.js';

export interface LoadedSasRec {
  readonly kind: 'sasrec';
  readonly manifest: ModelManifest;
  readonly model: SasRec;
}

export interface LoadedRpg {
  readonly kind: 'rpg';
  readonly manifest: ModelManifest;
  readonly model: Rpg;
}

export type AnyLoadedModel = LoadedSasRec | LoadedRpg;

/** Any trained model directory, dispatched on the manifest's `kind`. */
export function openModel(dir: string): AnyLoadedModel {
  const manifest = readManifest(dir);
  switch (manifest.kind) {
    case 'sasrec': {
      const model = new SasRec(manifest.numItems, manifest.modelConfig as Partial<SasRecConfig>, manifest.seed);
      loadCheckpoint(join(dir, 'best.safetensors'), model.namedParameters());
      return { kind: 'sasrec', manifest, model };
    }
    case 'rpg': {
      const model = new Rpg(loadItemCodes(join(dir, 'sids.safetensors')), manifest.modelConfig as Partial<RpgConfig>, manifest.seed);
      loadCheckpoint(join(dir, 'best.safetensors'), model.namedParameters());
      return { kind: 'rpg', manifest, model };
    }
    case 'tiger':
    case 'gryphon':
      throw new SidrecError('E_CONFIG', `a ${manifest.kind} directory: open it with openSidModel (src/model/tiger-load.ts)`, { file: dir, field: 'kind' });
    default:
      throw new SidrecError('E_STATE', `unknown model kind "${(manifest as { kind: string }).kind}"`, { file: dir, field: 'kind' });
  }
}

/** A SASRec model directory (the serving adapter's entry point); other kinds are rejected by name. */
export function loadModel(dir: string): LoadedSasRec {
  const loaded = openModel(dir);
  if (loaded.kind !== 'sasrec') throw new SidrecError('E_CONFIG', `expected a sasrec model, this directory holds "${loaded.kind}" (use openModel)`, { file: dir, field: 'kind' });
  return loaded;
}
