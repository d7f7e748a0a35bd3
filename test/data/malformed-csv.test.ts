// Malformed CSV/TSV logs give one sidrec error naming the file, the real line and the column, never DuckDB's
// sniffing dump (which pointed at line 1 and suggested options sidrec does not have): ragged rows, a truncated
// last line, mixed line endings (early and past DuckDB's 20k-row sample), a 5 MB field, header-only and empty files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadInteractionLog } from '../../src/data/index.js';
import { SidrecError } from '../../src/core/errors.js';
import { fixtureDir } from './helpers.js';

const HEADER = 'user_id,item_id,timestamp';
const rows = (n: number, eol = '\n'): string => Array.from({ length: n }, (_, k) => `u${k % 7},i${k % 11},${k}`).join(eol) + eol;

/** An E_INPUT error naming file, line and field, on one line, without DuckDB's option dump. */
function located(file: string, line: number, field: string, what: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof SidrecError, String(e));
    assert.equal(e.code, 'E_INPUT');
    assert.ok(e.message.startsWith(`${file}, line ${line}, field "${field}": `), e.message);
    assert.match(e.message, what);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    assert.doesNotMatch(e.message, /sniff|Possible fixes|strict_mode|null_padding/);
    return true;
  };
}

async function rejects(files: Record<string, string | Buffer>, name: string, line: number, field: string, what: RegExp): Promise<void> {
  const dir = fixtureDir(files);
  await assert.rejects(loadInteractionLog(join(dir, name)), located(join(dir, name), line, field, what));
}

test('malformed CSV: a ragged row names its line and the extra column; a short row the missing column', async () => {
  await rejects({ 'a.csv': `${HEADER}\nu1,a,1\nu1,b,2,x\nu1,c,3\n` }, 'a.csv', 3, '(column 4; the header has 3)', /4 fields where the header has 3/);
  await rejects(
    { 'b.csv': `${HEADER}\n${rows(30000)}u1,b\n${rows(10)}` },
    'b.csv',
    30002,
    'timestamp',
    /2 field\(s\) where the header has 3: user_id, item_id, timestamp$/,
  );
  await rejects({ 'c.tsv': `user_id\titem_id\ttimestamp\nu1\ta\t1\nu1\tb\t2\tx\n` }, 'c.tsv', 3, '(column 4; the header has 3)', /4 fields/);
});

test('malformed CSV: a truncated last line (no line end, fields missing or a quote left open)', async () => {
  await rejects({ 'a.csv': `${HEADER}\nu1,a,1\nu1,b,2\nu1,c` }, 'a.csv', 4, 'timestamp', /2 field\(s\) where the header has 3.*\(truncated last line\?\)/);
  await rejects({ 'b.csv': `${HEADER}\n${rows(25000)}u1,"Long title` }, 'b.csv', 25002, 'item_id', /unterminated quoted field/);
});

test('malformed CSV: mixed \\r\\n and \\n line endings name the first line that differs, early or late', async () => {
  await rejects(
    { 'a.csv': `${HEADER}\r\nu1,a,1\r\nu1,b,2\nu1,c,3\r\n` },
    'a.csv',
    3,
    'timestamp',
    /mixed line endings: this line ends with \\n \(Unix\) but the header with \\r\\n \(Windows\)/,
  );
  await rejects({ 'b.csv': `${HEADER}\n${rows(24999)}u1,x,1\r\n${rows(100)}` }, 'b.csv', 25001, 'timestamp', /mixed line endings: this line ends with \\r\\n/);
});

test('malformed CSV: a 5 MB field names its own line and column, not line 1', async () => {
  await rejects({ 'a.csv': `${HEADER}\n${rows(4)}u1,${'x'.repeat(5_000_000)},5\n${rows(10)}` }, 'a.csv', 6, 'item_id', /record longer than 2000000 bytes/);
});

test('malformed CSV: header-only and empty files are refused, naming the file', async () => {
  const dir = fixtureDir({ 'h.csv': `${HEADER}\n`, 'e.csv': '' });
  await assert.rejects(
    loadInteractionLog(join(dir, 'h.csv')),
    (e: unknown) =>
      e instanceof SidrecError &&
      e.code === 'E_INPUT' &&
      e.message === `${join(dir, 'h.csv')}, line 2: no interactions: the file has a header line but no data rows`,
  );
  await assert.rejects(
    loadInteractionLog(join(dir, 'e.csv')),
    (e: unknown) => e instanceof SidrecError && e.code === 'E_INPUT' && e.message === `${join(dir, 'e.csv')}, line 1: empty file`,
  );
});

test('well-formed CSV still reads: blank lines skipped, quoted delimiters and newlines, CRLF throughout, a stray inner quote', async () => {
  const dir = fixtureDir({
    'a.csv': `${HEADER}\r\nu1,"a,1",1\r\n\r\nu1,"b\r\nc",2\r\nu1,My "best",3\r\n`,
  });
  const ds = await loadInteractionLog(join(dir, 'a.csv'));
  assert.deepEqual(ds.itemIds, ['a,1', 'b\r\nc', 'My "best"']);
});
