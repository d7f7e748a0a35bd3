/**
 * The in-memory shapes the data stage hands on: an `ItemCatalog` (per-item text and attribute ids) and an
 * `InteractionDataset` (users' chronological sequences of dense item indices plus the external <-> internal id
 * maps). Internal item indices are dense 0..N-1; internal user indices are dense 0..U-1.
 */

/** Dense internal item index, 0..numItems-1. */
export type ItemIndex = number & { readonly __brand: 'ItemIndex' };
/** Dense internal user index, 0..numUsers-1. */
export type UserIndex = number & { readonly __brand: 'UserIndex' };

/** Free text fields of one item; any may be absent. `categories` is flattened to a list of strings. */
export interface ItemText {
  readonly title?: string;
  readonly brand?: string;
  readonly categories?: readonly string[];
  /** Any further text fields (description, price as text, ...), by column name. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** Per-item content, indexed by internal item index. */
export interface ItemCatalog {
  /** External item id of each internal index (the same list as the dataset's `itemIds`). */
  readonly itemIds: readonly string[];
  /** Text fields, `texts[i]` for internal item i. Items with no text have `{}`. */
  readonly texts: readonly ItemText[];
  /** Opaque attribute ids per item (S3-Rec `item_attributes.json`); empty where unknown. */
  readonly attributes: readonly (readonly number[])[];
}

/** What a loader does with exact duplicate events: drop all but the first (the default) or keep them. */
export type DuplicatePolicy = 'drop' | 'keep';

/**
 * How exact duplicates were handled while loading. What "exact" means depends on what the input records:
 * 'user-item-time' (a log with a time column: same user, item and timestamp) or 'consecutive' (no timestamps,
 * e.g. the benchmark sequences.txt: the same item twice in a row in a user's sequence).
 */
export interface DuplicateReport {
  readonly policy: DuplicatePolicy;
  readonly rule: 'user-item-time' | 'consecutive';
  /** Exact duplicate events in the input (beyond the first of each). */
  readonly found: number;
  /** Of those, removed: `found` under 'drop', 0 under 'keep'. */
  readonly dropped: number;
}

/** One line for people: "2 duplicate events dropped (same user, item and timestamp)". */
export function describeDuplicates(d: DuplicateReport): string {
  const rule = d.rule === 'user-item-time' ? 'same user, item and timestamp' : 'the same item twice in a row for a user';
  if (d.found === 0) return `no duplicate events (${rule})`;
  return d.policy === 'drop' ? `${d.dropped} duplicate event(s) dropped (${rule})` : `${d.found} duplicate event(s) kept (${rule})`;
}

/**
 * Users' chronological histories in CSR form: items of user u are
 * `items.subarray(offsets[u], offsets[u + 1])`, oldest first.
 */
export interface InteractionDataset {
  readonly name: string;
  readonly numUsers: number;
  readonly numItems: number;
  /** (U + 1) offsets into `items`. */
  readonly offsets: Int32Array;
  /** (total interactions) internal item indices. */
  readonly items: Int32Array;
  /** External id of each internal user index. */
  readonly userIds: readonly string[];
  /** External id of each internal item index. */
  readonly itemIds: readonly string[];
  readonly catalog: ItemCatalog;
  /** Non-fatal issues found while loading (e.g. unknown item ids dropped on request), in file order. */
  readonly warnings: readonly string[];
  /** How exact duplicate events were handled by the loader; absent for data built in memory. */
  readonly duplicates?: DuplicateReport;
}

/** The chronological item sequence of one user (a view, not a copy). */
export function userSequence(ds: InteractionDataset, user: number): Int32Array {
  return ds.items.subarray(ds.offsets[user], ds.offsets[user + 1]);
}

/** Total number of interactions. */
export function numInteractions(ds: InteractionDataset): number {
  return ds.items.length;
}

/** Build CSR arrays from per-user sequences. */
export function packSequences(sequences: readonly ArrayLike<number>[]): { offsets: Int32Array; items: Int32Array } {
  const offsets = new Int32Array(sequences.length + 1);
  for (let u = 0; u < sequences.length; u++) offsets[u + 1] = offsets[u] + sequences[u].length;
  const items = new Int32Array(offsets[sequences.length]);
  for (let u = 0; u < sequences.length; u++) items.set(sequences[u], offsets[u]);
  return { offsets, items };
}

/** A catalog with no text for the given item ids. */
export function emptyCatalog(itemIds: readonly string[]): ItemCatalog {
  return { itemIds, texts: itemIds.map(() => ({})), attributes: itemIds.map(() => []) };
}
