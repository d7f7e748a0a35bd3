import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic, saveDataset, split, syntheticDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/index.js';
import { familyOf } from '../../src/families/index.js';
import { fitBigram, popularityScorer } from '../../src/model/baselines.js';
import type { LeaveOneOutSplit } from '../../src/data/split.js';
import { readManifest } from '../../src/model/manifest.js';
import { readServingItems } from '../../src/model/bundle.js';
import type { TransitionPrior } from '../../src/model/transitions.js';
import { buildServer } from '../../src/serve/app.js';
import { DEFAULT_TRAIN_CONFIG } from '../../src/train/config.js';
import { runTraining } from '../../src/train/run.js';
import { Rng } from '../../src/core/rng.js';
import { countFeatures, transitionCount } from '../../src/model/count-features.js';
import { RANK_COUNTS_FILE, windowTransitions } from '../../src/families/grank/counts.js';
import { GRank } from '../../src/families/grank/model.js';
import {
  chooseRankerWeight,
  exactIndex,
  generateRank,
  RANKER_WEIGHTS,
  RankerBlend,
  rankerWeightsOf,
  STANDALONE_RANKER_WEIGHTS,
} from '../../src/families/grank/rank.js';
import { openGRankModel } from '../../src/families/grank/recommender.js';
import { noGrad, tidy } from '../../src/tensor/index.js';

const work = mkdtempSync(join(tmpdir(), 'sidrec-grank-'));
const dataDir = join(work, 'data');
const dataset = syntheticDataset(generateSynthetic({ numUsers: 500, numItems: 200, numTopics: 8, seed: 3 }));
saveDataset(dataDir, dataset);
const sp = split(dataset, { historyCap: 20 });
const dir = join(work, 'model');
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
// Small and quick: 4 x 16 OPQ codes on the synthetic attributes (they carry the topics).
const flags = { dim: 32, heads: 2, 'max-len': 20, 'sid-features': 'attributes', digits: 4, 'sid-codebook-size': 16, candidates: 50 };

test('GRank trains through the family table: generator and generator + ranker well above popularity; reopened, the same metrics', async () => {
  const train = { ...DEFAULT_TRAIN_CONFIG, epochs: 6, batchSize: 64, lr: 0.005, warmupSteps: 10 };
  const run = { dir, quiet: true };
  const plan = await familyOf('grank').plan({ dataset, split: sp, dataDir, train, run }, flags);
  const { result, finished } = await runTraining(plan, train, run);
  assert.ok(result.history[result.history.length - 1].loss < result.history[0].loss, 'the joint loss falls');
  const pop = (await evaluate(popularityScorer(sp), sp, 'test')).metrics['ndcg@10'];
  const [ranked, generator] = finished!.tables.map((t) => t.result.metrics['ndcg@10']);
  assert.ok(ranked > 1.5 * pop && generator > 1.5 * pop, `grank ${ranked} (generator ${generator}) vs popularity ${pop}`);
  const manifest = readManifest(dir);
  assert.equal(manifest.kind, 'grank');
  const reopened = familyOf('grank').scorer(dir, manifest, {});
  assert.deepEqual((await evaluate(reopened.scorer(sp), sp, 'test')).metrics, finished!.test.metrics);
  const alone = familyOf('grank').scorer(dir, manifest, { ranking: 'generator' });
  assert.equal((await evaluate(alone.scorer(sp), sp, 'test')).metrics['ndcg@10'], generator);
});

