// Full-ranking evaluation checked against hand-computed numbers and a brute-force (full sort) reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, formatTable, metricSpec, rankFromScores, resultToJson, type Scorer } from '../../src/eval/index.js';
import type { EvalExample, LeaveOneOutSplit } from '../../src/data/split.js';
import type { ItemIndex, UserIndex } from '../../src/data/types.js';
import { Rng } from '../../src/core/rng.js';
import { SidrecError } from '../../src/core/errors.js';

function ex(user: number, target: number, history: number[] = []): EvalExample {
  return { user: user as UserIndex, target: target as ItemIndex, history: Int32Array.from(history) };
}

function fakeSplit(numItems: number, test: EvalExample[], counts?: number[]): LeaveOneOutSplit {
  return { numItems, historyCap: 50, train: [], valid: test, test, trainItemCounts: Int32Array.from(counts ?? new Array(numItems).fill(0)), shortUsers: 0 };
}

function tableScorer(rows: number[][]): Scorer {
  return {
    kind: 'scores',
    score: (batch) => {
      assert.ok(
        batch.every((q) => !('target' in q)),
        'scorers must not see the target',
      );
      return Float32Array.from(batch.flatMap((e) => rows[e.user]));
    },
  };
}

test('rank: strictly greater scores, then ties broken by item index', () => {
  const s = Float32Array.from([0.5, 0.9, 0.5, 0.1, 0.5]);
  assert.equal(rankFromScores(s, 0, 5, 1), 0);
  assert.equal(rankFromScores(s, 0, 5, 0), 1); // only item 1 above
  assert.equal(rankFromScores(s, 0, 5, 2), 2); // item 1 above, tie with item 0 (lower index)
  assert.equal(rankFromScores(s, 0, 5, 4), 3);
  assert.equal(rankFromScores(s, 0, 5, 3), 4);
  assert.throws(() => rankFromScores(Float32Array.from([Number.NaN, 1]), 0, 2, 0), SidrecError);
});

test('evaluate: hand-checked Recall/NDCG with exact numbers', async () => {
  // 6 items. user 0: target 2 at rank 0; user 1: target 5 at rank 3; user 2: target 0 at rank 5 (last).
  const rows = [
    [0.1, 0.2, 0.9, 0.3, 0.4, 0.5],
    [0.9, 0.8, 0.7, 0.1, 0.2, 0.6],
    [0.0, 0.5, 0.4, 0.3, 0.2, 0.1],
  ];
  const sp = fakeSplit(6, [ex(0, 2), ex(1, 5), ex(2, 0)], [0, 1, 25, 4, 5, 19]);
  const r = await evaluate(tableScorer(rows), sp, 'test', { metrics: ['recall@1', 'recall@5', 'ndcg@5', 'ndcg@10', 'mrr@10'], bucketEdges: [1, 5, 20] });
  assert.deepEqual(Array.from(r.ranks), [0, 3, 5]);
  assert.equal(r.metrics['recall@1'], 1 / 3);
  assert.equal(r.metrics['recall@5'], 2 / 3);
  assert.ok(Math.abs(r.metrics['ndcg@5'] - (1 + 1 / Math.log2(5)) / 3) < 1e-12);
  assert.ok(Math.abs(r.metrics['ndcg@10'] - (1 + 1 / Math.log2(5) + 1 / Math.log2(7)) / 3) < 1e-12);
  assert.ok(Math.abs(r.metrics['mrr@10'] - (1 + 1 / 4 + 1 / 6) / 3) < 1e-12);
  // Buckets by train count of the target: item 2 -> 25 (20+), item 5 -> 19 (5-19), item 0 -> 0 ("0").
  assert.deepEqual(
    r.buckets.map((b) => [b.label, b.count]),
    [
      ['0', 1],
      ['1-4', 0],
      ['5-19', 1],
      ['20+', 1],
    ],
  );
  assert.equal(r.buckets[3].metrics['recall@1'], 1);
  assert.equal(r.buckets[2].metrics['ndcg@5'], 1 / Math.log2(5));
  assert.equal(r.buckets[1].metrics['ndcg@5'], 0);
  const json = resultToJson(r, { perQuery: true });
  assert.deepEqual(json.perQuery, [
    [0, 2, 0],
    [1, 5, 3],
    [2, 0, 5],
  ]);
  assert.equal(json.buckets[3].max, null);
  const table = formatTable([r], ['toy']);
  assert.match(table, /toy\s+all\s+3\s+0\.3333/);
  assert.match(table, /toy\s+5-19\s+1/);
});

