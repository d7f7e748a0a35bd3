/**
 * GRank as one ONNX graph (opset 20) for a runtime outside this process (decode/grank-runtime.ts, in the page and in
 * the export's self-check), with two outputs that the runtime fetches in two runs: `scores`, the generator's
 * inner product of every item with the history's user vector (model.ts's `userVectors` and `score`), and `head`, the
 * ranker's term of the candidates (model.ts's `rerankParts`: their cross-attention over the history, their count
 * features, the MLP). onnxruntime runs only the nodes a run's outputs need; one graph keeps one copy of the item
 * vectors (id embedding + mean code embedding, computed here once) that both parts read. The candidate choice
 * between the runs (a top-K over `scores`, exclusions) and the count features are TypeScript.
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

/** History inputs, `keyMask`, `candidates` (and `counts`) -> `scores` (B, numItems) and `head` (B, K). */
export function grankGraph(model: GRank, precision: ExportPrecision = 'float32'): OnnxGraph {
  const { dim: D, heads: H, layers, rankCounts: W } = model.config;
  const N = model.numItems;
  const g = new GraphBuilder(model.namedParameters(), precision);
  const table = g.constant('item_vectors', ONNX_FLOAT, [N + 1, D], model.inferenceVectors()); // (N + 1, D), row 0 padding

  // The generator: the history's user vector, its inner product with every item.
  const x = g.node('Add', [g.node('Gather', [table, 'ids']), g.node('Gather', [g.weight('positions'), 'back'])]); // (B, L, D)
  g.itemScores(g.newest(g.transformer(x, layers, D, H), D), table, 'scores');

  // The ranker: the candidates (their vectors, plus its own item embedding when it has one) over the history.
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
    'sidrec_grank',
    [
      ...HISTORY_INPUTS.filter((i) => GRANK_GENERATOR_INPUTS.includes(i.name)),
      { name: 'keyMask', elemType: ONNX_FLOAT, dims: ['B', 'L'] },
      { name: 'candidates', elemType: ONNX_INT64, dims: ['B', 'K'] },
      ...(W > 0 ? [{ name: 'counts', elemType: ONNX_FLOAT, dims: ['B', 'K', W] } satisfies OnnxValueInfo] : []),
    ],
    [
      { name: 'scores', elemType: ONNX_FLOAT, dims: ['B', N] },
      { name: 'head', elemType: ONNX_FLOAT, dims: ['B', 'K'] },
    ],
  );
}
