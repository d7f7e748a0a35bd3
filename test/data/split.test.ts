// k-core filtering, the leave-one-out split with its history cap, and the dataset artifact round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kCoreFilter, loadDataset, packSequences, sampleValidation, saveDataset, split, type InteractionDataset } from '../../src/data/index.js';
import type { SidrecError } from '../../src/core/errors.js';
import { tempDir } from './helpers.js';

function dataset(seqs: number[][], numItems: number): InteractionDataset {
  const itemIds = Array.from({ length: numItems }, (_, i) => `item${i}`);
  return {
    name: 'toy',
    numUsers: seqs.length,
    numItems,
    ...packSequences(seqs.map((s) => Int32Array.from(s))),
    userIds: seqs.map((_, u) => `user${u}`),
    itemIds,
    catalog: { itemIds, texts: itemIds.map((id) => ({ title: `T ${id}` })), attributes: itemIds.map((_, i) => [i]) },
    warnings: [],
  };
}

test('k-core: iterative removal until every user and item has >= k interactions', () => {
  // k = 3. item 4 occurs twice -> removed; user 2 then has 2 -> removed; item 3 then occurs twice -> removed;
  // user 1 then has 2 -> removed ... leaving users 0 and 3 with items 0, 1, 2 re-densified.
  const ds = dataset(
    [
      [0, 1, 2, 0],
      [0, 3, 4, 1],
      [3, 4, 2],
      [1, 2, 0, 3, 2, 1],
    ],
    5,
  );
  const core = kCoreFilter(ds, { userK: 3 });
  assert.deepEqual(core.userIds, ['user0', 'user3']);
  assert.deepEqual(core.itemIds, ['item0', 'item1', 'item2']);
  assert.deepEqual(Array.from(core.items), [0, 1, 2, 0, 1, 2, 0, 2, 1]);
  assert.deepEqual(Array.from(core.offsets), [0, 4, 9]);
  assert.deepEqual(core.catalog.attributes, [[0], [1], [2]]);
  // Every surviving user and item meets k; applying it again changes nothing.
  const again = kCoreFilter(core, { userK: 3 });
  assert.deepEqual(Array.from(again.items), Array.from(core.items));
  // Different item threshold.
  assert.equal(kCoreFilter(ds, { userK: 1, itemK: 1 }).numItems, 5);
});

test('split: leave-one-out targets, inputs, history cap and training counts', () => {
  const ds = dataset(
    [
      [0, 1, 2, 3, 4, 5],
      [5, 4, 3],
      [1, 2],
      [2, 2, 2, 1],
    ],
    6,
  );
  const sp = split(ds, { historyCap: 2 });
  assert.equal(sp.shortUsers, 1);
  assert.deepEqual(
    sp.train.map((t) => [t.user, Array.from(t.items)]),
    [
      [0, [0, 1, 2, 3]],
      [1, [5]],
      [2, [1, 2]],
      [3, [2, 2]],
    ],
  );
  assert.deepEqual(
    sp.valid.map((e) => [e.user, Array.from(e.history), e.target]),
    [
      [0, [2, 3], 4],
      [1, [5], 4],
      [3, [2, 2], 2],
    ],
  );
  assert.deepEqual(
    sp.test.map((e) => [e.user, Array.from(e.history), e.target]),
    [
      [0, [3, 4], 5],
      [1, [5, 4], 3],
      [3, [2, 2], 1],
    ],
  );
  assert.deepEqual(Array.from(sp.trainItemCounts), [1, 2, 4, 1, 0, 1]);
  // Default cap 50 keeps everything here; inputs are copies, not views of the dataset.
  const full = split(ds);
  assert.equal(full.historyCap, 50);
  assert.deepEqual(Array.from(full.test[0].history), [0, 1, 2, 3, 4]);
  full.test[0].history[0] = 99;
  assert.equal(ds.items[0], 0);
  assert.throws(() => split(ds, { historyCap: 0 }), RangeError);
});

test('split: long histories keep the most recent historyCap items', () => {
  const seq = Array.from({ length: 120 }, (_, k) => k % 10);
  const sp = split(dataset([seq], 10));
  assert.equal(sp.valid[0].history.length, 50);
  assert.deepEqual(Array.from(sp.valid[0].history), seq.slice(68, 118));
  assert.deepEqual(Array.from(sp.test[0].history), seq.slice(69, 119));
  assert.equal(sp.train[0].items.length, 118);
});

test('artifact: save -> load round trip; atomic files; inconsistent artifacts rejected', () => {
  const ds = {
    ...dataset(
      [
        [0, 1, 2],
        [2, 1, 0, 1],
      ],
      3,
    ),
    warnings: ['w1'],
  };
  const dir = join(tempDir(), 'prepared');
  saveDataset(dir, ds);
  assert.deepEqual(readdirSync(dir).sort(), ['catalog.json', 'dataset.json', 'sequences.bin']);
  const back = loadDataset(dir);
  assert.deepEqual(back, ds);
  assert.ok(back.items instanceof Int32Array && back.offsets instanceof Int32Array);
  writeFileSync(join(dir, 'sequences.bin'), new Uint8Array(8));
  assert.throws(
    () => loadDataset(dir),
    (e: SidrecError) => e.code === 'E_STATE' && e.message.includes('sequences.bin'),
  );
  assert.throws(
    () => loadDataset(join(dir, 'nope')),
    (e: SidrecError) => e.code === 'E_NOT_FOUND',
  );
  assert.ok(!existsSync(join(dir, 'nope')));
});

test('sampleValidation: a seeded subset of the validation users, in user order; train and test untouched', () => {
  const sp = split(
    dataset(
      Array.from({ length: 40 }, (_, u) => [u % 7, (u + 1) % 7, (u + 2) % 7, (u + 3) % 7]),
      7,
    ),
  );
  const a = sampleValidation(sp, 10, 5);
  assert.equal(a.valid.length, 10);
  const users = a.valid.map((q) => q.user as number);
  assert.deepEqual(
    users,
    [...users].sort((x, y) => x - y),
    'user order',
  );
  assert.equal(new Set(users).size, 10);
  for (const q of a.valid)
    assert.deepEqual(
      q,
      sp.valid.find((v) => v.user === q.user),
      "examples are the split's own",
    );
  assert.equal(a.test, sp.test);
  assert.equal(a.train, sp.train);
  assert.deepEqual(
    sampleValidation(sp, 10, 5).valid.map((q) => q.user),
    users,
    'same seed, same users',
  );
  assert.notDeepEqual(
    sampleValidation(sp, 10, 6).valid.map((q) => q.user),
    users,
    'another seed, other users',
  );
  assert.equal(sampleValidation(sp, 0, 5), sp, '0 = all');
  assert.equal(sampleValidation(sp, 40, 5), sp, 'as many as there are = all');
});
