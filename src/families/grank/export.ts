/**
 * `sidrec export` for GRank: the generator and the ranker as one ONNX graph with two outputs (onnx.ts) plus the
 * training transitions the ranker's count features read (ranker-counts.bin), for a runtime that runs the two stages
 * in TypeScript
 * (decode/grank-runtime.ts, which the browser module runs). Exact retrieval: the page scores every item with the
 * generator (a served `--mips usearch` is an index over the same inner products). The check runs that runtime in
 * onnxruntime-node on seeded histories and compares each top 10 (history excluded, as served) with the engine's
 * recommender at the served settings (export-check.ts's rules).
 */
import { resolve } from 'node:path';
import { SidrecError } from '../../core/errors.js';
import { GRANK_COUNTS_FILE, GRankRuntime, type GRankExportLayout } from '../../decode/grank-runtime.js';
import type { ServingItems } from '../../model/bundle.js';
import { HISTORY_INPUT_DOCS } from '../../model/history-inputs.js';
import type { ModelManifest } from '../../model/manifest.js';
import { transitionBytes } from '../../model/transition-counts.js';
import { encodeModel } from '../../tensor/kernels/onnx-proto.js';
import { checkListRanker, refusePrior, writeExport } from '../export-check.js';
import type { ExportOptions, ExportResult } from '../family.js';
import type { ExportPrecision } from '../onnx-graph.js';
import type { GRank } from './model.js';
import { GRANK_GENERATOR_INPUTS, GRANK_RANKER_INPUT_DOCS, grankGraph } from './onnx.js';
import type { GRankRecommender, GRankUse } from './recommender.js';

export async function exportGRank(
  model: GRank,
  served: GRankRecommender,
  use: GRankUse,
  dir: string,
  manifest: ModelManifest,
  items: ServingItems,
  histories: readonly ArrayLike<number>[],
  out: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  refusePrior(options, dir, 'grank');
  if (!use.ranker)
    throw new SidrecError('E_CONFIG', 'a grank export ranks as served, generator and ranker; --ranking generator is not exported', { field: 'ranking' });
  const precision: ExportPrecision = options.precision ?? 'float32';
  const W = model.config.rankCounts;
  const counts = W > 0 && model.counts ? transitionBytes(model.counts.table, model.counts.numItems, 0) : undefined;
  const layout: GRankExportLayout = {
    candidates: use.candidates,
    rankerWeight: use.rankerWeight ?? 1,
    rankCounts: W,
    ...(counts
      ? { counts: { file: GRANK_COUNTS_FILE, numItems: counts.description.numItems, pairs: counts.description.pairs, layout: counts.description.layout } }
      : {}),
  };
  const onnx = encodeModel(grankGraph(model, precision));

  const check = await checkListRanker(
    served,
    async (ort, session) => new GRankRuntime(ort, await session(onnx), layout, model.numItems, model.config.maxLen, model.counts),
    histories,
  );
  const spec = {
    kind: 'grank',
    model: resolve(dir),
    modelConfig: manifest.modelConfig,
    numItems: model.numItems,
    maxLen: model.config.maxLen,
    inputs: [...GRANK_GENERATOR_INPUTS, ...Object.keys(GRANK_RANKER_INPUT_DOCS)],
    precision,
    extra: { grank: layout },
    files: counts ? { [GRANK_COUNTS_FILE]: counts.bytes } : undefined,
    inputDocs: {
      ...Object.fromEntries(GRANK_GENERATOR_INPUTS.map((name) => [name, HISTORY_INPUT_DOCS[name]])),
      ...GRANK_RANKER_INPUT_DOCS,
    },
    outputDocs: {
      scores: 'float32 (B, numItems): the generator inner product of every item with the history (fetched alone first; the ranker inputs a placeholder)',
      head: 'float32 (B, K): the ranker term of each candidate (fetched alone second); a candidate ranks by its score + rankerWeight x head',
    },
  };
  return writeExport(out, onnx, spec, items, check);
}
