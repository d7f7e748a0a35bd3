/** Opens a trained model directory: reads its manifest, rebuilds the architecture and loads the best weights. */
import { join } from 'node:path';
import { loadCheckpoint } from '../tensor/index.js';
import { readManifest, type ModelManifest } from './manifest.js';
import { SasRec, type SasRecConfig } from './sasrec.js';

export interface LoadedModel {
  readonly manifest: ModelManifest;
  readonly model: SasRec;
}

export function loadModel(dir: string): LoadedModel {
  const manifest = readManifest(dir);
  const model = new SasRec(manifest.numItems, manifest.modelConfig as Partial<SasRecConfig>, manifest.seed);
  loadCheckpoint(join(dir, 'best.safetensors'), model.namedParameters());
  return { manifest, model };
}
