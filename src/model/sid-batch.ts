/**
 * The input format of the SID generators (TIGER, Gryphon): an encoder input of flattened SID tokens, teacher-forced
 * decoder inputs and the target item's codes. The models own it; train/tiger-batches.ts builds it.
 */
import type { EncoderInput } from './tiger-vocab.js';

export interface SidBatch {
  readonly size: number;
  readonly encoder: EncoderInput;
  /** int32 (size, digits): BOS then the target's first digits - 1 tokens (teacher forcing). */
  readonly decoderInput: Int32Array;
  /** int32 (size, digits): the target item's codes. */
  readonly targetCodes: Int32Array;
  /** int32 (size): the target item index (Gryphon's item loss). */
  readonly targetItems: Int32Array;
  /** Each row's history items, oldest first (DIGER re-embeds them through its code assignment). */
  readonly histories?: readonly Int32Array[];
  /** int32 (size): each row's user. */
  readonly users?: Int32Array;
}
