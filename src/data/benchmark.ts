/**
 * Loader for the benchmark format of the generative-recommendation literature (S3-Rec `data/<Name>.txt`, used
 * unchanged by P5 / TIGER / RPG): `sequences.txt` (`user_id item_id ...`, chronological, 1-based integers),
 * `items.jsonl` ({id, asin, title, brand, categories}) and `item_attributes.json`. Internal item indices follow
 * ascending numeric item id (so on the Amazon files index = id - 1); users keep file order.
 * sequences.txt has no timestamps, so an exact duplicate event can only be told by position: the same item id
 * twice in a row on a user's line. Those repeats are dropped and counted by default (`duplicates: 'keep'` keeps
 * them); the Amazon Beauty and Sports files contain none, so their datasets are the papers' datasets either way.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inputError } from '../core/errors.js';
import { alignCatalog, loadAttributes, loadCatalogEntries } from './catalog.js';
import { kCoreFilter } from './kcore.js';
import { parseIntField, readLines } from './lines.js';
import type { DuplicatePolicy, InteractionDataset } from './types.js';

export interface BenchmarkOptions {
  /** Dataset name. @default the folder's base name */
  readonly name?: string;
  /**
   * What to do with item ids in sequences.txt that items.jsonl lacks: 'error' (default) throws, naming the count
   * and the first examples with their lines; 'drop' removes them and records the same text in `warnings`.
   */
  readonly unknownItems?: 'error' | 'drop';
  /** Optional k-core filter applied after loading. @default undefined (none; the Amazon files are 5-core) */
  readonly kCore?: number;
  /** Consecutive repeats of an item on a user's line: 'drop' all but the first (counted) or 'keep'. @default 'drop' */
  readonly duplicates?: DuplicatePolicy;
}

/** Loads `dir/sequences.txt` (+ `items.jsonl`, `item_attributes.json` when present). */
export async function loadBenchmark(dir: string, options: BenchmarkOptions = {}): Promise<InteractionDataset> {
  const seqPath = join(dir, 'sequences.txt');
  const itemsPath = join(dir, 'items.jsonl');
  const attrsPath = join(dir, 'item_attributes.json');
  const entries = existsSync(itemsPath) ? await loadCatalogEntries(itemsPath, { idField: 'id', format: 'jsonl', integerIds: true }) : undefined;

  const userIds: string[] = [];
  const rawSeqs: { line: number; items: number[] }[] = [];
  const seenUsers = new Map<string, number>();
  const keepRepeats = options.duplicates === 'keep';
  let repeats = 0;
  for await (const { line, text } of readLines(seqPath)) {
    const trimmed = text.trim();
    if (trimmed === '') continue;
    const tokens = trimmed.split(/\s+/);
    const user = parseIntField(tokens[0], { file: seqPath, line, field: 'user_id' }, 0);
    if (tokens.length < 2) throw inputError(`empty history for user ${user}`, { file: seqPath, line, field: 'item_id' });
    const key = String(user);
    const prev = seenUsers.get(key);
    if (prev !== undefined) throw inputError(`duplicate user id ${user} (first on line ${prev})`, { file: seqPath, line, field: 'user_id' });
    seenUsers.set(key, line);
    const items: number[] = [];
    for (let t = 1; t < tokens.length; t++) {
      const id = parseIntField(tokens[t], { file: seqPath, line, field: `item_id #${t}` }, 1);
      if (t > 1 && id === items[items.length - 1]) {
        repeats++;
        if (!keepRepeats) continue;
      }
      items.push(id);
    }
    userIds.push(key);
    rawSeqs.push({ line, items });
  }
  if (rawSeqs.length === 0) throw inputError('no users: the file has no sequences', { file: seqPath, line: 1 });

  // Item universe: the catalogue when present, else the ids seen in sequences; ascending numeric id.
  const universe = entries !== undefined ? [...entries.keys()].map(Number) : [...new Set(rawSeqs.flatMap((s) => s.items))];
  universe.sort((a, b) => a - b);
  const maxId = universe.length > 0 ? universe[universe.length - 1] : 0;
  const index = new Int32Array(maxId + 1).fill(-1);
  universe.forEach((id, i) => (index[id] = i));

  const warnings: string[] = [];
  const unknown: string[] = [];
  let unknownCount = 0;
  const offsets = new Int32Array(rawSeqs.length + 1);
  const flat: number[] = [];
  rawSeqs.forEach((s, u) => {
    for (const id of s.items) {
      const i = id <= maxId ? index[id] : -1;
      if (i < 0) {
        unknownCount++;
        if (unknown.length < 5) unknown.push(`${id} (line ${s.line})`);
      } else flat.push(i);
    }
    offsets[u + 1] = flat.length;
  });
  if (unknownCount > 0) {
    const msg = `${unknownCount} item id occurrence(s) not in ${itemsPath}, e.g. ${unknown.join(', ')}`;
    if ((options.unknownItems ?? 'error') === 'error') throw inputError(msg, { file: seqPath, field: 'item_id' });
    warnings.push(`${seqPath}: dropped ${msg}`);
  }

  const itemIds = universe.map(String);
  const attributes = existsSync(attrsPath) ? loadAttributes(attrsPath) : undefined;
  const ds: InteractionDataset = {
    name: options.name ?? (dir.replace(/\/+$/, '').split('/').pop() || 'dataset'),
    numUsers: userIds.length,
    numItems: itemIds.length,
    offsets,
    items: Int32Array.from(flat),
    userIds,
    itemIds,
    catalog: alignCatalog(itemIds, entries, attributes),
    warnings,
    duplicates: { policy: keepRepeats ? 'keep' : 'drop', rule: 'consecutive', found: repeats, dropped: keepRepeats ? 0 : repeats },
  };
  return options.kCore !== undefined && options.kCore > 1 ? kCoreFilter(ds, { userK: options.kCore }) : ds;
}
