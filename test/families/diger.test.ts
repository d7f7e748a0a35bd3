import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { generateSynthetic, saveDataset, split, syntheticDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/index.js';
import { datasetFeatures, parseFeatureSpec } from '../../src/features/dataset.js';
import { levelNoise, uncertaintyWeighted, updateUsage, DEFAULT_DECAY } from '../../src/families/diger/decay.js';
import { Diger, type DigerBatch } from '../../src/families/diger/model.js';
import { familyOf } from '../../src/families/index.js';
import { popularityScorer } from '../../src/model/baselines.js';
import { readManifest } from '../../src/model/manifest.js';
import { Tiger } from '../../src/model/tiger.js';
import { scalar, tensor, parameter, tidy } from '../../src/tensor/index.js';
import { loadDatasetSids } from '../../src/tokenize/index.js';
import { RqVaeTokenizer } from '../../src/tokenize/rqvae.js';
import { resolveTokenizerConfig } from '../../src/tokenize/config.js';
import { DEFAULT_TRAIN_CONFIG } from '../../src/train/config.js';
import { runTraining } from '../../src/train/run.js';
import { packSidBatch, sidExamples } from '../../src/train/tiger-batches.js';

const work = mkdtempSync(join(tmpdir(), 'sidrec-diger-'));
const dataDir = join(work, 'data');
const dataset = syntheticDataset(generateSynthetic({ numUsers: 400, numItems: 150, numTopics: 6, seed: 5 }));
saveDataset(dataDir, dataset);
const sp = split(dataset, { historyCap: 20 });
const features = datasetFeatures(dataset, sp, parseFeatureSpec('attributes'), { seed: 0 });
const rqvae = () =>
  RqVaeTokenizer.fit(
    resolveTokenizerConfig({ kind: 'rqvae', levels: 2, codebookSize: 8, latentDim: 8, hidden: [16], epochs: 20, batchSize: 64, seed: 1 }) as never,
    features.data,
    features.count,
    features.dim,
  );
const tigerConfig = { dim: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, ffn: 32, dropout: 0, maxItems: 10 };
const options = (mode: 'static' | 'gumbel' | 'frequency' | 'std') => ({
  decay: { ...DEFAULT_DECAY, mode, noiseScale: mode === 'gumbel' ? 0 : 1 },
  tokenizerLrScale: 0.01,
  sigmaLrScale: 1,
  tokenizerWeight: 0,
  collisionCodes: 8,
});
const examples = sidExamples(sp.train);
const rows = Array.from({ length: 24 }, (_, i) => (i * 37) % examples.seq.length);
const batchOf = (maxItems: number): DigerBatch => {
  const users = new Int32Array(rows.length);
  const targets = new Int32Array(rows.length);
  const histories = rows.map((e, r) => {
    const s = examples.sequences[examples.seq[e]];
    const t = examples.pos[e];
    users[r] = s.user;
    targets[r] = s.items[t];
    return s.items.subarray(Math.max(0, t - maxItems), t);
  });
  return { size: rows.length, users, histories, targets };
};

test("DIGER with the tokenizer frozen computes TIGER's loss and gradients on the same SIDs", () => {
  const diger = new Diger(tigerConfig, rqvae().network, features, options('static'), 7);
  const tiger = new Tiger({ ...tigerConfig, codeSizes: diger.tiger.config.codeSizes }, 99);
  const own = new Map(diger.tiger.namedParameters().map((p) => [p.name, p.tensor]));
  for (const p of tiger.namedParameters()) p.tensor.f32.set((own.get(p.name) as typeof p.tensor).f32);
  const ctx = { training: false };
  const batch = batchOf(10);
  const ref = packSidBatch(examples, { vocab: tiger.vocab, table: diger.table, itemTokens: tiger.vocab.itemTokens(diger.table), maxItems: 10 }, rows);
  const a = tidy(() => {
    const l = diger.loss(batch, ctx);
    l.backward();
    return l.item();
  });
  const b = tidy(() => {
    const l = tiger.loss(ref, ctx);
    l.backward();
    return l.item();
  });
  assert.ok(Math.abs(a - b) < 1e-5 * Math.abs(b), `diger ${a} vs tiger ${b}`);
  const ga = diger.tiger.tokens.table.grad as Float32Array;
  const gb = tiger.tokens.table.grad as Float32Array;
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < gb.length; i++) {
    worst = Math.max(worst, Math.abs(ga[i] - gb[i]));
    scale = Math.max(scale, Math.abs(gb[i]));
  }
  assert.ok(scale > 0 && worst < 1e-4 * scale, `token-table gradient differs by ${worst} of ${scale}`);
  for (const p of diger.tokenizer.namedParameters()) assert.equal(p.tensor.grad, null, `static: no gradient reaches ${p.name}`);
  assert.ok(
    diger.namedParameters().every((p) => !p.name.startsWith('tokenizer.') || p.lrScale === 0),
    'static: the tokenizer is frozen',
  );
});

