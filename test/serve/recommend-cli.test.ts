/**
 * `sidrec recommend --items` (issue 16.7): the history's items are excluded as over HTTP (--include-history keeps
 * them), titles are printed when the catalogue has them, and it reads the model directory's own catalogue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SYNTH, tinySasRecDir } from './helpers.js';

const dir = await tinySasRecDir(3);
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const history = ['1', '2', '3'];

function recommend(...extra: string[]): { items: { item: string; score: number; title?: string }[]; excludedHistory: boolean } {
  const run = spawnSync(process.execPath, [cli, 'recommend', '--model', dir, '--items', history.join(','), '--k', String(SYNTH.numItems), '--json', ...extra], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

test('recommend --items excludes the history by default, as HTTP does', () => {
  const out = recommend();
  assert.equal(out.excludedHistory, true);
  assert.equal(out.items.length, SYNTH.numItems - history.length, 'every other item, none of the history');
  for (const id of history) assert.ok(!out.items.some((r) => r.item === id), `history item ${id} not returned`);
  assert.ok(
    out.items.every((r) => typeof r.title === 'string' && r.title.length > 0),
    'titles from the catalogue',
  );
});

test('recommend --include-history keeps them', () => {
  const out = recommend('--include-history');
  assert.equal(out.items.length, SYNTH.numItems);
  for (const id of history) assert.ok(out.items.some((r) => r.item === id));
});

test('the list output prints titles', () => {
  const run = spawnSync(process.execPath, [cli, 'recommend', '--model', dir, '--items', history.join(','), '--k', '3'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 4);
  for (const line of lines.slice(0, 3)) assert.match(line, /^\s+\d+ {2}\S+ {2}-?\d+\.\d{4} {2}\S/);
  assert.match(lines[3], /3 history items, excluded/);
});
