// Interaction logs through DuckDB: CSV / TSV / JSON lines / Parquet with custom column names, out-of-order
// timestamps (stable on ties), k-core, catalogue join, and malformed input naming file, line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadBenchmark, loadInteractionLog, numInteractions, userSequence, type InteractionDataset } from '../../src/data/index.js';
import { Rng } from '../../src/core/rng.js';
import { SidrecError } from '../../src/core/errors.js';
import { fixtureDir, sharedDataset } from './helpers.js';

// Rows in file order; timestamps out of order; u1 has a tie at t=5 (file order must win: i3 before i1).
const ROWS: [string, string, string][] = [
  ['u1', 'i2', '9'],
  ['u2', 'i1', '3'],
  ['u1', 'i3', '5'],
  ['u1', 'i1', '5'],
  ['u2', 'i2', '1'],
  ['u1', 'i4', '2'],
];
const CSV = `who,what,when\n${ROWS.map((r) => r.join(',')).join('\n')}\n`;

function sequencesByExternalId(ds: InteractionDataset): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  ds.userIds.forEach((u, k) => (out[u] = Array.from(userSequence(ds, k), (i) => ds.itemIds[i])));
  return out;
}

const EXPECTED = { u1: ['i4', 'i3', 'i1', 'i2'], u2: ['i2', 'i1'] };
const COLS = { userColumn: 'who', itemColumn: 'what', timestampColumn: 'when' } as const;

test('log: CSV with custom columns, out-of-order timestamps, stable ties, first-appearance indices', async () => {
  const dir = fixtureDir({ 'log.csv': CSV });
  const ds = await loadInteractionLog(join(dir, 'log.csv'), COLS);
  assert.deepEqual(sequencesByExternalId(ds), EXPECTED);
  assert.deepEqual(ds.userIds, ['u1', 'u2']);
  assert.deepEqual(ds.itemIds, ['i2', 'i1', 'i3', 'i4']);
  assert.equal(numInteractions(ds), 6);
  assert.equal(ds.name, 'log');
});

test('log: TSV, JSON lines (date strings) and Parquet give the same sequences', async () => {
  const dir = fixtureDir({
    'log.tsv': CSV.replace(/,/g, '\t'),
    'log.jsonl': `${ROWS.map(([u, i, t]) => JSON.stringify({ who: u, what: i, when: `2024-01-${String(Number(t)).padStart(2, '0')} 10:00:00` })).join('\n')}\n`,
  });
  assert.deepEqual(sequencesByExternalId(await loadInteractionLog(join(dir, 'log.tsv'), COLS)), EXPECTED);
  assert.deepEqual(sequencesByExternalId(await loadInteractionLog(join(dir, 'log.jsonl'), COLS)), EXPECTED);
  // ISO 8601 offsets are honoured: 10:00+02:00 = 08:00Z, before a naive (UTC) 08:30 and 09:00Z.
  const tz = fixtureDir({
    'tz.csv': 'user_id,item_id,timestamp\nu,late,2024-01-01T09:00:00Z\nu,early,2024-01-01 10:00:00+02:00\nu,naive,2024-01-01 08:30:00\n',
  });
  assert.deepEqual(sequencesByExternalId(await loadInteractionLog(join(tz, 'tz.csv'))), { u: ['early', 'naive', 'late'] });
  const parquet = join(dir, 'log.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(
    `COPY (SELECT who, what, CAST("when" AS BIGINT) AS "when" FROM read_csv('${join(dir, 'log.tsv')}', delim='\t', header=true, all_varchar=true)) TO '${parquet}' (FORMAT parquet)`,
  );
  conn.closeSync();
  instance.closeSync();
  assert.deepEqual(sequencesByExternalId(await loadInteractionLog(parquet, COLS)), EXPECTED);
  // Without a timestamp column: file order.
  const noTs = await loadInteractionLog(join(dir, 'log.tsv'), { ...COLS, timestampColumn: null });
  assert.deepEqual(sequencesByExternalId(noTs), { u1: ['i2', 'i3', 'i1', 'i4'], u2: ['i1', 'i2'] });
});

