import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic, saveDataset, split, syntheticDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/index.js';
import { familyOf } from '../../src/families/index.js';
import { bigramScorer, popularityScorer } from '../../src/model/baselines.js';
import { readManifest } from '../../src/model/manifest.js';
import { openModelDir } from '../../src/serve/model.js';
import { DEFAULT_TRAIN_CONFIG } from '../../src/train/config.js';
import { runTraining } from '../../src/train/run.js';

const work = mkdtempSync(join(tmpdir(), 'sidrec-markov-'));
const dataDir = join(work, 'data');
const dataset = syntheticDataset(generateSynthetic({ numUsers: 500, numItems: 200, numTopics: 8, seed: 3 }));
saveDataset(dataDir, dataset);
const sp = split(dataset, { historyCap: 20 });
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('markov: a family added by one folder and one table line trains, evaluates and serves through the table', async () => {
  const family = familyOf('markov');
  const dir = join(work, 'model');
  const train = { ...DEFAULT_TRAIN_CONFIG, epochs: 6, batchSize: 64, lr: 0.01, warmupSteps: 5 };
  const run = { dir, quiet: true };
  const plan = await family.plan({ dataset, split: sp, dataDir, train, run }, { dim: 32, 'max-len': 20 });
  const { finished } = await runTraining(plan, train, run);
  const ndcg = finished!.test.metrics['ndcg@10'];
  const pop = (await evaluate(popularityScorer(sp), sp, 'test')).metrics['ndcg@10'];
  const bigram = (await evaluate(bigramScorer(sp), sp, 'test')).metrics['ndcg@10'];
  assert.ok(ndcg > 1.5 * pop, `markov ${ndcg} vs popularity ${pop}`);
  assert.ok(ndcg > 0.5 * bigram, `markov ${ndcg} vs the counted bigram ${bigram}`);
  assert.equal(readManifest(dir).kind, 'markov');

  const scored = family.scorer(dir, readManifest(dir), {});
  assert.deepEqual((await evaluate(scored.scorer(sp), sp, 'test')).metrics, finished!.test.metrics, 'reopened: the same test metrics');

  const served = openModelDir(dir);
  const [top] = served.recommender.recommend([{ history: [0, 1], k: 5, exclude: new Set([1]) }]);
  assert.equal(top.length, 5);
  assert.ok(top.every((r) => r.item !== 1) && top.every((r, i) => i === 0 || r.score <= top[i - 1].score));
  assert.equal(served.recommender.addItems, undefined);
});

test("markov through the CLI: train --model markov refuses another family's flag by name; --help lists it", () => {
  const refused = spawnSync(process.execPath, [cli, 'train', '--model', 'markov', '--data', dataDir, '--out', join(work, 'cli'), '--temperature', '0.1'], {
    encoding: 'utf8',
  });
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /--temperature is not an option of --model markov \(it is for rpg\)/);
  const help = spawnSync(process.execPath, [cli, 'train', '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /markov +Factorized first-order Markov chain/);
  const ok = spawnSync(
    process.execPath,
    [cli, 'train', '--model', 'markov', '--data', dataDir, '--out', join(work, 'cli'), '--epochs', '1', '--dim', '16', '--batching', 'uniform', '--quiet'],
    { encoding: 'utf8' },
  );
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /markov \(test\)/);
  const runJson = JSON.parse(readFileSync(join(work, 'cli', 'run.json'), 'utf8'));
  assert.equal(runJson.model.batching, 'uniform', 'uniform batches (length-sorted parts) recorded in run.json');
});
