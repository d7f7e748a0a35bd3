/**
 * TIGER's token vocabulary (Rajput et al., NeurIPS 2023): digit d's code c is token offsets[d] + c, so the same
 * code value at different digits never shares an embedding; then one BOS token (the decoder's start) and
 * `userBuckets` hashed user tokens. Also packs histories into the encoder's flattened SID-token input
 * [user, item_1 digits..., item_L digits...], right-padded.
 */
import { SidrecError } from '../core/errors.js';
import type { SemanticIdTable } from '../tokenize/sid-table.js';

/** Index into the token embedding table (not a code, not an item index). */
export type TokenId = number & { readonly __brand: 'TokenId' };

export class SidVocabulary {
  readonly digits: number;
  /** (digits + 1): token range of digit d is [offsets[d], offsets[d + 1]). */
  readonly offsets: Int32Array;
  readonly bos: TokenId;
  /** Total tokens: codes + BOS + user buckets. */
  readonly size: number;

  /** @param codeSizes codes per digit (collision digit included). */
  constructor(
    readonly codeSizes: readonly number[],
    readonly userBuckets: number,
  ) {
    if (codeSizes.length === 0 || codeSizes.some((s) => !Number.isInteger(s) || s < 1)) throw new SidrecError('E_CONFIG', `bad code sizes [${codeSizes}]`);
    this.digits = codeSizes.length;
    this.offsets = new Int32Array(this.digits + 1);
    for (let d = 0; d < this.digits; d++) this.offsets[d + 1] = this.offsets[d] + codeSizes[d];
    this.bos = this.offsets[this.digits] as TokenId;
    this.size = this.bos + 1 + userBuckets;
  }

  /** Codes per digit of a table: codebookSize for tokenizer digits, largest collision rank + 1 for the extra one. */
  static codeSizesOf(table: SemanticIdTable): number[] {
    const sizes = new Array<number>(table.digits).fill(1);
    for (let i = 0; i < table.count; i++) {
      const c = table.codesOf(i);
      for (let d = 0; d < table.digits; d++) if (c[d] + 1 > sizes[d]) sizes[d] = c[d] + 1;
    }
    for (let d = 0; d < table.shape.baseDigits; d++) sizes[d] = Math.max(sizes[d], table.shape.codebookSize);
    return sizes;
  }

  token(digit: number, code: number): TokenId {
    return (this.offsets[digit] + code) as TokenId;
  }

  /** Hashed user token (TIGER: 2000 buckets). */
  userToken(user: number): TokenId {
    return (this.bos + 1 + ((Math.imul(user >>> 0, 0x9e3779b1) >>> 0) % this.userBuckets)) as TokenId;
  }

  /** (count, digits) token ids of every item's SID. */
  itemTokens(table: SemanticIdTable): Int32Array {
    if (table.digits !== this.digits) throw new SidrecError('E_SHAPE', `table has ${table.digits} digits, vocabulary ${this.digits}`);
    const out = new Int32Array(table.count * this.digits);
    for (let i = 0; i < table.count; i++) {
      const c = table.codesOf(i);
      for (let d = 0; d < this.digits; d++) out[i * this.digits + d] = this.offsets[d] + c[d];
    }
    return out;
  }
}

export interface EncoderInput {
  readonly size: number;
  /** Tokens per row (longest row). */
  readonly length: number;
  /** int32 (size, length): token ids, -1 = padding (a zero embedding). */
  readonly ids: Int32Array;
  /** int32 (size, length): 1 at padding keys. */
  readonly padding: Int32Array;
  /** Real tokens per row. */
  readonly lengths: Int32Array;
}

/**
 * Encoder inputs for histories (item indices, oldest first): the user token, then the SID tokens of the most
 * recent `maxItems` items. `itemTokens` is `vocab.itemTokens(table)`.
 */
export function packEncoder(
  vocab: SidVocabulary,
  itemTokens: Int32Array,
  histories: readonly ArrayLike<number>[],
  users: ArrayLike<number>,
  maxItems: number,
): EncoderInput {
  const m = vocab.digits;
  return packEncoderRows(
    histories,
    m,
    maxItems,
    (r) => vocab.userToken(users[r]),
    (item, d) => itemTokens[item * m + d],
  );
}

/**
 * The encoder layout [user, item_1 digits..., item_L digits...] (right-padded, the most recent `maxItems` items)
 * with ids from `userId(row)` and `itemId(item, digit)`: TIGER's token ids, or rows of DIGER's per-batch table.
 */
export function packEncoderRows(
  histories: readonly ArrayLike<number>[],
  digits: number,
  maxItems: number,
  userId: (row: number) => number,
  itemId: (item: number, digit: number) => number,
): EncoderInput {
  const B = histories.length;
  let length = 1;
  for (const h of histories) length = Math.max(length, 1 + digits * Math.min(h.length, maxItems));
  const ids = new Int32Array(B * length).fill(-1);
  const padding = new Int32Array(B * length).fill(1);
  const lengths = new Int32Array(B);
  for (let r = 0; r < B; r++) {
    const h = histories[r];
    const row = r * length;
    ids[row] = userId(r);
    let t = 1;
    for (let p = Math.max(0, h.length - maxItems); p < h.length; p++) for (let d = 0; d < digits; d++) ids[row + t++] = itemId(h[p], d);
    padding.fill(0, row, row + t);
    lengths[r] = t;
  }
  return { size: B, length, ids, padding, lengths };
}