test("GRank's ranker weight: the run records the validation's best of RANKER_WEIGHTS; the one-pass blend ranks as generateRank does at each weight; 0 is the generator alone", async () => {
  const manifest = readManifest(dir);
  const recorded = (manifest as unknown as { grank: { rankerWeight: number } }).grank.rankerWeight;
  const model = openGRankModel(dir, manifest);
  const chosen = await chooseRankerWeight(model, sp, 'valid', 50, 'ndcg@10');
  assert.equal(chosen.weight, recorded, 'the recorded weight is the best on validation');
  const best = Math.max(...chosen.tried.map((t) => t.result.metrics['ndcg@10']));
  assert.equal(chosen.result.metrics['ndcg@10'], best);
  assert.equal(chosen.weight, chosen.tried.find((t) => t.result.metrics['ndcg@10'] === best)!.weight, 'ties go to the smaller weight');
  const blend = new RankerBlend(model, 50);
  const queries = sp.valid.slice(0, 40).map(({ user, history }) => ({ user, history }));
  const index = exactIndex(model);
  for (const weight of RANKER_WEIGHTS) {
    const scorer = blend.scorer(weight);
    if (scorer.kind !== 'topk') throw new Error('the blend ranks top-k lists');
    const blended = await scorer.topK(queries, 10);
    const direct = generateRank(
      model,
      index,
      queries.map((q) => q.history),
      10,
      50,
      weight > 0,
      [],
      weight,
    );
    queries.forEach((_, r) => assert.deepEqual(Array.from(blended[r]), Array.from(direct[r].items), `weight ${weight}, query ${r}`));
  }
  const withRanker = await evaluate(familyOf('grank').scorer(dir, manifest, { 'ranker-weight': 1 }).scorer(sp), sp, 'valid');
  assert.equal(
    withRanker.metrics['ndcg@10'],
    chosen.tried.find((t) => t.weight === 1)!.result.metrics['ndcg@10'],
    '--ranker-weight overrides the recorded one',
  );
});

test('GRank serves: a new item given its SID is retrievable in the next request; the CLI evaluates and recommends', async () => {
  const app = await buildServer({ modelDir: dir, allowLocalWrites: true });
  const info = (await app.inject({ method: 'GET', url: '/v1/model' })).json();
  assert.equal(info.kind, 'grank');
  assert.equal(info.canAddItems, true);
  const history = [dataset.itemIds[3], dataset.itemIds[10]];
  const before = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history, k: 5 } })).json();
  assert.equal(before.items.length, 5);
  // A twin of the top item: the same SID (its codes), no id embedding yet; the generator reaches it from its codes.
  const added = await app.inject({ method: 'POST', url: '/v1/items', payload: { items: [{ id: 'twin', title: 'twin', sid: before.items[0].sid }] } });
  assert.equal(added.statusCode, 201, added.body);
  const after = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history, k: 100 } })).json();
  assert.ok(
    after.items.some((r: { id: string }) => r.id === 'twin'),
    'the new item is among the top 100 of 201',
  );
  await app.close();

  const evaluated = spawnSync(process.execPath, [cli, 'evaluate', '--model', dir, '--ranking', 'generator', '--quiet'], { encoding: 'utf8' });
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /grank generator \(test\)/);
  const rec = spawnSync(process.execPath, [cli, 'recommend', '--model', dir, '--items', history.join(','), '--k', '3', '--json'], { encoding: 'utf8' });
  assert.equal(rec.status, 0, rec.stderr);
  assert.equal(JSON.parse(rec.stdout).items.length, 3);
  const wrong = spawnSync(process.execPath, [cli, 'recommend', '--model', dir, '--items', history.join(','), '--beam', '5'], { encoding: 'utf8' });
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /--beam is not an option of --model grank/);

  // The transition prior on the generator alone: fitted with --ranking generator, used with it, refused without.
  const fitted = spawnSync(process.execPath, [cli, 'transitions', '--model', dir, '--ranking', 'generator', '--weights', '0,1', '--quiet'], {
    encoding: 'utf8',
  });
  assert.equal(fitted.status, 0, fitted.stderr);
  const withPrior = spawnSync(process.execPath, [cli, 'evaluate', '--model', dir, '--ranking', 'generator', '--quiet'], { encoding: 'utf8' });
  assert.match(withPrior.stdout, /grank generator \+ transitions x [01] \(test\)/);
  const recWithPrior = spawnSync(
    process.execPath,
    [cli, 'recommend', '--model', dir, '--ranking', 'generator', '--items', history.join(','), '--k', '3', '--json'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(recWithPrior.status, 0, recWithPrior.stderr);
  const refused = spawnSync(process.execPath, [cli, 'evaluate', '--model', dir, '--quiet'], { encoding: 'utf8' });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /give the options it was fitted with \(--ranking generator\), or use --transitions off/);
  rmSync(join(dir, 'transitions.safetensors'));
});

