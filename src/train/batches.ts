/**
 * Next-item training batches (SASRec's all-positions objective): each training sequence, cut to its most recent
 * `maxLen + 1` items, gives inputs items[0..n-2] and targets items[1..n-1] at every position. Sequences are
 * right-padded (input id 0, target -1 = ignored), so under a causal mask no real position ever sees padding.
 * Batches are bucketed by length (shuffle, sort windows of 64 batches by length, shuffle the batch order), so a
 * batch is only as long as its longest sequence: Amazon histories average 9 items, not 50.
 */
import type { Rng } from '../core/rng.js';
import type { TrainSequence } from '../data/index.js';

export interface NextItemBatch {
  readonly size: number;
  /** Longest sequence in the batch (positions per row). */
  readonly length: number;
  /** int32 (size, length): item index + 1, 0 = padding. */
  readonly inputs: Int32Array;
  /** int32 (size, length): item index of the next item, -1 = padding. */
  readonly targets: Int32Array;
  /** Per row, how many positions are real. */
  readonly lengths: Int32Array;
}

/** Every usable sequence (at least 2 items) of the training split, cut to the most recent maxLen + 1. */
export function trainingWindows(train: readonly TrainSequence[], maxLen: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (const { items } of train) {
    if (items.length < 2) continue;
    out.push(Int32Array.from(items.length > maxLen + 1 ? items.subarray(items.length - maxLen - 1) : items));
  }
  return out;
}

/** Batches for one epoch, in a seeded order. */
export function nextItemBatches(windows: readonly Int32Array[], batchSize: number, rng: Rng): NextItemBatch[] {
  const order = rng.shuffle(Array.from(windows.keys()));
  const span = batchSize * 64;
  const batches: NextItemBatch[] = [];
  for (let start = 0; start < order.length; start += span) {
    const window = order.slice(start, start + span).sort((a, b) => windows[a].length - windows[b].length || a - b);
    for (let b = 0; b < window.length; b += batchSize) batches.push(packBatch(window.slice(b, b + batchSize).map((i) => windows[i])));
  }
  return rng.shuffle(batches);
}

function packBatch(rows: readonly Int32Array[]): NextItemBatch {
  const length = Math.max(...rows.map((r) => r.length - 1));
  const inputs = new Int32Array(rows.length * length);
  const targets = new Int32Array(rows.length * length).fill(-1);
  const lengths = new Int32Array(rows.length);
  rows.forEach((row, r) => {
    const n = row.length - 1;
    lengths[r] = n;
    for (let t = 0; t < n; t++) {
      inputs[r * length + t] = row[t] + 1;
      targets[r * length + t] = row[t + 1];
    }
  });
  return { size: rows.length, length, inputs, targets, lengths };
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
