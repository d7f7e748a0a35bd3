/**
 * Real-world interaction logs (CSV, TSV, JSON lines, Parquet) read through DuckDB, which does the heavy work —
 * type casts, id dictionaries and the `ORDER BY user, timestamp, original row` sort — so a log larger than
 * memory spills to disk instead of failing; only the final dense Int32 sequences live in the JS heap.
 * Order is stable: equal timestamps keep file order. Users and items get dense indices in order of first
 * appearance in the file. Exact duplicate events (same user, item and timestamp; without a time column, the
 * same item twice in a row for a user) are dropped and counted unless `duplicates: 'keep'`: a duplicated
 * event lets the test target sit in its own history. Optional k-core filtering and a catalogue join follow.
 * CSV/TSV are read with explicit RFC 4180 options and the header's columns (no sniffing), so DuckDB's errors
 * name the real line; when DuckDB rejects a file, `csv-check.ts` re-reads it to name the line and column.
 * Line numbers in our own checks are data row + header (CSV/TSV) or row (JSON lines), so a CSV record with a
 * quoted newline shifts later numbers; Parquet errors name the row.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { inputError, SidrecError } from '../core/errors.js';
import { alignCatalog, loadCatalogEntries, type CatalogOptions } from './catalog.js';
import { findCsvProblem, MAX_CSV_LINE_BYTES, readCsvHeader } from './csv-check.js';
import { kCoreFilter } from './kcore.js';
import { assertFileExists } from './lines.js';
import type { DuplicateReport, DuplicatePolicy, InteractionDataset } from './types.js';

export type LogFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';

export interface LogOptions {
  /** Column holding the user id. @default 'user_id' */
  readonly userColumn?: string;
  /** Column holding the item id. @default 'item_id' */
  readonly itemColumn?: string;
  /**
   * Column holding the time: a number (any unit; only the order matters) or date/time text (ISO 8601; an offset
   * such as +02:00 or Z is honoured, none means UTC). null = file order. @default 'timestamp'
   */
  readonly timestampColumn?: string | null;
  /** Inferred from the extension when absent. */
  readonly format?: LogFormat;
  /** Iterative k-core over users and items; 0 or 1 = none. @default 0 */
  readonly kCore?: number;
  /**
   * Exact duplicate events: 'drop' removes all but the first (counted in the dataset's `duplicates`), 'keep'
   * keeps them (repeat-consumption domains). Exact = same user, item and timestamp; with no time column, the same
   * item in consecutive rows of a user (the file order is all there is). @default 'drop'
   */
  readonly duplicates?: DuplicatePolicy;
  /** Optional item catalogue joined by external item id. */
  readonly catalog?: { readonly path: string } & CatalogOptions;
  readonly name?: string;
}

export const DEFAULT_LOG_OPTIONS = Object.freeze({
  userColumn: 'user_id',
  itemColumn: 'item_id',
  timestampColumn: 'timestamp',
  kCore: 0,
  duplicates: 'drop' as DuplicatePolicy,
});

