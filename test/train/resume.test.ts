import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic, saveDataset, syntheticDataset, split } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/index.js';
import { popularityScorer } from '../../src/model/baselines.js';
import { readManifest } from '../../src/model/manifest.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sidrec-train-'));
const dataDir = join(work, 'data');
const dataset = syntheticDataset(generateSynthetic({ numUsers: 600, numItems: 300, numTopics: 8, seed: 5 }));
saveDataset(dataDir, dataset);
const args = (out: string, ...extra: string[]) => [
  cli,
  'train',
  '--data',
  dataDir,
  '--out',
  out,
  '--epochs',
  '6',
  '--batch-size',
  '32',
  '--dim',
  '32',
  '--ffn',
  '64',
  '--lr',
  '0.005',
  '--warmup-steps',
  '10',
  '--quiet',
  ...extra,
];

function runToEnd(out: string, ...extra: string[]): void {
  const r = spawnSync(process.execPath, args(out, ...extra), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('a training killed with SIGKILL resumes from its checkpoint to the same weights and metrics', async () => {
  const straight = join(work, 'straight');
  runToEnd(straight);

  const killed = join(work, 'killed');
  const child = spawn(process.execPath, args(killed), { stdio: 'ignore' });
  const checkpoint = join(killed, 'checkpoint.safetensors');
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (existsSync(checkpoint)) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 5);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('training finished before it could be killed'));
    });
  });
  await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(existsSync(join(killed, 'manifest.json')), false, 'the killed run did not finish');
  runToEnd(killed, '--resume');

  const a = readManifest(straight);
  const b = readManifest(killed);
  assert.deepEqual(b.test, a.test);
  assert.equal(b.bestEpoch, a.bestEpoch);
  assert.ok(readFileSync(join(killed, 'best.safetensors')).equals(readFileSync(join(straight, 'best.safetensors'))), 'identical best weights');
});

test('SASRec learns the planted sequential structure far above popularity', async () => {
  const out = join(work, 'straight');
  if (!existsSync(join(out, 'manifest.json'))) runToEnd(out);
  const m = readManifest(out);
  const pop = await evaluate(popularityScorer(split(dataset, { historyCap: 50 })), split(dataset, { historyCap: 50 }), 'test');
  assert.ok(m.test!['ndcg@10'] > 2 * pop.metrics['ndcg@10'], `sasrec ${m.test!['ndcg@10']} vs popularity ${pop.metrics['ndcg@10']}`);
});

