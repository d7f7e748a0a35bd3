/**
 * `sidrec export` for TIGER, Gryphon and DIGER (a TIGER on its frozen SIDs): the encoder and one decoder step as
 * ONNX graphs (onnx.ts) plus every item's SID, for a runtime that runs the beam search in TypeScript
 * (decode/sid-runtime.ts, which the browser module runs). The check runs that same runtime code in onnxruntime-node on seeded histories and
 * compares each top 10 (history excluded, as served) with the engine's recommender (export-check.ts's rules).
 */
import { resolve } from 'node:path';
import { SidBeamRanker, type TigerExportLayout } from '../../decode/sid-runtime.js';
import type { ServingItems } from '../../model/bundle.js';
import type { ModelManifest } from '../../model/manifest.js';
import { TIGER_INPUT_DOCS } from '../../model/tiger-inputs.js';
import { Tiger } from '../../model/tiger.js';
import { encodeModel } from '../../tensor/kernels/onnx-proto.js';
import { checkListRanker, int32Bytes, refusePrior, writeExport } from '../export-check.js';
import type { ExportOptions, ExportResult } from '../family.js';
import type { ExportPrecision } from '../onnx-graph.js';
import { tigerDecoderGraph, tigerEncoderGraph, tigerLayout } from './onnx.js';
import type { LoadedSidModel } from './open.js';
import { ANONYMOUS_USER, SidGenerativeRecommender } from './recommender.js';

const FILES = Object.freeze({ encoder: 'model.onnx', decoder: 'decoder.onnx', sids: 'sids.bin' });

export async function exportSidGenerative(
  loaded: LoadedSidModel,
  dir: string,
  manifest: ModelManifest,
  items: ServingItems,
  histories: readonly ArrayLike<number>[],
  out: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  refusePrior(options, dir, manifest.kind);
  const precision: ExportPrecision = options.precision ?? 'float32';
  const { model, table } = loaded;
  const tiger = model instanceof Tiger ? model : model.tiger;
  const served = new SidGenerativeRecommender(loaded);
  const layout: TigerExportLayout = {
    ...tigerLayout(tiger, tiger.vocab.userToken(ANONYMOUS_USER)),
    dim: tiger.config.dim,
    beamWidth: served.beamWidth,
    expandLast: served.ranking === 'item' && table.shape.collisionDigit,
    ranking: served.ranking,
    files: FILES,
  };
  const encoder = encodeModel(tigerEncoderGraph(model, precision));
  const decoder = encodeModel(tigerDecoderGraph(model, precision));

  const check = await checkListRanker(
    served,
    async (ort, session) => new SidBeamRanker(ort, await session(encoder), await session(decoder), layout, table.codes, table.count),
    histories,
  );
  const spec = {
    kind: manifest.kind,
    model: resolve(dir),
    modelConfig: manifest.modelConfig,
    numItems: table.count,
    maxLen: tiger.config.maxItems,
    inputs: Object.keys(TIGER_INPUT_DOCS),
    precision,
    extra: { digits: table.digits, tiger: layout },
    files: { [FILES.decoder]: decoder, [FILES.sids]: int32Bytes(table.codes) },
    inputDocs: TIGER_INPUT_DOCS,
    outputDocs: {
      memory: `${FILES.encoder}: float32 (B, T, D), the encoder output the decoder step reads`,
      ...(layout.ranking === 'item' ? { scores: `${FILES.encoder}: float32 (B, numItems), Gryphon's item score of every item` } : {}),
      logits: `${FILES.decoder}: float32 (B * G, sum of codeSizes), every digit's logits at the last position; step d reads its slice`,
    },
  };
  return writeExport(out, encoder, spec, items, check);
}
