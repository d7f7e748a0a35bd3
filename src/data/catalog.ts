/**
 * Item catalogues: the benchmark `items.jsonl` + `item_attributes.json` (S3-Rec / P5 format) and user catalogues
 * as JSON lines or CSV/TSV with any text fields. Entries are keyed by external item id and aligned to a dataset's
 * dense item indices with `alignCatalog`. Duplicate ids are an error naming the file and both lines.
 */
import { readFileSync } from 'node:fs';
import { inputError } from '../core/errors.js';
import { readCsvRecords } from './csv.js';
import { assertFileExists, readLines } from './lines.js';
import type { ItemCatalog, ItemText } from './types.js';

export interface CatalogOptions {
  /** Column / key holding the external item id. @default 'id' */
  readonly idField?: string;
  /** 'jsonl' | 'csv' | 'tsv'; inferred from the extension when absent. */
  readonly format?: 'jsonl' | 'csv' | 'tsv';
  /** Require ids to be positive integers (the benchmark format). @default false */
  readonly integerIds?: boolean;
}

/** External item id -> text, in file order. */
export type CatalogEntries = ReadonlyMap<string, ItemText>;

const KNOWN = new Set(['title', 'brand', 'categories']);

/** Reads a catalogue file (JSON lines or CSV/TSV with a header). Every non-id field becomes text. */
export async function loadCatalogEntries(path: string, options: CatalogOptions = {}): Promise<CatalogEntries> {
  const idField = options.idField ?? 'id';
  const format = options.format ?? inferFormat(path);
  const out = new Map<string, ItemText>();
  const seenAt = new Map<string, number>();
  const add = (id: string, text: ItemText, line: number): void => {
    if (options.integerIds && !/^[1-9]\d*$/.test(id))
      throw inputError(`item id must be a positive integer, got ${JSON.stringify(id)}`, { file: path, line, field: idField });
    const prev = seenAt.get(id);
    if (prev !== undefined) throw inputError(`duplicate item id ${JSON.stringify(id)} (first on line ${prev})`, { file: path, line, field: idField });
    seenAt.set(id, line);
    out.set(id, text);
  };
  if (format === 'jsonl') {
    for await (const { line, text } of readLines(path)) {
      if (text.trim() === '') continue;
      const obj = parseJsonObject(text, path, line);
      const rawId = obj[idField];
      if (typeof rawId !== 'string' && typeof rawId !== 'number') {
        throw inputError(`missing or non-scalar item id`, { file: path, line, field: idField });
      }
      add(String(rawId), textFromObject(obj, idField), line);
    }
  } else {
    let header: readonly string[] | undefined;
    let idCol = -1;
    for await (const { line, fields } of readCsvRecords(path, format === 'tsv' ? '\t' : ',')) {
      if (header === undefined) {
        header = fields.map((f) => f.trim());
        idCol = header.indexOf(idField);
        if (idCol < 0) throw inputError(`no column named "${idField}"; columns are ${header.join(', ')}`, { file: path, line, field: idField });
        continue;
      }
      if (fields.length !== header.length) {
        throw inputError(`expected ${header.length} fields, found ${fields.length} (truncated or malformed record)`, {
          file: path,
          line,
          field: header[Math.min(fields.length, header.length) - 1],
        });
      }
      const id = fields[idCol].trim();
      if (id === '') throw inputError('empty item id', { file: path, line, field: idField });
      const obj: Record<string, unknown> = {};
      header.forEach((name, i) => {
        if (fields[i] !== '') obj[name] = fields[i];
      });
      add(id, textFromObject(obj, idField), line);
    }
  }
  return out;
}

/** Parses one JSON-lines record; a truncated or non-object line is an input error. */
export function parseJsonObject(text: string, file: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw inputError(`invalid JSON (truncated line?): ${(error as Error).message}`, { file, line, field: '(record)' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw inputError('expected a JSON object', { file, line, field: '(record)' });
  }
  return value as Record<string, unknown>;
}

/** Maps a record to ItemText: title/brand as strings, categories flattened (nested lists or "a|b" / "a > b"). */
export function textFromObject(obj: Readonly<Record<string, unknown>>, idField: string): ItemText {
  const title = scalarText(obj.title);
  const brand = scalarText(obj.brand);
  const categories = flattenCategories(obj.categories);
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (key === idField || KNOWN.has(key)) continue;
    const s = scalarText(value) ?? (Array.isArray(value) ? flattenCategories(value)?.join(' ') : undefined);
    if (s !== undefined && s !== '') extra[key] = s;
  }
  return {
    ...(title !== undefined ? { title } : {}),
    ...(brand !== undefined ? { brand } : {}),
    ...(categories !== undefined && categories.length > 0 ? { categories } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function flattenCategories(v: unknown): string[] | undefined {
  if (v === null || v === undefined) return undefined;
  const out: string[] = [];
  const seen = new Set<string>();
  // A plain string (CSV cell) may hold a path "a > b" or a list "a|b"; strings inside JSON lists are kept whole.
  const visit = (x: unknown, top: boolean): void => {
    if (Array.isArray(x)) x.forEach((y) => visit(y, false));
    else if (typeof x === 'string') {
      for (const part of top ? x.split(/\s*(?:\||>)\s*/) : [x]) {
        const p = part.trim();
        if (p !== '' && !seen.has(p)) {
          seen.add(p);
          out.push(p);
        }
      }
    }
  };
  visit(v, true);
  return out;
}

/** S3-Rec `item_attributes.json`: `{ "item_id": [attr, ...] }` -> external id -> attribute ids. */
export function loadAttributes(path: string): ReadonlyMap<string, readonly number[]> {
  assertFileExists(path);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw inputError(`invalid JSON: ${(error as Error).message}`, { file: path, field: '(document)' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw inputError('expected a JSON object', { file: path });
  const out = new Map<string, readonly number[]>();
  for (const [key, attrs] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(attrs) || !attrs.every((a) => Number.isInteger(a))) {
      throw inputError(`attributes of item ${key} must be a list of integers`, { file: path, field: key });
    }
    out.set(key, attrs as number[]);
  }
  return out;
}

/** Aligns catalogue entries to dense item indices; items missing from the catalogue get empty text. */
export function alignCatalog(itemIds: readonly string[], entries?: CatalogEntries, attributes?: ReadonlyMap<string, readonly number[]>): ItemCatalog {
  return {
    itemIds,
    texts: itemIds.map((id) => entries?.get(id) ?? {}),
    attributes: itemIds.map((id) => attributes?.get(id) ?? []),
  };
}

function inferFormat(path: string): 'jsonl' | 'csv' | 'tsv' {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.tsv') || lower.endsWith('.tab')) return 'tsv';
  return 'jsonl';
}
