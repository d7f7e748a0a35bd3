/** `sidrec export` for SASRec: its ONNX graph (onnx.ts), checked against the engine and written (export-check.ts). */
import { resolve } from 'node:path';
import type { ServingItems } from '../../model/bundle.js';
import type { ModelManifest } from '../../model/manifest.js';
import type { SasRec } from '../../model/sasrec.js';
import type { TransitionPrior } from '../../model/transitions.js';
import { checkExport, exportGraph } from '../export-check.js';
import type { ExportCheck, ExportResult } from '../family.js';
import { SASREC_INPUTS, sasRecGraph } from './onnx.js';
import type { ExportPrecision } from '../onnx-graph.js';

export function checkSasRecExport(model: SasRec, onnx: Uint8Array, histories: readonly ArrayLike<number>[]): ExportCheck {
  return checkExport(onnx, SASREC_INPUTS, model.config.maxLen, model.numItems, histories, model.score(histories));
}

export function exportSasRec(
  model: SasRec,
  dir: string,
  manifest: ModelManifest,
  items: ServingItems,
  histories: readonly ArrayLike<number>[],
  out: string,
  precision: ExportPrecision = 'float32',
  /** The model directory's transition prior, carried into the export. */
  prior?: TransitionPrior,
): ExportResult {
  const spec = {
    kind: 'sasrec',
    model: resolve(dir),
    modelConfig: manifest.modelConfig,
    numItems: model.numItems,
    maxLen: model.config.maxLen,
    inputs: SASREC_INPUTS,
    ...(prior ? { transitions: prior } : {}),
  };
  return exportGraph(
    spec,
    (p) => sasRecGraph(model, p),
    (h) => model.score(h),
    items,
    histories,
    out,
    precision,
  );
}
