/**
 * The transition prior's arithmetic, without Node APIs, so the engine (model/transitions.ts) and a web page
 * (browser/local-ranker.ts) add it the same way: w * log(1 + count(newest -> item)) on every item's score, and the
 * counts as one little-endian binary table in an export (transitions.bin).
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
  /** Stored (newest, next) pairs. */
  readonly pairs: number;
  readonly layout: string;
}

/**
 * Adds weight * log(1 + count(newest -> i)) to row `offset` of `scores` in place, for the items the counts cover
 * (`coveredItems`). A history without items, or whose newest item the counts do not cover (added after training),
 * is left as it is.
 */
export function addTransitionCounts(
  table: BigramTable,
  coveredItems: number,
  weight: number,
  scores: Float32Array,
  offset: number,
  history: ArrayLike<number>,
): void {
  if (history.length === 0 || weight === 0) return;
  const newest = history[history.length - 1];
  if (newest < 0 || newest >= coveredItems) return;
  const { start, next, count } = table;
  for (let p = start[newest]; p < start[newest + 1]; p++) scores[offset + next[p]] += weight * Math.log1p(count[p]);
}

/** The counts as transitions.bin's bytes, and how export.json describes them. */
export function transitionBytes(table: BigramTable, numItems: number, weight: number): { bytes: Uint8Array; description: ExportedTransitions } {
  const pairs = table.next.length;
  const buffer = new ArrayBuffer(4 * (numItems + 1 + 2 * pairs));
  new Int32Array(buffer, 0, numItems + 1).set(table.start);
  new Int32Array(buffer, 4 * (numItems + 1), pairs).set(table.next);
  new Float32Array(buffer, 4 * (numItems + 1 + pairs), pairs).set(table.count);
  const layout = 'little-endian int32 start[numItems + 1], int32 next[pairs], float32 count[pairs]: the items after item i are next[start[i] .. start[i + 1])';
  return { bytes: new Uint8Array(buffer), description: { file: TRANSITIONS_EXPORT_FILE, weight, numItems, pairs, layout } };
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
