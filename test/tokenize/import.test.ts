import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importSids } from '../../src/tokenize/import.js';
import { SidrecError } from '../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'sidrec-import-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ids = ['10', '11', '12'];

test('index.json (LETTER / LC-Rec tokens) aligns to the dataset order; unknown ids counted', () => {
  const path = file('a.index.json', JSON.stringify({ 12: ['<a_3>', '<b_0>'], 10: ['<a_1>', '<b_255>'], 11: ['<a_1>', '<b_7>'], 99: ['<a_0>', '<b_0>'] }));
  const s = importSids(path, ids);
  assert.deepEqual([...s.codes], [1, 255, 1, 7, 3, 0]);
  assert.equal(s.levels, 2);
  assert.equal(s.codebookSize, 256);
  assert.equal(s.unknownIds, 1);
});

test('JSON lines and CSV (one sid column, or a column per level) read the same table', () => {
  const want = [1, 2, 3, 4, 5, 6];
  assert.deepEqual([...importSids(file('b.jsonl', '{"id": 10, "sid": [1, 2]}\n{"id": "11", "sid": [3, 4]}\r\n{"id": 12, "sid": [5, 6]}\n'), ids).codes], want);
  assert.deepEqual([...importSids(file('c.csv', 'id,sid\n10,1 2\n11,3 4\n12,5 6\n'), ids).codes], want);
  assert.deepEqual([...importSids(file('d.csv', 'c0,id,c1\n1,10,2\n3,11,4\n5,12,6\n'), ids).codes], want);
});

const fails = (path: string, pattern: RegExp, where: Record<string, unknown>, opts = {}): void => {
  assert.throws(
    () => importSids(path, ids, opts),
    (e: unknown) => {
      assert.ok(e instanceof SidrecError);
      assert.match(e.message, pattern);
      for (const [k, v] of Object.entries(where)) assert.equal((e.location as Record<string, unknown>)[k], v, k);
      return true;
    },
  );
};

test('errors name the file, the item and the line or field', () => {
  fails(file('e.jsonl', '{"id": 10, "sid": [1, 2]}\n{"id": 12, "sid": [5, 6]}\n'), /dataset item "11" has no SID/, { field: 'id' });
  fails(file('f.jsonl', '{"id": 10, "sid": [1, 2]}\n{"id": 11, "sid": [3]}\n'), /item 11 has 1 levels/, { line: 2 });
  fails(file('g.json', JSON.stringify({ 10: ['<a_1>', '<a_2>'] })), /names level "a" \(expected "b"\)/, { field: '10' });
  fails(
    file('h.jsonl', '{"id": 10, "sid": [1, 300]}\n{"id": 11, "sid": [1, 2]}\n{"id": 12, "sid": [1, 2]}\n'),
    /code 300 is outside the codebook \[0, 256\)/,
    { line: 1 },
    { codebookSize: 256 },
  );
  fails(file('i.csv', 'id,sid\n10,1 2\n11,3\n'), /item 11 has 1 levels/, { line: 3 });
  fails(file('j.jsonl', '{"id": 10, "sid": [1, 2]}\n{"id": 10, "sid": [1, 2]}\n'), /appears twice/, { line: 2 });
  fails(file('k.txt', ''), /cannot tell the SID file's format/, { field: 'import' });
  fails(file('l.jsonl', '{"id": 10, "sid": [1, -2]}\n'), /not a non-negative integer/, { line: 1 });
});

test('an imported set is an ordinary SID directory without a tokenizer: collisions get the collision digit (hierarchical) or stay (flat)', async () => {
  const { importDatasetSids } = await import('../../src/tokenize/import.js');
  const { saveDatasetSids, loadDatasetSids, readSidReport } = await import('../../src/tokenize/dataset.js');
  const path = file('m.jsonl', '{"id": 10, "sid": [1, 2]}\n{"id": 11, "sid": [1, 2]}\n{"id": 12, "sid": [3, 4]}\n');
  const hier = importDatasetSids(path, ids);
  assert.equal(hier.tokenizer, undefined);
  assert.equal(hier.table.digits, 3);
  assert.deepEqual([...hier.table.codes], [1, 2, 0, 1, 2, 1, 3, 4, 0]);
  assert.equal(hier.report.collidedItems, 2);
  const out = join(dir, 'sids-hier');
  saveDatasetSids(out, hier);
  const loaded = loadDatasetSids(out);
  assert.equal(loaded.tokenizer, undefined);
  assert.deepEqual([...loaded.table.codes], [...hier.table.codes]);
  assert.equal((readSidReport(out) as { imported?: { format: string } }).imported?.format, 'jsonl');
  const flat = importDatasetSids(path, ids, { order: 'flat' });
  assert.equal(flat.table.digits, 2);
  assert.deepEqual([...flat.table.lookup([1, 2])].sort(), [0, 1], 'a flat SID resolves to every item that has it');
});

test('a collision-free hierarchical set keeps its own digits (no constant collision digit) and stays hierarchical', async () => {
  const { importDatasetSids } = await import('../../src/tokenize/import.js');
  const { saveDatasetSids, loadDatasetSids } = await import('../../src/tokenize/dataset.js');
  const { isHierarchical } = await import('../../src/tokenize/sid-table.js');
  const path = file('n.jsonl', '{"id": 10, "sid": [1, 2]}\n{"id": 11, "sid": [1, 3]}\n{"id": 12, "sid": [3, 4]}\n');
  const sids = importDatasetSids(path, ids);
  assert.equal(sids.table.digits, 2);
  assert.equal(sids.table.shape.collisionDigit, false);
  assert.ok(isHierarchical(sids.table.shape), 'a TIGER still takes it');
  const out = join(dir, 'sids-zcr');
  saveDatasetSids(out, sids);
  const loaded = loadDatasetSids(out).table;
  assert.ok(isHierarchical(loaded.shape) && loaded.digits === 2, 'the flag survives the round trip');
  assert.ok(!isHierarchical(importDatasetSids(path, ids, { order: 'flat' }).table.shape));
});
