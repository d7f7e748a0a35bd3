/**
 * Building model exports as ONNX graphs (opset 20) from trained parameters: a small builder (named nodes, weights
 * as initializers, constants) and the pieces the families share, the pre-LN transformer stack with causal attention
 * (tensor/layers/block.ts's computation) and its inputs for right-padded histories.
 */
import type { NamedParameter } from '../tensor/index.js';
import {
  ONNX_FLOAT,
  ONNX_FLOAT16,
  ONNX_INT8,
  type ONNX_INT32,
  ONNX_INT64,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxInitializer,
  type OnnxNode,
  type OnnxValueInfo,
} from '../tensor/kernels/onnx-proto.js';

/**
 * How an export stores its float weights: float32; float16 (half the file; Cast to float32 when loaded); or int8 (a
 * quarter: symmetric, one scale per row of a matrix, DequantizeLinear to float32 when loaded).
 */
export type ExportPrecision = 'float32' | 'float16' | 'int8';

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  private readonly params: Map<string, NamedParameter>;
  private readonly added = new Set<string>();
  private readonly constants = new Map<string, string>();
  private n = 0;

  constructor(
    parameters: readonly NamedParameter[],
    readonly precision: ExportPrecision = 'float32',
  ) {
    this.params = new Map(parameters.map((p) => [p.name, p]));
  }

  /** A trained parameter as an initializer (once), by its module path. */
  weight(name: string): string {
    const p = this.params.get(name);
    if (!p) throw new Error(`the model has no parameter ${name}`);
    if (!this.added.has(name)) this.floats(name, p.tensor.shape, p.tensor.f32);
    this.added.add(name);
    return name;
  }

  /**
   * A constant initializer; asking again for a name already added returns it when the dims agree (the pieces below
   * ask for their small shape constants each time they are used).
   */
  constant(name: string, elemType: typeof ONNX_FLOAT | typeof ONNX_INT32 | typeof ONNX_INT64, dims: readonly number[], values: ArrayLike<number>): string {
    const known = this.constants.get(name);
    if (known !== undefined) {
      if (known !== dims.join('x')) throw new Error(`ONNX constant ${name} asked for as [${dims}] after [${known}]`);
      return name;
    }
    this.constants.set(name, dims.join('x'));
    if (elemType === ONNX_FLOAT) return this.floats(name, dims, values);
    this.initializers.push({ name, elemType, dims, values });
    return name;
  }

  /** A fresh value name. */
  name(): string {
    return `t${this.n++}`;
  }

  /** A float initializer at the export's precision: float16 tables (256 values or more) are Cast to float32 in the graph. */
  private floats(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    if (this.precision === 'float32' || values.length < 256) {
      this.initializers.push({ name, elemType: ONNX_FLOAT, dims, values });
      return name;
    }
    if (this.precision === 'float16') {
      this.initializers.push({ name: `${name}__f16`, elemType: ONNX_FLOAT16, dims, values });
      this.nodes.push({ op: 'Cast', inputs: [`${name}__f16`], outputs: [name], attributes: { to: { kind: 'int', value: ONNX_FLOAT } } });
      return name;
    }
    const q = quantizeMatrix(values, dims);
    const scaleDims = q.axis === undefined ? [] : [dims[q.axis]];
    this.initializers.push({ name: `${name}__q`, elemType: ONNX_INT8, dims, values: q.codes });
    this.initializers.push({ name: `${name}__scale`, elemType: ONNX_FLOAT, dims: scaleDims, values: q.scales });
    this.initializers.push({ name: `${name}__zero`, elemType: ONNX_INT8, dims: scaleDims, values: new Int8Array(q.scales.length) });
    this.nodes.push({
      op: 'DequantizeLinear',
      inputs: [`${name}__q`, `${name}__scale`, `${name}__zero`],
      outputs: [name],
      ...(q.axis === undefined ? {} : { attributes: { axis: { kind: 'int', value: q.axis } } }),
    });
    return name;
  }

  node(op: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>, output?: string): string {
    const out = output ?? this.name();
    this.nodes.push({ op, inputs, outputs: [out], ...(attributes ? { attributes } : {}) });
    return out;
  }

  linear(x: string, prefix: string): string {
    return this.node('Add', [this.node('MatMul', [x, this.weight(`${prefix}.weight`)]), this.weight(`${prefix}.bias`)]);
  }

  /** LayerNorm through `${prefix}.weight` / `.bias`; `output` names its value (a graph output). */
  layerNorm(x: string, prefix: string, output?: string): string {
    return this.node(
      'LayerNormalization',
      [x, this.weight(`${prefix}.weight`), this.weight(`${prefix}.bias`)],
      { axis: { kind: 'int', value: -1 }, epsilon: { kind: 'float', value: 1e-5 } },
      output,
    );
  }

  /**
   * Multi-head attention of q (B, Tq, D) over k, v (B, Tk, D), the scaled scores plus each of `terms` (additive,
   * broadcast to (B, H, Tq, Tk): masks, relative-position bias) -> merged heads (B, Tq, D), before the output projection.
   * Here and in selfAttention / crossAttention `dim` is the attention's width, heads x head width: the model dim
   * unless the head width was set apart from it (TIGER's headDim).
   */
  attend(q: string, k: string, v: string, dim: number, heads: number, terms: readonly string[]): string {
    const hd = dim / heads;
    const heads4 = this.constant(`shape_heads_${heads}`, ONNX_INT64, [4], [0, 0, heads, hd]);
    const merged3 = this.constant(`shape_merged_${dim}`, ONNX_INT64, [3], [0, 0, dim]);
    const scale = this.constant(`attn_scale_${hd}`, ONNX_FLOAT, [], [1 / Math.sqrt(hd)]);
    const perm = (value: number[]): Readonly<Record<string, OnnxAttribute>> => ({ perm: { kind: 'ints', value } });
    const qh = this.node('Transpose', [this.node('Reshape', [q, heads4])], perm([0, 2, 1, 3])); // (B, H, Tq, hd)
    const kh = this.node('Transpose', [this.node('Reshape', [k, heads4])], perm([0, 2, 3, 1])); // (B, H, hd, Tk)
    const vh = this.node('Transpose', [this.node('Reshape', [v, heads4])], perm([0, 2, 1, 3])); // (B, H, Tk, hd)
    let scores = this.node('Mul', [this.node('MatMul', [qh, kh]), scale]); // (B, H, Tq, Tk)
    for (const term of terms) scores = this.node('Add', [scores, term]);
    const attended = this.node('MatMul', [this.node('Softmax', [scores], { axis: { kind: 'int', value: -1 } }), vh]);
    return this.node('Reshape', [this.node('Transpose', [attended], perm([0, 2, 1, 3])), merged3]); // (B, Tq, D)
  }

  /** Self-attention through the fused projection `${prefix}.qkv` and `${prefix}.out` (tensor/layers/attention.ts). */
  selfAttention(x: string, prefix: string, dim: number, heads: number, terms: readonly string[]): string {
    const qkv = this.linear(x, `${prefix}.qkv`); // (B, L, 3D)
    const [q, k, v] = [this.name(), this.name(), this.name()];
    const split3 = this.constant(`split_qkv_${dim}`, ONNX_INT64, [3], [dim, dim, dim]);
    this.nodes.push({ op: 'Split', inputs: [qkv, split3], outputs: [q, k, v], attributes: { axis: { kind: 'int', value: 2 } } });
    return this.linear(this.attend(q, k, v, dim, heads, terms), `${prefix}.out`);
  }

  /** Cross-attention of x over `memory` through `${prefix}.q`, `${prefix}.kv` (packed [k | v]) and `${prefix}.out`. */
  crossAttention(x: string, memory: string, prefix: string, dim: number, heads: number, terms: readonly string[]): string {
    const kv = this.linear(memory, `${prefix}.kv`); // (B, Tk, 2D)
    const [k, v] = [this.name(), this.name()];
    const split2 = this.constant(`split_kv_${dim}`, ONNX_INT64, [2], [dim, dim]);
    this.nodes.push({ op: 'Split', inputs: [kv, split2], outputs: [k, v], attributes: { axis: { kind: 'int', value: 2 } } });
    return this.linear(this.attend(this.linear(x, `${prefix}.q`), k, v, dim, heads, terms), `${prefix}.out`);
  }

  /** The feed-forward `${prefix}.fc` -> activation -> `${prefix}.proj` (tensor/layers/block.ts's MLP). */
  mlp(x: string, prefix: string, activation: 'gelu' | 'relu'): string {
    const h = this.linear(x, `${prefix}.fc`);
    const act = activation === 'gelu' ? this.node('Gelu', [h], { approximate: { kind: 'string', value: 'tanh' } }) : this.node('Relu', [h]);
    return this.linear(act, `${prefix}.proj`);
  }

  /** `layers` pre-LN blocks (`blocks.i`), causal via the graph input `mask`, then the final LayerNorm (`norm`): (B, L, D). */
  transformer(x: string, layers: number, dim: number, heads: number): string {
    for (let b = 0; b < layers; b++) {
      const p = `blocks.${b}`;
      x = this.node('Add', [x, this.selfAttention(this.layerNorm(x, `${p}.ln1`), `${p}.attn`, dim, heads, ['mask'])]);
      x = this.node('Add', [x, this.mlp(this.layerNorm(x, `${p}.ln2`), `${p}.mlp`, 'gelu')]);
    }
    return this.layerNorm(x, 'norm');
  }

  /**
   * Scores (B, N) of user vectors (B, D) against rows 1..N of an item table (N + 1, D) whose row 0 is padding: the
   * table the inputs were gathered from, sliced (onnxruntime folds the slice once, at load) rather than stored again
   * transposed, which doubled the file.
   */
  itemScores(users: string, table: string, output: string): string {
    const rows = this.node('Slice', [
      table,
      this.constant('slice_from_1', ONNX_INT64, [1], [1]),
      this.constant('slice_to_end', ONNX_INT64, [1], [2 ** 53 - 1]),
      this.constant('slice_axis_0', ONNX_INT64, [1], [0]),
    ]);
    return this.node('Gemm', [users, rows], { transB: { kind: 'int', value: 1 } }, output);
  }

  /** The newest position of each row of x (B, L, D) through the graph input `rows`: (B, D). */
  newest(x: string, dim: number): string {
    const flat = this.constant('shape_flat', ONNX_INT64, [2], [-1, dim]);
    return this.node('Gather', [this.node('Reshape', [x, flat]), 'rows'], { axis: { kind: 'int', value: 0 } });
  }

  graph(name: string, inputs: readonly OnnxValueInfo[], outputs: readonly OnnxValueInfo[]): OnnxGraph {
    return { name, inputs, outputs, nodes: this.nodes, initializers: this.initializers, opset: 20 };
  }
}