test('DIGER: the recommendation loss alone reaches the tokenizer through the straight-through codes', () => {
  const diger = new Diger(tigerConfig, rqvae().network, features, options('gumbel'), 7);
  tidy(() => diger.loss(batchOf(10), { training: true, rng: new Rng(1) }).backward());
  const encoder = diger.tokenizer.namedParameters().find((p) => p.name === 'encoder.0.weight');
  const g = encoder?.tensor.grad;
  assert.ok(
    g?.some((v) => v !== 0),
    'the encoder gets a gradient from the recommender (tokenizer loss weight 0)',
  );
  const codebook = diger.tokenizer.codebooks[0].grad;
  assert.ok(
    codebook?.some((v) => v !== 0),
    'the first codebook gets a gradient',
  );
  const scales = diger
    .namedParameters()
    .filter((p) => p.name.startsWith('tokenizer.'))
    .map((p) => p.lrScale);
  assert.ok(scales.length > 0 && scales.every((s) => s === 0.01), 'the tokenizer trains at its own learning rate');
});

test('DIGER frequency decay: noise only on codes used above hotRatio x uniform; the usage EMA moves by 1 - momentum', () => {
  const K = 4;
  const usage = new Float32Array(K).fill(1 / K);
  const noUse = levelNoise({ ...DEFAULT_DECAY, mode: 'frequency' }, usage, 0);
  assert.deepEqual(Array.from(noUse.noise as Float32Array), [0, 0, 0, 0], 'uniform use: nothing is hot');
  // Every one of 10 rows picks code 2 at level 0: its share is 1, the others' 0.
  updateUsage(usage, new Int32Array(10).fill(2), 10, 1, 0, 0.9);
  assert.ok(Math.abs(usage[2] - (0.9 * 0.25 + 0.1)) < 1e-7 && Math.abs(usage[0] - 0.9 * 0.25) < 1e-7);
  for (let i = 0; i < 5; i++) updateUsage(usage, new Int32Array(10).fill(2), 10, 1, 0, 0.9);
  const hot = levelNoise({ ...DEFAULT_DECAY, mode: 'frequency', noiseScale: 0.7 }, usage, 0);
  assert.deepEqual(Array.from(hot.noise as Float32Array), [0, 0, 0.7, 0].map(Math.fround), 'only the crowded code gets noise');
  assert.equal(levelNoise({ ...DEFAULT_DECAY, mode: 'gumbel', noiseScale: 0.3 }, undefined, 5).noiseScale, 0.3);
  assert.equal(levelNoise({ ...DEFAULT_DECAY, mode: 'static' }, undefined, 5).noiseScale, 0);
  assert.equal(levelNoise({ ...DEFAULT_DECAY, mode: 'std' }, undefined, 0.42).noiseScale, 0.42);
});

