// sidrec quickstart: every --items / --users the flags accept generates and trains (the smallest through the real
// binary), values below the bounds are refused with one line naming the flag, and the closing table names each
// model, what it is, its metrics and the winner computed from those metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic } from '../../src/data/index.js';
import type { EvalResult } from '../../src/eval/index.js';
import { quickstartData } from '../../src/cli/quickstart.js';
import { formatModelTable, winnerLine, type ModelRow } from '../../src/cli/quickstart-report.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sidrec-quickstart-'));
const sidrec = (...args: string[]) =>
  spawnSync(process.execPath, [cli, 'quickstart', ...args], { encoding: 'utf8', env: { ...process.env, SIDREC_DEBUG: '' } });

test('quickstart --items 20 --users 50 (the smallest the flags accept) runs end to end and prints the comparison', () => {
  const r = sidrec('--items', '20', '--users', '50', '--epochs', '1', '--quiet', '--out', join(work, 'small'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1\/3 data: 50 users, 20 items in 2 topics/);
  for (const row of ['SASRec', 'item bigram', 'recent bigram', 'popularity'])
    assert.match(r.stdout, new RegExp(`^${row}\\s+\\S.*\\s0\\.\\d{4}\\s+0\\.\\d{4}`, 'm'), row);
  assert.match(r.stdout, /^model\s+what it is\s+Recall@10\s+NDCG@10\s+Recall@20\s+NDCG@20$/m);
  assert.match(r.stdout, /^(SASRec|item bigram|recent bigram|popularity) (wins: NDCG@10|and .* tie on NDCG@10)/m);
});

test('quickstart refuses --items / --users below what the generator needs, naming the flag', () => {
  for (const [flag, value] of [
    ['--items', '19'],
    ['--users', '49'],
  ]) {
    const r = sidrec(flag, value, '--out', join(work, 'refused'));
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`${flag}: must be >= ${Number(value) + 1}`));
  }
});

test('quickstart data: every catalogue size from the --items bound up generates (one topic per ten items)', () => {
  for (const items of [20, 21, 24, 25, 29, 31, 55, 300, 1001]) {
    const data = generateSynthetic(quickstartData(50, items, 1));
    assert.equal(data.items.length, items);
    assert.equal(data.config.numTopics, Math.max(1, Math.round(items / 10)), `${items} items`);
    assert.equal(data.sequences.length, 50);
  }
});

function result(metrics: Record<string, number>): EvalResult {
  return {
    part: 'test',
    numQueries: 10,
    metricNames: Object.keys(metrics),
    metrics,
    users: new Int32Array(),
    targets: new Int32Array(),
    ranks: new Float64Array(),
    buckets: [],
    seconds: 0,
  };
}

test('the comparison table: one row per model with what it is, metrics in the asked order, winner by NDCG@10', () => {
  const rows: ModelRow[] = [
    { name: 'SASRec', what: 'a transformer', result: result({ 'recall@10': 0.6, 'ndcg@10': 0.3 }) },
    { name: 'item bigram', what: 'last-item counts', result: result({ 'recall@10': 0.5, 'ndcg@10': 0.4 }) },
    { name: 'popularity', what: 'most clicked', result: result({ 'recall@10': 0.1, 'ndcg@10': 0.05 }) },
  ];
  const lines = formatModelTable(rows, ['ndcg@10', 'recall@10']).split('\n');
  assert.match(lines[0], /^model\s+what it is\s+NDCG@10\s+Recall@10$/);
  assert.match(lines[2], /^SASRec\s+a transformer\s+0\.3000\s+0\.6000$/);
  assert.match(lines[3], /^item bigram\s+last-item counts\s+0\.4000\s+0\.5000$/);
  // The winner follows the figures, whoever it is: here the bigram, by a third over SASRec.
  assert.equal(winnerLine(rows), 'item bigram wins: NDCG@10 0.4000 vs 0.3000 for SASRec (+33.3%).');
  assert.equal(winnerLine(rows.slice(0, 1)), 'SASRec: NDCG@10 0.3000.');
  const tied = [rows[0], { ...rows[1], result: result({ 'ndcg@10': 0.3 }) }];
  assert.equal(winnerLine(tied), 'SASRec and item bigram tie on NDCG@10 (0.3000).');
});