test('GRank MIPS: exact equals a brute-force ranking; usearch finds most of the exact top 10; both skip exclusions', async () => {
  const { exactMips, usearchMips } = await import('../../src/families/grank/mips.js');
  const { Rng } = await import('../../src/core/rng.js');
  const rng = new Rng(4);
  const N = 3000;
  const D = 16;
  const vectors = Float32Array.from({ length: (N + 1) * D }, (_, i) => (i < D ? 0 : rng.normal()));
  const B = 20;
  const users = Float32Array.from({ length: B * D }, () => rng.normal());
  const exclude = Array.from({ length: B }, (_, r) => new Set([r, r + 1]));
  const exact = exactMips(vectors, N, D).search(users, B, 10, exclude);
  let hits = 0;
  const approx = usearchMips(vectors, N, D).search(users, B, 10, exclude);
  for (let r = 0; r < B; r++) {
    const scores = Array.from({ length: N }, (_, i) => {
      let s = 0;
      for (let d = 0; d < D; d++) s += users[r * D + d] * vectors[(i + 1) * D + d];
      return [i, s] as const;
    })
      .filter(([i]) => !exclude[r].has(i))
      .sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    assert.deepEqual(
      Array.from(exact[r].items),
      scores.slice(0, 10).map(([i]) => i),
      `row ${r}`,
    );
    assert.ok(approx[r].items.every((i) => !exclude[r].has(i)));
    const want = new Set(exact[r].items);
    hits += Array.from(approx[r].items).filter((i) => want.has(i)).length;
    assert.ok(Math.abs(approx[r].scores[0] - exact[r].scores[0]) < 1e-3 || approx[r].items[0] !== exact[r].items[0], 'inner products, not distances');
  }
  assert.ok(hits / (10 * B) >= 0.9, `usearch recall@10 ${hits / (10 * B)}`);
  // One query alone (usearch answers it in another shape, and approximately): ten items, none excluded, most of the exact top 10.
  const [alone] = usearchMips(vectors, N, D).search(users.subarray(0, D), 1, 10, [exclude[0]]);
  assert.equal(alone.items.length, 10);
  assert.ok(alone.items.every((i) => !exclude[0].has(i)));
  const exact0 = new Set(exact[0].items);
  assert.ok(Array.from(alone.items).filter((i) => exact0.has(i)).length >= 7, `single-query recall ${Array.from(alone.items)}`);
});

/** Right-padded windows of the given lengths, items and targets drawn by `rng` (a NextItemBatch). */
function randomBatch(rng: Rng, lengths: Int32Array, L: number, N: number) {
  const inputs = new Int32Array(lengths.length * L);
  const targets = new Int32Array(lengths.length * L).fill(-1);
  lengths.forEach((n, r) => {
    for (let t = 0; t < n; t++) {
      inputs[r * L + t] = 1 + rng.int(N);
      targets[r * L + t] = rng.int(N);
    }
  });
  return { size: lengths.length, length: L, inputs, targets, lengths };
}

/** The loss of `model` on `batch` (no graph kept). */
function lossOf(model: GRank, batch: ReturnType<typeof randomBatch>): number {
  return noGrad(() => tidy(() => model.loss(batch, { training: false }).item()));
}

