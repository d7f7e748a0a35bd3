/**
 * The inputs of an exported TIGER / Gryphon (families/tiger/onnx.ts: an encoder graph and a one-step decoder
 * graph), built the same way by the export's self-check and in the browser (decode/sid-runtime.ts), and T5's
 * relative-position bucket (Raffel et al., JMLR 2020) that the engine's bias (tiger-layers.ts) reads too. No Node
 * APIs and no engine imports, so the browser bundle can include it.
 */
import { packEncoderRows } from './tiger-vocab.js';

/** An attention score masked out (additive). */
export const TIGER_MASKED = -1e30;

/** T5's bucket of relative position (key - query). */
export function relativeBucket(relative: number, bidirectional: boolean, buckets: number, maxDistance: number): number {
  let n = -relative;
  let ret = 0;
  let nb = buckets;
  if (bidirectional) {
    nb = buckets >> 1;
    if (n < 0) {
      ret += nb;
      n = -n;
    }
  } else n = Math.max(n, 0);
  const maxExact = nb >> 1;
  if (n < maxExact) return ret + n;
  const v = maxExact + Math.floor((Math.log(n / maxExact) / Math.log(maxDistance / maxExact)) * (nb - maxExact));
  return ret + Math.min(v, nb - 1);
}

/** Bucket ids (Tq, Tk) for queries at the last Tq positions of Tk keys. */
export function relativeBuckets(Tq: number, Tk: number, bidirectional: boolean, buckets: number, maxDistance: number): Int32Array {
  const ids = new Int32Array(Tq * Tk);
  for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) ids[i * Tk + j] = relativeBucket(j - (i + Tk - Tq), bidirectional, buckets, maxDistance);
  return ids;
}

/** What the inputs of an exported TIGER depend on (export.json's `tiger` section). */
export interface TigerLayout {
  /** Digits per SID (collision digit included). */
  readonly digits: number;
  /** Codes per digit: the decoder's logits hold digit d's at [offsets[d], offsets[d + 1]). */
  readonly codeSizes: readonly number[];
  /** Token id of the decoder's start. */
  readonly bos: number;
  /** Token embeddings in the encoder graph; padding reads the zero row at this index. */
  readonly vocabSize: number;
  /** The token of a request without a dataset user (the anonymous user's hash bucket). */
  readonly userToken: number;
  /** History items read (the most recent). */
  readonly maxItems: number;
  readonly relBuckets: number;
  readonly relMaxDistance: number;
}

export const TIGER_INPUT_DOCS: Readonly<Record<string, string>> = Object.freeze({
  tokens: 'int64 (B, T): [user token, SID tokens of the last maxItems history items], right-padded with vocabSize (a zero row)',
  keyMask: 'float32 (B, T): 0 at real tokens, -1e30 at padding',
  encBuckets: 'int64 (T, T): T5 relative-position buckets, bidirectional',
  pool: 'float32 (B, 1, T): 1 / length at real tokens, 0 at padding (Gryphon: the user vector pools the encoder output)',
  memory: 'float32 (B, T, D): the encoder output',
  prefix: 'int64 (B * G, t): BOS then the tokens of each beam code prefix, G beams per request',
  decBuckets: 'int64 (t, t): T5 relative-position buckets, causal',
  causal: 'float32 (t, t): 0 on and below the diagonal, -1e30 above',
  crossShape: 'int64 (3): [B, G * t, D], the beams of a request folded into its queries for cross-attention',
  rowShape: 'int64 (3): [B * G, t, D]',
});

export interface TigerEncoderInputs {
  readonly B: number;
  readonly T: number;
  readonly tokens: BigInt64Array;
  readonly keyMask: Float32Array;
  readonly encBuckets: BigInt64Array;
  readonly pool: Float32Array;
}

/** Encoder inputs for histories (item indices, oldest first); `itemTokens` (numItems, digits) token ids. */
export function tigerEncoderInputs(layout: TigerLayout, itemTokens: Int32Array, histories: readonly ArrayLike<number>[]): TigerEncoderInputs {
  const m = layout.digits;
  const packed = packEncoderRows(
    histories,
    m,
    layout.maxItems,
    () => layout.userToken,
    (item, d) => itemTokens[item * m + d],
  );
  const { size: B, length: T } = packed;
  const tokens = BigInt64Array.from(packed.ids, (v) => BigInt(v < 0 ? layout.vocabSize : v));
  const keyMask = Float32Array.from(packed.padding, (p) => (p !== 0 ? TIGER_MASKED : 0));
  const pool = new Float32Array(B * T);
  for (let r = 0; r < B; r++) pool.fill(1 / packed.lengths[r], r * T, r * T + packed.lengths[r]);
  const encBuckets = BigInt64Array.from(relativeBuckets(T, T, true, layout.relBuckets, layout.relMaxDistance), (v) => BigInt(v));
  return { B, T, tokens, keyMask, encBuckets, pool };
}

export interface TigerDecoderInputs {
  /** Decoder positions (BOS + step codes). */
  readonly t: number;
  readonly prefix: BigInt64Array;
  readonly decBuckets: BigInt64Array;
  readonly causal: Float32Array;
  readonly crossShape: BigInt64Array;
  readonly rowShape: BigInt64Array;
}

/** One decoding step's inputs: `rows` = B x groups code prefixes int32 (rows, step). */
export function tigerDecoderInputs(layout: TigerLayout, prefixes: Int32Array, rows: number, step: number, groups: number, dim: number): TigerDecoderInputs {
  const t = step + 1;
  const offsets = codeOffsets(layout.codeSizes);
  const prefix = new BigInt64Array(rows * t);
  for (let r = 0; r < rows; r++) {
    prefix[r * t] = BigInt(layout.bos);
    for (let d = 0; d < step; d++) prefix[r * t + 1 + d] = BigInt(offsets[d] + prefixes[r * step + d]);
  }
  const causal = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) causal[i * t + j] = TIGER_MASKED;
  const decBuckets = BigInt64Array.from(relativeBuckets(t, t, false, layout.relBuckets, layout.relMaxDistance), (v) => BigInt(v));
  const B = rows / groups;
  return {
    t,
    prefix,
    decBuckets,
    causal,
    crossShape: BigInt64Array.of(BigInt(B), BigInt(groups * t), BigInt(dim)),
    rowShape: BigInt64Array.of(BigInt(rows), BigInt(t), BigInt(dim)),
  };
}

/** Start of each digit's codes in the concatenated vocabulary / logits: (digits + 1). */
export function codeOffsets(codeSizes: readonly number[]): Int32Array {
  const offsets = new Int32Array(codeSizes.length + 1);
  for (let d = 0; d < codeSizes.length; d++) offsets[d + 1] = offsets[d] + codeSizes[d];
  return offsets;
}
