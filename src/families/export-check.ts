/** The histories an export is checked on: seeded, every length from 1 to the model's window, items from the whole catalogue. */
import { Rng } from '../core/rng.js';

export function checkHistories(numItems: number, maxLen: number, count = 64, seed = 11): Int32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, r) => {
    const length = 1 + (r % Math.max(1, maxLen + 4)); // a few longer than the window: cut as the model reads them
    return Int32Array.from({ length }, () => rng.int(numItems));
  });
}