/** Backpropagates once, then checks 3 random entries of each named parameter against central differences. */
function checkGradients(
  model: GRank,
  batch: ReturnType<typeof randomBatch>,
  names: readonly string[],
  rng: Rng,
  relative: number,
  absolute: number,
  eps = 1e-3, // small: the ranker's ReLU has kinks a larger step can cross (3e-3 crossed one)
): void {
  const params = model.namedParameters();
  for (const p of params) p.tensor.grad?.fill(0);
  tidy(() => model.loss(batch, { training: false }).backward());
  for (const name of names) {
    const p = params.find((q) => q.name === name)!;
    for (let trial = 0; trial < 3; trial++) {
      const i = rng.int(p.tensor.size);
      const analytic = p.tensor.grad![i];
      const x = p.tensor.f32[i];
      p.tensor.f32[i] = x + eps;
      const up = lossOf(model, batch);
      p.tensor.f32[i] = x - eps;
      const down = lossOf(model, batch);
      p.tensor.f32[i] = x;
      const numeric = (up - down) / (2 * eps);
      assert.ok(Math.abs(analytic - numeric) <= relative * Math.abs(numeric) + absolute, `${name}[${i}]: analytic ${analytic}, numeric ${numeric}`);
    }
  }
}

/** The ranker as first built (no counts, the newest target, a correction to the generator), which these tests were written for. */
const FIRST_RANKER = { rankCounts: 0, rankTargets: 'last', rankStandalone: false } as const;

/** A model small enough for central differences: one layer of width 8, no dropout, six-item windows. */
const TINY = { ...FIRST_RANKER, dim: 8, layers: 1, heads: 2, ffn: 16, dropout: 0, maxLen: 6, idDropout: 0, rankHidden: 8 } as const;

const randomCodes = (rng: Rng, N: number) => ({ numItems: N, digits: 2, codebookSize: 5, codes: Int32Array.from({ length: N * 2 }, () => rng.int(5)) });

test("GRank's joint loss: analytic gradients match central differences (generator, ranker and code parameters)", () => {
  const rng = new Rng(3);
  const N = 30;
  const model = new GRank(randomCodes(rng, N), { ...TINY, rankNegatives: 4, rankPool: 29, rankDetach: false }, 5);
  // The ranker's last layer starts at zero; give it weights so its gradient path is exercised too.
  for (const p of model.namedParameters()) if (p.name.startsWith('ranker.out')) p.tensor.f32.forEach((_, i, a) => (a[i] = 0.3 * rng.normal()));
  const batch = randomBatch(rng, Int32Array.of(4, 6, 3), 6, N);
  checkGradients(
    model,
    batch,
    ['codes', 'ids', 'blocks.0.attn.qkv.weight', 'ranker.attn.q.weight', 'ranker.hidden.weight', 'ranker.positions'],
    rng,
    0.1,
    4e-4,
  );
});

test("GRank's target-aware tokens: the history never sees them (weight 0: the same loss as without them); their loss's gradients match central differences", () => {
  const rng = new Rng(8);
  const N = 30;
  const codes = randomCodes(rng, N);
  const base = { ...TINY, layers: 2, rankNegatives: 0 };
  const plain = new GRank(codes, base, 5);
  const silent = new GRank(codes, { ...base, auxNegatives: 3, auxWeight: 0 }, 5);
  const aware = new GRank(codes, { ...base, auxNegatives: 3, auxWeight: 1 }, 5);
  const batch = randomBatch(rng, Int32Array.of(4, 6, 3, 5), 6, N);
  const without = lossOf(plain, batch);
  assert.ok(Math.abs(lossOf(silent, batch) - without) <= 1e-5 * Math.abs(without), `weight 0: ${lossOf(silent, batch)} vs ${without}`);
  assert.ok(lossOf(aware, batch) > without + 0.1, 'with weight 1 the auxiliary loss (about log 4 at the start) is added');
  checkGradients(aware, batch, ['aux.score.weight', 'aux.position', 'blocks.0.attn.qkv.weight', 'ids', 'codes'], rng, 0.05, 2e-4);
});

