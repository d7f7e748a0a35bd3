/**
 * Next-item training batches (SASRec's all-positions objective): a training window of up to `maxLen + 1` items gives
 * inputs items[0..n-2] and targets items[1..n-1] at every position from its first target on. Sequences longer than
 * `maxLen + 1` are tiled by windows that slide by half of maxLen, each later window training only the targets the
 * earlier ones did not reach: every target is trained once, with at least maxLen / 2 items of context (the RPG
 * reference slides one item at a time, a full window per later target; on Beauty that would double an epoch for the
 * 2.6% of targets past the 51st item; half-overlapping windows add 8% of positions). Sequences are
 * right-padded (input id 0, target -1 = ignored), so under a causal mask no real position ever sees padding.
 * Batches are either bucketed by length (shuffle, sort windows of 64 batches by length, shuffle the batch order: a
 * batch is only as long as its longest sequence, and Amazon histories average 9 items, not 50), or drawn uniformly
 * and computed in length-sorted parts (`lengthSortedParts`: the same padding saving without grouping similar
 * histories into one step, which slows RPG's learning; see BENCHMARKS.md, 2026-12-03).
 */
import type { Rng } from '../core/rng.js';
import type { TrainSequence } from '../data/index.js';
import type { NextItemBatch } from '../model/next-item-batch.js';

export type { NextItemBatch } from '../model/next-item-batch.js';
export { packHistories } from '../model/next-item-batch.js';

/** Up to maxLen + 1 consecutive items of one sequence; positions before `firstTarget` carry no target. */
export interface TrainingWindow {
  readonly items: Int32Array;
  /** The first position t whose next item items[t + 1] is a target (an earlier window trained the ones before). */
  readonly firstTarget: number;
  /** The sequence's items after the window (a view; empty or absent for its last window). */
  readonly after?: Int32Array;
}

/**
 * How training windows cut sequences longer than maxLen + 1: 'tiled' (half-overlapping windows, every target once;
 * see the header) or 'sliding' (the RPG reference's: the first maxLen + 1 items, then one full window per later
 * item that trains only its last target).
 */
export type WindowMode = 'tiled' | 'sliding';

/** The windows of every usable sequence (at least 2 items) of the training split; see the header. */
export function trainingWindows(train: readonly TrainSequence[], maxLen: number, mode: WindowMode = 'tiled'): TrainingWindow[] {
  const span = maxLen + 1;
  const stride = Math.max(1, Math.ceil(maxLen / 2));
  const out: TrainingWindow[] = [];
  for (const { items } of train) {
    if (items.length < 2) continue;
    let end = Math.min(items.length, span); // exclusive; items[1..end-1] are trained
    out.push({ items: items.slice(0, end), firstTarget: 0, after: items.subarray(end) });
    if (mode === 'sliding') {
      for (let start = 1; start + span <= items.length; start++)
        out.push({ items: items.slice(start, start + span), firstTarget: span - 2, after: items.subarray(start + span) });
      continue;
    }
    while (end < items.length) {
      const next = Math.min(items.length, end + stride);
      const start = next - span;
      out.push({ items: items.slice(start, next), firstTarget: end - 1 - start, after: items.subarray(next) });
      end = next;
    }
  }
  return out;
}

/**
 * Batches for one epoch, in a seeded order. `lengthBuckets` (the default) groups windows of similar length (see the
 * header); off, a batch is a plain random draw of windows, as in the RPG and SASRec references.
 */
export function nextItemBatches(windows: readonly TrainingWindow[], batchSize: number, rng: Rng, lengthBuckets = true): NextItemBatch[] {
  const order = rng.shuffle(Array.from(windows.keys()));
  if (!lengthBuckets) {
    const batches: NextItemBatch[] = [];
    for (let b = 0; b < order.length; b += batchSize) batches.push(packBatch(order.slice(b, b + batchSize).map((i) => windows[i])));
    return batches;
  }
  const span = batchSize * 64;
  const batches: NextItemBatch[] = [];
  for (let start = 0; start < order.length; start += span) {
    const window = order.slice(start, start + span).sort((a, b) => windows[a].items.length - windows[b].items.length || a - b);
    for (let b = 0; b < window.length; b += batchSize) batches.push(packBatch(window.slice(b, b + batchSize).map((i) => windows[i])));
  }
  return rng.shuffle(batches);
}

