import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocF32, clearPool, configurePool, MAX_SLACK, pooledBytesNow, releaseF32, sizeClass } from '../../src/tensor/pool.js';

function fresh(capBytes = 1 << 30): void {
  configurePool({ capBytes: 0 }); // empties the pool
  configurePool({ capBytes, minLength: 1 << 14 });
  clearPool();
}

test('size classes: 8 per octave, never below n, at most 12.5% above it', () => {
  for (const n of [16385, 20000, 65536, 100_003, 1 << 20, 3_000_001]) {
    const c = sizeClass(n);
    assert.ok(c >= n && c <= n * 1.125, `class of ${n} is ${c}`);
    assert.equal(sizeClass(c), c);
  }
});

test('a released buffer serves the next request of a nearby length, zero-filled unless asked not to', () => {
  fresh();
  const a = allocF32(100_000);
  a.fill(7);
  releaseF32(a);
  assert.equal(pooledBytesNow(), a.buffer.byteLength);
  const b = allocF32(99_000);
  assert.equal(b.buffer, a.buffer, 'same backing buffer');
  assert.equal(b.length, 99_000, 'an exact-length view');
  assert.ok(b.every((v) => v === 0));
  releaseF32(b);
  const c = allocF32(99_500, false);
  assert.equal(c.buffer, a.buffer);
  releaseF32(c);
  releaseF32(c); // a second release is ignored
  assert.equal(pooledBytesNow(), a.buffer.byteLength);
});

test('best fit: a miss takes the smallest idle buffer of at most MAX_SLACK times its class', () => {
  fresh();
  const big = allocF32(400_000);
  const mid = allocF32(200_000);
  releaseF32(big);
  releaseF32(mid);
  const small = allocF32(120_000); // no idle buffer of its class: the 200k one (the smaller fit) serves it
  assert.equal(small.buffer, mid.buffer);
  const tiny = allocF32(Math.floor(400_000 / MAX_SLACK) - 20_000); // 400k is more than MAX_SLACK times its class
  assert.notEqual(tiny.buffer, big.buffer);
  const again = allocF32(150_000);
  assert.equal(again.buffer, big.buffer);
  for (const a of [small, tiny, again]) releaseF32(a);
});

test('the idle cap rises to the peak working set, so a whole step is kept for the next one', () => {
  fresh(100_000 * 4); // room for one 100k-element buffer
  const one = allocF32(100_000);
  const other = allocF32(100_000);
  releaseF32(one);
  releaseF32(other);
  assert.equal(pooledBytesNow(), one.buffer.byteLength + other.buffer.byteLength, 'two lent at the peak: two kept');
  clearPool(); // forgets the peak too
  const step = Array.from({ length: 4 }, () => allocF32(100_000));
  for (const a of step) releaseF32(a);
  assert.equal(
    pooledBytesNow(),
    step.reduce((s, a) => s + a.buffer.byteLength, 0),
    'all four kept: the peak lent was four',
  );
  const next = Array.from({ length: 4 }, () => allocF32(100_000));
  assert.deepEqual(new Set(next.map((a) => a.buffer)), new Set(step.map((a) => a.buffer)), 'the next step reuses every buffer');
  assert.equal(pooledBytesNow(), 0);
  for (const a of next) releaseF32(a); // nothing left lent for the next test's peak
  configurePool({ capBytes: 0 });
  const plain = allocF32(100_000);
  releaseF32(plain);
  assert.equal(pooledBytesNow(), 0, 'cap 0 disables pooling');
  fresh(2 * 1024 ** 3);
});

test('the idle cap leaves room beside the peak step for steps of other shapes (1.5x the peak working set)', () => {
  fresh(100_000 * 4); // the configured cap: one 100k-element buffer
  const big = [allocF32(100_000), allocF32(100_000)]; // the peak step: two lent at once
  for (const a of big) releaseF32(a);
  const peakBytes = big.reduce((s, a) => s + a.buffer.byteLength, 0);
  const other = allocF32(20_000); // a step of another shape: its class is not idle, and 100k is beyond MAX_SLACK
  assert.ok(!big.some((a) => a.buffer === other.buffer));
  releaseF32(other);
  assert.equal(pooledBytesNow(), peakBytes + other.buffer.byteLength, 'kept beside the peak step');
  const again = allocF32(20_000);
  assert.equal(again.buffer, other.buffer, 'the next step of that shape reuses it');
  releaseF32(again);
  const beyond = allocF32(200_000); // as large as the peak step: keeping it would take the idle bytes past 1.5x the peak
  releaseF32(beyond);
  assert.equal(pooledBytesNow(), peakBytes + other.buffer.byteLength, 'left to the GC: idle bytes stay within 1.5x the peak');
  fresh(2 * 1024 ** 3);
});

test('an idle ceiling overrides the peak rule: setting it drops idle buffers down to it, largest first', () => {
  fresh(1 << 30);
  const step = [allocF32(100_000), allocF32(200_000), allocF32(400_000)];
  for (const a of step) releaseF32(a);
  const [small, mid] = step.map((a) => a.buffer.byteLength);
  assert.equal(
    pooledBytesNow(),
    step.reduce((s, a) => s + a.buffer.byteLength, 0),
    'under the 1 GiB cap: all kept',
  );
  configurePool({ idleCeilingBytes: small + mid }); // the 400k buffer no longer fits
  assert.equal(pooledBytesNow(), small + mid);
  const reused = allocF32(200_000);
  assert.equal(reused.buffer, step[1].buffer, 'the buffers kept still serve');
  const extra = allocF32(400_000);
  releaseF32(extra); // idle is `small`; keeping 400k more would pass the ceiling
  assert.equal(pooledBytesNow(), small);
  releaseF32(reused);
  assert.equal(pooledBytesNow(), small + mid);
  configurePool({ idleCeilingBytes: null }); // back to the cap raised to 1.5x the peak
  const again = allocF32(400_000);
  releaseF32(again);
  assert.equal(pooledBytesNow(), small + mid + again.buffer.byteLength);
  fresh(2 * 1024 ** 3);
});
