/**
 * Semantic IDs made elsewhere, read into this project's item order: the LETTER / LC-Rec `index.json` form
 * (`{"<item id>": ["<a_12>", "<b_5>", ...]}`, the letter naming the level), JSON lines (`{"id": ..., "sid": [...]}`)
 * and CSV (a header with `id` and either one `sid` column of space-separated codes or one column per level).
 * Published SID sets let a model be measured on SIDs of known quality, apart from this project's features.
 * Every dataset item must have a SID (the error names the first missing id and the file); codes must be integers in
 * [0, codebook size) and every item must have the same number of levels. Ids the dataset lacks are counted, not
 * fatal (a published set may cover items a k-core filter dropped).
 */
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { SidrecError } from '../core/errors.js';
import type { DatasetSids } from './dataset.js';
import { tableReport } from './report.js';
import { sha256 } from './sid-dir.js';
import { SemanticIdTable } from './sid-table.js';

export type SidImportFormat = 'index-json' | 'jsonl' | 'csv';

export interface ImportedSids {
  readonly format: SidImportFormat;
  /** (count, levels) codes in dataset item order. */
  readonly codes: Int32Array;
  readonly count: number;
  readonly levels: number;
  /** Codes per level: the given one, or 1 + the largest code rounded up to a power of two. */
  readonly codebookSize: number;
  /** Ids in the file that the dataset does not have. */
  readonly unknownIds: number;
  /** SHA-256 of the file as read. */
  readonly sha256: string;
}

export interface SidImportOptions {
  /** Codes per level; codes at or above it are refused. @default inferred (next power of two above the largest code) */
  readonly codebookSize?: number;
  /** @default from the file name: .json -> index-json, .jsonl / .ndjson -> jsonl, .csv -> csv */
  readonly format?: SidImportFormat;
}

/** Read `file` and align its SIDs to `itemIds` (the dataset's external ids, in item-index order). */
export function importSids(file: string, itemIds: readonly string[], opts: SidImportOptions = {}): ImportedSids {
  const format = opts.format ?? formatOf(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SidrecError('E_NOT_FOUND', 'cannot read the SID file', { file, field: 'import' }, { cause: error });
  }
  const entries = format === 'index-json' ? parseIndexJson(text, file) : format === 'jsonl' ? parseJsonLines(text, file) : parseCsv(text, file);
  return { ...align(entries, itemIds, file, format, opts.codebookSize), sha256: sha256(text) };
}

interface Entry {
  readonly id: string;
  readonly sid: readonly number[];
  /** Where it was read, for errors: a line number or a key. */
  readonly at: { readonly line?: number; readonly field?: string };
}

function formatOf(file: string): SidImportFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'index-json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv') return 'csv';
  throw new SidrecError('E_INPUT', `cannot tell the SID file's format from "${ext || 'no extension'}" (.json index, .jsonl or .csv)`, {
    file,
    field: 'import',
  });
}

/** "<a_12>" -> 12, checking the level letter; plain integers (or their strings) pass through. */
function indexToken(token: unknown, level: number, file: string, field: string): number {
  if (typeof token === 'number') return token;
  const m = typeof token === 'string' ? (/^<([a-z])_(\d+)>$/.exec(token) ?? (/^\d+$/.test(token) ? [token, '', token] : null)) : null;
  if (!m) throw new SidrecError('E_INPUT', `SID token ${JSON.stringify(token)} is neither "<letter_code>" nor an integer`, { file, field });
  if (m[1] && m[1].charCodeAt(0) - 97 !== level)
    throw new SidrecError('E_INPUT', `SID token ${token} at level ${level} names level "${m[1]}" (expected "${String.fromCharCode(97 + level)}")`, {
      file,
      field,
    });
  return Number(m[2]);
}

function parseIndexJson(text: string, file: string): Entry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SidrecError('E_INPUT', `not JSON: ${(error as Error).message}`, { file, field: 'import' });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new SidrecError('E_INPUT', 'expected one JSON object {"<item id>": [tokens]}', { file });
  return Object.entries(raw as Record<string, unknown>).map(([id, tokens]) => {
    if (!Array.isArray(tokens)) throw new SidrecError('E_INPUT', `item ${id}: expected an array of SID tokens`, { file, field: id });
    return { id, sid: tokens.map((t, l) => indexToken(t, l, file, id)), at: { field: id } };
  });
}

function parseJsonLines(text: string, file: string): Entry[] {
  const out: Entry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let row: { id?: unknown; sid?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch (error) {
      throw new SidrecError('E_INPUT', `not JSON: ${(error as Error).message}`, { file, line: i + 1 });
    }
    if (row.id === undefined || row.id === null) throw new SidrecError('E_INPUT', 'missing "id"', { file, line: i + 1, field: 'id' });
    if (!Array.isArray(row.sid)) throw new SidrecError('E_INPUT', '"sid" must be an array of codes', { file, line: i + 1, field: 'sid' });
    out.push({ id: String(row.id), sid: row.sid.map((t, l) => indexToken(t, l, file, 'sid')), at: { line: i + 1 } });
  });
  return out;
}

