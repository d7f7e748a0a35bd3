/**
 * The inputs of an exported history model (SASRec, RPG: families/onnx-graph.ts), built the same way on the server
 * (the export's self-check) and in the browser (browser/local-ranker.ts): item ids, recency, positions, the causal
 * mask and each history's newest position. No Node APIs, so the browser bundle can include it.
 */
import { packHistories } from './next-item-batch.js';

/** The causal mask's value above the diagonal. */
export const HISTORY_MASKED = -1e30;

export const HISTORY_INPUT_DOCS: Readonly<Record<string, string>> = Object.freeze({
  ids: 'int64 (B, L): item index + 1 of each history item, oldest first, right-padded with 0; the last maxLen items',
  back: 'int64 (B, L): each position counted back from the newest (0 = newest), 0 at padding',
  pos: 'int64 (B, L): each position counted from the oldest of the window (0 = oldest), 0 at padding',
  mask: 'float32 (L, L): 0 on and below the diagonal, -1e30 above (causal)',
  rows: 'int64 (B): r * L + length_r - 1, the flat index of each newest position',
});

export interface HistoryInputs {
  readonly ids: BigInt64Array;
  readonly back: BigInt64Array;
  readonly pos: BigInt64Array;
  readonly mask: Float32Array;
  readonly rows: BigInt64Array;
  readonly B: number;
  readonly L: number;
}

/** The inputs for histories (item indices, oldest first), cut to the last `maxLen` items as the models read them. */
export function historyInputs(histories: readonly ArrayLike<number>[], maxLen: number): HistoryInputs {
  const packed = packHistories(histories, maxLen);
  const { lengths, length: L } = packed;
  const B = lengths.length;
  const ids = BigInt64Array.from(packed.ids, (v) => BigInt(v));
  const back = new BigInt64Array(B * L);
  const pos = new BigInt64Array(B * L);
  const rows = new BigInt64Array(B);
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < lengths[r]; t++) {
      back[r * L + t] = BigInt(lengths[r] - 1 - t);
      pos[r * L + t] = BigInt(t);
    }
    rows[r] = BigInt(r * L + lengths[r] - 1);
  }
  const mask = new Float32Array(L * L);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) mask[i * L + j] = HISTORY_MASKED;
  return { ids, back, pos, mask, rows, B, L };
}
