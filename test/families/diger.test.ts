import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { generateSynthetic, saveDataset, split, syntheticDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/index.js';
import { datasetFeatures, parseFeatureSpec } from '../../src/features/dataset.js';
import { hotRows, levelNoise, nearestCodes, uncertaintyWeighted, updateUsage, DEFAULT_DECAY } from '../../src/families/diger/decay.js';
import { Diger, encodeLatents } from '../../src/families/diger/model.js';
import { EPOCH_SIDS_FILE, epochSids, forgetEpochSids } from '../../src/families/diger/epoch-sids.js';
import { batchItems, recommendationLossIntoCodes } from '../../src/families/diger/e2e.js';
import { familyOf } from '../../src/families/index.js';
import { popularityScorer } from '../../src/model/baselines.js';
import { readServingItems } from '../../src/model/bundle.js';
import { readManifest } from '../../src/model/manifest.js';
import { Tiger } from '../../src/model/tiger.js';
import {
  add,
  crossEntropy,
  intTensor,
  linear,
  loadSafetensors,
  logSoftmax,
  mulScalar,
  reshape,
  saveSafetensors,
  scalar,
  slice,
  tensor,
  parameter,
  tidy,
  type Tensor,
} from '../../src/tensor/index.js';
import { LATENTS_FILE } from '../../src/families/diger/pretrained.js';
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
test('DIGER with the tokenizer frozen (static) is TIGER on the pre-trained SIDs: same loss, nothing reaches the tokenizer', () => {
  const net = rqvae().network;
  const diger = new Diger(tigerConfig, net, encodeLatents(net, features), options('static'), 7);
  const tiger = new Tiger({ ...tigerConfig, codeSizes: diger.tiger.config.codeSizes }, 99);
  const own = new Map(diger.tiger.namedParameters().map((p) => [p.name, p.tensor]));
  for (const p of tiger.namedParameters()) p.tensor.f32.set((own.get(p.name) as typeof p.tensor).f32);
  const ctx = { training: true, rng: new Rng(3) };
  const batch = packSidBatch(examples, { vocab: tiger.vocab, table: diger.table, itemTokens: tiger.vocab.itemTokens(diger.table), maxItems: 10 }, rows);
  const a = tidy(() => {
    const l = diger.loss(batch, { ...ctx, rng: new Rng(3) });
    l.backward();
    return l.item();
  });
  const b = tidy(() => tiger.loss(batch, { ...ctx, rng: new Rng(3) }).item());
  assert.equal(a, b);
  for (const p of diger.tokenizer.namedParameters()) assert.equal(p.tensor.grad, null, `static: no gradient reaches ${p.name}`);
  assert.ok(
    diger.namedParameters().every((p) => !p.name.startsWith('tokenizer.') || p.lrScale === 0),
    'static: the tokenizer is frozen',
  );
});

test("DIGER straight-through codes: the codebook gradient is the hard rows plus the soft assignment's, by its definition", async () => {
  const { quantizeWithNoise } = await import('../../src/families/diger/quantize.js');
  const one = RqVaeTokenizer.fit(
    resolveTokenizerConfig({ kind: 'rqvae', levels: 1, codebookSize: 5, latentDim: 3, hidden: [8], epochs: 2, batchSize: 64, seed: 2 }) as never,
    features.data,
    features.count,
    features.dim,
  ).network;
  const U = 6;
  const L = 3;
  const K = 5;
  const tau = 2;
  const rng = new Rng(9);
  const z = Float32Array.from({ length: U * L }, () => 0.5 * rng.normal());
  const C = one.codebooks[0].f32;
  const out = tidy(() => {
    const q = quantizeWithNoise(one, z, U, () => ({ tau, noiseScale: 0 }), new Rng(1));
    q.loss.backward();
    return q.codes;
  });
  const got = one.codebooks[0].grad as Float32Array;
  // By hand: logits 2 z.c - |c|^2, soft = softmax(logits / tau), forward e = C[argmax]; the loss (e - z)^2 twice
  // (reconstruction and codebook term; the commitment term has no gradient: z is constant) gives w = dL/de.
  const want = new Float64Array(K * L);
  for (let i = 0; i < U; i++) {
    const lg = Array.from({ length: K }, (_, k) => {
      let d = 0;
      let n = 0;
      for (let j = 0; j < L; j++) {
        d += z[i * L + j] * C[k * L + j];
        n += C[k * L + j] ** 2;
      }
      return 2 * d - n;
    });
    const c = lg.indexOf(Math.max(...lg));
    assert.equal(out[i], c, 'forward: the nearest code');
    const m = Math.max(...lg);
    const ex = lg.map((v) => Math.exp((v - m) / tau));
    const soft = ex.map((v) => v / ex.reduce((x, y) => x + y, 0));
    const w = Array.from({ length: L }, (_, j) => (4 * (C[c * L + j] - z[i * L + j])) / (U * L));
    for (let j = 0; j < L; j++) want[c * L + j] += w[j]; // e = onehot @ C: the chosen row
    const dh = Array.from({ length: K }, (_, k) => w.reduce((acc, wj, j) => acc + wj * C[k * L + j], 0));
    const dot = soft.reduce((acc, p, k) => acc + p * dh[k], 0);
    for (let k = 0; k < K; k++) {
      const dlg = (soft[k] * (dh[k] - dot)) / tau; // through the soft softmax
      for (let j = 0; j < L; j++) want[k * L + j] += dlg * (2 * z[i * L + j] - 2 * C[k * L + j]);
    }
  }
  const scale = Math.max(...Array.from(want, Math.abs));
  want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-5 * scale + 1e-7, `codebook grad [${i}]: ${got[i]} vs ${v}`));
});

