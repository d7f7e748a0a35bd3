/**
 * Opening a SASRec model directory: the architecture its manifest records, with the best epoch's weights. As a
 * Recommender it scores every item (decode/recommender.ts: FullScoringRecommender).
 */
import { join } from 'node:path';
import { FullScoringRecommender, tableRows } from '../../decode/recommender.js';
import { MODEL_FILES } from '../../model/files.js';
import type { ModelManifest } from '../../model/manifest.js';
import { SasRec, type SasRecConfig } from '../../model/sasrec.js';
import { loadCheckpoint } from '../../tensor/index.js';

/** A SASRec model directory's architecture with its best weights. */
export function openSasRecModel(dir: string, manifest: ModelManifest): SasRec {
  const model = new SasRec(manifest.numItems, manifest.modelConfig as Partial<SasRecConfig>, manifest.seed);
  loadCheckpoint(join(dir, MODEL_FILES.best), model.namedParameters());
  return model;
}

export function sasRecRecommender(model: SasRec): FullScoringRecommender {
  return new FullScoringRecommender(
    'sasrec',
    model.numItems,
    (histories) => model.score(histories),
    () => tableRows(model.itemTable.f32, model.config.dim, model.numItems, 1), // row 0 is padding
  );
}