function parseCsv(text: string, file: string): Entry[] {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.split(',').map((h) => h.trim()) ?? [];
  const idCol = header.indexOf('id');
  if (idCol < 0) throw new SidrecError('E_INPUT', `the header has no "id" column (got: ${header.join(', ')})`, { file, line: 1, field: 'id' });
  const sidCol = header.indexOf('sid');
  const codeCols = header.map((_, c) => c).filter((c) => c !== idCol && (sidCol < 0 || c === sidCol));
  const out: Entry[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split(',').map((c) => c.trim());
    if (cells.length !== header.length) throw new SidrecError('E_INPUT', `${cells.length} fields, the header has ${header.length}`, { file, line: i + 1 });
    const parts = sidCol >= 0 ? cells[sidCol].split(/\s+/) : codeCols.map((c) => cells[c]);
    const field = sidCol >= 0 ? 'sid' : undefined;
    out.push({ id: cells[idCol], sid: parts.map((p, l) => indexToken(p, l, file, field ?? header[codeCols[l]])), at: { line: i + 1 } });
  }
  return out;
}

function align(
  entries: readonly Entry[],
  itemIds: readonly string[],
  file: string,
  format: SidImportFormat,
  codebookSize?: number,
): Omit<ImportedSids, 'sha256'> {
  if (entries.length === 0) throw new SidrecError('E_INPUT', 'the SID file holds no items', { file });
  const levels = entries[0].sid.length;
  if (levels === 0) throw new SidrecError('E_INPUT', 'an empty SID', { file, ...entries[0].at });
  const byId = new Map<string, Entry>();
  let largest = 0;
  for (const e of entries) {
    if (e.sid.length !== levels) throw new SidrecError('E_INPUT', `item ${e.id} has ${e.sid.length} levels, the first item ${levels}`, { file, ...e.at });
    if (byId.has(e.id)) throw new SidrecError('E_INPUT', `item ${e.id} appears twice`, { file, ...e.at });
    for (const c of e.sid) {
      if (!Number.isInteger(c) || c < 0) throw new SidrecError('E_INPUT', `item ${e.id}: code ${c} is not a non-negative integer`, { file, ...e.at });
      if (c > largest) largest = c;
    }
    byId.set(e.id, e);
  }
  const size = codebookSize ?? 2 ** Math.ceil(Math.log2(largest + 1));
  if (largest >= size) {
    const e = entries.find((x) => x.sid.some((c) => c >= size))!;
    throw new SidrecError('E_INPUT', `item ${e.id}: code ${Math.max(...e.sid)} is outside the codebook [0, ${size})`, { file, ...e.at });
  }
  const codes = new Int32Array(itemIds.length * levels);
  itemIds.forEach((id, i) => {
    const e = byId.get(id);
    if (!e) throw new SidrecError('E_INPUT', `dataset item "${id}" has no SID in the file (${byId.size} items given)`, { file, field: 'id' });
    codes.set(e.sid, i * levels);
  });
  const known = new Set(itemIds);
  let unknownIds = 0;
  for (const id of byId.keys()) if (!known.has(id)) unknownIds++;
  return { format, codes, count: itemIds.length, levels, codebookSize: size, unknownIds };
}

export interface ImportedDatasetSidsOptions extends SidImportOptions {
  /**
   * 'hierarchical' (RQ-VAE / residual k-means sets, TIGER): when items collide, the collision digit as fitted
   * hierarchical SIDs have it (none for a collision-free set); 'flat' (PQ/OPQ, RPG): no collision digit, collisions
   * kept. @default 'hierarchical'
   */
  readonly order?: 'hierarchical' | 'flat';
}

/**
 * An imported SID file as a SID directory's content: the table (collisions resolved as for fitted SIDs) and a
 * report of what the table alone tells. There is no tokenizer, so items added later need their SID given.
 */
export function importDatasetSids(file: string, itemIds: readonly string[], opts: ImportedDatasetSidsOptions = {}): DatasetSids {
  const imported = importSids(file, itemIds, opts);
  const order = opts.order ?? 'hierarchical';
  // A hierarchical set gets the collision digit only when some items share a SID: a collision-free one (the
  // published "zcr" sets) keeps its own digits, so a TIGER decodes 4 steps, not 4 plus a constant fifth.
  const plain = SemanticIdTable.build(imported.codes, imported.count, {
    baseDigits: imported.levels,
    collisionDigit: false,
    codebookSize: imported.codebookSize,
    ...(order === 'hierarchical' ? { hierarchical: true } : {}),
  });
  const table =
    order === 'hierarchical' && plain.collisionStats().collidedItems > 0
      ? SemanticIdTable.build(imported.codes, imported.count, { baseDigits: imported.levels, collisionDigit: true, codebookSize: imported.codebookSize })
      : plain;
  const report = tableReport('imported', table);
  return {
    table,
    report: {
      ...report,
      fittedItems: 0,
      features: [],
      imported: { file: resolve(file), format: imported.format, order, unknownIds: imported.unknownIds, sha256: imported.sha256 },
    },
  };
}