/** The graph inputs every history model here shares (export.json describes them). */
export const HISTORY_INPUTS: readonly OnnxValueInfo[] = Object.freeze([
  { name: 'ids', elemType: ONNX_INT64, dims: ['B', 'L'] },
  { name: 'back', elemType: ONNX_INT64, dims: ['B', 'L'] },
  { name: 'pos', elemType: ONNX_INT64, dims: ['B', 'L'] },
  { name: 'mask', elemType: ONNX_FLOAT, dims: ['L', 'L'] },
  { name: 'rows', elemType: ONNX_INT64, dims: ['B'] },
]);

/** What each input holds (export.json). */
export { HISTORY_INPUT_DOCS, historyInputs, type HistoryInputs } from '../model/history-inputs.js';

/**
 * int8 codes of a weight: a matrix gets one scale per row (axis 0: an embedding's items) or per column (axis 1: a
 * linear layer's outputs), whichever reconstructs it with the smaller squared error; anything else one scale.
 */
export function quantizeMatrix(
  values: ArrayLike<number>,
  dims: readonly number[],
): { readonly codes: Int8Array; readonly scales: Float32Array; readonly axis?: 0 | 1 } {
  if (dims.length !== 2) return quantizeRows(values, 1);
  const [rows, cols] = dims;
  const byRow = quantizeRows(values, rows);
  const transposed = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) transposed[c * rows + r] = values[r * cols + c];
  const byColT = quantizeRows(transposed, cols);
  let errRow = 0;
  let errCol = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      errRow += (byRow.codes[r * cols + c] * byRow.scales[r] - v) ** 2;
      errCol += (byColT.codes[c * rows + r] * byColT.scales[c] - v) ** 2;
    }
  if (errRow <= errCol) return { ...byRow, axis: 0 };
  const codes = new Int8Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) codes[r * cols + c] = byColT.codes[c * rows + r];
  return { codes, scales: byColT.scales, axis: 1 };
}

/** Symmetric int8 quantization of `rows` equal rows: per row, scale = max |w| / 127 and code = round(w / scale). */
export function quantizeRows(values: ArrayLike<number>, rows: number): { readonly codes: Int8Array; readonly scales: Float32Array } {
  const cols = values.length / rows;
  const codes = new Int8Array(values.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let j = 0; j < cols; j++) max = Math.max(max, Math.abs(values[r * cols + j]));
    const scale = max > 0 ? max / 127 : 1;
    scales[r] = scale;
    for (let j = 0; j < cols; j++) codes[r * cols + j] = Math.max(-127, Math.min(127, Math.round(values[r * cols + j] / scale)));
  }
  return { codes, scales };
}
