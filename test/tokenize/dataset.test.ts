import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic, split, syntheticDataset } from '../../src/data/index.js';
import { datasetFeatures, parseFeatureSpec } from '../../src/features/dataset.js';
import { saveDatasetSids, tokenizeDataset, TABLE_FILE, TOKENIZER_FILE } from '../../src/tokenize/index.js';
import { SidrecError } from '../../src/core/errors.js';
import { loadItemVectors } from '../../src/features/vectors.js';

const ds = syntheticDataset(generateSynthetic({ numUsers: 400, numItems: 300, numTopics: 6, seed: 11 }));
const sp = split(ds);

test('feature specs parse names and weights and reject unknown sources by name', () => {
  assert.deepEqual(parseFeatureSpec('text, cooccurrence:0.5'), [
    { source: 'text', weight: 1 },
    { source: 'cooccurrence', weight: 0.5 },
  ]);
  assert.throws(
    () => parseFeatureSpec('text,images'),
    (e: unknown) => e instanceof SidrecError && /unknown feature source "images"/.test(e.message),
  );
  assert.throws(() => parseFeatureSpec('text:-1'), /positive number/);
});

test('tokenizeDataset fits on training items only, encodes every item, and is byte-deterministic', () => {
  const spec = parseFeatureSpec('text,cooccurrence:0.5');
  const a = tokenizeDataset(ds, sp, spec, { kind: 'rqkmeans', levels: 2, codebookSize: 16 }, 3);
  let seen = 0;
  for (const c of sp.trainItemCounts) if (c > 0) seen++;
  assert.equal(a.report.fittedItems, seen);
  assert.equal(a.table.count, ds.numItems);
  const dirA = mkdtempSync(join(tmpdir(), 'sidrec-tok-'));
  const dirB = mkdtempSync(join(tmpdir(), 'sidrec-tok-'));
  saveDatasetSids(dirA, a);
  saveDatasetSids(dirB, tokenizeDataset(ds, sp, spec, { kind: 'rqkmeans', levels: 2, codebookSize: 16 }, 3));
  for (const f of [TOKENIZER_FILE, TABLE_FILE]) assert.ok(readFileSync(join(dirA, f)).equals(readFileSync(join(dirB, f))), `${f} identical`);
  // the frozen tokenizer re-encodes every item (held-out ones included) to the codes in the table
  const features = datasetFeatures(ds, sp, spec, { seed: 3 });
  const again = a.tokenizer.encode(features.data, features.count);
  for (let i = 0; i < ds.numItems; i++) {
    const codes = a.table.codesOf(i);
    for (let d = 0; d < a.tokenizer.digits; d++) assert.equal(again[i * a.tokenizer.digits + d], codes[d]);
  }
});

test('user item vectors as a feature source: their clusters decide the first digit; gaps are errors naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sidrec-vecsrc-'));
  const path = join(dir, 'emb.jsonl');
  const cluster = (i: number): number => (i * 7) % 4;
  const vector = (i: number): number[] => [0, 1, 2, 3].map((c) => (c === cluster(i) ? 10 : 0) + ((i * 31 + c * 17) % 13) / 13);
  writeFileSync(path, ds.itemIds.map((id, i) => JSON.stringify({ id, vector: vector(i) })).join('\n'));
  const vectors = loadItemVectors(path, undefined, ds.itemIds);
  const sids = tokenizeDataset(ds, sp, parseFeatureSpec('vectors'), { kind: 'rqkmeans', levels: 2, codebookSize: 4 }, 1, vectors);
  const firstDigitOf = new Map<number, number>();
  for (let i = 0; i < ds.numItems; i++) {
    const d0 = sids.table.codesOf(i)[0];
    if (!firstDigitOf.has(cluster(i))) firstDigitOf.set(cluster(i), d0);
    assert.equal(d0, firstDigitOf.get(cluster(i)), `item ${i}`);
  }
  assert.equal(new Set(firstDigitOf.values()).size, 4);
  // An item without a vector, a .npy without ids, the source without vectors: each names where.
  writeFileSync(
    path,
    ds.itemIds
      .slice(1)
      .map((id, i) => JSON.stringify({ id, vector: vector(i + 1) }))
      .join('\n'),
  );
  assert.throws(
    () => loadItemVectors(path, undefined, ds.itemIds),
    (e: unknown) => e instanceof SidrecError && e.location.file === path && e.location.field === 'id' && e.message.includes(`"${ds.itemIds[0]}"`),
  );
  assert.throws(
    () => loadItemVectors(join(dir, 'emb.npy'), undefined, ds.itemIds),
    (e: unknown) => e instanceof SidrecError && e.location.field === 'vector-ids',
  );
  assert.throws(
    () => datasetFeatures(ds, sp, parseFeatureSpec('text,vectors'), {}),
    (e: unknown) => e instanceof SidrecError && e.location.field === 'vectors',
  );
});
