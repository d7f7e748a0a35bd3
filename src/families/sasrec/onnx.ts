/**
 * SASRec as one ONNX graph (opset 20), for onnxruntime outside this process (the browser, with onnxruntime-web):
 * the same computation as model/sasrec.ts's `score`, weights as initializers. Inputs (onnx-graph.ts: historyInputs
 * builds them) `ids`, `back`, `mask`, `rows`; output `scores` float (B, numItems).
 */
import type { SasRec } from '../../model/sasrec.js';
import { ONNX_FLOAT, type OnnxGraph } from '../../tensor/kernels/onnx-proto.js';
import { type ExportPrecision, GraphBuilder, HISTORY_INPUTS } from '../onnx-graph.js';

export const SASREC_INPUTS: readonly string[] = Object.freeze(['ids', 'back', 'mask', 'rows']);

export function sasRecGraph(model: SasRec, precision: ExportPrecision = 'float32'): OnnxGraph {
  const { dim: D, heads: H, layers } = model.config;
  const N = model.numItems;
  const g = new GraphBuilder(model.namedParameters(), precision);
  const x = g.node('Add', [g.node('Gather', [g.weight('items'), 'ids']), g.node('Gather', [g.weight('positions'), 'back'])]); // (B, L, D)
  const newest = g.newest(g.transformer(x, layers, D, H), D); // (B, D)
  g.itemScores(newest, g.weight('items'), 'scores'); // against items 1..N of the same table (row 0 is padding)
  return g.graph(
    'sidrec_sasrec',
    HISTORY_INPUTS.filter((i) => SASREC_INPUTS.includes(i.name)),
    [{ name: 'scores', elemType: ONNX_FLOAT, dims: ['B', N] }],
  );
}