test('evaluate: constant scores rank the target at its item index (documented tiebreak)', async () => {
  const sp = fakeSplit(10, [ex(0, 0), ex(1, 3), ex(2, 9)]);
  const r = await evaluate({ kind: 'scores', score: (b) => new Float32Array(b.length * 10) }, sp, 'valid', { metrics: ['ndcg@5'] });
  assert.deepEqual(Array.from(r.ranks), [0, 3, 9]);
});

test('evaluate: matches a brute-force full-sort reference on random scores with ties, any batch size', async () => {
  const rng = new Rng(7);
  const N = 37;
  const Q = 53;
  const rows = Array.from({ length: Q }, () => Array.from({ length: N }, () => rng.int(8) / 8)); // many ties
  const examples = Array.from({ length: Q }, (_, u) => ex(u, rng.int(N)));
  const sp = fakeSplit(
    N,
    examples,
    Array.from({ length: N }, () => rng.int(30)),
  );
  const metrics = ['recall@5', 'ndcg@5', 'recall@10', 'ndcg@10', 'recall@20', 'ndcg@20'];
  // Reference: stable sort by score descending, then item index ascending; position of the target.
  const refRanks = examples.map((e) => {
    const order = Array.from({ length: N }, (_, i) => i).sort((a, b) => rows[e.user][b] - rows[e.user][a] || a - b);
    return order.indexOf(e.target);
  });
  for (const batchSize of [1, 7, 256]) {
    const r = await evaluate(tableScorer(rows), sp, 'test', { metrics, batchSize });
    assert.deepEqual(Array.from(r.ranks), refRanks);
    for (const m of metrics) {
      const k = Number(m.split('@')[1]);
      const ref = refRanks.reduce((s, rank) => s + (rank < k ? (m.startsWith('ndcg') ? 1 / Math.log2(rank + 2) : 1) : 0), 0) / Q;
      assert.ok(Math.abs(r.metrics[m] - ref) < 1e-12, m);
    }
    const bucketTotal = r.buckets.reduce((s, b) => s + b.count, 0);
    assert.equal(bucketTotal, Q);
  }
  // The top-K path over the same ranking gives the same metrics (ranks beyond K become Infinity).
  const topk: Scorer = {
    kind: 'topk',
    topK: (batch, k) =>
      batch.map((e) =>
        Array.from({ length: N }, (_, i) => i)
          .sort((a, b) => rows[e.user][b] - rows[e.user][a] || a - b)
          .slice(0, k),
      ),
  };
  const rs = await evaluate(tableScorer(rows), sp, 'test', { metrics });
  const rk = await evaluate(topk, sp, 'test', { metrics });
  assert.deepEqual(rk.metrics, rs.metrics);
  assert.ok(Array.from(rk.ranks).every((x, q) => (refRanks[q] < 20 ? x === refRanks[q] : x === Infinity)));
});

test('evaluate: shape errors and unknown metric names are reported', async () => {
  const sp = fakeSplit(4, [ex(0, 1)]);
  await assert.rejects(evaluate({ kind: 'scores', score: () => new Float32Array(3) }, sp, 'test'), (e: SidrecError) => e.code === 'E_SHAPE');
  await assert.rejects(evaluate({ kind: 'topk', topK: () => [[0], [1]] }, sp, 'test'), (e: SidrecError) => e.code === 'E_SHAPE');
  // A short top-K list is allowed: a target outside it is not retrieved.
  const short = await evaluate({ kind: 'topk', topK: () => [[0]] }, sp, 'test', { metrics: ['recall@3'] });
  assert.deepEqual([short.ranks[0], short.metrics['recall@3']], [Infinity, 0]);
  const hit = await evaluate({ kind: 'topk', topK: () => [[3, 1]] }, sp, 'test', { metrics: ['recall@3', 'ndcg@3'] });
  assert.deepEqual([hit.ranks[0], hit.metrics['recall@3'], hit.metrics['ndcg@3']], [1, 1, 1 / Math.log2(3)]);
  assert.throws(() => metricSpec('precision@10'), /unknown metric "precision@10"/);
  assert.equal(metricSpec('HR@10').name, 'recall@10');
});