test('DIGER frequency decay: noise only on items whose first code is used above hotRatio x uniform; the usage EMA moves by 1 - momentum', () => {
  const K = 4;
  const usage = new Float32Array(K).fill(1 / K);
  const cold = hotRows(Int32Array.of(0, 1, 2, 3), usage, 1.5);
  assert.deepEqual(Array.from(cold), [0, 0, 0, 0], 'uniform use: nothing is hot');
  // Every one of 10 rows is nearest to code 2: its share is 1, the others' 0.
  updateUsage(usage, new Int32Array(10).fill(2), 0.9);
  assert.ok(Math.abs(usage[2] - (0.9 * 0.25 + 0.1)) < 1e-7 && Math.abs(usage[0] - 0.9 * 0.25) < 1e-7);
  for (let i = 0; i < 5; i++) updateUsage(usage, new Int32Array(10).fill(2), 0.9);
  const hot = hotRows(Int32Array.of(2, 0, 2), usage, 1.5);
  assert.deepEqual(Array.from(hot), [1, 0, 1]);
  const noise = levelNoise({ ...DEFAULT_DECAY, mode: 'frequency', noiseScale: 0.7 }, 0, hot, K).noise as Float32Array;
  assert.deepEqual(
    Array.from(noise),
    [...new Array(4).fill(Math.fround(0.7)), 0, 0, 0, 0, ...new Array(4).fill(Math.fround(0.7))],
    "noise on the hot items' rows only",
  );
  assert.deepEqual(Array.from(nearestCodes(Float32Array.of(0, 3, 1, 5, 2, 2), 2, 3)), [1, 0]);
  assert.equal(levelNoise({ ...DEFAULT_DECAY, mode: 'gumbel', noiseScale: 0.3 }, 5).noiseScale, 0.3);
  assert.equal(levelNoise({ ...DEFAULT_DECAY, mode: 'static' }, 5).noiseScale, 0);
  assert.equal(levelNoise({ ...DEFAULT_DECAY, mode: 'std' }, -0.42).noiseScale, 0.42);
});