/** Loads an interaction log into a dataset. Errors name the file, the line (row for Parquet) and the column. */
export async function loadInteractionLog(path: string, options: LogOptions = {}): Promise<InteractionDataset> {
  assertFileExists(path);
  const opts = { ...DEFAULT_LOG_OPTIONS, ...options };
  const format = opts.format ?? inferLogFormat(path);
  if (format !== 'parquet') {
    if (statSync(path).size === 0) throw inputError('empty file', { file: path, line: 1 });
    checkTextEncodingHeader(path);
  }
  const delimiter = format === 'csv' ? ',' : format === 'tsv' ? '\t' : undefined;
  const header = delimiter === undefined ? undefined : await readCsvHeader(path, delimiter);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`SET temp_directory = ${sqlString(join(tmpdir(), `sidrec-duckdb-${process.pid}`))}`);
    // Date/time text without an offset is read as UTC, whatever the machine's zone (offsets are honoured).
    await conn.run(`SET TimeZone = 'UTC'`);
    const source = sourceSql(path, format, header);
    const columnTypes = await describe(conn, source, path);
    const columns = [...columnTypes.keys()];
    const lineOf = (row: number): number => row + (format === 'csv' || format === 'tsv' ? 2 : 1);
    const where = (field: string, row?: number) =>
      row === undefined
        ? { file: path, field }
        : format === 'parquet'
          ? { file: path, field: `${field} (row ${row + 1})` }
          : { file: path, line: lineOf(row), field };
    for (const col of [opts.userColumn, opts.itemColumn, ...(opts.timestampColumn === null ? [] : [opts.timestampColumn])]) {
      if (!columnTypes.has(col)) {
        throw inputError(
          `no column named "${col}"; columns are ${columns.join(', ')}`,
          format === 'csv' || format === 'tsv' ? { file: path, line: 1, field: col } : { file: path, field: col },
        );
      }
    }
    const u = asText(opts.userColumn, columnTypes);
    const i = asText(opts.itemColumn, columnTypes);
    const tsRaw = opts.timestampColumn === null ? 'NULL::VARCHAR' : asText(opts.timestampColumn, columnTypes);
    // preserve_insertion_order (DuckDB's default) makes `rowid` the original row order: the stable tiebreak.
    const tsNum = opts.timestampColumn === null ? '0::DOUBLE' : `COALESCE(TRY_CAST(${tsRaw} AS DOUBLE), epoch(TRY_CAST(${tsRaw} AS TIMESTAMPTZ)))`;
    try {
      await conn.run(`CREATE TABLE ev AS SELECT CAST(${u} AS VARCHAR) AS u, CAST(${i} AS VARCHAR) AS i, ${tsRaw} AS tr, ${tsNum} AS t FROM ${source}`);
    } catch (error) {
      // DuckDB's message may lack the line (mixed line endings) or the column: our own pass names both.
      const located = delimiter !== undefined && header !== undefined ? await findCsvProblem(path, delimiter, header) : undefined;
      throw located ?? wrap(error, path);
    }
    const total = Number((await firstRow(conn, `SELECT count(*) FROM ev`)) ?? 0);
    if (total === 0) {
      throw inputError(
        format === 'csv' || format === 'tsv' ? 'no interactions: the file has a header line but no data rows' : 'no interactions: the file has no rows',
        {
          file: path,
          ...(format === 'csv' || format === 'tsv' ? { line: 2 } : format === 'jsonl' ? { line: 1 } : {}),
        },
      );
    }
    for (const [col, field] of [
      ['u', opts.userColumn],
      ['i', opts.itemColumn],
    ] as const) {
      const bad = await firstRow(conn, `SELECT rowid FROM ev WHERE ${col} IS NULL OR trim(${col}) = '' ORDER BY rowid LIMIT 1`);
      if (bad !== undefined) throw inputError('empty id', where(field, bad));
    }
    if (opts.timestampColumn !== null) {
      const bad = await conn.runAndReadAll(`SELECT rowid, tr FROM ev WHERE t IS NULL ORDER BY rowid LIMIT 1`);
      if (bad.currentRowCount > 0) {
        const [row, raw] = bad.getRowsJS()[0] as [bigint, string | null];
        throw inputError(raw === null ? 'empty timestamp' : `not a number or date/time: ${JSON.stringify(raw)}`, where(opts.timestampColumn, Number(row)));
      }
    }
    await run(conn, path, `CREATE TABLE umap AS SELECT u, (row_number() OVER (ORDER BY min(rowid)) - 1)::INTEGER AS ui FROM ev GROUP BY u`);
    await run(conn, path, `CREATE TABLE imap AS SELECT i, (row_number() OVER (ORDER BY min(rowid)) - 1)::INTEGER AS ii FROM ev GROUP BY i`);
    const userIds = await readStrings(conn, `SELECT u FROM umap ORDER BY ui`);
    const itemIds = await readStrings(conn, `SELECT i FROM imap ORDER BY ii`);
    const items = new Int32Array(total);
    const offsets = new Int32Array(userIds.length + 1);
    const stream = await conn.stream(`SELECT umap.ui, imap.ii, ev.t FROM ev JOIN umap USING (u) JOIN imap USING (i) ORDER BY umap.ui, ev.t, ev.rowid`);
    // Exact duplicates: with timestamps, an item seen before in the same (user, time) group — rows of a group are
    // adjacent in this order but other items may sit between them; `groupOf[item]` marks the last group that
    // held it. Without timestamps every row of a user has t = 0, so the rule is the previous item of the user.
    const byTime = opts.timestampColumn !== null;
    const groupOf = new Int32Array(byTime ? itemIds.length : 0).fill(-1);
    let group = -1;
    let prevUser = -1;
    let prevTime = Number.NaN;
    let prevItem = -1;
    let found = 0;
    const keep = opts.duplicates === 'keep';
    let p = 0;
    for (;;) {
      const chunk = await stream.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const us = chunk.getColumnValues(0) as number[];
      const is = chunk.getColumnValues(1) as number[];
      const ts = chunk.getColumnValues(2) as number[];
      for (let k = 0; k < us.length; k++) {
        const user = us[k];
        const item = is[k];
        let duplicate: boolean;
        if (byTime) {
          if (user !== prevUser || ts[k] !== prevTime) group++;
          duplicate = groupOf[item] === group;
          groupOf[item] = group;
          prevTime = ts[k];
        } else duplicate = user === prevUser && item === prevItem;
        prevUser = user;
        prevItem = item;
        if (duplicate) {
          found++;
          if (!keep) continue;
        }
        items[p++] = item;
        offsets[user + 1]++;
      }
    }
    for (let k = 0; k < userIds.length; k++) offsets[k + 1] += offsets[k];
    const duplicates: DuplicateReport = { policy: keep ? 'keep' : 'drop', rule: byTime ? 'user-item-time' : 'consecutive', found, dropped: keep ? 0 : found };
    const warnings: string[] = [];
    let catalog = alignCatalog(itemIds);
    if (opts.catalog !== undefined) {
      const entries = await loadCatalogEntries(opts.catalog.path, opts.catalog);
      const missing = itemIds.filter((id) => !entries.has(id));
      if (missing.length > 0) {
        warnings.push(
          `${opts.catalog.path}: ${missing.length} item id(s) of ${path} have no catalogue entry (empty text), e.g. ${missing.slice(0, 5).join(', ')}`,
        );
      }
      catalog = alignCatalog(itemIds, entries);
    }
    const ds: InteractionDataset = {
      name: opts.name ?? basename(path).replace(/\.[^.]+$/, ''),
      numUsers: userIds.length,
      numItems: itemIds.length,
      offsets,
      items: p === total ? items : items.slice(0, p),
      userIds,
      itemIds,
      catalog,
      warnings,
      duplicates,
    };
    return opts.kCore > 1 ? kCoreFilter(ds, { userK: opts.kCore }) : ds;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function inferLogFormat(path: string): LogFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.tsv') || lower.endsWith('.tab')) return 'tsv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'jsonl';
  return 'csv';
}

