// Exact duplicate events: dropped and counted by default (a duplicated event can put the test target into its own
// history), kept with duplicates: 'keep'; the rule per input (same user/item/time in a timed log, consecutive
// repeats without times and in sequences.txt); the count survives the dataset artifact; the Amazon benchmark
// datasets are unchanged (they hold no repeats).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBenchmark, loadDataset, loadInteractionLog, numInteractions, saveDataset, userSequence, type InteractionDataset } from '../../src/data/index.js';
import { fixtureDir, sharedDataset, tempDir } from './helpers.js';

function sequences(ds: InteractionDataset): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  ds.userIds.forEach((u, k) => (out[u] = Array.from(userSequence(ds, k), (i) => ds.itemIds[i])));
  return out;
}

// u1: a@1 twice in a row; a@5, b@5, a@5.0 (the same instant: a duplicate with b between them); a@9 (another
// time: a repeat purchase, kept). u2: c@2 twice, far apart in the file.
const TIMED = ['user_id,item_id,timestamp', 'u1,a,1', 'u1,a,1', 'u2,c,2', 'u1,a,5', 'u1,b,5', 'u1,a,5.0', 'u1,a,9', 'u2,d,3', 'u2,c,2', ''].join('\n');

test('duplicates: same user, item and timestamp are dropped and counted; another time is a repeat, kept', async () => {
  const dir = fixtureDir({ 'log.csv': TIMED });
  const ds = await loadInteractionLog(join(dir, 'log.csv'));
  assert.deepEqual(sequences(ds), { u1: ['a', 'a', 'b', 'a'], u2: ['c', 'd'] });
  assert.equal(numInteractions(ds), 6);
  assert.deepEqual(ds.duplicates, { policy: 'drop', rule: 'user-item-time', found: 3, dropped: 3 });
  assert.deepEqual(ds.itemIds, ['a', 'c', 'b', 'd'], 'first-appearance indices unchanged');

  const kept = await loadInteractionLog(join(dir, 'log.csv'), { duplicates: 'keep' });
  assert.deepEqual(sequences(kept), { u1: ['a', 'a', 'a', 'b', 'a', 'a'], u2: ['c', 'c', 'd'] });
  assert.deepEqual(kept.duplicates, { policy: 'keep', rule: 'user-item-time', found: 3, dropped: 0 });
});

test('duplicates: without a time column, a repeat in consecutive rows of a user is the duplicate', async () => {
  const dir = fixtureDir({ 'log.tsv': 'user_id\titem_id\nu1\ta\nu1\ta\nu2\ta\nu1\tb\nu1\ta\nu2\ta\n' });
  const ds = await loadInteractionLog(join(dir, 'log.tsv'), { timestampColumn: null });
  // u1's rows: a a b a -> a b a (the second a follows b: a repeat, kept); u2's: a a -> a (rows 3 and 6 are consecutive for u2).
  assert.deepEqual(sequences(ds), { u1: ['a', 'b', 'a'], u2: ['a'] });
  assert.deepEqual(ds.duplicates, { policy: 'drop', rule: 'consecutive', found: 2, dropped: 2 });
});

test('duplicates: sequences.txt drops consecutive repeats by default, keeps them on request; the artifact records it', async () => {
  const dir = fixtureDir({ 'sequences.txt': '1 1 2 2 2 3\n2 3 1 3 3\n3 1 2 3\n' });
  const ds = await loadBenchmark(dir);
  assert.deepEqual(sequences(ds), { 1: ['1', '2', '3'], 2: ['3', '1', '3'], 3: ['1', '2', '3'] });
  assert.deepEqual(ds.duplicates, { policy: 'drop', rule: 'consecutive', found: 3, dropped: 3 });
  const kept = await loadBenchmark(dir, { duplicates: 'keep' });
  assert.equal(numInteractions(kept), 12);
  assert.deepEqual(kept.duplicates, { policy: 'keep', rule: 'consecutive', found: 3, dropped: 0 });

  const out = tempDir();
  saveDataset(out, ds);
  assert.deepEqual((JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8')) as { duplicates: unknown }).duplicates, ds.duplicates);
  assert.deepEqual(loadDataset(out).duplicates, ds.duplicates);
});

// sha256 of sequences.bin as `sidrec prepare` wrote it before duplicates were dropped (commit 2458c51).
const BENCHMARKS = [
  ['amazon-beauty', 22363, 12101, 198502, 'a3f94ff145976621cad2e0e2065465b0a33d84c27f2f2dad8e0bb7455e93ef84'],
  ['amazon-sports', 35598, 18357, 296337, '393901b3ccebbc9cfa56c8da470a34fc7bf4e7d1d2e92e3e36e71975c02a3581'],
] as const;
for (const [name, users, items, interactions, sha256] of BENCHMARKS) {
  const dir = sharedDataset(name);
  test(`duplicates: ${name} holds no repeats, so its dataset is byte-identical to before`, {
    skip: dir === undefined ? `no ../shared/data/${name}` : false,
  }, async () => {
    const ds = await loadBenchmark(dir as string);
    assert.deepEqual([ds.numUsers, ds.numItems, numInteractions(ds)], [users, items, interactions]);
    assert.deepEqual(ds.duplicates, { policy: 'drop', rule: 'consecutive', found: 0, dropped: 0 });
    const out = tempDir();
    saveDataset(out, ds);
    assert.equal(
      createHash('sha256')
        .update(readFileSync(join(out, 'sequences.bin')))
        .digest('hex'),
      sha256,
    );
  });
}