test("DIGER frequency decay over a step in parts: each part advances the usage EMA by its share, so the step moves it as one batch's update", () => {
  const net = rqvae().network;
  const usageAfter = (parts: readonly (readonly number[])[], scaled: boolean): Float32Array => {
    const diger = new Diger(
      tigerConfig,
      net,
      encodeLatents(net, features),
      { ...options('frequency'), tokenizerWeight: 1, decay: { ...DEFAULT_DECAY, mode: 'frequency', noiseScale: 1 } },
      7,
    );
    const ctx = { vocab: diger.tiger.vocab, table: diger.table, itemTokens: diger.tiger.vocab.itemTokens(diger.table), maxItems: 10 };
    for (const part of parts) {
      const share = part.length / 24;
      tidy(() => diger.loss(packSidBatch(examples, ctx, part), { training: true, rng: new Rng(3), ...(scaled && share !== 1 ? { share } : {}) }).item());
    }
    return diger.usage[0].f32.slice();
  };
  // 24 examples of distinct targets (the EMA counts a batch's distinct targets): the whole step's shares are the
  // mean of its halves', which differ from each other.
  const seen = new Set<number>();
  const distinct: number[] = [];
  for (let e = 0; e < examples.seq.length && distinct.length < 24; e += 7) {
    const target = examples.sequences[examples.seq[e]].items[examples.pos[e]];
    if (!seen.has(target)) distinct.push(e);
    seen.add(target);
  }
  const whole = usageAfter([distinct], true);
  const halves = [distinct.slice(0, 12), distinct.slice(12)];
  const gap = (u: Float32Array) => Math.max(...Array.from(u, (v, k) => Math.abs(v - whole[k])));
  const moved = Math.max(...Array.from(whole, (v) => Math.abs(v - 1 / 8))); // the paper's momentum, .99
  assert.ok(moved > 0.001, `one step moves the EMA (${moved})`);
  const scaled = gap(usageAfter(halves, true));
  const unscaled = gap(usageAfter(halves, false));
  assert.ok(scaled < 0.1 * moved, `in parts with shares: within ${scaled} of the whole step (it moved ${moved})`);
  assert.ok(unscaled > 0.5 * moved, `without shares two parts move it about twice as far (${unscaled})`);
});

test('DIGER std decay starts its noise scale at --sigma-init (1, the paper, when not given)', () => {
  const tokenizer = rqvae().network;
  const paper = new Diger(tigerConfig, tokenizer, encodeLatents(tokenizer, features), options('std'), 7);
  assert.equal(paper.sigma.f32[0], 1);
  const small = new Diger(tigerConfig, tokenizer, encodeLatents(tokenizer, features), { ...options('std'), sigmaInit: 0.25 }, 7);
  assert.equal(small.sigma.f32[0], 0.25);
  assert.equal(levelNoise(small.options.decay, small.sigma.f32[0]).noiseScale, 0.25, "std's noise is |sigma|");
});

test('DIGER std decay: d/dsigma of L/(2(|sigma|+lambda)^2) + log(|sigma|+lambda) is sign(sigma) (1/s - L/s^3), so |sigma| falls once L < s^2', () => {
  for (const [L, sigma0] of [
    [1.2, 1],
    [9, 0.5],
    [1.2, -0.3],
  ]) {
    const sigma = parameter([1], Float32Array.of(sigma0));
    const loss = scalar(L);
    const out = tidy(() => {
      const o = uncertaintyWeighted(tensor(loss.f32, []), sigma, 1.7);
      o.backward();
      return o.item();
    });
    const s = Math.abs(sigma0) + 1.7;
    const sign = Math.sign(sigma0);
    assert.ok(Math.abs(out - (L / (2 * s * s) + Math.log(s))) < 1e-5);
    const g = (sigma.grad as Float32Array)[0];
    assert.ok(Math.abs(g - sign * (1 / s - L / s ** 3)) < 1e-5, `gradient ${g}`);
    assert.equal(sign * g > 0, L < s * s, 'gradient descent shrinks |sigma| exactly when the loss is below (|sigma| + lambda)^2');
  }
});

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
  'tokenizer-lr': 0.0005,
  'valid-users': 0,
  'valid-beam': 10,
  'test-beam': 10,
};

