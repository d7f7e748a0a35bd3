// The transition prior: its scores, its weight sweep against the evaluator, its file, and the families' use of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic, split, syntheticDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/index.js';
import { bestTransitionPrior, bestTransitionWeight, sweepTransitionPriors, sweepTransitionWeights } from '../../src/eval/transition-weights.js';
import { bigramScorer, fitBigram, popularityScorer, RECENT_BIGRAM_REACH, recentBigramScorer } from '../../src/model/baselines.js';
import { addTransitionCounts, readTransitionBytes, transitionBytes } from '../../src/model/transition-counts.js';
import { addTransitions, openTransitions, saveTransitions, TRANSITIONS_FILE, withTransitions } from '../../src/model/transitions.js';
import { openModelDir } from '../../src/serve/model.js';
import { buildServer } from '../../src/serve/app.js';
import { familyOf } from '../../src/families/index.js';
import { readServingItems } from '../../src/model/bundle.js';
import { readManifest } from '../../src/model/manifest.js';
import { SYNTH, tempDir, tinySasRecDir } from '../serve/helpers.js';

const sp = split(syntheticDataset(generateSynthetic(SYNTH)), { historyCap: 20 });
const report = { weights: [0], valid: [0], metric: 'ndcg@10', data: 'synthetic' };
const priorAt = (weight: number) => ({ numItems: sp.numItems, table: fitBigram(sp), weight, report });

test("the prior adds w * log(1 + count) to the newest item's successors only", () => {
  const prior = priorAt(2);
  const table = fitBigram(sp);
  const newest = sp.train[0].items[0];
  const scores = new Float32Array(sp.numItems).fill(1);
  addTransitions(prior, scores, 0, [5, newest]);
  const successors = new Map<number, number>();
  for (let p = table.start[newest]; p < table.start[newest + 1]; p++) successors.set(table.next[p], table.count[p]);
  assert.ok(successors.size > 0);
  for (let i = 0; i < sp.numItems; i++) assert.ok(Math.abs(scores[i] - (1 + 2 * Math.log1p(successors.get(i) ?? 0))) < 1e-5, `item ${i}`);
  const untouched = new Float32Array(sp.numItems);
  addTransitions(prior, untouched, 0, [sp.numItems + 3]); // an item added after training: no counts
  addTransitions(prior, untouched, 0, []);
  assert.ok(untouched.every((v) => v === 0));
});

test('a prior with reach adds decay^k * w * log(1 + count) from the k-th newest item, within the window', () => {
  const table = fitBigram(sp);
  const history = [sp.train[1].items[0], sp.train[2].items[0], sp.train[3].items[0]]; // oldest first
  const want = new Float64Array(sp.numItems);
  history.forEach((item, position) => {
    const k = history.length - 1 - position; // 0 = newest
    if (k >= 2) return; // window 2
    for (let p = table.start[item]; p < table.start[item + 1]; p++) want[table.next[p]] += 3 * 0.5 ** k * Math.log1p(table.count[p]);
  });
  const got = new Float32Array(sp.numItems);
  addTransitions({ ...priorAt(3), reach: { window: 2, decay: 0.5 } }, got, 0, history);
  for (let i = 0; i < sp.numItems; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `item ${i}: ${got[i]} vs ${want[i]}`);
  assert.ok(
    want.some((v, i) => Math.abs(v - 3 * Math.log1p(countOf(table, history[2], i))) > 1e-3),
    'the older item changes some score (the test would pass on the newest item alone otherwise)',
  );
  const newest = new Float32Array(sp.numItems);
  addTransitions({ ...priorAt(3), reach: { window: 5, decay: 0 } }, newest, 0, history);
  const plain = new Float32Array(sp.numItems);
  addTransitions(priorAt(3), plain, 0, history);
  assert.deepEqual(newest, plain, 'decay 0 reads the newest item alone, whatever the window');
  const skipped = new Float32Array(sp.numItems);
  addTransitions({ ...priorAt(3), reach: { window: 2, decay: 0.5 } }, skipped, 0, [history[1], sp.numItems + 2]);
  const older = new Float32Array(sp.numItems);
  addTransitionCounts(table, sp.numItems, 1.5, older, 0, [history[1]]);
  assert.deepEqual(skipped, older, 'an item added after training has no counts; the older item still counts, decayed');
});

/** count(a -> b) in the training sequences. */
function countOf(table: ReturnType<typeof fitBigram>, a: number, b: number): number {
  for (let p = table.start[a]; p < table.start[a + 1]; p++) if (table.next[p] === b) return table.count[p];
  return 0;
}

