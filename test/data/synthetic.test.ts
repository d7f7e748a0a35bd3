// The synthetic generator: byte-identical per seed, same data in memory and through the benchmark files, and a
// planted structure a sequential model can learn (bigram >> popularity; transitions follow text topics).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSynthetic, loadBenchmark, split, syntheticDataset, writeSyntheticBenchmark, DEFAULT_SYNTHETIC_CONFIG } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/index.js';
import { bigramScorer, popularityScorer } from '../../src/model/baselines.js';
import { SidrecError } from '../../src/core/errors.js';
import { tempDir } from './helpers.js';

const FILES = ['sequences.txt', 'items.jsonl', 'item_attributes.json'];

function bytesOf(seed: number): Buffer[] {
  const dir = tempDir();
  writeSyntheticBenchmark(dir, generateSynthetic({ seed, numUsers: 300, numItems: 200, numTopics: 8 }));
  return FILES.map((f) => readFileSync(join(dir, f)));
}

test('synthetic: same seed -> byte-identical files; another seed differs', () => {
  const a = bytesOf(5);
  const b = bytesOf(5);
  const c = bytesOf(6);
  a.forEach((buf, k) => assert.ok(buf.equals(b[k]), FILES[k]));
  a.forEach((buf, k) => assert.ok(!buf.equals(c[k]), FILES[k]));
});

test('synthetic: the in-memory dataset equals loading the written benchmark files', async () => {
  const data = generateSynthetic({ seed: 3, numUsers: 200, numItems: 120, numTopics: 6 });
  const dir = tempDir();
  writeSyntheticBenchmark(dir, data);
  // The generator repeats an item now and then (a planted successor may be the item itself): kept here.
  const { duplicates, ...loaded } = await loadBenchmark(dir, { name: 'synthetic', duplicates: 'keep' });
  assert.deepEqual(loaded, syntheticDataset(data));
  assert.equal(duplicates?.policy, 'keep');
  assert.equal(loaded.numUsers, 200);
  assert.equal(loaded.numItems, 120);
  for (let u = 0; u < loaded.numUsers; u++) assert.ok(loaded.offsets[u + 1] - loaded.offsets[u] >= DEFAULT_SYNTHETIC_CONFIG.minLength);
});

test('synthetic: defaults are learnable (bigram beats popularity on valid NDCG@10) and text follows topics', async () => {
  const data = generateSynthetic();
  const ds = syntheticDataset(data);
  assert.equal(ds.numUsers, 2000);
  assert.equal(ds.numItems, 1000);
  const sp = split(ds);
  const pop = await evaluate(popularityScorer(sp), sp, 'valid', { metrics: ['ndcg@10'] });
  const bigram = await evaluate(bigramScorer(sp), sp, 'valid', { metrics: ['ndcg@10'] });
  const p = pop.metrics['ndcg@10'];
  const b = bigram.metrics['ndcg@10'];
  assert.ok(p > 10 / 1000 / 3, `popularity above random: ${p}`); // random NDCG@10 over 1000 items is ~0.0045
  assert.ok(b > 2 * p && b > p + 0.05, `bigram ${b.toFixed(4)} vs popularity ${p.toFixed(4)}`);
  // Behaviour follows text: consecutive items share their topic (and so their category text) far above chance.
  let same = 0;
  let pairs = 0;
  for (let u = 0; u < ds.numUsers; u++) {
    for (let q = ds.offsets[u]; q + 1 < ds.offsets[u + 1]; q++) {
      pairs++;
      if (data.itemTopic[ds.items[q]] === data.itemTopic[ds.items[q + 1]]) same++;
    }
  }
  assert.ok(same / pairs > 0.6, `same-topic transitions ${same / pairs}`);
  const catOf = (i: number) => ds.catalog.texts[i].categories?.[1];
  for (let i = 1; i < ds.numItems; i++) assert.equal(catOf(i) === catOf(0), data.itemTopic[i] === data.itemTopic[0]);
});

test('synthetic: every item count the CLI accepts works (fewer sub-topics when items are scarce)', () => {
  for (const [numItems, numTopics] of [
    [40, 20],
    [10, 10],
    [25, 20],
    [59, 20],
  ]) {
    const data = generateSynthetic({ seed: 1, numUsers: 30, numItems, numTopics });
    assert.equal(data.items.length, numItems);
    assert.ok(data.config.subTopicsPerTopic >= 1 && data.config.subTopicsPerTopic <= DEFAULT_SYNTHETIC_CONFIG.subTopicsPerTopic);
    for (const seq of data.sequences) for (const id of seq) assert.ok(id >= 1 && id <= numItems);
  }
  // Configs that fit all sub-topics are generated as before (the config is handed back unchanged).
  assert.equal(generateSynthetic({ seed: 1, numUsers: 30, numItems: 60, numTopics: 20 }).config.subTopicsPerTopic, 3);
  assert.throws(
    () => generateSynthetic({ numItems: 10, numTopics: 11 }),
    (e: unknown) => e instanceof SidrecError && e.code === 'E_CONFIG',
  );
});