test("GRank's ranker item embedding: zero at the start (the loss without it); gradients match central differences; none reach the generator when detached; new items get zero rows", () => {
  const rng = new Rng(11);
  const N = 30;
  const codes = randomCodes(rng, N);
  const base = { ...TINY, rankNegatives: 4, rankPool: 29 };
  const plain = new GRank(codes, base, 5);
  const own = new GRank(codes, { ...base, rankItemEmbedding: true }, 5);
  const batch = randomBatch(rng, Int32Array.of(4, 6, 3, 5), 6, N);
  const randomise = (model: GRank, prefix: string, values: Float32Array[]) =>
    model
      .namedParameters()
      .filter((p) => p.name.startsWith(prefix))
      .forEach((p, k) => p.tensor.f32.set(values[k]));
  const draw = (model: GRank, prefix: string) =>
    model
      .namedParameters()
      .filter((p) => p.name.startsWith(prefix))
      .map((p) => Float32Array.from({ length: p.tensor.size }, () => 0.3 * rng.normal()));
  const outWeights = draw(plain, 'ranker.out');
  randomise(plain, 'ranker.out', outWeights);
  randomise(own, 'ranker.out', outWeights);
  const without = lossOf(plain, batch);
  assert.ok(Math.abs(lossOf(own, batch) - without) <= 1e-6 * Math.abs(without), `zero embedding: ${lossOf(own, batch)} vs ${without}`);
  const items = draw(own, 'ranker.items');
  randomise(own, 'ranker.items', items);
  assert.ok(Math.abs(lossOf(own, batch) - without) > 1e-4, 'the embedding changes the ranker');
  checkGradients(own, batch, ['ranker.items', 'ranker.attn.q.weight', 'ranker.hidden.weight'], rng, 0.1, 4e-4);
  const gradOf = (model: GRank, name: string) => Float32Array.from(model.namedParameters().find((p) => p.name === name)!.tensor.grad!);
  assert.ok(
    gradOf(own, 'ranker.items').some((g) => Math.abs(g) > 1e-6),
    'the ranker loss trains its embedding',
  );
  // Detached (the default): the generator's gradients are those of a model whose ranker loss weighs nothing.
  const silent = new GRank(codes, { ...base, rankItemEmbedding: true, rankWeight: 0 }, 5);
  randomise(silent, 'ranker.out', outWeights);
  randomise(silent, 'ranker.items', items);
  for (const model of [own, silent]) {
    for (const p of model.namedParameters()) p.tensor.grad?.fill(0);
    tidy(() => model.loss(batch, { training: false }).backward());
  }
  for (const name of ['ids', 'codes', 'blocks.0.attn.qkv.weight'])
    assert.deepEqual(gradOf(own, name), gradOf(silent, name), `${name}: the ranker's loss reached the generator`);
  // Items added while serving: their rows are zero (read through their generator vectors), the trained rows kept.
  const grown = own.withItems(Int32Array.of(1, 2, 3, 4), 2, 5);
  const rows = grown.namedParameters().find((p) => p.name === 'ranker.items')!.tensor.f32;
  assert.deepEqual(rows.subarray(0, (N + 1) * 8), items[0]);
  assert.ok(rows.subarray((N + 1) * 8).every((v) => v === 0));
});

test("GRank's ranker on any position (--rank-targets any): a cut per window, its history masked after it; gradients match central differences", () => {
  const rng = new Rng(12);
  const N = 30;
  const codes = randomCodes(rng, N);
  // Every other item a negative: no draw (the cuts' draws would change a drawn pool), every target retrieved.
  const base = { ...TINY, rankNegatives: 29, rankPool: 29, rankItemEmbedding: true };
  const last = new GRank(codes, base, 5);
  const any = new GRank(codes, { ...base, rankTargets: 'any' }, 5);
  for (const model of [last, any]) {
    const draw = new Rng(4);
    for (const p of model.namedParameters())
      if (p.name.startsWith('ranker.out') || p.name === 'ranker.items') p.tensor.f32.forEach((_, i, a) => (a[i] = 0.3 * draw.normal()));
  }
  const batch = randomBatch(rng, Int32Array.of(4, 6, 3, 5, 6, 2), 6, N);
  assert.notEqual(lossOf(any, batch), lossOf(last, batch), 'the ranker learns on other positions');
  // Windows of one item have a single position: 'any' is 'last' there.
  const ones = randomBatch(rng, Int32Array.of(1, 1, 1), 6, N);
  assert.equal(lossOf(any, ones), lossOf(last, ones));
  checkGradients(any, batch, ['ranker.items', 'ranker.positions', 'ranker.attn.kv.weight', 'ranker.hidden.weight'], rng, 0.1, 4e-4);
});