test('evaluate: excludeHistory ranks as if the history items were gone, for dense scores and top-K lists alike', async () => {
  const rng = new Rng(11);
  const n = 30;
  const examples = Array.from({ length: 40 }, (_, u) => {
    const history = Array.from({ length: 1 + rng.int(6) }, () => rng.int(n));
    let target = rng.int(n);
    if (u % 7 !== 0) while (history.includes(target)) target = rng.int(n); // every 7th may repeat a history item
    return ex(u, target, history);
  });
  // Scores with many ties (quantised), so the tie rule is exercised.
  const rows = examples.map(() => Array.from({ length: n }, () => Math.floor(rng.next() * 8)));
  const sp = fakeSplit(n, examples);
  // Reference: drop the history items from the row, then rank what is left with the same tie rule.
  const want = examples.map((q, u) => {
    if (q.history.includes(q.target)) return Number.POSITIVE_INFINITY;
    const kept = rows[u].map((s, j) => ({ s, j })).filter(({ j }) => !q.history.includes(j));
    kept.sort((a, b) => b.s - a.s || a.j - b.j);
    return kept.findIndex(({ j }) => j === q.target);
  });
  const dense = await evaluate(tableScorer(rows), sp, 'test', { metrics: ['ndcg@10'], excludeHistory: true });
  assert.deepEqual(Array.from(dense.ranks), want);
  assert.ok(
    want.some((r, u) => r !== rankFromScores(Float32Array.from(rows[u]), 0, n, examples[u].target)),
    'the exclusion changes some ranks',
  );
  // The same ranking as top-K lists: the evaluator asks for room to drop the history items.
  let asked = 0;
  const lists: Scorer = {
    kind: 'topk',
    topK: (batch, k) => {
      asked = Math.max(asked, k);
      return batch.map((q) => {
        const order = rows[q.user].map((s, j) => ({ s, j })).sort((a, b) => b.s - a.s || a.j - b.j);
        return order.slice(0, k).map(({ j }) => j);
      });
    },
  };
  const listed = await evaluate(lists, sp, 'test', { metrics: ['recall@10', 'ndcg@10'], excludeHistory: true });
  assert.ok(asked > 10, 'more than 10 asked for');
  assert.deepEqual(
    Array.from(listed.ranks),
    want.map((r) => (r < 10 ? r : Number.POSITIVE_INFINITY)),
  );
  const plain = await evaluate(tableScorer(rows), sp, 'test', { metrics: ['ndcg@10'] });
  assert.ok(plain.metrics['ndcg@10'] !== dense.metrics['ndcg@10']);
});

test('evaluate: an aborted signal stops it between batches of queries with E_INTERRUPTED, naming how far it got', async () => {
  const sp = fakeSplit(3, [ex(0, 1), ex(1, 2), ex(2, 0), ex(0, 2), ex(1, 1), ex(2, 2)]);
  const controller = new AbortController();
  let calls = 0;
  const scorer: Scorer = {
    kind: 'scores',
    score: (batch) => {
      if (++calls === 2) controller.abort();
      return new Float32Array(batch.length * 3);
    },
  };
  await assert.rejects(evaluate(scorer, sp, 'test', { batchSize: 2, signal: controller.signal, label: 'eval here' }), (e: SidrecError) => {
    assert.equal(e.code, 'E_INTERRUPTED');
    assert.match(e.message, /^eval here stopped after 4 of 6 queries$/);
    return true;
  });
  assert.equal(calls, 2, 'no batch scored after the abort');
  const whole = await evaluate(scorer, sp, 'test', { batchSize: 2, signal: new AbortController().signal });
  assert.equal(whole.numQueries, 6, 'a signal never aborted changes nothing');
});
