/**
 * Iterative k-core filtering (the "5-core" of the Amazon benchmarks): repeatedly drop users with fewer than
 * `userK` interactions and items with fewer than `itemK` interactions until both hold, then re-densify the
 * surviving item and user indices (relative order kept) and subset the id maps and catalogue to match.
 */
import type { InteractionDataset, ItemCatalog } from './types.js';
import { packSequences } from './types.js';

export interface KCoreOptions {
  /** Minimum interactions per user. */
  readonly userK: number;
  /** Minimum interactions per item. @default userK */
  readonly itemK?: number;
}

/** Returns a new dataset (the input is not modified). Interactions count repeats (one per occurrence). */
export function kCoreFilter(ds: InteractionDataset, options: KCoreOptions): InteractionDataset {
  const userK = options.userK;
  const itemK = options.itemK ?? userK;
  const { offsets, items, numUsers, numItems } = ds;
  const userAlive = new Uint8Array(numUsers).fill(1);
  const itemAlive = new Uint8Array(numItems).fill(1);
  const userCount = new Int32Array(numUsers);
  const itemCount = new Int32Array(numItems);
  for (;;) {
    userCount.fill(0);
    itemCount.fill(0);
    for (let u = 0; u < numUsers; u++) {
      if (!userAlive[u]) continue;
      for (let p = offsets[u]; p < offsets[u + 1]; p++) {
        const i = items[p];
        if (itemAlive[i]) {
          userCount[u]++;
          itemCount[i]++;
        }
      }
    }
    let changed = false;
    for (let u = 0; u < numUsers; u++) {
      if (userAlive[u] && userCount[u] < userK) {
        userAlive[u] = 0;
        changed = true;
      }
    }
    for (let i = 0; i < numItems; i++) {
      if (itemAlive[i] && itemCount[i] < itemK) {
        itemAlive[i] = 0;
        changed = true;
      }
    }
    if (!changed) break;
  }
  const newItem = new Int32Array(numItems).fill(-1);
  const keptItems: number[] = [];
  for (let i = 0; i < numItems; i++) {
    if (itemAlive[i]) {
      newItem[i] = keptItems.length;
      keptItems.push(i);
    }
  }
  const sequences: Int32Array[] = [];
  const userIds: string[] = [];
  for (let u = 0; u < numUsers; u++) {
    if (!userAlive[u]) continue;
    const seq: number[] = [];
    for (let p = offsets[u]; p < offsets[u + 1]; p++) if (itemAlive[items[p]]) seq.push(newItem[items[p]]);
    sequences.push(Int32Array.from(seq));
    userIds.push(ds.userIds[u]);
  }
  const packed = packSequences(sequences);
  const itemIds = keptItems.map((i) => ds.itemIds[i]);
  const catalog: ItemCatalog = {
    itemIds,
    texts: keptItems.map((i) => ds.catalog.texts[i]),
    attributes: keptItems.map((i) => ds.catalog.attributes[i]),
  };
  return { ...ds, numUsers: userIds.length, numItems: itemIds.length, ...packed, userIds, itemIds, catalog };
}