/** The bigram counts of `sequences` over N items, as fitBigram reads a split. */
const countsOf = (sequences: readonly number[][], N: number) => ({
  numItems: N,
  table: fitBigram({ numItems: N, train: sequences.map((items, user) => ({ user, items: Int32Array.from(items) })) } as unknown as LeaveOneOutSplit),
});

test('GRank count features: the bigram counts by binary search; log(1 + count) of the k-th newest item, zero past the history and for items added later; left-out pairs subtract once per occurrence', () => {
  const rng = new Rng(21);
  const N = 12;
  const sequences = Array.from({ length: 40 }, () => Array.from({ length: 2 + rng.int(6) }, () => rng.int(N)));
  const counts = countsOf(sequences, N);
  const brute = new Float64Array(N * N);
  for (const s of sequences) for (let p = 0; p + 1 < s.length; p++) brute[s[p] * N + s[p + 1]]++;
  for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) assert.equal(transitionCount(counts, a, b), brute[a * N + b], `${a} -> ${b}`);
  assert.equal(transitionCount(counts, N, 0), 0, 'an item the counts do not cover');
  const histories = [[3, 5, 7], [2]];
  const candidates = Int32Array.of(1, 4, N, 9, 2, 6); // (2, 3); item N was added after training
  const newest = (r: number, k: number) => (k < histories[r].length ? histories[r][histories[r].length - 1 - k] : -1);
  const W = 2;
  const features = countFeatures(counts, W, candidates, 3, newest);
  for (let r = 0; r < 2; r++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < W; k++) {
        const from = newest(r, k);
        const c = candidates[r * 3 + j];
        const expected = from < 0 || c >= N ? 0 : Math.log1p(brute[from * N + c]);
        assert.ok(Math.abs(features[(r * 3 + j) * W + k] - expected) < 1e-6, `row ${r}, candidate ${c}, k ${k}`);
      }
  // Leave (7 -> 1) out of row 0 twice and (2 -> 9) once out of row 1: each occurrence one less, never below zero.
  const leftOut = [
    { from: Int32Array.of(7, 7), to: Int32Array.of(1, 1) },
    { from: Int32Array.of(2), to: Int32Array.of(9) },
  ];
  const less = countFeatures(counts, W, candidates, 3, newest, leftOut);
  assert.ok(Math.abs(less[0] - Math.log1p(Math.max(0, brute[7 * N + 1] - 2))) < 1e-6);
  assert.ok(Math.abs(less[3 * W] - Math.log1p(Math.max(0, brute[2 * N + 9] - 1))) < 1e-6);
  less[0] = features[0];
  less[3 * W] = features[3 * W];
  assert.deepEqual(less, features, 'nothing else changes');
});

test("GRank count features' leave-out: from the ranked target's transition to the sequence's end, positions without a target skipped", () => {
  // Row 0: items 4 5 6 7 -> 8 (inputs 4..7 + 1, targets 5..8); row 1: a tiled window whose first target is at t = 2.
  const L = 4;
  const batch = {
    size: 2,
    length: L,
    inputs: Int32Array.of(5, 6, 7, 8, 11, 12, 13, 0),
    targets: Int32Array.of(5, 6, 7, 8, -1, -1, 13, -1),
    lengths: Int32Array.of(4, 3),
  };
  const [row0, row1] = windowTransitions(batch, Int32Array.of(2, 3));
  assert.deepEqual(
    [Array.from(row0.from), Array.from(row0.to)],
    [
      [5, 6, 7],
      [6, 7, 8],
    ],
  );
  assert.deepEqual([Array.from(row1.from), Array.from(row1.to)], [[12], [13]]);
  // Row 1 is not its sequence's last window: 20 and 21 followed it. Those transitions are the example's future too.
  const [, tail] = windowTransitions({ ...batch, after: [new Int32Array(0), Int32Array.of(20, 21)] }, Int32Array.of(2, 3));
  assert.deepEqual(
    [Array.from(tail.from), Array.from(tail.to)],
    [
      [12, 13, 20],
      [13, 20, 21],
    ],
  );
});

