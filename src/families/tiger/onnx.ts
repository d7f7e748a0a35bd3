/**
 * TIGER (Rajput et al., NeurIPS 2023) and Gryphon as two ONNX graphs (opset 20), for a runtime that runs the beam
 * search itself (decode/sid-runtime.ts): the encoder (model/tiger.ts's `encode`: token embeddings, pre-LN blocks
 * with bidirectional T5 relative bias and key padding, the final LayerNorm; Gryphon adds its item scores, the
 * user vector of model/item-scorer.ts against every item's vector) and one decoder step (`nextLogits`: BOS and the
 * code prefix through the causal decoder blocks whose cross-attention folds a request's G beams into its queries,
 * as tiger-layers.ts does, then every digit's head on the last position). Inputs: model/tiger-inputs.ts.
 */
import type { Gryphon } from '../../model/gryphon.js';
import { codeOffsets, type TigerLayout } from '../../model/tiger-inputs.js';
import { Tiger } from '../../model/tiger.js';
import { attentionWidth } from '../../tensor/layers/index.js';
import { ONNX_FLOAT, ONNX_INT64, type OnnxGraph, type OnnxValueInfo } from '../../tensor/kernels/onnx-proto.js';
import { type ExportPrecision, GraphBuilder } from '../onnx-graph.js';

/** The TIGER inside a model and the prefix of its parameters (Gryphon keeps it under `tiger.`). */
function parts(model: Tiger | Gryphon): { readonly tiger: Tiger; readonly prefix: string } {
  return model instanceof Tiger ? { tiger: model, prefix: '' } : { tiger: model.tiger, prefix: 'tiger.' };
}

/** The graph input `keyMask` (B, T) as an additive attention term (B, 1, 1, T). */
function keyMaskTerm(g: GraphBuilder): string {
  const one = g.constant('axis_one', ONNX_INT64, [1], [1]);
  return g.node('Unsqueeze', [g.node('Unsqueeze', ['keyMask', one]), one]);
}

/** The layout the inputs are built for (export.json's `tiger` section). */
export function tigerLayout(tiger: Tiger, userToken: number): TigerLayout {
  const c = tiger.config;
  return {
    digits: tiger.digits,
    codeSizes: [...c.codeSizes],
    bos: tiger.vocab.bos,
    vocabSize: tiger.vocab.size,
    userToken,
    maxItems: c.maxItems,
    relBuckets: c.relBuckets,
    relMaxDistance: c.relMaxDistance,
  };
}

/** The bias (H, Tq, Tk) of a relative-position table `${name}.weight` (buckets, H) at the bucket ids input. */
function relativeBias(g: GraphBuilder, name: string, buckets: string): string {
  return g.node('Transpose', [g.node('Gather', [g.weight(`${name}.weight`), buckets])], { perm: { kind: 'ints', value: [2, 0, 1] } });
}

/** A token table with a zero row appended (padding), `rows` of the trained one. */
function paddedTokens(g: GraphBuilder, tiger: Tiger, rows: number, name: string): string {
  const D = tiger.config.dim;
  const table = new Float32Array((rows + 1) * D);
  table.set(tiger.tokens.table.f32.subarray(0, rows * D));
  return g.constant(name, ONNX_FLOAT, [rows + 1, D], table);
}

/** Encoder: tokens, keyMask, encBuckets [, pool] -> memory (B, T, D) [, scores (B, numItems)]. */
export function tigerEncoderGraph(model: Tiger | Gryphon, precision: ExportPrecision = 'float32'): OnnxGraph {
  const { tiger, prefix } = parts(model);
  const { dim: D, heads: H, headDim, encoderLayers } = tiger.config;
  const A = attentionWidth(D, H, headDim);
  const g = new GraphBuilder(model.namedParameters(), precision);
  const mask4 = keyMaskTerm(g); // (B, 1, 1, T)
  const bias = relativeBias(g, `${prefix}encBias`, 'encBuckets'); // (H, T, T)
  let x = g.node('Gather', [paddedTokens(g, tiger, tiger.vocab.size, 'tokens_padded'), 'tokens']); // (B, T, D)
  for (let b = 0; b < encoderLayers; b++) {
    const p = `${prefix}encoder.${b}`;
    x = g.node('Add', [x, g.selfAttention(g.layerNorm(x, `${p}.ln1`), `${p}.attn`, A, H, [bias, mask4])]);
    x = g.node('Add', [x, g.mlp(g.layerNorm(x, `${p}.ln2`), `${p}.mlp`, 'relu')]);
  }
  const memory = g.layerNorm(x, `${prefix}encNorm`, 'memory');
  const inputs: OnnxValueInfo[] = [
    { name: 'tokens', elemType: ONNX_INT64, dims: ['B', 'T'] },
    { name: 'keyMask', elemType: ONNX_FLOAT, dims: ['B', 'T'] },
    { name: 'encBuckets', elemType: ONNX_INT64, dims: ['T', 'T'] },
  ];
  const outputs: OnnxValueInfo[] = [{ name: 'memory', elemType: ONNX_FLOAT, dims: ['B', 'T', D] }];
  if (model instanceof Tiger) return g.graph('sidrec_tiger_encoder', inputs, outputs);
  // Gryphon: user = userProj(masked mean of memory); scores = user . items^T, every item's vector computed once here.
  const pooled = g.node('Reshape', [g.node('MatMul', ['pool', memory]), g.constant('shape_rows', ONNX_INT64, [2], [-1, D])]); // (B, D)
  const user = g.linear(pooled, 'scorer.userProj');
  const N = model.numItems;
  const items = model.itemMatrix(); // (N, D)
  const itemsT = new Float32Array(D * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) itemsT[j * N + i] = items[i * D + j];
  g.node('MatMul', [user, g.constant('items_t', ONNX_FLOAT, [D, N], itemsT)], undefined, 'scores'); // (B, N)
  return g.graph(
    'sidrec_gryphon_encoder',
    [...inputs, { name: 'pool', elemType: ONNX_FLOAT, dims: ['B', 1, 'T'] }],
    [...outputs, { name: 'scores', elemType: ONNX_FLOAT, dims: ['B', N] }],
  );
}