/**
 * The codes stay spread over the codebook at every level: at least 3/4 of them in use and a perplexity of at least a
 * third of the codebook (a collapse leaves a handful of codes). A line at 15 of 16 codes failed on an AVX2 machine,
 * whose OpenBLAS kernels round differently, with 14 of 16 in use at a perplexity of 9.4: spread, not collapsed.
 */
function assertNoCollapse(valid: Readonly<Record<string, number>>, levels: number, codebookSize: number): void {
  for (let level = 0; level < levels; level++) {
    const used = valid[`codes-used@${level}`];
    const perplexity = valid[`perplexity@${level}`];
    assert.ok(used >= 0.75 && perplexity >= codebookSize / 3, `codes collapsed at level ${level}: ${JSON.stringify(valid)}`);
  }
}

test('DIGER trains through the family table; the frozen SIDs are an ordinary SID directory; reopened, the same metrics', async () => {
  const dir = join(work, 'model');
  const train = { ...DEFAULT_TRAIN_CONFIG, epochs: 4, batchSize: 64, lr: 0.005, warmupSteps: 10 };
  const run = { dir, quiet: true };
  const plan = await familyOf('diger').plan({ dataset, split: sp, dataDir, train, run }, flags);
  const { result, finished } = await runTraining(plan, train, run);
  const last = result.history[result.history.length - 1];
  assert.ok(last.loss < result.history[0].loss, 'the joint loss falls');
  for (const key of ['codes-used@0', 'perplexity@1', 'sids-changed']) assert.ok(key in last.valid, `validation records ${key}`);
  assertNoCollapse(last.valid, flags.levels, flags['sid-codebook-size']);
  const pop = (await evaluate(popularityScorer(sp), sp, 'test')).metrics['ndcg@10'];
  assert.ok(finished!.test.metrics['ndcg@10'] > pop, `diger ${finished!.test.metrics['ndcg@10']} vs popularity ${pop}`);
  const manifest = readManifest(dir);
  assert.equal(manifest.kind, 'diger');
  assert.ok(existsSync(join(dir, 'sids-initial', 'sids.json')) && existsSync(join(dir, 'sids', 'sids.json')));
  const changed = readFileSync(join(dir, 'sids-changed.tsv'), 'utf8').trim().split('\n');
  assert.equal(changed[0], 'id\tbefore\tafter');
  const recorded = (readManifest(dir) as unknown as { diger: { sidsChanged: number } }).diger.sidsChanged;
  assert.equal(changed.length - 1, Math.round(recorded * dataset.numItems), 'one line per moved item');
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
  assert.equal(rec.kind, 'diger');
  const out = rec.recommend([{ history: [3, 10], k: 5, exclude: new Set<number>() }]);
  assert.equal(out[0].length, 5);
  // Exported as TIGER's encoder and decoder step on the frozen SIDs, checked against this recommender.
  const exportDir = join(work, 'onnx');
  const items = readServingItems(dir, manifest);
  const exported = await familyOf('diger').export!(dir, manifest, { items, log: () => {} }, exportDir);
  assert.equal(exported.check.top10Agreement, 1);
  const description = JSON.parse(readFileSync(join(exportDir, 'export.json'), 'utf8'));
  assert.equal(description.kind, 'diger');
  assert.equal(description.tiger.digits, frozen.table.digits);
});

