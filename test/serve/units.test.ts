/**
 * The serving layer's small parts against references: topK equals a stable full sort (ties by index, NaN and
 * excluded items never returned), the catalogue resolves / searches / appends, and the scheduler batches
 * queries per model call and admits a request's queries all together or not at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { ServingCatalog } from '../../src/serve/catalog.js';
import { servingModel } from '../../src/serve/model.js';
import { topK, type Recommender, type RecommendQuery } from '../../src/decode/recommender.js';
import { OverloadedError, Scheduler } from '../../src/serve/scheduler.js';

test('topK matches a stable descending sort, skipping NaN and excluded items', () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + rng.int(60);
    const scores = Float32Array.from({ length: n }, () => (rng.next() < 0.1 ? NaN : rng.int(8))); // many ties
    const exclude = new Set(Array.from({ length: rng.int(5) }, () => rng.int(n)));
    const k = 1 + rng.int(12);
    const reference = Array.from({ length: n }, (_, i) => i)
      .filter((i) => !Number.isNaN(scores[i]) && !exclude.has(i))
      .sort((a, b) => scores[b] - scores[a] || a - b)
      .slice(0, k);
    assert.deepEqual(
      topK(scores, 0, n, k, exclude).map((r) => r.item),
      reference,
    );
  }
  const offset = Float32Array.from([9, 9, 1, 3, 2]);
  assert.deepEqual(topK(offset, 2, 3, 2, new Set()), [
    { item: 1, score: 3 },
    { item: 2, score: 2 },
  ]);
});

test('catalogue: resolve reports unknown ids once, search matches all words, append numbers new items', () => {
  const cat = new ServingCatalog(['a', 'b', 'c'], [{ title: 'Red Lipstick', brand: 'Acme' }, { title: 'Blue lip balm' }, {}], Float64Array.from([1, 5, 3]));
  assert.deepEqual(cat.resolve(['b', 'x', 'a', 'x', 'b']), { indices: [1, 0, 1], unknown: ['x'] });
  assert.deepEqual(cat.search('lip', 10), [1, 0], 'popularity breaks the tie');
  assert.deepEqual(cat.search('acme red', 10), [0]);
  assert.deepEqual(cat.search('c', 10), [2, 0], 'an exact id comes first, then title matches');
  assert.deepEqual(
    cat.popular(2, new Set([1])).map((p) => p.item),
    [2, 0],
  );
  cat.append([{ id: 'd', text: { title: 'Lip liner' } }]);
  assert.equal(cat.indexOf('d'), 3);
  assert.equal(cat.addedItems, 1);
  assert.deepEqual(cat.search('liner', 10), [3]);
  assert.throws(() => cat.append([{ id: 'a', text: {} }]), /already exists/);
});

/** Scores item i as -|i - last history item|, and records the size of every model call. */
class NearestIndex implements Recommender {
  readonly kind = 'nearest-index';
  readonly calls: number[] = [];
  /** Busy milliseconds per query (a slow model). */
  constructor(
    readonly numItems: number,
    readonly msPerQuery = 0,
  ) {}
  recommend(queries: readonly RecommendQuery[]) {
    this.calls.push(queries.length);
    const until = performance.now() + this.msPerQuery * queries.length;
    while (performance.now() < until);
    return queries.map((q) => {
      const last = q.history[q.history.length - 1];
      const scores = Float32Array.from({ length: this.numItems }, (_, i) => -Math.abs(i - last));
      return topK(scores, 0, this.numItems, q.k, q.exclude);
    });
  }
  semanticId(): undefined {
    return undefined;
  }
}

test('scheduler: batches up to maxBatch per call, in order; sheds a whole request past maxPending', async () => {
  const rec = new NearestIndex(50);
  const model = servingModel(
    rec,
    new ServingCatalog(
      Array.from({ length: 50 }, (_, i) => String(i)),
      Array.from({ length: 50 }, () => ({})),
      new Float64Array(50),
    ),
    'test',
  );
  const scheduler = new Scheduler({ maxPending: 10, maxBatch: 4, maxWaitMs: 10_000, maxBatchMs: 10_000 });
  const q = (last: number): RecommendQuery => ({ history: [last], k: 1, exclude: new Set([last]) });
  const first = scheduler.submit(model, [q(3), q(10), q(20)]);
  const second = scheduler.submit(model, [q(30), q(40), q(7), q(8), q(9), q(0)]);
  assert.equal(scheduler.pending, 9);
  assert.throws(() => scheduler.submit(model, [q(1), q(2)]), OverloadedError);
  assert.equal(scheduler.pending, 9, 'a refused request queues nothing');
  const a = await first;
  const b = await second;
  assert.deepEqual(
    a.map((r) => r[0].item),
    [2, 9, 19],
  );
  assert.deepEqual(
    b.map((r) => r[0].item),
    [29, 39, 6, 7, 8, 1],
  );
  assert.deepEqual(rec.calls, [4, 4, 1]);
  await scheduler.idle();
  assert.equal(scheduler.pending, 0);
});

