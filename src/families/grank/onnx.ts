/**
 * GRank as two ONNX graphs (opset 20) for a runtime outside this process (decode/grank-runtime.ts, in the page and
 * in the export's self-check): the generator (model.ts's `userVectors` and `score`: every item's inner product with
 * the history's user vector) and the ranker (model.ts's `rerankParts` head: the candidates' cross-attention over the
 * history, their count features, the MLP). The item vectors (id embedding + mean code embedding) are computed once
 * here and stored as a table; the candidate choice between the two graphs (a top-K over the generator's scores,
 * exclusions) and the count features are TypeScript.
 */
import { ONNX_FLOAT, ONNX_INT64, type OnnxGraph, type OnnxValueInfo } from '../../tensor/kernels/onnx-proto.js';
import { type ExportPrecision, GraphBuilder, HISTORY_INPUTS } from '../onnx-graph.js';
import type { GRank } from './model.js';

export const GRANK_GENERATOR_INPUTS: readonly string[] = Object.freeze(['ids', 'back', 'mask', 'rows']);

/** What the ranker graph reads beyond the history's `ids` and `back` (export.json documents them). */
export const GRANK_RANKER_INPUT_DOCS: Readonly<Record<string, string>> = Object.freeze({
  keyMask: 'float32 (B, L): 0 at history items, -1e30 at padding (the ranker attends over the history only)',
  candidates: 'int64 (B, K): item index + 1 of each candidate, the generator top K without the excluded items',
  counts: 'float32 (B, K, W): log(1 + count) of each candidate following each of the newest W history items in training (absent when W = 0)',
});

/** The item vectors both graphs read (N + 1, D), row 0 padding, as one initializer. */
function itemVectors(g: GraphBuilder, model: GRank): string {
  return g.constant('item_vectors', ONNX_FLOAT, [model.numItems + 1, model.config.dim], model.inferenceVectors());
}

/** History inputs -> `scores` float (B, numItems): the generator's inner product of every item with the user vector. */
export function grankGeneratorGraph(model: GRank, precision: ExportPrecision = 'float32'): OnnxGraph {
  const { dim: D, heads: H, layers } = model.config;
  const N = model.numItems;
  const g = new GraphBuilder(model.namedParameters(), precision);
  const table = itemVectors(g, model);
  const x = g.node('Add', [g.node('Gather', [table, 'ids']), g.node('Gather', [g.weight('positions'), 'back'])]); // (B, L, D)
  const user = g.newest(g.transformer(x, layers, D, H), D); // (B, D)
  g.itemScores(user, table, 'scores');
  return g.graph(
    'sidrec_grank_generator',
    HISTORY_INPUTS.filter((i) => GRANK_GENERATOR_INPUTS.includes(i.name)),
    [{ name: 'scores', elemType: ONNX_FLOAT, dims: ['B', N] }],
  );
}

/** History `ids`, `back`, `keyMask`, `candidates` (and `counts`) -> `head` float (B, K): the ranker's term per candidate. */
export function grankRankerGraph(model: GRank, precision: ExportPrecision = 'float32'): OnnxGraph {
  const { dim: D, rankCounts: W } = model.config;
  const g = new GraphBuilder(model.namedParameters(), precision);
  const table = itemVectors(g, model);
  const own = model.namedParameters().some((p) => p.name === 'ranker.items');
  const rows = (ids: string) => {
    const vectors = g.node('Gather', [table, ids]);
    return own ? g.node('Add', [vectors, g.node('Gather', [g.weight('ranker.items'), ids])]) : vectors;
  };
  const history = g.node('Add', [rows('ids'), g.node('Gather', [g.weight('ranker.positions'), 'back'])]); // (B, L, D)
  const candidates = rows('candidates'); // (B, K, D)
  const keyMask = g.node('Reshape', ['keyMask', g.constant('shape_key_mask', ONNX_INT64, [4], [0, 1, 1, -1])]); // (B, 1, 1, L)
  const attended = g.crossAttention(candidates, history, 'ranker.attn', D, 1, [keyMask]);
  const parts = [attended, candidates, g.node('Mul', [attended, candidates])];
  if (W > 0) parts.push('counts');
  const features = g.node('Concat', parts, { axis: { kind: 'int', value: 2 } }); // (B, K, 3D + W)
  const hidden = g.node('Relu', [g.linear(features, 'ranker.hidden')]);
  g.node('Reshape', [g.linear(hidden, 'ranker.out'), g.constant('shape_head', ONNX_INT64, [2], [0, -1])], undefined, 'head');
  return g.graph(
    'sidrec_grank_ranker',
    [
      ...HISTORY_INPUTS.filter((i) => i.name === 'ids' || i.name === 'back'),
      { name: 'keyMask', elemType: ONNX_FLOAT, dims: ['B', 'L'] },
      { name: 'candidates', elemType: ONNX_INT64, dims: ['B', 'K'] },
      ...(W > 0 ? [{ name: 'counts', elemType: ONNX_FLOAT, dims: ['B', 'K', W] } satisfies OnnxValueInfo] : []),
    ],
    [{ name: 'head', elemType: ONNX_FLOAT, dims: ['B', 'K'] }],
  );
}