test("a DIGER run paused mid-way evaluates and recommends from its best epoch's codebooks, as its own validation read them", async () => {
  const dir = join(work, 'paused');
  const train = { ...DEFAULT_TRAIN_CONFIG, epochs: 4, batchSize: 64, lr: 0.005, warmupSteps: 10 };
  const run = { dir, quiet: true, maxEpochsThisRun: 2 };
  const plan = await familyOf('diger').plan({ dataset, split: sp, dataDir, train, run }, flags);
  const { result } = await runTraining(plan, train, run);
  assert.equal(result.stopped, 'max-epochs-this-run');
  assert.ok(
    result.history.some((e) => e.valid['sids-changed'] > 0),
    'the SIDs moved, so the initial table would not do',
  );
  const manifest = readManifest(dir);
  assert.equal(manifest.inProgress, true);
  const best = Math.max(...result.history.map((e) => e.valid['ndcg@10']));
  const scorer = familyOf('diger').scorer(dir, manifest, { beam: 10 });
  const valid = (await evaluate(scorer.scorer(sp), sp, 'valid')).metrics['ndcg@10'];
  assert.ok(Math.abs(valid - best) < 1e-12, `in progress ${valid}, the run's best validation ${best}`);
  const rec = familyOf('diger').recommender(dir, manifest, { items: { ids: dataset.itemIds } as never, log: () => {} }, {});
  assert.equal(rec.recommend([{ history: [3, 10], k: 5, exclude: new Set<number>() }])[0].length, 5);
  // The run kept its item latents from its start; they are read back (checked), not recomputed from features.
  const latentsPath = join(dir, LATENTS_FILE);
  const stored = loadSafetensors(latentsPath);
  saveSafetensors(latentsPath, stored.tensors, { sids: 'another-sid-directory' });
  assert.throws(() => familyOf('diger').scorer(dir, manifest, {}), /latents were made for SID directory another-sid-directory/);
  const shifted = new Map(stored.tensors);
  const data = (stored.tensors.get('latents')!.data as Float32Array).map((x, i) => (i % 7 === 0 ? x + 1 : x));
  shifted.set('latents', { ...stored.tensors.get('latents')!, data });
  saveSafetensors(latentsPath, shifted, stored.metadata);
  assert.throws(() => familyOf('diger').scorer(dir, manifest, {}), /the stored latents do not give item \d+ its pre-trained SID/);
});

function baseCodes(table: { count: number; digits: number; shape: { baseDigits: number }; codesOf(i: number): Int32Array }): number[] {
  const out: number[] = [];
  for (let i = 0; i < table.count; i++) out.push(...Array.from(table.codesOf(i).subarray(0, table.shape.baseDigits)));
  return out;
}

test('DIGER noise check: the nearest-vs-second gap per level, and how many codes a noise scale changes (none at 0, about half of 2 at a huge one)', async () => {
  const { noiseReport } = await import('../../src/families/diger/noise-check.js');
  // 1-d latents at .1 and .9 over codes {0, 1}: both gaps .8; residuals .1 and -.1 over {0, .1}: gaps .01 and .03.
  const latents = Float32Array.of(0.1, 0.9);
  const codebooks = [Float32Array.of(0, 1), Float32Array.of(0, 0.1)];
  const [first, second] = noiseReport(latents, 2, codebooks, [0, 1e4], 3);
  assert.ok(Math.abs(first.gapMedian - 0.8) < 1e-6 && Math.abs(first.energy - 0.41) < 1e-6, JSON.stringify(first));
  assert.equal(first.changed[0], 0);
  assert.ok(Math.abs(second.gapP10 - 0.01) < 1e-6 && Math.abs(second.gapMedian - 0.03) < 1e-6, JSON.stringify(second));
  const many = noiseReport(
    Float32Array.from({ length: 400 }, (_, i) => (i % 2 ? 0.9 : 0.1)),
    400,
    codebooks,
    [1e4],
  );
  assert.ok(many[0].changed[0] > 0.35 && many[0].changed[0] < 0.65, `a huge scale picks either code: ${many[0].changed[0]}`);
});

