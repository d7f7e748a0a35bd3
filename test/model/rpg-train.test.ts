import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic, split, syntheticDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/index.js';
import { popularityScorer } from '../../src/model/baselines.js';
import { openRpgModel } from '../../src/families/rpg/recommender.js';
import { openItemGraph } from '../../src/decode/item-graph.js';
import { readManifest } from '../../src/model/manifest.js';
import { readRpgSids, saveItemCodes, sidsFromTable } from '../../src/model/rpg-io.js';
import { parseFeatureSpec } from '../../src/features/dataset.js';
import { tokenizeDataset } from '../../src/tokenize/index.js';
import type { SidrecError } from '../../src/core/errors.js';
import { DEFAULT_TRAIN_CONFIG } from '../../src/train/config.js';
import { trainRpg } from '../../src/families/rpg/train.js';
import { Rpg } from '../../src/model/rpg.js';

const work = mkdtempSync(join(tmpdir(), 'sidrec-rpg-'));
const dataset = syntheticDataset(generateSynthetic({ numUsers: 600, numItems: 300, numTopics: 8, seed: 5 }));
const sp = split(dataset, { historyCap: 20 });
// The synthetic catalogue's attributes carry its topics (text and co-occurrence at this size mostly add noise to 4 x 16 codes).
const fitted = tokenizeDataset(dataset, sp, parseFeatureSpec('attributes'), { kind: 'opq', subspaces: 4, codebookSize: 16, rotationIters: 2 }, 0);
const sids = { codes: sidsFromTable(fitted.table, dataset.numItems) };
const model = { dim: 32, layers: 1, heads: 2, ffn: 64, dropout: 0.1, attnDropout: 0.1, residDropout: 0.1, temperature: 0.1, maxLen: 20 };
const config = { ...DEFAULT_TRAIN_CONFIG, epochs: 8, batchSize: 32, lr: 0.005, warmupSteps: 10, patience: 8 };
const extras = { graph: { k: 30 }, decode: { beam: 10, neighbors: 30, steps: 3, seed: 0 } };

test('RPG SIDs: one code per digit in [0, C) for every item', () => {
  assert.equal(sids.codes.codes.length, dataset.numItems * 4);
  assert.ok(sids.codes.codes.every((c) => c >= 0 && c < 16));
});

test('RPG learns the planted structure above popularity; graph decoding and the saved directory agree', async () => {
  const dir = join(work, 'straight');
  const run = await trainRpg(sp, join(work, 'data'), sids.codes, model, config, { dir, quiet: true }, extras);
  const pop = await evaluate(popularityScorer(sp), sp, 'test');
  const ndcg = run.test!.metrics['ndcg@10'];
  assert.ok(ndcg > 1.5 * pop.metrics['ndcg@10'], `rpg ${ndcg} vs popularity ${pop.metrics['ndcg@10']}`);
  assert.ok(run.testGraph!.metrics['ndcg@10'] > pop.metrics['ndcg@10'], `graph ${run.testGraph!.metrics['ndcg@10']}`);
  assert.ok(run.visitedPerUser! > 0 && run.visitedPerUser! <= dataset.numItems);
  const loaded = { model: openRpgModel(dir, readManifest(dir)) };
  assert.deepEqual(openItemGraph(dir)?.neighbors, run.graph!.neighbors);
  const again = loaded.model.logProbs([sp.test[0].history]);
  const before = run.model.logProbs([sp.test[0].history]);
  assert.deepEqual(again, before);
});