test('the recent bigram at reach 1 ranks as the bigram; at reach 5 it is the prior with popularity breaking ties', async () => {
  const at1 = await evaluate(recentBigramScorer(sp, { window: 1, decay: 0 }), sp, 'valid', { metrics: ['ndcg@10', 'recall@10'] });
  const bigram = await evaluate(bigramScorer(sp), sp, 'valid', { metrics: ['ndcg@10', 'recall@10'] });
  assert.deepEqual(at1.metrics, bigram.metrics);
  const table = fitBigram(sp);
  const history = sp.train[4].items.subarray(0, 6);
  const scorer = recentBigramScorer(sp);
  assert.equal(scorer.kind, 'scores');
  const scores = scorer.kind === 'scores' ? await scorer.score([{ user: sp.train[4].user, history }]) : new Float32Array(0);
  const want = new Float32Array(sp.numItems);
  addTransitionCounts(table, sp.numItems, 1, want, 0, history, RECENT_BIGRAM_REACH);
  const maxPop = Math.max(...sp.trainItemCounts);
  for (let i = 0; i < sp.numItems; i++) {
    const popularity = (1e-3 * sp.trainItemCounts[i]) / (maxPop + 1);
    assert.ok(Math.abs(scores[i] - want[i] - popularity) < 1e-5, `item ${i}`);
    if (want[i] > 0) assert.ok(scores[i] > 1e-3, 'a transition outranks any popularity');
  }
  const recent = await evaluate(recentBigramScorer(sp), sp, 'valid', { metrics: ['ndcg@10'] });
  assert.notEqual(recent.metrics['ndcg@10'], bigram.metrics['ndcg@10']);
});

test('the weight sweep ranks as the evaluator does: w = 0 is the model alone, a huge w is the bigram', async () => {
  const table = fitBigram(sp);
  const sweep = await sweepTransitionWeights(popularityScorer(sp), sp, 'valid', table, [0, 1, 1e4]);
  const alone = await evaluate(popularityScorer(sp), sp, 'valid', { metrics: ['ndcg@10', 'recall@10'] });
  const bigram = await evaluate(bigramScorer(sp), sp, 'valid', { metrics: ['ndcg@10', 'recall@10'] });
  assert.ok(Math.abs(sweep.ndcg10[0] - alone.metrics['ndcg@10']) < 1e-12);
  assert.ok(Math.abs(sweep.recall10[0] - alone.metrics['recall@10']) < 1e-12);
  assert.ok(Math.abs(sweep.ndcg10[2] - bigram.metrics['ndcg@10']) < 1e-12, `${sweep.ndcg10[2]} vs bigram ${bigram.metrics['ndcg@10']}`);
  const blended = await evaluate(withTransitions(popularityScorer(sp), priorAt(1), sp.numItems), sp, 'valid', { metrics: ['ndcg@10'] });
  assert.ok(Math.abs(sweep.ndcg10[1] - blended.metrics['ndcg@10']) < 1e-12, 'the sweep and the wrapped scorer agree at w = 1');
  const seenShare = sweep.seenUsers / sweep.users;
  assert.ok(Math.abs(sweep.ndcg10[1] - (seenShare * sweep.ndcg10Seen[1] + (1 - seenShare) * sweep.ndcg10Unseen[1])) < 1e-12);
  assert.equal(bestTransitionWeight({ ...sweep, ndcg10: [0.1, 0.1, 0.05] }), 0, 'ties go to the smaller weight');
  // Several decays in one pass: each sweep is the evaluator's figure for that reach.
  const reached = await sweepTransitionPriors(popularityScorer(sp), sp, 'valid', table, [0, 2], [0, 0.5], 4);
  assert.deepEqual(reached[0].ndcg10, (await sweepTransitionWeights(popularityScorer(sp), sp, 'valid', table, [0, 2])).ndcg10);
  const decayed = { ...priorAt(2), reach: { window: 4, decay: 0.5 } };
  const viaScorer = await evaluate(withTransitions(popularityScorer(sp), decayed, sp.numItems), sp, 'valid', { metrics: ['ndcg@10'] });
  assert.ok(Math.abs(reached[1].ndcg10[1] - viaScorer.metrics['ndcg@10']) < 1e-12, 'the sweep and the wrapped scorer agree at decay .5, w = 2');
  const pick = (a: number, b: number) =>
    bestTransitionPrior([
      { ...reached[0], ndcg10: [0.1, a] },
      { ...reached[1], ndcg10: [0.1, b] },
    ]);
  assert.deepEqual(pick(0.2, 0.3), { sweep: 1, weight: 2 });
  assert.deepEqual(pick(0.3, 0.3), { sweep: 0, weight: 2 }, 'ties go to the smaller decay');
});