test("an epoch's SIDs are kept for it: read back for the same epoch, recomputed for the next, a damaged file refused by name", () => {
  const net = rqvae().network;
  const diger = new Diger(tigerConfig, net, encodeLatents(net, features), options('frequency'), 7);
  const dir = mkdtempSync(join(tmpdir(), 'sidrec-epoch-sids-'));
  const codes = (t: { codesOf(i: number): ArrayLike<number> }) => Array.from({ length: features.count }, (_, i) => Array.from(t.codesOf(i)));
  const first = codes(epochSids(dir, 1, diger));
  // The codebooks move: the same epoch reads the kept SIDs, the next epoch the moved codebooks' own.
  for (const p of diger.tokenizer.namedParameters()) if (p.name.startsWith('codebook.')) p.tensor.f32.reverse();
  assert.deepEqual(codes(epochSids(dir, 1, diger)), first, 'epoch 1 again: the SIDs kept at its start');
  assert.deepEqual(codes(diger.table), first, 'and they are the current table');
  const moved = codes(epochSids(dir, 2, diger));
  assert.notDeepEqual(moved, first, 'epoch 2: the codebooks as they are now');
  assert.deepEqual(moved, codes(diger.refreshTable()));
  const path = join(dir, EPOCH_SIDS_FILE);
  saveSafetensors(path, new Map([['codes', { dtype: 'I32', shape: [3, 2], data: new Int32Array(6) }]]), { epoch: '2' });
  assert.throws(
    () => epochSids(dir, 2, diger),
    (e: Error) => e.message.includes(path) && /expected int32 codes of shape \[150,2\] for epoch 2/.test(e.message),
  );
  forgetEpochSids(dir);
  assert.ok(!existsSync(path), 'a fresh run starts without them');
});

