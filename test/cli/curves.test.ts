import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const sidrec = (args: string[]) => spawnSync(process.execPath, [cli, 'curves', ...args], { encoding: 'utf8' });

function run(dir: string, ndcg: number[]): void {
  mkdirSync(dir, { recursive: true });
  const lines = ndcg.map((v, i) => JSON.stringify({ epoch: i + 1, loss: 3 - i / 2, seconds: 10, valid: { 'ndcg@10': v } }));
  writeFileSync(join(dir, 'epochs.jsonl'), `${lines.join('\n')}\n`);
}

test('sidrec curves: runs side by side, a table per metric and SVG charts; unknown metrics and non-SVG outputs refused', () => {
  const work = mkdtempSync(join(tmpdir(), 'curves-'));
  run(join(work, 'static', 'model'), [0.01, 0.02, 0.025]);
  run(join(work, 'frequency'), [0.012, 0.018]);
  const models = `${join(work, 'static', 'model')},${join(work, 'frequency')}`;
  const svg = join(work, 'c.svg');
  const ok = sidrec(['--models', models, '--out', svg]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /ndcg@10\nepoch\s+static\s+frequency\n\s+1\s+0\.0100\s+0\.0120\n\s+2\s+0\.0200\s+0\.0180\n\s+3\s+0\.0250\s+-\n/);
  assert.match(ok.stdout, /loss\n/);
  const text = readFileSync(svg, 'utf8');
  assert.equal((text.match(/<polyline /g) ?? []).length, 4, 'two runs x two metrics');
  assert.ok(text.includes('>static<') && text.includes('>frequency<'), 'run names from their folders');
  const again = sidrec(['--models', join(work, 'static', 'model'), '--out', svg]);
  assert.equal(again.status, 0, `an existing chart is replaced: ${again.stderr}`);
  assert.equal((readFileSync(svg, 'utf8').match(/<polyline /g) ?? []).length, 2, 'one run x two metrics');

  const unknown = sidrec(['--models', models, '--metrics', 'ndcg@20']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no run records "ndcg@20"/);
  const notSvg = sidrec(['--models', models, '--out', join(work, 'static', 'model')]);
  assert.equal(notSvg.status, 2);
  assert.match(notSvg.stderr, /ending in \.svg/);
  const missing = sidrec(['--models', join(work, 'nothing')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /none of the runs has logged a finished epoch yet/);
  const partly = sidrec(['--models', `${models},${join(work, 'nothing')}`]);
  assert.equal(partly.status, 0, partly.stderr);
  assert.match(partly.stderr, /nothing.*no finished epoch logged yet; left out/);
  assert.ok(existsSync(join(work, 'static', 'model', 'epochs.jsonl')));
});

test('sidrec curves reads the epochs of results files (sidrec reproduce): labelled by name; a record without its loss named by field', () => {
  const work = mkdtempSync(join(tmpdir(), 'curves-results-'));
  const epochs = [0.01, 0.03].map((v, i) => ({ epoch: i + 1, loss: 2 - i, seconds: 5, valid: { 'ndcg@10': v } }));
  writeFileSync(join(work, 'diger-a.json'), JSON.stringify({ experiment: 'diger-a', test: {}, epochs }));
  run(join(work, 'b', 'model'), [0.02]);
  const ok = sidrec(['--models', `${join(work, 'diger-a.json')},${join(work, 'b', 'model')}`, '--metrics', 'ndcg@10']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /epoch\s+diger-a\s+b\n\s+1\s+0\.0100\s+0\.0200\n\s+2\s+0\.0300\s+-\n/);
  writeFileSync(join(work, 'broken.json'), JSON.stringify({ epochs: [epochs[0], { epoch: 2, valid: {} }] }));
  const broken = sidrec(['--models', join(work, 'broken.json')]);
  assert.equal(broken.status, 2);
  assert.match(broken.stderr, /broken\.json/);
  assert.match(broken.stderr, /epochs\[1\]\.loss/);
  // A reader that stops after one line closes the pipe: no error, exit 0 (bash's pipefail sees sidrec's status).
  const long = Array.from({ length: 5000 }, (_, i) => ({ epoch: i + 1, loss: 1, seconds: 1, valid: { 'ndcg@10': 0.01 } }));
  writeFileSync(join(work, 'long.json'), JSON.stringify({ epochs: long }));
  const piped = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${cli}" curves --models "${join(work, 'long.json')}" | head -1`], {
    encoding: 'utf8',
  });
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stderr, '');
  const none = sidrec(['--models', join(work, 'absent.json')]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /absent\.json/);
});

test('sidrec curves --experiments: by name, the run directory while it has logged an epoch, else the results file; an unknown name refused', () => {
  const root = mkdtempSync(join(tmpdir(), 'curves-experiments-'));
  mkdirSync(join(root, 'experiments'));
  mkdirSync(join(root, 'results'));
  for (const name of ['running', 'finished', 'both'])
    writeFileSync(join(root, 'experiments', `${name}.json`), JSON.stringify({ description: name, prepare: { input: 'x' }, train: {} }));
  run(join(root, 'runs', 'running', 'model'), [0.01, 0.02]);
  run(join(root, 'runs', 'both', 'model'), [0.05]);
  const recorded = (v: number) => JSON.stringify({ epochs: [{ epoch: 1, loss: 1, seconds: 1, valid: { 'ndcg@10': v } }] });
  writeFileSync(join(root, 'results', 'finished.json'), recorded(0.04));
  writeFileSync(join(root, 'results', 'both.json'), recorded(0.06));
  const below = join(root, 'experiments'); // found from a folder below the root too
  const ok = spawnSync(process.execPath, [cli, 'curves', '--experiments', 'running,finished,both', '--metrics', 'ndcg@10'], { cwd: below, encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /epoch\s+running\s+finished\s+both\n\s+1\s+0\.0100\s+0\.0400\s+0\.0500\n\s+2\s+0\.0200\s+-\s+-\n/);
  const unknown = spawnSync(process.execPath, [cli, 'curves', '--experiments', 'nope'], { cwd: root, encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no experiments\/nope\.json/);
});
