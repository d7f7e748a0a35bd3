import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { SidrecError, inputError, exitCodeFor } from '../src/core/errors.js';
import { Progress } from '../src/core/progress.js';

test('Rng: same seed, same stream; different seeds differ', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xa = Array.from({ length: 8 }, () => a.nextUint32());
  const xb = Array.from({ length: 8 }, () => b.nextUint32());
  const xc = Array.from({ length: 8 }, () => c.nextUint32());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
});

test('Rng: a snapshot restores the stream where it was, a pending normal included; a bad state is refused', () => {
  const a = new Rng(7);
  for (let i = 0; i < 5; i++) a.next();
  a.normal(); // leaves the Box-Muller spare pending
  const b = Rng.restore(JSON.parse(JSON.stringify(a.snapshot())));
  assert.deepEqual(
    Array.from({ length: 6 }, () => [b.normal(), b.next(), b.int(1000)]),
    Array.from({ length: 6 }, () => [a.normal(), a.next(), a.int(1000)]),
  );
  assert.throws(() => Rng.restore({ words: [0, 0, 0, 0] }), /not a generator state/);
  assert.throws(() => Rng.restore({ words: [1, 2, 3] }), /not a generator state/);
});

test('Rng: uniform and normal moments are right', () => {
  const rng = new Rng(7);
  const n = 200_000;
  let su = 0;
  let sn = 0;
  let sn2 = 0;
  for (let i = 0; i < n; i++) {
    su += rng.next();
    const z = rng.normal();
    sn += z;
    sn2 += z * z;
  }
  assert.ok(Math.abs(su / n - 0.5) < 0.005, `uniform mean ${su / n}`);
  assert.ok(Math.abs(sn / n) < 0.01, `normal mean ${sn / n}`);
  assert.ok(Math.abs(sn2 / n - 1) < 0.02, `normal variance ${sn2 / n}`);
});

test('Rng.int covers its range evenly', () => {
  const rng = new Rng(1);
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 100_000; i++) counts[rng.int(10)]++;
  for (const c of counts) assert.ok(c > 9_500 && c < 10_500, `bucket count ${c}`);
});

test('errors name the file, line and field, and map to exit codes', () => {
  const e = inputError('not an integer: "x1"', { file: 'seq.txt', line: 3, field: 'item_id' });
  assert.ok(e instanceof SidrecError);
  assert.equal(e.code, 'E_INPUT');
  assert.equal(e.message, 'seq.txt, line 3, field "item_id": not an integer: "x1"');
  assert.equal(exitCodeFor(e), 2);
  assert.equal(exitCodeFor(new Error('boom')), 1);
});

test('Progress off a terminal: the start, one line per tenth, the end once with the final status', () => {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  const progress = new Progress({ label: 'eval test', total: 100, unit: 'queries', stream });
  for (let i = 0; i < 100; i++) progress.tick(1, `step ${i}`);
  progress.finish('done');
  assert.equal(lines.length, 11, lines.join('')); // the start, each tenth, the end
  assert.match(lines[0], /^eval test \[\.{24}\] 1\/100 /);
  assert.match(lines[1], /^eval test \[#{2}\.{22}\] 10\/100 /);
  assert.match(lines[10], /100\/100 .* {2}done\n$/);
  assert.equal(lines.filter((l) => l.includes('100/100')).length, 1);
  const quiet: string[] = [];
  const silent = new Progress({
    label: 'x',
    total: 3,
    stream: { isTTY: false, write: (s: string) => quiet.push(s) } as unknown as NodeJS.WriteStream,
    quiet: true,
  });
  silent.tick(3);
  silent.finish();
  assert.deepEqual(quiet, []);
});

test('Progress resumed part-way (startAt): the bar starts there, the rate counts only the work done since', async () => {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  const progress = new Progress({ label: 'epoch 3', total: 100, unit: 'batches', stream, startAt: 90 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  progress.tick(1);
  progress.finish();
  assert.match(lines[0], /^epoch 3 \[#{22}\.{2}\] 91\/100 /);
  const rate = Number(/ ([\d.]+) batches\/s/.exec(lines[0])![1]);
  assert.ok(rate < 40, `one batch in >= 50 ms: ${rate}/s, not 91 in that time`);
});
