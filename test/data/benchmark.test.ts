// The benchmark format loader: a small fixture, each malformed-input error class (file + line + field named),
// and the real Amazon Beauty counts when ../shared/data is present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadBenchmark, numInteractions, userSequence } from '../../src/data/index.js';
import { SidrecError } from '../../src/core/errors.js';
import { fixtureDir, sharedDataset } from './helpers.js';

const ITEMS = [
  '{"id": 1, "asin": "A1", "title": "Red Lipstick", "brand": "Acme", "categories": [["Beauty", "Makeup"]]}',
  '{"id": 2, "asin": "A2", "title": null, "brand": null, "categories": null}',
  '{"id": 3, "asin": "A3", "title": "Blue Shampoo", "brand": "Hair Co", "categories": [["Beauty", "Hair"], ["Beauty", "Bath"]]}',
].join('\n');

test('benchmark: loads sequences, catalogue and attributes; index = ascending id', async () => {
  const dir = fixtureDir({
    'sequences.txt': '1 1 2 3\n2 3 3 1 2\r\n\n7 2 1 3',
    'items.jsonl': `\uFEFF${ITEMS}\n`,
    'item_attributes.json': '{"1": [5, 6], "3": [7]}',
  });
  const ds = await loadBenchmark(dir, { duplicates: 'keep' });
  assert.equal(ds.numUsers, 3);
  assert.equal(ds.numItems, 3);
  assert.equal(numInteractions(ds), 10);
  assert.deepEqual(ds.userIds, ['1', '2', '7']);
  assert.deepEqual(ds.itemIds, ['1', '2', '3']);
  assert.deepEqual(Array.from(userSequence(ds, 1)), [2, 2, 0, 1]);
  assert.deepEqual(ds.duplicates, { policy: 'keep', rule: 'consecutive', found: 1, dropped: 0 });
  assert.deepEqual(ds.catalog.texts[0], { title: 'Red Lipstick', brand: 'Acme', categories: ['Beauty', 'Makeup'], extra: { asin: 'A1' } });
  assert.deepEqual(ds.catalog.texts[1], { extra: { asin: 'A2' } });
  assert.deepEqual(ds.catalog.texts[2].categories, ['Beauty', 'Hair', 'Bath']);
  assert.deepEqual(ds.catalog.attributes, [[5, 6], [], [7]]);
});

/** Asserts an E_INPUT error whose message names the file, the line (when given) and the field. */
async function assertInputError(p: Promise<unknown>, file: string, line: number | undefined, field: string, what: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SidrecError, String(e));
    assert.equal(e.code, 'E_INPUT');
    assert.ok(e.message.includes(file), `message names the file: ${e.message}`);
    if (line !== undefined) assert.ok(e.message.includes(`line ${line}`), `message names line ${line}: ${e.message}`);
    assert.ok(e.message.includes(`field "${field}`), `message names field ${field}: ${e.message}`);
    assert.match(e.message, what);
    return true;
  });
}

test('benchmark: non-numeric ids name file, line and field', async () => {
  const dir = fixtureDir({ 'sequences.txt': '1 1 2\n2 1 x3 2\n', 'items.jsonl': ITEMS });
  await assertInputError(loadBenchmark(dir), join(dir, 'sequences.txt'), 2, 'item_id #2', /not an integer: "x3"/);
  const dir2 = fixtureDir({ 'sequences.txt': '1 1 2\nu2 1 2\n', 'items.jsonl': ITEMS });
  await assertInputError(loadBenchmark(dir2), join(dir2, 'sequences.txt'), 2, 'user_id', /not an integer/);
});

test('benchmark: empty history and duplicate users are errors', async () => {
  const dir = fixtureDir({ 'sequences.txt': '1 1 2\n2\n', 'items.jsonl': ITEMS });
  await assertInputError(loadBenchmark(dir), join(dir, 'sequences.txt'), 2, 'item_id', /empty history for user 2/);
  const dir2 = fixtureDir({ 'sequences.txt': '1 1 2\n1 2 3\n', 'items.jsonl': ITEMS });
  await assertInputError(loadBenchmark(dir2), join(dir2, 'sequences.txt'), 2, 'user_id', /duplicate user id 1 \(first on line 1\)/);
});

