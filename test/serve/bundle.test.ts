/**
 * A trained model directory is self-contained (issue 16.2): an RPG trained on a tokenize folder keeps its own
 * copy of the tokenizer and of the catalogue, pinned in its manifest. Re-tokenizing the source folder changes
 * nothing served (adds still use the tokenizer it was trained with); the directory moved elsewhere, with its
 * dataset and tokenize folder gone, still serves and adds items; --data must be the dataset it was trained on;
 * a changed copy is refused naming the file; an older directory without a bundle whose tokenize folder was
 * re-tokenized refuses adds instead of encoding with the wrong tokenizer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSynthetic, saveDataset, syntheticDataset } from '../../src/data/index.js';
import { loadDatasetSids, saveDatasetSids, tokenizeDataset } from '../../src/tokenize/index.js';
import { buildServer } from '../../src/serve/app.js';
import { rpgFixtureData, SYNTH, tempDir, tinyRpgDir } from './helpers.js';

const root = tempDir('bundle');
const data = rpgFixtureData(root);
const { ds, sp, dataDir } = data;
const sidDir = join(root, 'sids');
const tokenize = (seed: number) =>
  tokenizeDataset(ds, sp, [{ source: 'text', weight: 1 }], { kind: 'opq', subspaces: 4, codebookSize: 16, rotationIters: 2 }, seed);
const trained = tokenize(0);
const modelDir = await tinyRpgDir(root, data, trained, { dim: 32, ffn: 64 }, 1);
const trainedSet = { id: loadDatasetSids(sidDir).id };

/** Vectors whose codes differ between the trained tokenizer and `other`. */
function telling(other: ReturnType<typeof tokenize>): Float32Array[] {
  const d = trained.tokenizer.inputDim;
  const out: Float32Array[] = [];
  for (let i = 0; out.length < 3 && i < 200; i++) {
    const v = Float32Array.from({ length: d }, (_, j) => Math.sin(1.7 * i + 0.37 * j * (i + 1)));
    if (trained.tokenizer.encode(v, 1).join() !== other.tokenizer.encode(v, 1).join()) out.push(v);
  }
  assert.equal(out.length, 3, 'the two tokenizers disagree somewhere');
  return out;
}

const addVectors = (vectors: Float32Array[], prefix: string) => ({ items: vectors.map((v, i) => ({ id: `${prefix}${i}`, vector: Array.from(v) })) });

test('re-tokenizing the source folder after training changes nothing served', async () => {
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.bundle.sids.id, trainedSet.id, 'the manifest pins the SID set trained on');
  const other = tokenize(5);
  saveDatasetSids(sidDir, other);
  assert.notEqual(loadDatasetSids(sidDir).id, trainedSet.id);
  const vectors = telling(other);
  const app = await buildServer({ modelDir, allowLocalWrites: true });
  const info = (await app.inject({ method: 'GET', url: '/v1/model' })).json();
  assert.equal(info.canAddItems, true, info.cannotAddItems);
  const added = await app.inject({ method: 'POST', url: '/v1/items', payload: addVectors(vectors, 'v') });
  assert.equal(added.statusCode, 201, added.body);
  added
    .json()
    .added.forEach((item: { sid: number[] }, i: number) =>
      assert.deepEqual(item.sid, Array.from(trained.tokenizer.encode(vectors[i], 1)), 'encoded by the tokenizer it was trained with'),
    );
  await app.close();
});

test('moved elsewhere, with its dataset and tokenize folder gone, the model directory serves and adds items', async () => {
  const moved = join(root, 'elsewhere-rpg');
  const dataMoved = join(root, 'data-moved');
  renameSync(modelDir, moved);
  renameSync(dataDir, dataMoved);
  rmSync(sidDir, { recursive: true });
  try {
    const app = await buildServer({ modelDir: moved, allowLocalWrites: true });
    const rec = await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: ['3', '10'], k: 5 } });
    assert.equal(rec.statusCode, 200, rec.body);
    assert.equal(rec.json().items.length, 5);
    assert.ok(
      rec.json().items.every((r: { title?: string }) => typeof r.title === 'string'),
      'titles from the bundled catalogue',
    );
    const anchor = ds.catalog.texts[3];
    const byText = await app.inject({
      method: 'POST',
      url: '/v1/items',
      payload: { items: [{ id: 'by-text', title: anchor.title, brand: anchor.brand, categories: anchor.categories }] },
    });
    assert.equal(byText.statusCode, 201, byText.body);
    await app.close();

    const withData = await buildServer({ modelDir: moved, dataDir: dataMoved });
    assert.equal(withData.sidrec.state.model.catalog.size, ds.numItems, '--data pointing at the moved dataset');
    await withData.close();
    const otherData = join(root, 'other-data');
    saveDataset(otherData, syntheticDataset(generateSynthetic({ ...SYNTH, seed: 8 })));
    await assert.rejects(
      buildServer({ modelDir: moved, dataDir: otherData }),
      (e: { code: string; message: string; location: { field?: string } }) =>
        e.code === 'E_STATE' && e.location.field === 'data' && e.message.includes(otherData) && e.message.includes('not the one this model was trained on'),
    );

    const itemsFile = join(root, 'elsewhere-rpg', 'items.json');
    const original = readFileSync(itemsFile, 'utf8');
    writeFileSync(itemsFile, original.replace('"popularity":[', '"popularity":[1000,'));
    await assert.rejects(
      buildServer({ modelDir: moved }),
      (e: { code: string; location: { file?: string } }) => e.code === 'E_STATE' && e.location.file === itemsFile,
    );
    writeFileSync(itemsFile, original);
  } finally {
    renameSync(moved, modelDir);
    renameSync(dataMoved, dataDir);
  }
});

test('an older directory without a bundle refuses adds once its tokenize folder was re-tokenized', async () => {
  saveDatasetSids(sidDir, tokenize(7));
  const manifestPath = join(modelDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  delete manifest.bundle;
  writeFileSync(manifestPath, JSON.stringify(manifest));
  rmSync(join(modelDir, 'sids'), { recursive: true });
  const app = await buildServer({ modelDir, allowLocalWrites: true });
  const info = (await app.inject({ method: 'GET', url: '/v1/model' })).json();
  assert.equal(info.canAddItems, false);
  assert.match(info.cannotAddItems, /not the one this model was trained on/);
  const add = await app.inject({
    method: 'POST',
    url: '/v1/items',
    payload: { items: [{ id: 'x', vector: Array.from({ length: trained.tokenizer.inputDim }, () => 0.1) }] },
  });
  assert.equal(add.statusCode, 409, add.body);
  await app.close();
});