test('scheduler: a slow model gets batches of at most maxBatchMs of work, and a submit it cannot serve in time is refused', async () => {
  const rec = new NearestIndex(50, 5);
  const model = servingModel(
    rec,
    new ServingCatalog(
      Array.from({ length: 50 }, (_, i) => String(i)),
      Array.from({ length: 50 }, () => ({})),
      new Float64Array(50),
    ),
    'test',
  );
  const scheduler = new Scheduler({ maxPending: 200, maxBatch: 32, maxWaitMs: 300, maxBatchMs: 20 }); // slack for a loaded host
  const q = (last: number): RecommendQuery => ({ history: [last], k: 1, exclude: new Set([last]) });
  await scheduler.submit(model, [q(1)]); // learns ~5 ms per query
  const twelve = scheduler.submit(
    model,
    Array.from({ length: 12 }, (_, i) => q(i + 2)),
  ); // an idle server takes it whole
  assert.throws(
    () =>
      scheduler.submit(
        model,
        Array.from({ length: 60 }, () => q(1)),
      ),
    (e: OverloadedError) => /estimated \d+ ms of work queued \(limit 300 ms\)/.test(e.message),
  );
  assert.equal(scheduler.pending, 12, 'the refused request queued nothing');
  assert.deepEqual(
    (await twelve).map((r) => r[0].item),
    Array.from({ length: 12 }, (_, i) => i + 1),
  );
  assert.equal(rec.calls[0], 1);
  assert.ok(
    rec.calls.slice(1).every((n) => n <= 4),
    `calls of at most 20 ms / 5 ms = 4 queries: ${rec.calls.join(', ')}`,
  );
  assert.equal(
    rec.calls.slice(1).reduce((a, b) => a + b, 0),
    12,
  );
  await scheduler.idle();
});

test('scheduler: a query that waited past maxWaitMs is shed, not answered late', async () => {
  const rec = new NearestIndex(20);
  const model = servingModel(
    rec,
    new ServingCatalog(
      Array.from({ length: 20 }, (_, i) => String(i)),
      Array.from({ length: 20 }, () => ({})),
      new Float64Array(20),
    ),
    'test',
  );
  const scheduler = new Scheduler({ maxPending: 10, maxBatch: 4, maxWaitMs: 30, maxBatchMs: 10_000 });
  const late = scheduler.submit(model, [{ history: [3], k: 1, exclude: new Set() }]);
  const until = performance.now() + 60;
  while (performance.now() < until); // the host stalls before the queue is served
  await assert.rejects(late, OverloadedError);
  assert.deepEqual(rec.calls, [], 'the stale query was never scored');
  const fresh = await scheduler.submit(model, [{ history: [3], k: 1, exclude: new Set([3]) }]);
  assert.equal(fresh[0][0].item, 2);
  await scheduler.idle();
});

test("scheduler: the wait budget counts from the request's receipt; saturated() says so before a body is read", async () => {
  const rec = new NearestIndex(50, 5);
  const model = servingModel(
    rec,
    new ServingCatalog(
      Array.from({ length: 50 }, (_, i) => String(i)),
      Array.from({ length: 50 }, () => ({})),
      new Float64Array(50),
    ),
    'test',
  );
  const scheduler = new Scheduler({ maxPending: 100, maxBatch: 32, maxWaitMs: 400, maxBatchMs: 20 });
  const q = (last: number): RecommendQuery => ({ history: [last], k: 1, exclude: new Set([last]) });
  await assert.rejects(
    scheduler.submit(model, [q(1)], performance.now() - 401),
    OverloadedError,
    'parsed for longer than the whole budget: never answered late',
  );
  assert.deepEqual(rec.calls, [], 'nor scored');
  await scheduler.submit(model, [q(1)]); // learns ~5 ms per query
  assert.equal(scheduler.saturated(model), false);
  const queued = scheduler
    .submit(
      model,
      Array.from({ length: 40 }, (_, i) => q((i % 48) + 2)),
    )
    .catch(() => []); // ~200 ms of work
  assert.ok(scheduler.estimatedWaitMs(model) >= 190, `estimated ${scheduler.estimatedWaitMs(model)} ms`);
  assert.throws(() => scheduler.submit(model, [q(1)], performance.now() - 300), OverloadedError, '~200 ms of queued work does not fit the 100 ms left');
  assert.equal(scheduler.saturated(model), scheduler.estimatedWaitMs(model) > 400, 'saturated = a fresh request would not start in time');
  await queued;
  await scheduler.idle();
});
