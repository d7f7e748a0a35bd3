import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic, split, syntheticDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/index.js';
import { parseFeatureSpec } from '../../src/features/dataset.js';
import { popularityScorer } from '../../src/model/baselines.js';
import { readManifest } from '../../src/model/manifest.js';
import { relativeBucket } from '../../src/model/tiger-inputs.js';
import { Tiger } from '../../src/model/tiger.js';
import { SidVocabulary } from '../../src/model/tiger-vocab.js';
import { loadCheckpoint, memoryStats, noGrad, tidy } from '../../src/tensor/index.js';
import { saveDatasetSids, tokenizeDataset } from '../../src/tokenize/index.js';
import { resolveScorer } from '../../src/cli/scorers.js';
import { DEFAULT_TRAIN_CONFIG } from '../../src/train/config.js';
import { sidBatches, sidExamples } from '../../src/train/tiger-batches.js';
import { createSidModel, initFromRun, trainSidModel } from '../../src/families/tiger/train.js';
import type { Gryphon } from '../../src/model/gryphon.js';
import { Rng } from '../../src/core/rng.js';
import type { SidrecError } from '../../src/core/errors.js';

const ds = syntheticDataset(generateSynthetic({ numUsers: 400, numItems: 200, numTopics: 6, seed: 9 }));
const sp = split(ds, { historyCap: 20 });
const sids = tokenizeDataset(ds, sp, parseFeatureSpec('cooccurrence'), { kind: 'rqkmeans', levels: 2, codebookSize: 8 }, 1);
const work = mkdtempSync(join(tmpdir(), 'sidrec-tiger-'));
const sidsDir = join(work, 'sids');
saveDatasetSids(sidsDir, sids);
const model = { dim: 32, encoderLayers: 1, decoderLayers: 1, heads: 2, ffn: 64, dropout: 0.1, userBuckets: 50, lambda: 1 };
const trainConfig = { ...DEFAULT_TRAIN_CONFIG, epochs: 6, batchSize: 64, lr: 0.01, warmupSteps: 10, patience: 6, seed: 3 };
const sidRun = { validUsers: 150, validBeam: 10, testBeam: 10 };

test('T5 relative buckets: exact near, logarithmic far, sign-split only when bidirectional', () => {
  assert.equal(relativeBucket(0, true, 32, 128), 0);
  assert.equal(relativeBucket(-3, true, 32, 128), 3);
  assert.equal(relativeBucket(3, true, 32, 128), 19);
  assert.equal(relativeBucket(-200, true, 32, 128), 15);
  assert.equal(relativeBucket(5, false, 32, 128), 0);
  assert.equal(relativeBucket(-5, false, 32, 128), 5);
});

test('TIGER learns synthetic sequences well above popularity, every recommendation a real item', async () => {
  const run = await trainSidModel(
    'tiger',
    sp,
    work,
    { dir: sidsDir, table: sids.table },
    model,
    trainConfig,
    { dir: join(work, 'tiger'), quiet: true },
    sidRun,
  );
  const pop = await evaluate(popularityScorer(sp), sp, 'test', { metrics: ['ndcg@10'] });
  const ndcg = run.test!.primary.metrics['ndcg@10'];
  assert.ok(ndcg > 1.5 * pop.metrics['ndcg@10'] && ndcg > 0.05, `tiger ndcg@10 ${ndcg} vs popularity ${pop.metrics['ndcg@10']}`);
  assert.ok(run.result.history[run.result.history.length - 1].loss < run.result.history[0].loss);
  assert.equal(readManifest(join(work, 'tiger')).kind, 'tiger');
  // The saved directory reopens to the same recommendations.
  const reopened = await resolveScorer(join(work, 'tiger'), undefined, {});
  const again = await evaluate(reopened.scorer(sp), sp, 'test', { metrics: ['ndcg@10', 'recall@10'] });
  assert.equal(again.metrics['ndcg@10'], ndcg);
});