test('--sid-gradient recommendation: the forward pass is TIGER on the epoch SIDs; the gradient into each soft assignment is its definition', () => {
  const net = rqvae().network;
  const opts = { ...options('gumbel'), tokenizerWeight: 0 };
  const into = new Diger(tigerConfig, net, encodeLatents(net, features), { ...opts, sidGradient: 'recommendation' }, 7);
  const vocab = into.tiger.vocab;
  const batch = packSidBatch(examples, { vocab, table: into.table, itemTokens: vocab.itemTokens(into.table), maxItems: 10 }, rows);
  const ctx = () => ({ training: true, rng: new Rng(3) });
  const codebookGrads = (d: Diger) =>
    d.tokenizer
      .namedParameters()
      .filter((p) => p.name.startsWith('codebook.'))
      .map((p) => p.tensor.grad);
  const withCodes = tidy(() => {
    const l = into.loss(batch, ctx());
    l.backward();
    return l.item();
  });
  assert.equal(
    withCodes,
    tidy(() => into.tiger.loss(batch, ctx()).item()),
    "the value of TIGER's loss on the cached SIDs, to the bit",
  );
  for (const g of codebookGrads(into))
    assert.ok(
      g?.some((v) => v !== 0),
      'the recommendation loss alone reaches every codebook level',
    );
  for (const p of net.namedParameters()) p.tensor.grad = null; // the two share the tokenizer
  const none = new Diger(tigerConfig, net, encodeLatents(net, features), { ...opts, sidGradient: 'none' }, 7);
  tidy(() => none.loss(batch, ctx()).backward());
  for (const g of codebookGrads(none)) assert.ok(!g || g.every((v) => v === 0), 'without it, nothing reaches them');

  // The gradient into the soft assignments (leaves here), against its definition from TIGER's input gradients: for
  // item u's digit l, the sum over the positions that embed it (encoder and teacher-forced decoder) of
  // dL/d(embedding) . E[token(l, k)], plus the label path's -log p_k / (B * digits) for each row it is the target of.
  const tiger = into.tiger;
  const items = batchItems(batch);
  const U = items.length;
  const K = 8;
  const levels = 2;
  const m = vocab.digits;
  const B = batch.size;
  const soft = Array.from({ length: levels }, () => parameter([U, K], new Float32Array(U * K).fill(1 / K)));
  tidy(() => recommendationLossIntoCodes(tiger, into.table, batch, items, soft, { training: false }).backward());
  const E = tiger.tokens.table.f32;
  const D = tiger.config.dim;
  const encIn = parameter(
    [batch.encoder.size, batch.encoder.length, D],
    tiger.tokens.forward(intTensor(batch.encoder.ids, [batch.size, batch.encoder.length])).f32.slice(),
  );
  const decIn = parameter([B, m, D], tiger.tokens.forward(intTensor(batch.decoderInput, [B, m])).f32.slice());
  const negLogP: Float32Array[] = [];
  tidy(() => {
    const { memory, padding } = tiger.encodeEmbedded(encIn, batch.encoder, { training: false });
    const h = tiger.decodeEmbedded(memory, padding, decIn, 1, { training: false });
    let total: Tensor | null = null;
    for (let d = 0; d < m; d++) {
      const hd = reshape(slice(h, 1, d, d + 1), [B, D]);
      const head = tiger.head(d);
      const logits = linear(hd, head.weight, head.bias);
      negLogP.push(logSoftmax(logits).f32.map((v) => -v));
      const targets = Int32Array.from({ length: B }, (_, r) => batch.targetCodes[r * m + d]);
      const l = crossEntropy(logits, intTensor(targets, [B]));
      total = total ? add(total, l) : l;
    }
    mulScalar(total as Tensor, 1 / m).backward();
  });
  const where = new Map(Array.from(items, (item, u) => [item, u]));
  const expected = Array.from({ length: levels }, () => new Float64Array(U * K));
  const addEmbeddingGrad = (g: Float32Array, at: number, u: number, l: number) => {
    for (let k = 0; k < K; k++) {
      const token = vocab.token(l, k);
      let dot = 0;
      for (let j = 0; j < D; j++) dot += g[at * D + j] * E[token * D + j];
      expected[l][u * K + k] += dot;
    }
  };
  const T = batch.encoder.length;
  (batch.histories as Int32Array[]).forEach((h, r) => {
    const recent = h.subarray(Math.max(0, h.length - 10));
    recent.forEach((item, p) => {
      for (let l = 0; l < levels; l++) addEmbeddingGrad(encIn.grad as Float32Array, r * T + 1 + p * m + l, where.get(item) as number, l);
    });
  });
  for (let r = 0; r < B; r++) {
    const u = where.get(batch.targetItems[r]) as number;
    for (let l = 0; l < levels; l++) {
      addEmbeddingGrad(decIn.grad as Float32Array, r * m + 1 + l, u, l);
      for (let k = 0; k < K; k++) expected[l][u * K + k] += negLogP[l][r * K + k] / (B * m);
    }
  }
  for (let l = 0; l < levels; l++) {
    const got = soft[l].grad as Float32Array;
    const scale = Math.max(...expected[l].map(Math.abs));
    const worst = Math.max(...Array.from(got, (v, i) => Math.abs(v - expected[l][i])));
    assert.ok(scale > 0 && worst <= 1e-4 * scale, `level ${l}: worst difference ${worst} of ${scale}`);
  }
});