test('benchmark: truncated JSON line and duplicate catalogue ids', async () => {
  const dir = fixtureDir({ 'sequences.txt': '1 1 2\n', 'items.jsonl': `${ITEMS}\n{"id": 4, "asin": "A4", "tit` });
  await assertInputError(loadBenchmark(dir), join(dir, 'items.jsonl'), 4, '(record)', /invalid JSON \(truncated line\?\)/);
  const dir2 = fixtureDir({ 'sequences.txt': '1 1 2\n', 'items.jsonl': `${ITEMS}\n{"id": 2, "asin": "A2b"}\n` });
  await assertInputError(loadBenchmark(dir2), join(dir2, 'items.jsonl'), 4, 'id', /duplicate item id "2" \(first on line 2\)/);
});

test('benchmark: wrong encodings (invalid UTF-8, UTF-16 BOM) name the line', async () => {
  const bad = Buffer.concat([Buffer.from('1 1 2\n2 2 3\n3 1 '), Buffer.from([0xc3, 0x28]), Buffer.from(' 2\n')]);
  const dir = fixtureDir({ 'sequences.txt': bad, 'items.jsonl': ITEMS });
  await assert.rejects(
    loadBenchmark(dir),
    (e: SidrecError) => e.code === 'E_INPUT' && e.message.includes(join(dir, 'sequences.txt')) && /line 3.*invalid UTF-8/.test(e.message),
  );
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('1 1 2\n', 'utf16le')]);
  const dir2 = fixtureDir({ 'sequences.txt': utf16, 'items.jsonl': ITEMS });
  await assert.rejects(loadBenchmark(dir2), (e: SidrecError) => e.code === 'E_INPUT' && e.message.includes('line 1') && /UTF-16/.test(e.message));
});

test('benchmark: unknown item ids are reported with count and first examples, or dropped with a warning', async () => {
  const dir = fixtureDir({ 'sequences.txt': '1 1 9 2\n2 3 8 9\n', 'items.jsonl': ITEMS });
  await assertInputError(
    loadBenchmark(dir),
    join(dir, 'sequences.txt'),
    undefined,
    'item_id',
    /3 item id occurrence\(s\) not in .*items\.jsonl, e\.g\. 9 \(line 1\), 8 \(line 2\), 9 \(line 2\)/,
  );
  const ds = await loadBenchmark(dir, { unknownItems: 'drop' });
  assert.equal(numInteractions(ds), 3);
  assert.equal(ds.warnings.length, 1);
  assert.match(ds.warnings[0], /dropped 3 item id occurrence/);
});

test('benchmark: a non-integer catalogue id names its line', async () => {
  const dir = fixtureDir({ 'sequences.txt': '1 1 2\n', 'items.jsonl': `${ITEMS}\n{"id": "B00X", "asin": "B00X"}\n` });
  await assertInputError(loadBenchmark(dir), join(dir, 'items.jsonl'), 4, 'id', /item id must be a positive integer, got "B00X"/);
});

test('benchmark: missing sequences.txt is E_NOT_FOUND', async () => {
  const dir = fixtureDir({ 'items.jsonl': ITEMS });
  await assert.rejects(loadBenchmark(dir), (e: SidrecError) => e.code === 'E_NOT_FOUND' && e.message.includes('sequences.txt'));
});

const beauty = sharedDataset('amazon-beauty');
test('benchmark: real Amazon Beauty has 22,363 users / 12,101 items / 198,502 interactions', {
  skip: beauty === undefined ? 'no ../shared/data/amazon-beauty next to the repo' : false,
}, async () => {
  const ds = await loadBenchmark(beauty as string);
  assert.equal(ds.numUsers, 22363);
  assert.equal(ds.numItems, 12101);
  assert.equal(numInteractions(ds), 198502);
  assert.equal(ds.warnings.length, 0);
  assert.equal(ds.catalog.texts.filter((t) => t.title === undefined).length, 7);
  assert.equal(ds.catalog.texts.filter((t) => t.brand === undefined).length, 84);
  let min = Infinity;
  let max = 0;
  for (let u = 0; u < ds.numUsers; u++) {
    const n = ds.offsets[u + 1] - ds.offsets[u];
    min = Math.min(min, n);
    max = Math.max(max, n);
  }
  assert.deepEqual([min, max], [5, 204]);
});
