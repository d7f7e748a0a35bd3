/** `sidrec export` for RPG: its exact-scoring ONNX graph (onnx.ts), checked against the engine and written (export-check.ts). */
import { resolve } from 'node:path';
import type { ServingItems } from '../../model/bundle.js';
import type { ModelManifest } from '../../model/manifest.js';
import { scoreAll } from '../../model/rpg-score.js';
import type { Rpg } from '../../model/rpg.js';
import { exportGraph } from '../export-check.js';
import type { ExportResult } from '../family.js';
import { RPG_INPUTS, rpgGraph } from './onnx.js';

/** The engine's exact scores of every item, as the graph computes them. */
function exactScores(model: Rpg, histories: readonly ArrayLike<number>[]): Float32Array {
  const { digits: m, codebookSize: C, numItems: N, itemTokens } = model;
  return scoreAll(model.logProbs(histories), histories.length, itemTokens, m, C, N);
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
  const spec = {
    kind: 'rpg',
    model: resolve(dir),
    modelConfig: manifest.modelConfig,
    numItems: model.numItems,
    maxLen: model.config.maxLen,
    inputs: RPG_INPUTS,
    extra: { digits: model.digits, codebookSize: model.codebookSize },
  };
  return exportGraph(
    spec,
    (p) => rpgGraph(model, p),
    (h) => exactScores(model, h),
    items,
    histories,
    out,
    precision,
  );
}