test('DIGER std decay: d/dsigma of L/(2(sigma+lambda)^2) + log(sigma+lambda) is 1/s - L/s^3, so sigma falls once L < s^2', () => {
  for (const [L, sigma0] of [
    [1.2, 1],
    [9, 0.5],
  ]) {
    const sigma = parameter([1], Float32Array.of(sigma0));
    const loss = scalar(L);
    const out = tidy(() => {
      const o = uncertaintyWeighted(tensor(loss.f32, []), sigma, 1.7);
      o.backward();
      return o.item();
    });
    const s = sigma0 + 1.7;
    assert.ok(Math.abs(out - (L / (2 * s * s) + Math.log(s))) < 1e-5);
    const g = (sigma.grad as Float32Array)[0];
    assert.ok(Math.abs(g - (1 / s - L / s ** 3)) < 1e-5, `gradient ${g}`);
    assert.equal(g > 0, L < s * s, 'gradient descent lowers sigma exactly when the loss is below (sigma + lambda)^2');
  }
});

test('DIGER trains through the family table; the frozen SIDs are an ordinary SID directory; reopened, the same metrics', async () => {
  const dir = join(work, 'model');
  const train = { ...DEFAULT_TRAIN_CONFIG, epochs: 4, batchSize: 64, lr: 0.005, warmupSteps: 10 };
  const run = { dir, quiet: true };
  const flags = {
    dim: 32,
    layers: 1,
    heads: 2,
    ffn: 64,
    history: 10,
    'sid-features': 'attributes',
    levels: 2,
    'sid-codebook-size': 16,
    'sid-mode': 'frequency',
    'tokenizer-lr': 0.00001,
    'valid-users': 0,
    'valid-beam': 10,
    'test-beam': 10,
  };
  const plan = await familyOf('diger').plan({ dataset, split: sp, dataDir, train, run }, flags);
  const { result, finished } = await runTraining(plan, train, run);
  const last = result.history[result.history.length - 1];
  assert.ok(last.loss < result.history[0].loss, 'the joint loss falls');
  for (const key of ['codes-used@0', 'perplexity@1', 'sids-changed']) assert.ok(key in last.valid, `validation records ${key}`);
  const pop = (await evaluate(popularityScorer(sp), sp, 'test')).metrics['ndcg@10'];
  assert.ok(finished!.test.metrics['ndcg@10'] > pop, `diger ${finished!.test.metrics['ndcg@10']} vs popularity ${pop}`);
  const manifest = readManifest(dir);
  assert.equal(manifest.kind, 'diger');
  assert.ok(existsSync(join(dir, 'sids-initial', 'sids.json')) && existsSync(join(dir, 'sids', 'sids.json')));
  const frozen = loadDatasetSids(join(dir, 'sids'));
  assert.ok(frozen.tokenizer instanceof RqVaeTokenizer, 'the frozen SIDs keep their tokenizer');
  const seeded = datasetFeatures(dataset, sp, parseFeatureSpec('attributes'), { seed: train.seed });
  assert.deepEqual(
    Array.from(frozen.tokenizer.encode(seeded.data, seeded.count)),
    baseCodes(frozen.table),
    'the tokenizer encodes every item to its frozen SID',
  );
  const reopened = familyOf('diger').scorer(dir, manifest, {});
  assert.equal((await evaluate(reopened.scorer(sp), sp, 'test')).metrics['ndcg@10'], finished!.test.metrics['ndcg@10']);
  const rec = familyOf('diger').recommender(dir, manifest, { items: { ids: dataset.itemIds } as never, log: () => {} }, {});
  const out = rec.recommend([{ history: [3, 10], k: 5, exclude: new Set<number>() }]);
  assert.equal(out[0].length, 5);
});

function baseCodes(table: { count: number; digits: number; shape: { baseDigits: number }; codesOf(i: number): Int32Array }): number[] {
  const out: number[] = [];
  for (let i = 0; i < table.count; i++) out.push(...Array.from(table.codesOf(i).subarray(0, table.shape.baseDigits)));
  return out;
}