/** One decoder step: memory, keyMask, prefix, decBuckets, causal, crossShape, rowShape -> logits (B * G, sum of codeSizes). */
export function tigerDecoderGraph(model: Tiger | Gryphon, precision: ExportPrecision = 'float32'): OnnxGraph {
  const { tiger, prefix } = parts(model);
  const { dim: D, heads: H, headDim, decoderLayers, codeSizes } = tiger.config;
  const A = attentionWidth(D, H, headDim);
  const g = new GraphBuilder(model.namedParameters(), precision);
  const one = g.constant('axis_one', ONNX_INT64, [1], [1]);
  const mask4 = keyMaskTerm(g); // (B, 1, 1, T)
  const bias = relativeBias(g, `${prefix}decBias`, 'decBuckets'); // (H, t, t)
  // Only the code tokens and BOS can appear in a prefix: the user buckets stay in the encoder's file.
  let x = g.node('Gather', [paddedTokens(g, tiger, tiger.vocab.bos + 1, 'code_tokens'), 'prefix']); // (B*G, t, D)
  for (let b = 0; b < decoderLayers; b++) {
    const p = `${prefix}decoder.${b}`;
    x = g.node('Add', [x, g.selfAttention(g.layerNorm(x, `${p}.ln1`), `${p}.attn`, A, H, [bias, 'causal'])]);
    const q = g.node('Reshape', [g.layerNorm(x, `${p}.lnCross`), 'crossShape']); // (B, G*t, D)
    x = g.node('Add', [x, g.node('Reshape', [g.crossAttention(q, 'memory', `${p}.crossAttn`, A, H, [mask4]), 'rowShape'])]);
    x = g.node('Add', [x, g.mlp(g.layerNorm(x, `${p}.ln2`), `${p}.mlp`, 'relu')]);
  }
  const h = g.layerNorm(x, `${prefix}decNorm`); // (B*G, t, D)
  const last = g.node('Reshape', [
    g.node('Slice', [h, g.constant('last_start', ONNX_INT64, [1], [-1]), g.constant('last_end', ONNX_INT64, [1], [2 ** 31]), one]),
    g.constant('shape_rows', ONNX_INT64, [2], [-1, D]),
  ]); // (B*G, D)
  // Every digit's head side by side: (D, sum of codeSizes); the runtime reads the step's slice.
  const offsets = codeOffsets(codeSizes);
  const V = offsets[codeSizes.length];
  const weight = new Float32Array(D * V);
  const biasAll = new Float32Array(V);
  codeSizes.forEach((size, d) => {
    const head = tiger.head(d);
    const w = head.weight.f32; // (D, size)
    for (let j = 0; j < D; j++) weight.set(w.subarray(j * size, (j + 1) * size), j * V + offsets[d]);
    if (head.bias) biasAll.set(head.bias.f32, offsets[d]);
  });
  g.node(
    'Add',
    [g.node('MatMul', [last, g.constant('heads_weight', ONNX_FLOAT, [D, V], weight)]), g.constant('heads_bias', ONNX_FLOAT, [V], biasAll)],
    undefined,
    'logits',
  );
  return g.graph(
    'sidrec_tiger_decoder_step',
    [
      { name: 'memory', elemType: ONNX_FLOAT, dims: ['B', 'T', D] },
      { name: 'keyMask', elemType: ONNX_FLOAT, dims: ['B', 'T'] },
      { name: 'prefix', elemType: ONNX_INT64, dims: ['R', 't'] },
      { name: 'decBuckets', elemType: ONNX_INT64, dims: ['t', 't'] },
      { name: 'causal', elemType: ONNX_FLOAT, dims: ['t', 't'] },
      { name: 'crossShape', elemType: ONNX_INT64, dims: [3] },
      { name: 'rowShape', elemType: ONNX_INT64, dims: [3] },
    ],
    [{ name: 'logits', elemType: ONNX_FLOAT, dims: ['R', V] }],
  );
}
