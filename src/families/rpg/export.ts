/** `sidrec export` for RPG: its exact-scoring ONNX graph (onnx.ts), checked against the engine and written (export-check.ts). */
import { resolve } from 'node:path';
import type { ServingItems } from '../../model/bundle.js';
import type { ModelManifest } from '../../model/manifest.js';
import { scoreAll } from '../../model/rpg-score.js';
import type { Rpg } from '../../model/rpg.js';
import type { TransitionPrior } from '../../model/transitions.js';
import { exportGraph, int32Bytes } from '../export-check.js';
import type { ExportResult } from '../family.js';
import { RPG_INPUTS, rpgGraph } from './onnx.js';
import type { GraphSearchConfig } from '../../decode/graph.js';
import type { ItemGraph } from '../../decode/item-graph.js';
import type { ExportPrecision } from '../onnx-graph.js';

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
  precision: ExportPrecision = 'float32',
  /** The item graph and search settings, for graph-constrained decoding in the runtime (absent: exact scoring only). */
  decoding?: { readonly graph: ItemGraph; readonly search: GraphSearchConfig },
  /** The model directory's transition prior, carried into the export. */
  prior?: TransitionPrior,
): ExportResult {
  const graphFiles: Record<string, Uint8Array> = decoding
    ? { 'graph.bin': int32Bytes(decoding.graph.neighbors), 'tokens.bin': int32Bytes(model.itemTokens) }
    : {};
  const graphInfo = decoding ? { graph: { k: decoding.graph.k, file: 'graph.bin', tokens: 'tokens.bin', search: decoding.search } } : {};
  const spec = {
    kind: 'rpg',
    model: resolve(dir),
    modelConfig: manifest.modelConfig,
    numItems: model.numItems,
    maxLen: model.config.maxLen,
    inputs: RPG_INPUTS,
    extra: { digits: model.digits, codebookSize: model.codebookSize, ...graphInfo },
    files: graphFiles,
    ...(prior ? { transitions: prior } : {}),
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