test("GRank's ranker with count features: needs the counts; a training example does not see its own target's transition; gradients match central differences", () => {
  const rng = new Rng(13);
  const N = 30;
  const codes = randomCodes(rng, N);
  const base = { ...TINY, rankNegatives: 29, rankPool: 29, rankCounts: 3 };
  assert.throws(() => new GRank(codes, base, 5), /transition counts/);
  // Four windows of distinct items (no pair twice): the training sequences are these windows plus their targets.
  const lengths = Int32Array.of(4, 6, 3, 5);
  const L = 6;
  const order = rng.shuffle(Array.from({ length: N }, (_, i) => i));
  const sequences: number[][] = [];
  let next = 0;
  const inputs = new Int32Array(4 * L);
  const targets = new Int32Array(4 * L).fill(-1);
  lengths.forEach((n, r) => {
    const s = Array.from({ length: n + 1 }, (_, t) => order[(next + t) % N]);
    next += n + 1;
    sequences.push(s);
    for (let t = 0; t < n; t++) {
      inputs[r * L + t] = s[t] + 1;
      targets[r * L + t] = s[t + 1];
    }
  });
  const batch = { size: 4, length: L, inputs, targets, lengths };
  const withOwn = countsOf(sequences, N);
  const withoutLast = countsOf(
    sequences.map((s) => s.slice(0, -1)),
    N,
  );
  const twice = countsOf([...sequences, ...sequences], N);
  const models = [withOwn, withoutLast, twice].map((counts) => new GRank(codes, base, 5, counts));
  const draw = new Rng(4);
  const out = Float32Array.from({ length: 8 + 1 }, () => 0.3 * draw.normal());
  for (const model of models) for (const p of model.namedParameters()) if (p.name.startsWith('ranker.out')) p.tensor.f32.set(out.subarray(0, p.tensor.size));
  const [own, without, doubled] = models.map((model) => lossOf(model, batch));
  assert.equal(own, without, 'the last transition of each window is left out of the counts its example reads');
  assert.notEqual(doubled, own, 'the counts change the ranker');
  // Two windows (60 ranked rows, not 120) and steps of 3e-4: fewer ReLU pre-activations within a step of a kink (with
  // all four windows and 1e-3, ranker.hidden.bias[6]'s one-sided differences disagreed, .110 vs .144, the analytic
  // gradient .109 matching the side without the kink).
  const pick = (a: Int32Array, rows: number[]) => Int32Array.from(rows.flatMap((r) => Array.from(a.subarray(r * L, (r + 1) * L))));
  const two = { size: 2, length: L, inputs: pick(inputs, [0, 2]), targets: pick(targets, [0, 2]), lengths: Int32Array.of(4, 3) };
  checkGradients(models[0], two, ['ranker.hidden.weight', 'ranker.hidden.bias', 'ranker.attn.q.weight'], rng, 0.1, 4e-4, 3e-4);
});