test('--stop-after pauses a run on the full schedule; --resume finishes it to the same weights, one log line per epoch', () => {
  const straight = join(work, 'straight');
  if (!existsSync(join(straight, 'manifest.json'))) runToEnd(straight);
  const paused = join(work, 'paused');
  const first = spawnSync(process.execPath, args(paused, '--stop-after', '2'), { encoding: 'utf8' });
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /stopped by max-epochs-this-run \(continue: the same command with --resume\)/);
  assert.equal(existsSync(join(paused, 'manifest.json')), false, 'no manifest before the run is complete');
  assert.equal(readFileSync(join(paused, 'epochs.jsonl'), 'utf8').trim().split('\n').length, 2);
  // The paused run's best epoch so far can be evaluated: it reproduces that epoch's validation NDCG@10.
  const json = join(work, 'paused-valid.json');
  const ev = spawnSync(process.execPath, [cli, 'evaluate', '--model', paused, '--split', 'valid', '--json', json], { encoding: 'utf8' });
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /best epoch so far \(run in progress\)/);
  const logged = readFileSync(join(paused, 'epochs.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { valid: Record<string, number> }).valid['ndcg@10']);
  const evaluated = (JSON.parse(readFileSync(json, 'utf8')) as { metrics: Record<string, number> }).metrics['ndcg@10'];
  assert.ok(Math.abs(evaluated - Math.max(...logged)) < 1e-3, `evaluated ${evaluated}, logged best ${Math.max(...logged)}`);
  runToEnd(paused, '--resume');
  assert.ok(readFileSync(join(paused, 'best.safetensors')).equals(readFileSync(join(straight, 'best.safetensors'))), 'identical best weights');
  const log = (dir: string) =>
    readFileSync(join(dir, 'epochs.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { epoch: number; valid: Record<string, number> });
  const a = log(straight);
  const b = log(paused);
  assert.deepEqual(
    b.map((r) => r.epoch),
    a.map((r) => r.epoch),
  );
  assert.deepEqual(
    b.map((r) => r.valid),
    a.map((r) => r.valid),
    'the same validation metrics, epoch by epoch',
  );
});

test('--resume refuses other settings than the run it continues, naming them; epochs may change', () => {
  const dir = join(work, 'settings');
  const first = spawnSync(process.execPath, args(dir, '--stop-after', '1'), { encoding: 'utf8' });
  assert.equal(first.status, 0, first.stderr);
  const saved = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { train: { lr: number }; model: { kind: string; config: { dim: number } } };
  assert.equal(saved.train.lr, 0.005);
  assert.equal(saved.model.kind, 'sasrec');
  assert.equal(saved.model.config.dim, 32);
  const otherLr = spawnSync(process.execPath, [...args(dir, '--resume'), '--lr', '0.01'], { encoding: 'utf8' });
  assert.notEqual(otherLr.status, 0);
  assert.match(otherLr.stderr, /--resume with other settings than the run being resumed: train\.lr 0\.01 \(the run has 0\.005\)/);
  const otherDim = spawnSync(process.execPath, [...args(dir, '--resume'), '--dim', '16'], { encoding: 'utf8' });
  assert.match(otherDim.stderr, /model\.config\.dim 16 \(the run has 32\)/);
  const longer = spawnSync(process.execPath, [...args(dir, '--resume', '--stop-after', '1'), '--epochs', '8'], { encoding: 'utf8' });
  assert.equal(longer.status, 0, longer.stderr);
  assert.equal(readFileSync(join(dir, 'epochs.jsonl'), 'utf8').trim().split('\n').length, 2);
});

test('a fresh run (--overwrite) into a finished model directory removes the old manifest first (it would describe other weights)', () => {
  const dir = join(work, 'rerun');
  runToEnd(dir);
  assert.ok(existsSync(join(dir, 'manifest.json')));
  const again = spawnSync(process.execPath, args(dir, '--stop-after', '1', '--seed', '7', '--overwrite'), { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(existsSync(join(dir, 'manifest.json')), false);
  assert.equal(readManifest(dir).inProgress, true);
  assert.equal(readManifest(dir).seed, 7);
});

test('--valid-users validates on a fixed sample of users, recorded in run.json; training itself is unchanged', () => {
  const straight = join(work, 'straight');
  if (!existsSync(join(straight, 'manifest.json'))) runToEnd(straight);
  const dir = join(work, 'sampled');
  const r = spawnSync(process.execPath, args(dir, '--stop-after', '2', '--valid-users', '50'), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const saved = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { model: { validUsers?: number } };
  assert.equal(saved.model.validUsers, 50);
  const losses = (d: string) =>
    readFileSync(join(d, 'epochs.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { loss: number; valid: Record<string, number> });
  const [a, b] = [losses(straight).slice(0, 2), losses(dir)];
  assert.deepEqual(
    b.map((e) => e.loss),
    a.map((e) => e.loss),
    'the same training losses',
  );
  assert.notDeepEqual(
    b.map((e) => e.valid),
    a.map((e) => e.valid),
    'other validation users, other metrics',
  );
  const other = spawnSync(process.execPath, args(dir, '--resume', '--valid-users', '60'), { encoding: 'utf8' });
  assert.match(other.stderr, /model\.validUsers 60 \(the run has 50\)/);
});
