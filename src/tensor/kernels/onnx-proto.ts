/**
 * A minimal ONNX protobuf encoder: just enough of ModelProto / GraphProto / NodeProto / ValueInfoProto /
 * TensorProto / AttributeProto to describe the small single-purpose graphs the onnxruntime kernel provider runs.
 * There is no Python `onnx` package here and no protobuf dependency, so the wire format is written by hand
 * (field numbers from onnx/onnx.proto3). Float32 / int32 / int64 tensors (float16 and int8 as initializers) and scalar / list attributes.
 */

/** ONNX TensorProto.DataType values that the kernels use. */
export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;
/** IEEE half precision: initializers only (model exports store weights so, and Cast them to float). */
export const ONNX_FLOAT16 = 10;
/** Signed 8-bit: quantized weight initializers only (DequantizeLinear turns them back into float). */
export const ONNX_INT8 = 3;
export type OnnxElemType = typeof ONNX_FLOAT | typeof ONNX_INT32 | typeof ONNX_INT64 | typeof ONNX_FLOAT16 | typeof ONNX_INT8;

/** A dimension: a fixed size, or a symbol so that one session serves every size. */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: OnnxElemType;
  readonly dims: readonly OnnxDim[];
}

export type OnnxAttribute =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly number[] };

export interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, OnnxAttribute>>;
  readonly domain?: string;
}

/** A constant (ONNX initializer); scalars have dims []. */
export interface OnnxInitializer {
  readonly name: string;
  readonly elemType: OnnxElemType;
  readonly dims: readonly number[];
  readonly values: ArrayLike<number>;
}

export interface OnnxGraph {
  readonly name: string;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly nodes: readonly OnnxNode[];
  readonly initializers?: readonly OnnxInitializer[];
  /** @default 20 (Gelu with approximate="tanh" needs 20) */
  readonly opset?: number;
}

/** Growable byte buffer with the protobuf primitive encodings. */
class ProtoWriter {
  private bytes: number[] = [];

  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
    return this;
  }

  private key(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  int(field: number, value: number): this {
    return this.key(field, 0).varint(value);
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const buf = new Uint8Array(new Float32Array([value]).buffer);
    for (const b of buf) this.bytes.push(b);
    return this;
  }

  bytesField(field: number, data: Uint8Array): this {
    this.key(field, 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytesField(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo): void {
  w.string(1, info.name);
  // TypeProto.tensor_type(1) -> elem_type(1), shape(2) -> dim(1) -> dim_value(1) | dim_param(2)
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, info.elemType);
      tensor.message(2, (shape) => {
        for (const d of info.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function writeAttribute(w: ProtoWriter, name: string, attr: OnnxAttribute): void {
  w.string(1, name);
  switch (attr.kind) {
    case 'float':
      w.float(2, attr.value).int(20, 1);
      break;
    case 'int':
      w.int(3, attr.value).int(20, 2);
      break;
    case 'string':
      w.bytesField(4, new TextEncoder().encode(attr.value)).int(20, 3);
      break;
    case 'ints':
      for (const v of attr.value) w.int(8, v);
      w.int(20, 7);
      break;
  }
}

function writeNode(w: ProtoWriter, node: OnnxNode, index: number): void {
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  w.string(3, `${node.op}_${index}`);
  w.string(4, node.op);
  for (const [name, attr] of Object.entries(node.attributes ?? {})) w.message(5, (a) => writeAttribute(a, name, attr));
  if (node.domain) w.string(7, node.domain);
}

function writeInitializer(w: ProtoWriter, init: OnnxInitializer): void {
  for (const d of init.dims) w.int(1, d);
  w.int(2, init.elemType);
  w.string(8, init.name);
  const raw =
    init.elemType === ONNX_FLOAT
      ? new Uint8Array(Float32Array.from(init.values).buffer)
      : init.elemType === ONNX_FLOAT16
        ? new Uint8Array(Uint16Array.from(init.values, toHalf).buffer)
        : init.elemType === ONNX_INT32
          ? new Uint8Array(Int32Array.from(init.values).buffer)
          : init.elemType === ONNX_INT8
            ? new Uint8Array(Int8Array.from(init.values).buffer)
            : new Uint8Array(BigInt64Array.from(Array.from(init.values, (v) => BigInt(v))).buffer);
  w.bytesField(9, raw); // raw_data: little-endian, as ONNX specifies
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The IEEE half-precision bits of a float (round to nearest even; overflow to infinity, NaN kept). */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // infinity, NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mant |= 0x800000; // subnormal: the implicit bit joins the mantissa
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (rest > mid || (rest === mid && half & 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  return sign | (rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half); // a carry into the exponent is still right
}

/** Serialises a graph as an ONNX ModelProto (IR version 9, default domain at `opset`). */
export function encodeModel(graph: OnnxGraph): Uint8Array {
  const opset = graph.opset ?? 20;
  const w = new ProtoWriter();
  w.int(1, 9); // ir_version
  w.string(2, 'sidrec');
  w.message(7, (g) => {
    graph.nodes.forEach((node, i) => g.message(1, (n) => writeNode(n, node, i)));
    g.string(2, graph.name);
    for (const init of graph.initializers ?? []) g.message(5, (t) => writeInitializer(t, init));
    for (const input of graph.inputs) g.message(11, (v) => writeValueInfo(v, input));
    for (const output of graph.outputs) g.message(12, (v) => writeValueInfo(v, output));
  });
  w.message(8, (o) => o.string(1, '').int(2, opset));
  const domains = new Set(graph.nodes.map((n) => n.domain).filter((d): d is string => !!d));
  for (const d of domains) w.message(8, (o) => o.string(1, d).int(2, 1));
  return w.finish();
}