test('GRank with --rank-counts trains through the family table: the ranker reading the counts lifts the generator; the counts travel with the model (and its export), checked on load', async () => {
  const countsDir = join(work, 'model-counts');
  const train = { ...DEFAULT_TRAIN_CONFIG, epochs: 6, batchSize: 64, lr: 0.005, warmupSteps: 10 };
  const run = { dir: countsDir, quiet: true };
  const plan = await familyOf('grank').plan({ dataset, split: sp, dataDir, train, run }, { ...flags, 'rank-counts': 5, 'rank-targets': 'any' });
  const { finished } = await runTraining(plan, train, run);
  const [ranked, generator] = finished!.tables.map((t) => t.result.metrics['ndcg@10']);
  // The synthetic next item is often a planted successor of the current one, which the counts hold (.44 against .34
  // when written).
  assert.ok(ranked > 1.1 * generator, `generator + ranker ${ranked} vs generator ${generator}`);
  const manifest = readManifest(countsDir);
  const reopened = familyOf('grank').scorer(countsDir, manifest, {});
  assert.deepEqual((await evaluate(reopened.scorer(sp), sp, 'test')).metrics, finished!.test.metrics);
  // Served: an item added over HTTP (no transitions: its count features are zero) is ranked in the next request.
  const app = await buildServer({ modelDir: countsDir, allowLocalWrites: true });
  const history = [dataset.itemIds[3], dataset.itemIds[10]];
  const before = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history, k: 5 } })).json();
  const added = await app.inject({ method: 'POST', url: '/v1/items', payload: { items: [{ id: 'twin', title: 'twin', sid: before.items[0].sid }] } });
  assert.equal(added.statusCode, 201, added.body);
  const after = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history, k: 50 } })).json();
  assert.ok(
    after.items.some((r: { id: string }) => r.id === 'twin'),
    'the new item is among the 50 the ranker returns',
  );
  await app.close();
  // Exported (the generator and ranker in one graph, the counts beside it; float16): the two stages rank as served.
  const exportDir = join(work, 'export-counts');
  const exported = spawnSync(process.execPath, [cli, 'export', '--model', countsDir, '--out', exportDir, '--precision', 'float16'], { encoding: 'utf8' });
  assert.equal(exported.status, 0, exported.stderr);
  for (const file of ['model.onnx', 'ranker-counts.bin', 'items.json']) assert.ok(existsSync(join(exportDir, file)), file);
  const description = JSON.parse(readFileSync(join(exportDir, 'export.json'), 'utf8'));
  assert.deepEqual([description.kind, description.precision, description.grank.rankCounts, description.grank.candidates], ['grank', 'float16', 5, 50]);
  assert.ok(description.check.top10Agreement >= 0.9, JSON.stringify(description.check));
  const context = { items: readServingItems(countsDir, manifest), log: () => {} };
  await assert.rejects(
    async () => familyOf('grank').export!(countsDir, manifest, context, join(work, 'export-prior'), { prior: {} as TransitionPrior }),
    /holds a transition prior, which needs every item scored; a grank export ranks candidate lists: use --transitions off/,
  );
  rmSync(join(countsDir, RANK_COUNTS_FILE));
  assert.throws(
    () => openGRankModel(countsDir, manifest),
    (error: Error & { file?: string }) => {
      assert.match(error.message, /--rank-counts.*ranker-counts\.safetensors is missing/);
      return true;
    },
  );
});

test("GRank's standalone ranker (--rank-objective standalone): its own scores alone in the softmax (a zero head ties every candidate: log(K + 1) over the generator's loss); gradients match central differences; tried at weights up to 16", () => {
  const rng = new Rng(14);
  const N = 30;
  const codes = randomCodes(rng, N);
  const base = { ...TINY, rankNegatives: 29, rankPool: 29 };
  const generatorOnly = new GRank(codes, { ...base, rankWeight: 0 }, 5);
  const residual = new GRank(codes, base, 5);
  const alone = new GRank(codes, { ...base, rankStandalone: true }, 5);
  const batch = randomBatch(rng, Int32Array.of(4, 6, 3, 5), 6, N);
  const generator = lossOf(generatorOnly, batch);
  assert.ok(Math.abs(lossOf(alone, batch) - generator - Math.log(30)) < 1e-4, `${lossOf(alone, batch)} - ${generator} vs log 30`);
  assert.ok(Math.abs(lossOf(residual, batch) - generator - Math.log(30)) > 1e-3, "the residual ranker's softmax reads the generator's scores");
  const draw = new Rng(4);
  for (const p of alone.namedParameters()) if (p.name.startsWith('ranker.out')) p.tensor.f32.forEach((_, i, a) => (a[i] = 0.3 * draw.normal()));
  checkGradients(alone, batch, ['ranker.hidden.weight', 'ranker.attn.q.weight', 'ranker.positions'], rng, 0.1, 4e-4);
  assert.deepEqual(rankerWeightsOf(alone), STANDALONE_RANKER_WEIGHTS);
  assert.deepEqual(rankerWeightsOf(residual), RANKER_WEIGHTS);
});