test('the prior file round-trips and is refused for another item count', () => {
  const dir = tempDir('transitions');
  saveTransitions(dir, priorAt(4));
  const back = openTransitions(dir, sp.numItems)!;
  assert.equal(back.weight, 4);
  assert.deepEqual(back.reach, { window: 1, decay: 0 }, 'no reach given: the newest item alone');
  saveTransitions(dir, { ...priorAt(4), reach: { window: 3, decay: 0.25 } });
  assert.deepEqual(openTransitions(dir, sp.numItems)!.reach, { window: 3, decay: 0.25 });
  assert.deepEqual(back.table, fitBigram(sp));
  assert.throws(() => openTransitions(dir, sp.numItems + 1), /cover 120 items, the model has 121/);
  assert.equal(openTransitions(dir, sp.numItems, 7)?.modelEpoch, undefined, 'a prior from before epochs were recorded is not checked');
  saveTransitions(dir, { ...priorAt(4), modelEpoch: 3 });
  assert.equal(openTransitions(dir, sp.numItems, 3)?.modelEpoch, 3);
  assert.equal(openTransitions(dir, sp.numItems)?.modelEpoch, 3, 'nothing to check against');
  assert.throws(
    () => openTransitions(dir, sp.numItems, 4),
    /fitted to the model's epoch 3; its best epoch is now 4 \(training went on\): run sidrec transitions again, or use --transitions off/,
  );
  rmSync(join(dir, TRANSITIONS_FILE));
  assert.equal(openTransitions(dir, sp.numItems), null);
});

const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

