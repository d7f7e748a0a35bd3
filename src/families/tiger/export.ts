/**
 * `sidrec export` for TIGER, Gryphon and DIGER (a TIGER on its frozen SIDs): the encoder and one decoder step as
 * ONNX graphs (onnx.ts) plus every item's SID, for a runtime that runs the beam search in TypeScript
 * (decode/sid-runtime.ts, which the browser module runs). The check runs that same runtime code in onnxruntime-node on seeded histories and
 * compares each top 10 (history excluded, as served) with the engine's recommender (export-check.ts's rules).
 */
import { resolve } from 'node:path';
import { SidBeamRanker, type OrtModule, type TigerExportLayout } from '../../decode/sid-runtime.js';
import type { ServingItems } from '../../model/bundle.js';
import type { ModelManifest } from '../../model/manifest.js';
import { TIGER_INPUT_DOCS } from '../../model/tiger-inputs.js';
import { Tiger } from '../../model/tiger.js';
import { encodeModel } from '../../tensor/kernels/onnx-proto.js';
import { loadOrtPublicApi } from '../../tensor/kernels/onnxruntime-session.js';
import { SidrecError } from '../../core/errors.js';
import { checkRankings, int32Bytes, writeExport } from '../export-check.js';
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
  if (options.prior)
    throw new SidrecError(
      'E_CONFIG',
      `${dir} holds a transition prior, which needs every item scored; a ${manifest.kind} export ranks beam candidates: use --transitions off`,
      {
        field: 'transitions',
      },
    );
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

  let ort: OrtModule;
  try {
    ort = (await loadOrtPublicApi()) as OrtModule;
  } catch (error) {
    throw new SidrecError('E_STATE', `the export checks itself with onnxruntime-node, which does not load here: ${(error as Error).message}`);
  }
  const session = { executionProviders: ['cpu'], intraOpNumThreads: 1 };
  const runtime = new SidBeamRanker(
    ort,
    await ort.InferenceSession.create(encoder, session),
    await ort.InferenceSession.create(decoder, session),
    layout,
    table.codes,
    table.count,
  );
  const exclude = histories.map((h) => new Set(Array.from(h)));
  const want = served.recommend(histories.map((h, r) => ({ history: Array.from(h), k: 10, exclude: exclude[r] })));
  const got = await runtime.rank(histories, 10, exclude);
  const check = checkRankings(
    want.map((list) => ({ items: list.map((x) => x.item), scores: list.map((x) => x.score) })),
    got,
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
