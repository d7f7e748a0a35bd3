import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/core/rng.js';
import { compareRanks } from '../../src/eval/compare.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** n queries' ranks: the target at a seeded rank in 0..29, or not retrieved (a third). */
function ranks(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => (rng.next() < 1 / 3 ? Number.POSITIVE_INFINITY : rng.int(30)));
}

test('compareRanks: the means, the relative difference and a paired interval that holds 0 only when the two can be confused', () => {
  const a = ranks(3000, 1);
  const same = compareRanks(a, a, ['ndcg@10', 'recall@10']);
  for (const row of same) {
    assert.equal(row.relative, 0);
    assert.deepEqual(row.interval, [0, 0], 'identical rankings: every resample equal');
    assert.equal(row.bBetter, 0);
  }
  // B moves every retrieved target one place up: better on every query that moves, so every resample favours B.
  const b = a.map((r) => (Number.isFinite(r) && r > 0 ? r - 1 : r));
  const [ndcg] = compareRanks(a, b, ['ndcg@10']);
  let sumA = 0;
  let sumB = 0;
  for (let q = 0; q < a.length; q++) {
    sumA += a[q] < 10 ? 1 / Math.log2(a[q] + 2) : 0;
    sumB += b[q] < 10 ? 1 / Math.log2(b[q] + 2) : 0;
  }
  assert.ok(Math.abs(ndcg.a - sumA / a.length) < 1e-12 && Math.abs(ndcg.b - sumB / a.length) < 1e-12);
  assert.ok(Math.abs(ndcg.relative - (sumB / sumA - 1)) < 1e-12);
  assert.ok(ndcg.interval[0] > 0 && ndcg.interval[0] <= ndcg.relative && ndcg.relative <= ndcg.interval[1], JSON.stringify(ndcg));
  assert.equal(ndcg.bBetter, 1);
  // Two independent rankings of the same quality: the interval straddles 0; the same seed, the same interval.
  const c = ranks(3000, 2);
  const [noise] = compareRanks(a, c, ['ndcg@10'], { seed: 7 });
  assert.ok(noise.interval[0] < 0 && noise.interval[1] > 0, JSON.stringify(noise));
  assert.deepEqual(compareRanks(a, c, ['ndcg@10'], { seed: 7 })[0], noise);
  assert.throws(() => compareRanks(a, c.subarray(1), ['ndcg@10']), /same queries/);
});

test('sidrec compare: pairs two evaluations by user; refuses files without per-user ranks or of other targets, by file and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sidrec-compare-'));
  const write = (name: string, rows: readonly (readonly [number, number, number | null])[], part = 'test') => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify({ part, numQueries: rows.length, metrics: {}, buckets: [], seconds: 0, perQuery: rows }));
    return file;
  };
  const base = write('a.json', [
    [0, 5, 0],
    [1, 6, null],
    [2, 7, 3],
    [3, 8, 12],
  ]);
  // The same users in another order, each target one place higher where it was found.
  const better = write('b.json', [
    [3, 8, 11],
    [2, 7, 2],
    [1, 6, null],
    [0, 5, 0],
  ]);
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'compare', ...args], { encoding: 'utf8' });
  const ok = run('--baseline', base, '--candidate', better, '--metrics', 'recall@1,ndcg@20', '--resamples', '200', '--json', join(dir, 'cmp.json'));
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /4 users, paired/);
  assert.match(ok.stdout, /recall@1 +0\.2500 +0\.2500 +\+0\.0%/);
  const written = JSON.parse(readFileSync(join(dir, 'cmp.json'), 'utf8'));
  const ndcg = written.metrics.find((m: { metric: string }) => m.metric === 'ndcg@20');
  assert.ok(Math.abs(ndcg.a - (1 + 1 / Math.log2(5) + 1 / Math.log2(14)) / 4) < 1e-12);
  assert.ok(Math.abs(ndcg.b - (1 + 1 / Math.log2(4) + 1 / Math.log2(13)) / 4) < 1e-12);
  const noRanks = join(dir, 'plain.json');
  writeFileSync(noRanks, JSON.stringify({ part: 'test', numQueries: 4, metrics: {}, buckets: [], seconds: 0 }));
  const missing = run('--baseline', base, '--candidate', noRanks);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /plain\.json/);
  assert.match(missing.stderr, /perQuery.*--per-user/);
  const otherTargets = write('c.json', [
    [0, 5, 0],
    [1, 6, null],
    [2, 9, 3],
    [3, 8, 12],
  ]);
  const mismatch = run('--baseline', base, '--candidate', otherTargets);
  assert.equal(mismatch.status, 2);
  assert.match(mismatch.stderr, /c\.json.*user 2's target is item 9 here and 7/s);
  const valid = write('v.json', [[0, 5, 0]], 'valid');
  assert.match(run('--baseline', base, '--candidate', valid).stderr, /ranks the valid split, the baseline test/);
});