test('log: k-core drops users and items iteratively; catalogue joined by external id', async () => {
  // 2-core: i4 appears once -> dropped; then u3 has 1 interaction -> dropped; then i5 (only u3's) goes too.
  const csv = 'user_id,item_id,timestamp\nu1,a,1\nu1,b,2\nu2,a,1\nu2,b,2\nu3,a,1\nu1,i4,3\nu3,i5,2\nu4,a,1\nu4,b,5\n';
  const dir = fixtureDir({ 'l.csv': csv, 'cat.csv': 'item,title,brand\na,"Alpha, the ""first""",X\nb,Beta,\nz,Zeta,Q\n' });
  const ds = await loadInteractionLog(join(dir, 'l.csv'), { kCore: 2, catalog: { path: join(dir, 'cat.csv'), idField: 'item' } });
  assert.deepEqual(ds.userIds, ['u1', 'u2', 'u4']);
  assert.deepEqual(ds.itemIds, ['a', 'b']);
  assert.deepEqual(sequencesByExternalId(ds), { u1: ['a', 'b'], u2: ['a', 'b'], u4: ['a', 'b'] });
  assert.deepEqual(ds.catalog.texts, [{ title: 'Alpha, the "first"', brand: 'X' }, { title: 'Beta' }]);
  assert.equal(ds.warnings.length, 1); // i4, i5 had no catalogue entry before k-core
  assert.match(ds.warnings[0], /2 item id\(s\).*no catalogue entry/);
});

function isInputError(file: string, line: number | undefined, field: string, what: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof SidrecError, String(e));
    assert.equal(e.code, 'E_INPUT');
    assert.ok(e.message.includes(file), e.message);
    if (line !== undefined) assert.ok(e.message.includes(`line ${line}`), e.message);
    assert.ok(e.message.includes(`field "${field}`), e.message);
    assert.match(e.message, what);
    return true;
  };
}

test('log: a bad column name lists the columns that exist', async () => {
  const dir = fixtureDir({ 'log.csv': CSV });
  const path = join(dir, 'log.csv');
  await assert.rejects(
    loadInteractionLog(path, { ...COLS, itemColumn: 'item' }),
    isInputError(path, 1, 'item', /no column named "item"; columns are who, what, when/),
  );
});

test('log: a non-numeric timestamp and an empty id name their line', async () => {
  const dir = fixtureDir({
    'a.csv': `${CSV}u3,i1,yesterday\n`,
    'b.csv': `${CSV}u3,,4\n`,
    'c.jsonl': '{"who":"u","what":"i","when":1}\n{"who":"u","what":"j","when":"soon"}\n',
  });
  await assert.rejects(loadInteractionLog(join(dir, 'a.csv'), COLS), isInputError(join(dir, 'a.csv'), 8, 'when', /not a number or date\/time: "yesterday"/));
  await assert.rejects(loadInteractionLog(join(dir, 'b.csv'), COLS), isInputError(join(dir, 'b.csv'), 8, 'what', /empty id/));
  await assert.rejects(loadInteractionLog(join(dir, 'c.jsonl'), COLS), isInputError(join(dir, 'c.jsonl'), 2, 'when', /"soon"/));
});

test('log: wrong encodings and truncated records are input errors naming the file', async () => {
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV, 'utf16le')]);
  const badUtf8 = Buffer.concat([Buffer.from(CSV), Buffer.from('u9,'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from(',3\n')]);
  const dir = fixtureDir({ 'utf16.csv': utf16, 'bad.csv': badUtf8, 'trunc.jsonl': '{"who":"u","what":"i","when":1}\n{"who":"u","wh\n' });
  await assert.rejects(
    loadInteractionLog(join(dir, 'utf16.csv'), COLS),
    (e: SidrecError) => e.code === 'E_INPUT' && e.message.includes(`${join(dir, 'utf16.csv')}, line 1`) && /UTF-16/.test(e.message),
  );
  await assert.rejects(loadInteractionLog(join(dir, 'bad.csv'), COLS), isInputError(join(dir, 'bad.csv'), undefined, '(record)', /line.*not utf-8 encoded/i));
  await assert.rejects(loadInteractionLog(join(dir, 'trunc.jsonl'), COLS), isInputError(join(dir, 'trunc.jsonl'), undefined, '(record)', /could not read/));
});

const beautyDir = sharedDataset('amazon-beauty');
test('log: Amazon Beauty as a shuffled CSV log through DuckDB equals the benchmark loader', {
  skip: beautyDir === undefined ? 'no ../shared/data/amazon-beauty next to the repo' : false,
}, async () => {
  const ds = await loadBenchmark(beautyDir as string);
  const rows: string[] = [];
  for (let u = 0; u < ds.numUsers; u++) {
    userSequence(ds, u).forEach((i, k) => rows.push(`${ds.userIds[u]},${ds.itemIds[i]},${k}`));
  }
  new Rng(1).shuffle(rows);
  const dir = fixtureDir({ 'beauty.csv': `uid,sku,ts\n${rows.join('\n')}\n` });
  const log = await loadInteractionLog(join(dir, 'beauty.csv'), { userColumn: 'uid', itemColumn: 'sku', timestampColumn: 'ts' });
  assert.equal(log.numUsers, 22363);
  assert.equal(log.numItems, 12101);
  assert.equal(numInteractions(log), 198502);
  assert.deepEqual(sequencesByExternalId(log), sequencesByExternalId(ds));
});
