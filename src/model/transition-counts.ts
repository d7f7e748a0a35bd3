/**
 * The transition prior's arithmetic, without Node APIs, so the engine (model/transitions.ts) and a web page
 * (browser/local-ranker.ts) add it the same way: w * sum_k decay^k * log(1 + count(k-th newest item -> item)) on
 * every item's score, and the counts as one little-endian binary table in an export (transitions.bin).
 */
import type { BigramTable } from './baselines.js';

/** The export's file of counts: int32 start[numItems + 1], int32 next[pairs], float32 count[pairs], little-endian. */
export const TRANSITIONS_EXPORT_FILE = 'transitions.bin';

/** export.json's `transitions`: the prior a runtime adds to the model's scores. */
export interface ExportedTransitions {
  readonly file: string;
  readonly weight: number;
  /** Items the counts cover (the training split's). */
  readonly numItems: number;
  /** Stored (item, next item) pairs. */
  readonly pairs: number;
  readonly layout: string;
  /** Which history items it reads (absent in exports made before it existed: the newest item alone). */
  readonly window?: number;
  readonly decay?: number;
}

/**
 * Which history items the prior reads: the newest `window` items, the k-th newest (k = 0, 1, ...) weighted decay^k.
 * decay 0 reads the newest item alone (the item bigram's view).
 */
export interface TransitionReach {
  readonly window: number;
  readonly decay: number;
}

/** The newest item alone: the prior as first built (files and exports without a reach read as this). */
export const NEWEST_ITEM: TransitionReach = Object.freeze({ window: 1, decay: 0 });

/**
 * Adds weight * sum over k < window of decay^k * log(1 + count(h[-1-k] -> i)) to row `offset` of `scores` in place,
 * h[-1] being the history's newest item, for the items the counts cover (`coveredItems`). Items the counts do not
 * cover (added after training) contribute nothing; an empty history adds nothing.
 */
export function addTransitionCounts(
  table: BigramTable,
  coveredItems: number,
  weight: number,
  scores: Float32Array,
  offset: number,
  history: ArrayLike<number>,
  reach: TransitionReach = NEWEST_ITEM,
): void {
  if (weight === 0) return;
  const { start, next, count } = table;
  const reads = Math.min(reach.window, history.length);
  let factor = weight;
  for (let k = 0; k < reads && factor !== 0; k++, factor *= reach.decay) {
    const item = history[history.length - 1 - k];
    if (item < 0 || item >= coveredItems) continue;
    for (let p = start[item]; p < start[item + 1]; p++) scores[offset + next[p]] += factor * Math.log1p(count[p]);
  }
}

/** A reach's window and decay checked (`where` names what they came from in errors). */
export function checkReach(reach: TransitionReach, where: string): TransitionReach {
  if (!(Number.isInteger(reach.window) && reach.window >= 1)) throw new Error(`${where}: window ${reach.window} is not a whole number >= 1`);
  if (!(reach.decay >= 0 && reach.decay <= 1)) throw new Error(`${where}: decay ${reach.decay} is not in [0, 1]`);
  return reach;
}

/** The counts as transitions.bin's bytes, and how export.json describes them. */
export function transitionBytes(
  table: BigramTable,
  numItems: number,
  weight: number,
  reach: TransitionReach = NEWEST_ITEM,
): { bytes: Uint8Array; description: ExportedTransitions } {
  const pairs = table.next.length;
  const buffer = new ArrayBuffer(4 * (numItems + 1 + 2 * pairs));
  new Int32Array(buffer, 0, numItems + 1).set(table.start);
  new Int32Array(buffer, 4 * (numItems + 1), pairs).set(table.next);
  new Float32Array(buffer, 4 * (numItems + 1 + pairs), pairs).set(table.count);
  const layout = 'little-endian int32 start[numItems + 1], int32 next[pairs], float32 count[pairs]: the items after item i are next[start[i] .. start[i + 1])';
  return {
    bytes: new Uint8Array(buffer),
    description: { file: TRANSITIONS_EXPORT_FILE, weight, numItems, pairs, layout, window: reach.window, decay: reach.decay },
  };
}

/** An export's reach (the newest item alone when it names none), checked. */
export function exportedReach(described: ExportedTransitions, where: string): TransitionReach {
  return checkReach({ window: described.window ?? NEWEST_ITEM.window, decay: described.decay ?? NEWEST_ITEM.decay }, where);
}

/** transitions.bin back into a table, checked against its description (`where` names the file in errors). */
export function readTransitionBytes(buffer: ArrayBuffer, described: ExportedTransitions, where: string): BigramTable {
  const { numItems: n, pairs } = described;
  const expected = 4 * (n + 1 + 2 * pairs);
  if (buffer.byteLength !== expected) throw new Error(`${where}: ${buffer.byteLength} bytes, export.json describes ${expected} (${n} items, ${pairs} pairs)`);
  if (!(Number.isFinite(described.weight) && described.weight >= 0)) throw new Error(`${where}: weight ${described.weight} is not a non-negative number`);
  const start = new Int32Array(buffer, 0, n + 1);
  const next = new Int32Array(buffer, 4 * (n + 1), pairs);
  const count = new Float32Array(buffer, 4 * (n + 1 + pairs), pairs);
  if (start[0] !== 0 || start[n] !== pairs) throw new Error(`${where}: the row starts do not span the ${pairs} pairs`);
  for (let i = 0; i < n; i++) if (start[i + 1] < start[i]) throw new Error(`${where}: row start of item ${i + 1} is before item ${i}'s`);
  for (let p = 0; p < pairs; p++) if (next[p] < 0 || next[p] >= n) throw new Error(`${where}: pair ${p} names item ${next[p]}, outside 0..${n - 1}`);
  return { start, next, count };
}
