/**
 * RPG as one ONNX graph (opset 20): the exact scoring of model/rpg.ts (`logProbs` then every item's sum of its m
 * codes' log-probabilities), weights as initializers. A history item's input is the mean of its m code embeddings
 * (padding reads an appended zero row) plus its position from the oldest of the window; the GPT-2 stack; the m
 * residual SiLU heads, L2-normalised, against the unit code embeddings (normalised here once) over the temperature;
 * log-softmax per digit; item scores by gathering each item's m tokens (int32 tables: half the bytes of int64). Inputs `ids`, `pos`, `mask`, `rows`
 * (onnx-graph.ts); outputs `scores` float (B, numItems) and `logp` float (B, m * C), the per-digit log-probabilities
 * that graph-constrained decoding reads outside the graph (with the exported item graph and item tokens).
 */
import type { Rpg } from '../../model/rpg.js';
import { normalizeRowsInto } from '../../tensor/index.js';
import { ONNX_FLOAT, ONNX_INT32, ONNX_INT64, type OnnxGraph } from '../../tensor/kernels/onnx-proto.js';
import { type ExportPrecision, GraphBuilder, HISTORY_INPUTS } from '../onnx-graph.js';

export const RPG_INPUTS: readonly string[] = Object.freeze(['ids', 'pos', 'mask', 'rows']);

export function rpgGraph(model: Rpg, precision: ExportPrecision = 'float32'): OnnxGraph {
  const { dim: D, heads: H, layers, temperature } = model.config;
  const { numItems: N, digits: m, codebookSize: C, itemTokens } = model;
  const g = new GraphBuilder(model.namedParameters(), precision);
  const table = model.codeTable.f32;
  // Code embeddings with a zero row appended at index m * C: the padding item's m tokens all point there.
  const padded = new Float32Array((m * C + 1) * D);
  padded.set(table);
  const tokens = new Int32Array((N + 1) * m).fill(m * C);
  tokens.set(itemTokens, m);
  const bag = g.node('Gather', [
    g.constant('codes_padded', ONNX_FLOAT, [m * C + 1, D], padded),
    g.node('Gather', [g.constant('item_tokens', ONNX_INT32, [N + 1, m], tokens), 'ids']),
  ]); // (B, L, m, D)
  const mean = g.node('ReduceMean', [bag, g.constant('axis_bag', ONNX_INT64, [1], [2])], { keepdims: { kind: 'int', value: 0 } }); // (B, L, D)
  let x = g.node('Add', [mean, g.node('Gather', [g.weight('positions'), 'pos'])]);
  if (model.itemTable) {
    // --item-ids: each item's own embedding, a zero row 0 for padding (ids are item + 1).
    const items = new Float32Array((N + 1) * D);
    items.set(model.itemTable.f32, D);
    x = g.node('Add', [x, g.node('Gather', [g.constant('items_padded', ONNX_FLOAT, [N + 1, D], items), 'ids'])]);
  }
  const h = g.newest(g.transformer(x, layers, D, H), D); // (B, D)
  // Heads: q_d = normalize(h + SiLU(h W_d + b_d)), (B, m, D).
  const p = g.node('Reshape', [g.linear(h, 'heads'), g.constant('shape_heads_out', ONNX_INT64, [3], [0, m, D])]);
  const u = g.node('Add', [g.node('Unsqueeze', [h, g.constant('axis_one', ONNX_INT64, [1], [1])]), g.node('Mul', [p, g.node('Sigmoid', [p])])]);
  const q = g.node('LpNormalization', [u], { axis: { kind: 'int', value: -1 }, p: { kind: 'int', value: 2 } });
  // Unit code embeddings per digit, transposed for the product: (m, D, C).
  const unit = new Float32Array(m * C * D);
  normalizeRowsInto(table, m * C, D, unit, new Float32Array(m * C));
  const unitT = new Float32Array(m * D * C);
  for (let d = 0; d < m; d++) for (let c = 0; c < C; c++) for (let j = 0; j < D; j++) unitT[(d * D + j) * C + c] = unit[(d * C + c) * D + j];
  const perm = (value: number[]) => ({ perm: { kind: 'ints' as const, value } });
  const z = g.node('MatMul', [g.node('Transpose', [q], perm([1, 0, 2])), g.constant('codes_unit_t', ONNX_FLOAT, [m, D, C], unitT)]); // (m, B, C)
  const logp = g.node('LogSoftmax', [g.node('Mul', [z, g.constant('inv_temperature', ONNX_FLOAT, [], [1 / temperature])])], {
    axis: { kind: 'int', value: -1 },
  });
  const flat = g.node('Reshape', [g.node('Transpose', [logp], perm([1, 0, 2])), g.constant('shape_logp', ONNX_INT64, [2], [0, m * C])], undefined, 'logp'); // (B, m*C)
  const picked = g.node('Gather', [flat, g.constant('item_tokens_flat', ONNX_INT32, [N * m], itemTokens)], { axis: { kind: 'int', value: 1 } }); // (B, N*m)
  const perItem = g.node('Reshape', [picked, g.constant('shape_items', ONNX_INT64, [3], [0, N, m])]);
  g.node('ReduceSum', [perItem, g.constant('axis_digits', ONNX_INT64, [1], [2])], { keepdims: { kind: 'int', value: 0 } }, 'scores');
  return g.graph(
    'sidrec_rpg',
    HISTORY_INPUTS.filter((i) => RPG_INPUTS.includes(i.name)),
    [
      { name: 'scores', elemType: ONNX_FLOAT, dims: ['B', N] },
      { name: 'logp', elemType: ONNX_FLOAT, dims: ['B', m * C] },
    ],
  );
}
