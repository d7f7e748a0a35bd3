/**
 * The Markov chain as one ONNX graph (opset 20) for `sidrec export`: model.ts's `score` (the history's newest item's
 * "from" embedding against every item's "to" embedding), checked against the engine and written as SASRec's is
 * (export-check.ts's exportItemScorer). Inputs `ids` and `rows` (onnx-graph.ts's history inputs); output `scores` (B, numItems).
 */
import { ONNX_FLOAT, ONNX_INT64, type OnnxGraph } from '../../tensor/kernels/onnx-proto.js';
import { type ExportPrecision, GraphBuilder, HISTORY_INPUTS } from '../onnx-graph.js';
import type { MarkovChain } from './model.js';

export const MARKOV_INPUTS: readonly string[] = Object.freeze(['ids', 'rows']);

export function markovGraph(model: MarkovChain, precision: ExportPrecision = 'float32'): OnnxGraph {
  const g = new GraphBuilder(model.namedParameters(), precision);
  const flat = g.node('Reshape', ['ids', g.constant('shape_all', ONNX_INT64, [1], [-1])]); // (B * L)
  const newest = g.node('Gather', [flat, 'rows']); // (B): the newest item + 1 of each history
  g.itemScores(g.node('Gather', [g.weight('from'), newest]), g.weight('to'), 'scores');
  return g.graph(
    'sidrec_markov',
    HISTORY_INPUTS.filter((i) => MARKOV_INPUTS.includes(i.name)),
    [{ name: 'scores', elemType: ONNX_FLOAT, dims: ['B', model.numItems] }],
  );
}
