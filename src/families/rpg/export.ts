/** `sidrec export` for RPG: its exact-scoring ONNX graph (onnx.ts), checked against the engine and written (export-check.ts). */
import { resolve } from 'node:path';
import type { ServingItems } from '../../model/bundle.js';
import type { ModelManifest } from '../../model/manifest.js';
import { scoreAll } from '../../model/rpg-score.js';
import type { Rpg } from '../../model/rpg.js';
import { encodeModel } from '../../tensor/kernels/onnx-proto.js';
import { checkExport, writeExport } from '../export-check.js';
import type { ExportCheck, ExportResult } from '../family.js';
import { RPG_INPUTS, rpgGraph } from './onnx.js';

export function checkRpgExport(model: Rpg, onnx: Uint8Array, histories: readonly ArrayLike<number>[]): ExportCheck {
  const { digits: m, codebookSize: C, numItems: N, itemTokens } = model;
  const engine = scoreAll(model.logProbs(histories), histories.length, itemTokens, m, C, N);
  return checkExport(onnx, RPG_INPUTS, model.config.maxLen, N, histories, engine);
}

export function exportRpg(
  model: Rpg,
  dir: string,
  manifest: ModelManifest,
  items: ServingItems,
  histories: readonly ArrayLike<number>[],
  out: string,
  precision: 'float32' | 'float16' = 'float32',
): ExportResult {
  const onnx = encodeModel(rpgGraph(model, precision));
  const check = checkRpgExport(model, onnx, histories);
  const spec = {
    kind: 'rpg',
    model: resolve(dir),
    modelConfig: manifest.modelConfig,
    numItems: model.numItems,
    maxLen: model.config.maxLen,
    inputs: RPG_INPUTS,
    precision,
    extra: { digits: model.digits, codebookSize: model.codebookSize },
  };
  return writeExport(out, onnx, spec, items, check);
}