test("an export's transitions.bin reads back as the counts, and a damaged one is refused with its file named", () => {
  const table = fitBigram(sp);
  const { bytes, description } = transitionBytes(table, sp.numItems, 3);
  assert.equal(description.pairs, table.next.length);
  assert.equal(bytes.byteLength, 4 * (sp.numItems + 1 + 2 * table.next.length));
  assert.deepEqual(readTransitionBytes(toArrayBuffer(bytes), description, 'x.bin'), table);
  assert.throws(() => readTransitionBytes(toArrayBuffer(bytes.subarray(4)), description, 'x.bin'), /^Error: x\.bin: \d+ bytes, export\.json describes/);
  const outOfRange = Uint8Array.from(bytes);
  new Int32Array(outOfRange.buffer, 4 * (sp.numItems + 1), 1)[0] = sp.numItems;
  assert.throws(() => readTransitionBytes(outOfRange.buffer, description, 'x.bin'), /x\.bin: pair 0 names item 120, outside 0\.\.119/);
  const unordered = Uint8Array.from(bytes);
  const starts = new Int32Array(unordered.buffer, 0, sp.numItems + 1);
  const row = starts.findIndex((v, i) => i > 0 && v > 0);
  starts[row] = starts[row + 1] + 1;
  assert.throws(() => readTransitionBytes(unordered.buffer, description, 'x.bin'), /row start of item \d+ is before item \d+'s/);
  assert.throws(() => readTransitionBytes(toArrayBuffer(bytes), { ...description, weight: -1 }, 'x.bin'), /weight -1 is not a non-negative number/);
});

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('sidrec transitions: chooses w on validation; evaluate, recommend and serve add the prior, --transitions off leaves it out', async () => {
  const dir = await tinySasRecDir(5);
  const refused = spawnSync(process.execPath, [cli, 'transitions', '--model', dir, '--decays', '0,1.5', '--quiet'], { encoding: 'utf8' });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /--decays must be numbers in \[0, 1\], comma-separated; got "0,1.5"/);
  const run = spawnSync(process.execPath, [cli, 'transitions', '--model', dir, '--weights', '0,1,4', '--decays', '0,0.5', '--window', '3', '--quiet'], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /valid, decay [\d.]+: \d+ users, \d+ \([\d.]+%\) whose newest item -> target pair occurs in training/);
  assert.match(run.stdout, /decay\s+best w\s+valid N@10\s+test N@10\n\s+0\s+[\d.]+\s+[\d.]+\s+[\d.]+\n\s+0\.5\s/);
  assert.ok(existsSync(join(dir, TRANSITIONS_FILE)));
  const prior = openTransitions(dir, sp.numItems)!;
  assert.ok([0, 1, 4].includes(prior.weight));
  assert.equal(prior.report.valid.length, 3);
  assert.deepEqual(
    prior.report.byDecay?.map((d) => d.decay),
    [0, 0.5],
  );
  const chosen = prior.report.byDecay!.find((d) => d.valid === prior.report.valid || d.valid.join() === prior.report.valid.join())!;
  assert.deepEqual(prior.reach, chosen.decay === 0 ? { window: 1, decay: 0 } : { window: 3, decay: 0.5 });
  for (const d of prior.report.byDecay!) assert.ok(Math.max(...d.valid) <= Math.max(...chosen.valid), 'the chosen decay has the best validation figure');
  const evaluateWith = (...extra: string[]) =>
    spawnSync(process.execPath, [cli, 'evaluate', '--model', dir, '--split', 'valid', '--metrics', 'ndcg@10', '--quiet', ...extra], { encoding: 'utf8' });
  const withPrior = evaluateWith();
  assert.equal(withPrior.status, 0, withPrior.stderr);
  assert.match(withPrior.stdout, new RegExp(`sasrec \\+ transitions x ${prior.weight}( \\(newest 3, decay 0.5\\))? \\(valid\\)`));
  const figure = (out: string) => Number(/ all\s+\d+\s+([\d.]+)/.exec(out)![1]);
  assert.equal(figure(withPrior.stdout).toFixed(4), prior.report.valid[[0, 1, 4].indexOf(prior.weight)].toFixed(4));
  const off = evaluateWith('--transitions', 'off');
  assert.match(off.stdout, /^sasrec \(valid\)/m);
  assert.equal(figure(off.stdout).toFixed(4), prior.report.valid[0].toFixed(4));

  // Serving ranks by the model's scores plus the prior (a forced weight, so the prior decides the top).
  saveTransitions(dir, { ...prior, weight: 1e4 });
  const serving = openModelDir(dir).recommender;
  const history = [3, 10, 11];
  const expected = plain(dir).scoreAll!([history]);
  addTransitions({ ...prior, weight: 1e4 }, expected, 0, history);
  const want = [...expected.keys()].sort((a, b) => expected[b] - expected[a] || a - b).slice(0, 5);
  assert.deepEqual(
    serving.recommend([{ history, k: 5, exclude: new Set() }])[0].map((r) => r.item),
    want,
  );
  const items = readServingItems(dir, readManifest(dir)).itemIds;
  const viaCli = spawnSync(
    process.execPath,
    [cli, 'recommend', '--model', dir, '--items', history.map((i) => items[i]).join(','), '--include-history', '--k', '5', '--json'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(viaCli.status, 0, viaCli.stderr);
  const app = await buildServer({ modelDir: dir });
  assert.equal((await app.inject({ method: 'GET', url: '/v1/model' })).json().transitionWeight, 1e4, 'GET /v1/model names the prior');
  await app.close();
  const exportDir = tempDir('transitions-export');
  const exported = spawnSync(process.execPath, [cli, 'export', '--model', dir, '--out', join(exportDir, 'onnx')], { encoding: 'utf8' });
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stderr, /carries the model's transition prior \(weight 10000, \d+ item pairs, transitions\.bin\)/);
  const description = JSON.parse(readFileSync(join(exportDir, 'onnx', 'export.json'), 'utf8'));
  assert.equal(description.transitions.weight, 1e4);
  assert.deepEqual(readTransitionBytes(toArrayBuffer(readFileSync(join(exportDir, 'onnx', 'transitions.bin'))), description.transitions, 'test'), prior.table);
  const alone = spawnSync(process.execPath, [cli, 'export', '--model', dir, '--out', join(exportDir, 'alone'), '--transitions', 'off'], { encoding: 'utf8' });
  assert.equal(alone.status, 0, alone.stderr);
  assert.doesNotMatch(alone.stderr, /transition prior/);
  assert.ok(!existsSync(join(exportDir, 'alone', 'transitions.bin')));
  assert.equal(JSON.parse(readFileSync(join(exportDir, 'alone', 'export.json'), 'utf8')).transitions, undefined);
  assert.deepEqual(
    JSON.parse(viaCli.stdout).items.map((r: { item: string }) => r.item),
    want.map((i) => items[i]),
  );
});

/** The model directory's recommender without its prior. */
function plain(dir: string) {
  const manifest = readManifest(dir);
  return familyOf(manifest.kind).recommender(dir, manifest, { items: readServingItems(dir, manifest), log: () => {} }, { transitions: 'off' });
}