test('an RPG run stopped after one epoch resumes to the same weights and metrics', async () => {
  const short = { ...config, epochs: 3 };
  const a = join(work, 'a');
  await trainRpg(sp, join(work, 'data'), sids.codes, model, short, { dir: a, quiet: true }, extras);
  const b = join(work, 'b');
  const first = await trainRpg(sp, join(work, 'data'), sids.codes, model, short, { dir: b, quiet: true, maxEpochsThisRun: 1 }, extras);
  assert.equal(first.result.stopped, 'max-epochs-this-run');
  await trainRpg(sp, join(work, 'data'), sids.codes, model, short, { dir: b, quiet: true, resume: true }, extras);
  assert.deepEqual(readManifest(b).test, readManifest(a).test);
  assert.deepEqual(readManifest(b).rpg?.testGraph, readManifest(a).rpg?.testGraph);
  assert.ok(readFileSync(join(a, 'best.safetensors')).equals(readFileSync(join(b, 'best.safetensors'))), 'identical best weights');
});

test('--sids reuse: an RPG directory or its sids.safetensors gives the same codes; a wrong item count is named', () => {
  const dir = join(work, 'codes-only');
  mkdirSync(dir, { recursive: true });
  saveItemCodes(join(dir, 'sids.safetensors'), sids.codes);
  assert.deepEqual(readRpgSids(dir, dataset.numItems), sids.codes);
  assert.deepEqual(readRpgSids(join(dir, 'sids.safetensors'), dataset.numItems), sids.codes);
  assert.throws(
    () => readRpgSids(dir, dataset.numItems + 1),
    (e: SidrecError) => e.code === 'E_SHAPE' && /codes for 300 items, the dataset has 301/.test(e.message) && e.message.includes('sids.safetensors'),
  );
  assert.throws(
    () => readRpgSids(join(work, 'missing'), dataset.numItems),
    (e: SidrecError) => e.code === 'E_NOT_FOUND',
  );
});

test("the reference's feeding (--windows sliding, code init .02) trains, is recorded in run.json and held on resume", async () => {
  const dir = join(work, 'sliding');
  const short = { ...config, epochs: 2 };
  const reference = { ...model, codeInitStd: 0.02 };
  const first = await trainRpg(
    sp,
    join(work, 'data'),
    sids.codes,
    reference,
    short,
    { dir, quiet: true, maxEpochsThisRun: 1 },
    { ...extras, windows: 'sliding' },
  );
  assert.equal(first.result.stopped, 'max-epochs-this-run');
  const saved = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { model: { windows: string; config: { codeInitStd: number } } };
  assert.equal(saved.model.windows, 'sliding');
  assert.equal(saved.model.config.codeInitStd, 0.02);
  await assert.rejects(
    trainRpg(sp, join(work, 'data'), sids.codes, reference, short, { dir, quiet: true, resume: true }, extras),
    (e: SidrecError) => e.code === 'E_CONFIG' && /windows "tiled" \(the run has "sliding"\)/.test(e.message),
  );
  const done = await trainRpg(sp, join(work, 'data'), sids.codes, reference, short, { dir, quiet: true, resume: true }, { ...extras, windows: 'sliding' });
  assert.equal(done.result.stopped, 'epochs');
  assert.ok(done.test!.metrics['ndcg@10'] > 0);
});

test("--residual-init gpt2: the blocks' attention-out and MLP-proj weights start divided by sqrt(2 x layers), every other parameter as 'standard'", () => {
  const layered = { ...model, layers: 2 };
  const standard = new Rpg(sids.codes, layered, 7).namedParameters();
  const gpt2 = new Rpg(sids.codes, { ...layered, residualInit: 'gpt2' }, 7).namedParameters();
  assert.deepEqual(
    gpt2.map((p) => p.name),
    standard.map((p) => p.name),
  );
  let scaled = 0;
  for (let k = 0; k < gpt2.length; k++) {
    const [a, b] = [standard[k].tensor.f32, gpt2[k].tensor.f32];
    if (/^blocks\.\d+\.(attn\.out|mlp\.proj)\.weight$/.test(gpt2[k].name)) {
      scaled++;
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(b[i] - a[i] / 2) <= 1e-7, `${gpt2[k].name}[${i}]`);
    } else assert.deepEqual(b, a, gpt2[k].name);
  }
  assert.equal(scaled, 4);
});