test('Gryphon resumed from its checkpoint ends with the weights and metrics of an uninterrupted run', async () => {
  const short = { ...trainConfig, epochs: 2 };
  const straight = await trainSidModel('gryphon', sp, work, { dir: sidsDir, table: sids.table }, model, short, { dir: join(work, 'g1'), quiet: true }, sidRun);
  const first = await trainSidModel(
    'gryphon',
    sp,
    work,
    { dir: sidsDir, table: sids.table },
    model,
    short,
    { dir: join(work, 'g2'), quiet: true, maxEpochsThisRun: 1 },
    sidRun,
  );
  assert.equal(first.result.stopped, 'max-epochs-this-run');
  const resumed = await trainSidModel(
    'gryphon',
    sp,
    work,
    { dir: sidsDir, table: sids.table },
    model,
    short,
    { dir: join(work, 'g2'), quiet: true, resume: true },
    sidRun,
  );
  assert.deepEqual(
    resumed.result.history.map((h) => h.loss),
    straight.result.history.map((h) => h.loss),
  );
  assert.deepEqual(resumed.test!.primary.metrics, straight.test!.primary.metrics);
  assert.deepEqual(resumed.test!.byBeam!.metrics, straight.test!.byBeam!.metrics);
  const a = straight.model.namedParameters();
  const b = resumed.model.namedParameters();
  for (let i = 0; i < a.length; i++) assert.deepEqual(a[i].tensor.f32, b[i].tensor.f32, a[i].name);
  const m = readManifest(join(work, 'g1'));
  assert.equal(m.kind, 'gryphon');
  assert.ok(m.sid && 'testByBeam' in m.sid);
});

test('Gryphon warm-started from a TIGER run: the generator starts from its weights, the item scorer fresh', async () => {
  const short = { ...trainConfig, epochs: 2 };
  const tigerDir = join(work, 'warm-tiger');
  const source = await trainSidModel('tiger', sp, work, { dir: sidsDir, table: sids.table }, model, short, { dir: tigerDir, quiet: true }, sidRun);
  loadCheckpoint(join(tigerDir, 'best.safetensors'), source.model.namedParameters());
  const g = createSidModel('gryphon', sp.numItems, sids.table, model, 77) as Gryphon;
  const m = initFromRun(g, tigerDir, work, sidsDir);
  assert.deepEqual(
    [...m.fresh].sort(),
    g.scorer
      .namedParameters()
      .map((p) => `scorer.${p.name}`)
      .sort(),
  );
  const want = new Map(source.model.namedParameters().map((p) => [`tiger.${p.name}`, p.tensor.f32]));
  assert.equal(m.loaded.length, want.size);
  for (const p of g.namedParameters()) if (want.has(p.name)) assert.deepEqual(p.tensor.f32, want.get(p.name), p.name);
  // So the generator starts from what the TIGER run learned: before any Gryphon step, its SID loss on training
  // sequences is the source's, well below that of a cold-started generator (same seed, no warm start).
  const probe = sidBatches(
    sidExamples(sp.train),
    { vocab: g.tiger.vocab, table: sids.table, itemTokens: g.tiger.vocab.itemTokens(sids.table), maxItems: 20 },
    256,
    new Rng(5),
  )[0];
  const sidLoss = (t: Tiger): number => noGrad(() => tidy(() => t.loss(probe, { training: false }).item()));
  const [warmSid, coldSid, sourceSid] = [
    sidLoss(g.tiger),
    sidLoss((createSidModel('gryphon', sp.numItems, sids.table, model, 77) as Gryphon).tiger),
    sidLoss(source.model as Tiger),
  ];
  assert.equal(warmSid, sourceSid);
  assert.ok(warmSid < coldSid - 0.5, `SID loss warm-started ${warmSid} vs cold ${coldSid}`);
  // Trained from there, its first epoch's loss is below a cold start's; run.json records the source.
  const cold = await trainSidModel(
    'gryphon',
    sp,
    work,
    { dir: sidsDir, table: sids.table },
    model,
    short,
    { dir: join(work, 'cold'), quiet: true, maxEpochsThisRun: 1 },
    sidRun,
  );
  const warm = await trainSidModel(
    'gryphon',
    sp,
    work,
    { dir: sidsDir, table: sids.table },
    model,
    short,
    { dir: join(work, 'warm'), quiet: true, maxEpochsThisRun: 1 },
    { ...sidRun, initFrom: tigerDir },
  );
  assert.ok(warm.result.history[0].loss < cold.result.history[0].loss, `warm ${warm.result.history[0].loss} vs cold ${cold.result.history[0].loss}`);
  assert.equal(JSON.parse(readFileSync(join(work, 'warm', 'run.json'), 'utf8')).model.initFrom, tigerDir);
  // Other SIDs: the code embeddings would mean other codes.
  const otherSids = join(work, 'sids-copy');
  cpSync(sidsDir, otherSids, { recursive: true });
  assert.throws(
    () => initFromRun(createSidModel('gryphon', sp.numItems, sids.table, model, 1), tigerDir, work, otherSids),
    (e: SidrecError) => /SIDs/.test(e.message) && e.location.field === 'model.sids',
  );
});

