/**
 * SASRec as one ONNX graph (opset 20), for onnxruntime outside this process (the browser, with onnxruntime-web):
 * the same computation as model/sasrec.ts's `score`, weights as initializers. Inputs, all for B histories right-
 * padded to length L (packInputs builds them): `ids` int64 (B, L) item + 1 (0 = padding), `back` int64 (B, L) each
 * position counted back from the newest, `mask` float (L, L) the causal mask (0 or -1e30), `rows` int64 (B) the flat
 * index r * L + len - 1 of each newest position. Output `scores` float (B, numItems).
 */
import type { NamedParameter } from '../../tensor/index.js';
import { ONNX_FLOAT, ONNX_INT64, type OnnxGraph, type OnnxInitializer, type OnnxNode } from '../../tensor/kernels/onnx-proto.js';
import type { SasRec } from '../../model/sasrec.js';
import { packHistories } from '../../model/next-item-batch.js';

const MASKED = -1e30;

export function sasRecGraph(model: SasRec): OnnxGraph {
  const { dim: D, heads: H, layers } = model.config;
  const hd = D / H;
  const N = model.numItems;
  const params = new Map<string, NamedParameter>(model.namedParameters().map((p) => [p.name, p]));
  const initializers: OnnxInitializer[] = [];
  const nodes: OnnxNode[] = [];
  const weight = (name: string): string => {
    const p = params.get(name);
    if (!p) throw new Error(`SASRec has no parameter ${name}`);
    initializers.push({ name, elemType: ONNX_FLOAT, dims: p.tensor.shape, values: p.tensor.f32 });
    return name;
  };
  const constant = (name: string, elemType: typeof ONNX_FLOAT | typeof ONNX_INT64, dims: number[], values: ArrayLike<number>): string => {
    initializers.push({ name, elemType, dims, values });
    return name;
  };
  let n = 0;
  const node = (op: string, inputs: string[], attributes?: OnnxNode['attributes']): string => {
    const out = `t${n++}`;
    nodes.push({ op, inputs, outputs: [out], ...(attributes ? { attributes } : {}) });
    return out;
  };
  const linear = (x: string, prefix: string): string => node('Add', [node('MatMul', [x, weight(`${prefix}.weight`)]), weight(`${prefix}.bias`)]);
  const layerNorm = (x: string, prefix: string): string =>
    node('LayerNormalization', [x, weight(`${prefix}.weight`), weight(`${prefix}.bias`)], {
      axis: { kind: 'int', value: -1 },
      epsilon: { kind: 'float', value: 1e-5 },
    });

  const heads4 = constant('shape_heads', ONNX_INT64, [4], [0, 0, H, hd]);
  const merged3 = constant('shape_merged', ONNX_INT64, [3], [0, 0, D]);
  const flat2 = constant('shape_flat', ONNX_INT64, [2], [-1, D]);
  const split3 = constant('split_qkv', ONNX_INT64, [3], [D, D, D]);
  const scale = constant('scale', ONNX_FLOAT, [], [1 / Math.sqrt(hd)]);
  const perm = (values: number[]): OnnxNode['attributes'] => ({ perm: { kind: 'ints', value: values } });

  let x = node('Add', [node('Gather', ['items', 'ids']), node('Gather', ['positions', 'back'])]); // (B, L, D)
  weight('items');
  weight('positions');
  for (let b = 0; b < layers; b++) {
    const p = `blocks.${b}`;
    const qkv = linear(layerNorm(x, `${p}.ln1`), `${p}.attn.qkv`); // (B, L, 3D)
    const [q, k, v] = [`q${b}`, `k${b}`, `v${b}`];
    nodes.push({ op: 'Split', inputs: [qkv, split3], outputs: [q, k, v], attributes: { axis: { kind: 'int', value: 2 } } });
    const qh = node('Transpose', [node('Reshape', [q, heads4])], perm([0, 2, 1, 3])); // (B, H, L, hd)
    const kh = node('Transpose', [node('Reshape', [k, heads4])], perm([0, 2, 3, 1])); // (B, H, hd, L)
    const vh = node('Transpose', [node('Reshape', [v, heads4])], perm([0, 2, 1, 3])); // (B, H, L, hd)
    const scores = node('Add', [node('Mul', [node('MatMul', [qh, kh]), scale]), 'mask']); // (B, H, L, L)
    const attended = node('MatMul', [node('Softmax', [scores], { axis: { kind: 'int', value: -1 } }), vh]); // (B, H, L, hd)
    const mergedHeads = node('Reshape', [node('Transpose', [attended], perm([0, 2, 1, 3])), merged3]); // (B, L, D)
    x = node('Add', [x, linear(mergedHeads, `${p}.attn.out`)]);
    const hidden = node('Gelu', [linear(layerNorm(x, `${p}.ln2`), `${p}.mlp.fc`)], { approximate: { kind: 'string', value: 'tanh' } });
    x = node('Add', [x, linear(hidden, `${p}.mlp.proj`)]);
  }
  const newest = node('Gather', [node('Reshape', [layerNorm(x, 'norm'), flat2]), 'rows'], { axis: { kind: 'int', value: 0 } }); // (B, D)
  // Scores against items 1..N of the table (row 0 is padding), transposed once here: (D, N).
  const table = params.get('items')!.tensor.f32;
  const transposed = new Float32Array(D * N);
  for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) transposed[d * N + i] = table[(i + 1) * D + d];
  const itemsT = constant('items_t', ONNX_FLOAT, [D, N], transposed);
  nodes.push({ op: 'MatMul', inputs: [newest, itemsT], outputs: ['scores'] });
  return {
    name: 'sidrec_sasrec',
    inputs: [
      { name: 'ids', elemType: ONNX_INT64, dims: ['B', 'L'] },
      { name: 'back', elemType: ONNX_INT64, dims: ['B', 'L'] },
      { name: 'mask', elemType: ONNX_FLOAT, dims: ['L', 'L'] },
      { name: 'rows', elemType: ONNX_INT64, dims: ['B'] },
    ],
    outputs: [{ name: 'scores', elemType: ONNX_FLOAT, dims: ['B', N] }],
    nodes,
    initializers,
    opset: 20,
  };
}

/** The graph's inputs for histories (item indices, oldest first), cut to the last `maxLen` items as the model reads them. */
export function packInputs(
  histories: readonly ArrayLike<number>[],
  maxLen: number,
): { ids: BigInt64Array; back: BigInt64Array; mask: Float32Array; rows: BigInt64Array; B: number; L: number } {
  const packed = packHistories(histories, maxLen);
  const { lengths, length: L } = packed;
  const B = lengths.length;
  const ids = BigInt64Array.from(packed.ids, (v) => BigInt(v));
  const back = new BigInt64Array(B * L);
  const rows = new BigInt64Array(B);
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < lengths[r]; t++) back[r * L + t] = BigInt(lengths[r] - 1 - t);
    rows[r] = BigInt(r * L + lengths[r] - 1);
  }
  const mask = new Float32Array(L * L);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) mask[i * L + j] = MASKED;
  return { ids, back, mask, rows, B, L };
}