const NOTHING_AFTER = new Int32Array(0);

function packBatch(rows: readonly TrainingWindow[]): NextItemBatch {
  const length = Math.max(...rows.map((r) => r.items.length - 1));
  const inputs = new Int32Array(rows.length * length);
  const targets = new Int32Array(rows.length * length).fill(-1);
  const lengths = new Int32Array(rows.length);
  rows.forEach(({ items, firstTarget }, r) => {
    const n = items.length - 1;
    lengths[r] = n;
    for (let t = 0; t < n; t++) {
      inputs[r * length + t] = items[t] + 1;
      if (t >= firstTarget) targets[r * length + t] = items[t + 1];
    }
  });
  return { size: rows.length, length, inputs, targets, lengths, after: rows.map((r) => r.after ?? NOTHING_AFTER) };
}

/** Real target positions of a batch (the positions its loss averages over). */
export function targetCount(batch: NextItemBatch): number {
  let n = 0;
  for (let i = 0; i < batch.targets.length; i++) if (batch.targets[i] >= 0) n++;
  return n;
}

/**
 * A batch as length-sorted parts with loss weights (each part's share of the batch's targets), for computing a
 * uniformly drawn batch at the cost of bucketed ones: the gradient is the whole batch's, the padding that of parts
 * of similar length. Rows are sorted by length and a part closes when adding the next (longer) row would make its
 * padded positions exceed `slack` x its real ones (parts keep at least `minRows` rows, the last part takes the rest).
 * Why not train on length-bucketed batches directly: on Beauty (RPG, d 128) batches drawn uniformly reached
 * validation NDCG@10 .0111 after one epoch, bucketed ones .0066, with the same windows and initialisation.
 */
export function lengthSortedParts(batch: NextItemBatch, slack = 1.5, minRows = 8): (readonly [NextItemBatch, number])[] {
  const rows = Array.from({ length: batch.size }, (_, r) => r);
  const total = targetCount(batch);
  if (total === 0) return [[batch, 1]];
  return lengthGroups(rows, (r) => batch.lengths[r], slack, minRows).map((g) => {
    const part = selectRows(batch, g);
    return [part, targetCount(part) / total] as const;
  });
}

/**
 * `rows` sorted by `length` (ties by row), cut into groups: a group closes when adding the next (longer) row would
 * make its padded positions exceed `slack` x its real ones; groups keep at least `minRows` rows (the last takes the
 * rest). The grouping of every length-sorted-parts batching (next-item windows here, SID examples in tiger-batches.ts).
 */
export function lengthGroups(rows: readonly number[], length: (row: number) => number, slack: number, minRows: number): number[][] {
  const sorted = [...rows].sort((a, b) => length(a) - length(b) || a - b);
  const groups: number[][] = [];
  let group: number[] = [];
  let real = 0;
  let closed = 0; // rows in closed groups
  for (const r of sorted) {
    const len = length(r);
    if (group.length >= minRows && (group.length + 1) * len > slack * (real + len) && sorted.length - closed - group.length >= minRows) {
      groups.push(group);
      closed += group.length;
      group = [];
      real = 0;
    }
    group.push(r);
    real += len;
  }
  groups.push(group);
  return groups;
}

function selectRows(batch: NextItemBatch, rows: readonly number[]): NextItemBatch {
  const length = Math.max(1, ...rows.map((r) => batch.lengths[r]));
  const inputs = new Int32Array(rows.length * length);
  const targets = new Int32Array(rows.length * length).fill(-1);
  const lengths = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    lengths[i] = batch.lengths[r];
    inputs.set(batch.inputs.subarray(r * batch.length, r * batch.length + length), i * length);
    targets.set(batch.targets.subarray(r * batch.length, r * batch.length + length), i * length);
  });
  const after = batch.after;
  return { size: rows.length, length, inputs, targets, lengths, ...(after ? { after: rows.map((r) => after[r] as Int32Array) } : {}) };
}