test('DIGER with --sid-gradient recommendation trains through the family table: codes stay in use, SIDs move, above popularity', async () => {
  const dir = join(work, 'into-codes');
  const train = { ...DEFAULT_TRAIN_CONFIG, epochs: 4, batchSize: 64, lr: 0.005, warmupSteps: 10 };
  const run = { dir, quiet: true };
  const plan = await familyOf('diger').plan({ dataset, split: sp, dataDir, train, run }, { ...flags, 'sid-gradient': 'recommendation' });
  const { result, finished } = await runTraining(plan, train, run);
  const last = result.history[result.history.length - 1];
  assertNoCollapse(last.valid, flags.levels, flags['sid-codebook-size']);
  assert.ok(
    result.history.some((e) => e.valid['sids-changed'] > 0),
    'the SIDs moved',
  );
  const pop = (await evaluate(popularityScorer(sp), sp, 'test')).metrics['ndcg@10'];
  assert.ok(finished!.test.metrics['ndcg@10'] > pop, `diger ${finished!.test.metrics['ndcg@10']} vs popularity ${pop}`);
  assert.equal((readManifest(dir).modelConfig as { diger: { sidGradient: string } }).diger.sidGradient, 'recommendation');
});

test("DIGER --batching uniform: each epoch draws every example once, in parts coded with that epoch's SIDs; recorded, and a resume with the other draw refused", async () => {
  const dir = join(work, 'uniform');
  const train = { ...DEFAULT_TRAIN_CONFIG, epochs: 2, batchSize: 64, lr: 0.005, warmupSteps: 10 };
  const run = { dir, quiet: true };
  const plan = await familyOf('diger').plan({ dataset, split: sp, dataDir, train, run }, { ...flags, batching: 'uniform' });
  const draw = plan.hooks.batches(1, new Rng(4)) as Int32Array[];
  const drawn = draw.flatMap((b) => Array.from(b)).sort((a, b) => a - b);
  assert.deepEqual(
    drawn,
    Array.from({ length: examples.seq.length }, (_, i) => i),
    'every example once',
  );
  const table = epochSids(dir, 1, plan.model as Diger);
  const parts = plan.hooks.parts!(draw[0]);
  assert.ok(Math.abs(parts.reduce((sum, [, w]) => sum + w, 0) - 1) < 1e-12, 'the parts weigh the whole batch');
  for (const [part] of parts)
    for (let r = 0; r < part.size; r++) {
      const codes = table.codesOf(part.targetItems[r]);
      for (let d = 0; d < table.digits; d++) assert.equal(part.targetCodes[r * table.digits + d], codes[d], "the epoch's SIDs");
    }
  const { finished } = await runTraining(plan, train, run);
  const pop = (await evaluate(popularityScorer(sp), sp, 'test')).metrics['ndcg@10'];
  assert.ok(finished!.test.metrics['ndcg@10'] > pop, `diger ${finished!.test.metrics['ndcg@10']} vs popularity ${pop}`);
  assert.equal(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).model.batching, 'uniform');
  const bucketed = { ...flags, batching: 'length-bucketed' };
  const resumed = await familyOf('diger').plan({ dataset, split: sp, dataDir, train: { ...train, epochs: 3 }, run: { ...run, resume: true } }, bucketed);
  await assert.rejects(runTraining(resumed, { ...train, epochs: 3 }, { ...run, resume: true }), /model\.batching "length-bucketed" \(the run has "uniform"\)/);
  // A run from before the draw was recorded trained length-bucketed: resumed so, it goes on; with the new default, refused.
  const settings = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
  delete settings.model.batching;
  writeFileSync(join(dir, 'run.json'), JSON.stringify(settings));
  const asNow = await familyOf('diger').plan({ dataset, split: sp, dataDir, train: { ...train, epochs: 3 }, run: { ...run, resume: true } }, flags);
  await assert.rejects(
    runTraining(asNow, { ...train, epochs: 3 }, { ...run, resume: true }),
    /model\.batching "uniform" \(the run has "length-bucketed", from before the setting was recorded\)/,
  );
  const asBefore = await familyOf('diger').plan({ dataset, split: sp, dataDir, train: { ...train, epochs: 3 }, run: { ...run, resume: true } }, bucketed);
  const { result } = await runTraining(asBefore, { ...train, epochs: 3 }, { ...run, resume: true });
  assert.equal(result.history.length, 3, 'resumed to the third epoch');
});
