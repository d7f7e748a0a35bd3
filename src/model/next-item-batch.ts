/**
 * The input format of the next-item models (SASRec, RPG): right-padded windows of item histories with a target at
 * each position. The models own it; train/batches.ts builds it from the training split.
 */

export interface NextItemBatch {
  readonly size: number;
  /** Longest sequence in the batch (positions per row). */
  readonly length: number;
  /** int32 (size, length): item index + 1, 0 = padding. */
  readonly inputs: Int32Array;
  /** int32 (size, length): item index of the next item, -1 = padding or no target. */
  readonly targets: Int32Array;
  /** Per row, how many positions are real. */
  readonly lengths: Int32Array;
  /**
   * Per row, the items of its training sequence after the window's last one (empty for a sequence's last window);
   * present on training batches, read by what must not see a window's future (GRank's count features).
   */
  readonly after?: readonly Int32Array[];
}

/** Right-padded inputs for scoring histories: (ids (B, L) with item + 1, 0 = pad; lengths). Empty histories keep one pad. */
export function packHistories(histories: readonly ArrayLike<number>[], maxLen: number): { ids: Int32Array; lengths: Int32Array; length: number } {
  const cut = histories.map((h) => (h.length > maxLen ? Array.prototype.slice.call(h, h.length - maxLen) : Array.from(h)) as number[]);
  const length = Math.max(1, ...cut.map((h) => h.length));
  const ids = new Int32Array(cut.length * length);
  const lengths = new Int32Array(cut.length);
  cut.forEach((h, r) => {
    lengths[r] = Math.max(1, h.length);
    for (let t = 0; t < h.length; t++) ids[r * length + t] = h[t] + 1;
  });
  return { ids, lengths, length };
}