test('training steps do not grow live tensor memory', () => {
  const table = sids.table;
  const t2 = new Tiger({ ...model, codeSizes: SidVocabulary.codeSizesOf(table) }, 1);
  const ex = sidExamples(sp.train);
  const batches = sidBatches(ex, { vocab: t2.vocab, table, itemTokens: t2.vocab.itemTokens(table), maxItems: 20 }, 32, new Rng(1));
  const rng = new Rng(2);
  const step = (i: number): void => {
    tidy(() => {
      const l = t2.loss(batches[i], { training: true, rng });
      l.backward();
      return l.item();
    });
  };
  step(0);
  const before = memoryStats();
  for (let i = 1; i < 6; i++) step(i);
  assert.deepEqual(memoryStats().tensors, before.tensors);
});

test("uniform SID batches in length-sorted parts: the whole batch's gradient (TIGER and Gryphon losses), less padding", async () => {
  const { mulScalar } = await import('../../src/tensor/index.js');
  const { packSidBatch, sidParts, sidUniformBatches } = await import('../../src/train/tiger-batches.js');
  const g = createSidModel('gryphon', sp.numItems, sids.table, { ...model, dropout: 0 }, 5) as Gryphon;
  const ex = sidExamples(sp.train);
  const ctx = { vocab: g.tiger.vocab, table: sids.table, itemTokens: g.tiger.vocab.itemTokens(sids.table), maxItems: 20 };
  const batches = sidUniformBatches(ex, 96, new Rng(2));
  assert.equal(
    batches.reduce((s, b) => s + b.length, 0),
    ex.seq.length,
    'every example once per epoch',
  );
  const rows = batches[0];
  const parts = sidParts(ex, ctx, rows, 1.5, 8);
  assert.ok(parts.length >= 2, 'split by history length');
  assert.ok(Math.abs(parts.reduce((s, [, w]) => s + w, 0) - 1) < 1e-12);
  const whole = packSidBatch(ex, ctx, Array.from(rows));
  const tokens = (b: typeof whole): number => b.encoder.ids.length;
  assert.ok(parts.reduce((s, [p]) => s + tokens(p), 0) < tokens(whole), 'less padding');
  const params = g.namedParameters();
  const gradients = (run: () => void): Float32Array[] => {
    for (const p of params) p.tensor.grad?.fill(0);
    run();
    return params.map((p) => Float32Array.from(p.tensor.grad ?? new Float32Array(p.tensor.size)));
  };
  const a = gradients(() => tidy(() => g.loss(whole, { training: false }).backward()));
  const b = gradients(() => {
    for (const [part, w] of parts) tidy(() => mulScalar(g.loss(part, { training: false }), w).backward());
  });
  let largest = 0;
  a.forEach((v, i) => v.forEach((x, j) => (largest = Math.max(largest, Math.abs(x - b[i][j])))));
  assert.ok(largest < 1e-5, `gradients differ by ${largest}`);
});