/** CSV/TSV: RFC 4180 quoting, the header's columns as text, no sniffing (its errors would point at line 1). */
function sourceSql(path: string, format: LogFormat, header: readonly string[] | undefined): string {
  const p = sqlString(path);
  const text = (delim: string): string => {
    const columns = (header ?? []).map((name) => `${sqlString(name)}: 'VARCHAR'`).join(', ');
    return `read_csv(${p}, header = true, auto_detect = false, delim = ${sqlString(delim)}, quote = '"', escape = '"', max_line_size = ${MAX_CSV_LINE_BYTES}, columns = {${columns}})`;
  };
  switch (format) {
    case 'csv':
      return text(',');
    case 'tsv':
      return text('\t');
    case 'jsonl':
      return `read_json(${p}, format = 'newline_delimited')`;
    case 'parquet':
      return `read_parquet(${p})`;
  }
}

/** DuckDB's own reader would misread a UTF-16 file as garbage columns; reject it up front. */
function checkTextEncodingHeader(path: string): void {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(2);
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw inputError('UTF-16 byte order mark: the file must be UTF-8 encoded', { file: path, line: 1 });
  }
}

/** Column name -> DuckDB type name, in file order. */
async function describe(conn: DuckDBConnection, source: string, path: string): Promise<Map<string, string>> {
  const reader = await runRead(conn, path, `DESCRIBE SELECT * FROM ${source}`);
  return new Map(reader.getRowsJS().map((row) => [String(row[0]), String(row[1])]));
}

/** SQL for a column as text; JSON-typed columns (mixed types in JSON lines) lose their quotes via `->> '$'`. */
function asText(column: string, types: ReadonlyMap<string, string>): string {
  const q = quoteIdent(column);
  return types.get(column) === 'JSON' ? `(${q} ->> '$')` : `CAST(${q} AS VARCHAR)`;
}

async function run(conn: DuckDBConnection, path: string, sql: string): Promise<void> {
  try {
    await conn.run(sql);
  } catch (error) {
    throw wrap(error, path);
  }
}

async function runRead(conn: DuckDBConnection, path: string, sql: string) {
  try {
    return await conn.runAndReadAll(sql);
  } catch (error) {
    throw wrap(error, path);
  }
}

/**
 * A DuckDB reader error (bad UTF-8, malformed JSON, a record our CSV pass did not place) as one input error: the
 * line DuckDB names and its reason, without the quoted record and the dump of reader options and "possible fixes"
 * (DuckDB options that sidrec does not expose).
 */
function wrap(error: unknown, path: string): SidrecError {
  const message = error instanceof Error ? error.message : String(error);
  const m = /line[: ]+(\d+)/i.exec(message);
  const kept: string[] = [];
  for (const l of message.split('\n')) {
    if (/^(Possible (fixes|Solution)|\s*file = )/.test(l)) break;
    if (l.trim() === '' || l.startsWith('Original Line') || l.startsWith('* ')) continue;
    kept.push(l.trim());
  }
  return new SidrecError(
    'E_INPUT',
    `could not read: ${kept.join('; ')}`,
    { file: path, ...(m ? { line: Number(m[1]) } : {}), field: '(record)' },
    { cause: error },
  );
}

async function firstRow(conn: DuckDBConnection, sql: string): Promise<number | undefined> {
  const reader = await conn.runAndReadAll(sql);
  if (reader.currentRowCount === 0) return undefined;
  const v = reader.getRowsJS()[0][0];
  return v === null ? undefined : Number(v);
}

async function readStrings(conn: DuckDBConnection, sql: string): Promise<string[]> {
  const out: string[] = [];
  const stream = await conn.stream(sql);
  for (;;) {
    const chunk = await stream.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    for (const v of chunk.getColumnValues(0)) out.push(String(v));
  }
  return out;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
