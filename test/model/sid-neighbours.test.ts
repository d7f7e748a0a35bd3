// The sid-neighbours content baseline against a brute-force reading of its definition (model/sid-neighbours.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { packSequences, split, type InteractionDataset } from '../../src/data/index.js';
import { sidNeighboursScorer } from '../../src/model/sid-neighbours.js';
import { isHierarchical, SemanticIdTable, type SidTableShape } from '../../src/tokenize/sid-table.js';

function dataset(seqs: Int32Array[], numItems: number): InteractionDataset {
  const itemIds = Array.from({ length: numItems }, (_, i) => String(i));
  return {
    name: 'toy',
    numUsers: seqs.length,
    numItems,
    ...packSequences(seqs),
    userIds: seqs.map((_, u) => String(u)),
    itemIds,
    catalog: { itemIds, texts: itemIds.map(() => ({})), attributes: itemIds.map(() => []) },
    warnings: [],
  };
}

/** The definition, item by item: sum_k decay^k sim(h_k, j) + popularity below the smallest step, history last. */
function bruteForce(table: SemanticIdTable, counts: Int32Array, history: Int32Array, window: number, decay: number): Float64Array {
  const b = table.shape.baseDigits;
  const n = table.count;
  const maxPop = Math.max(...counts);
  const out = Float64Array.from(counts, (c) => (0.5 * (decay ** (window - 1) / b) * c) / (maxPop + 1));
  for (let k = 0; k < window && k < history.length; k++) {
    const a = table.codesOf(history[history.length - 1 - k]);
    for (let j = 0; j < n; j++) {
      const c = table.codesOf(j);
      let shared = 0;
      if (isHierarchical(table.shape)) while (shared < b && a[shared] === c[shared]) shared++;
      else for (let d = 0; d < b; d++) if (a[d] === c[d]) shared++;
      out[j] += (decay ** k * shared) / b;
    }
  }
  for (const item of history) out[item] = -1;
  return out;
}

for (const shape of [
  { baseDigits: 4, collisionDigit: false, codebookSize: 3 }, // unordered (RPG's OPQ digits)
  { baseDigits: 3, collisionDigit: true, codebookSize: 2 }, // hierarchical with a collision digit (TIGER's)
] satisfies SidTableShape[]) {
  test(`sid-neighbours: scores match the definition (${isHierarchical(shape) ? 'hierarchical' : 'unordered'} SIDs)`, async () => {
    const rng = new Rng(7);
    const n = 40;
    const codes = Int32Array.from({ length: n * shape.baseDigits }, () => rng.int(shape.codebookSize));
    const table = SemanticIdTable.build(codes, n, shape);
    const seqs = Array.from({ length: 12 }, () => Int32Array.from({ length: 3 + rng.int(8) }, () => rng.int(n)));
    const sp = split(dataset(seqs, n));
    for (const [window, decay] of [
      [1, 1],
      [3, 0.5],
      [5, 0.9],
    ]) {
      const scorer = sidNeighboursScorer(sp, table, { window, decay });
      if (scorer.kind !== 'scores') throw new Error('unreachable');
      const scores = await scorer.score(sp.test);
      sp.test.forEach((q, b) => {
        const want = bruteForce(table, sp.trainItemCounts, q.history, window, decay);
        for (let j = 0; j < n; j++)
          assert.ok(Math.abs(scores[b * n + j] - want[j]) < 1e-5, `window ${window}, query ${b}, item ${j}: ${scores[b * n + j]} vs ${want[j]}`);
      });
    }
  });
}

test('sid-neighbours: one shared digit of the oldest item read outranks any popularity; history unmasked on request', async () => {
  // Items 0-3; digits: item 1 shares digit 0 with item 0, item 2 shares nothing but is the most popular.
  const table = SemanticIdTable.build(Int32Array.from([0, 0, 0, 1, 1, 2, 2, 2]), 4, { baseDigits: 2, collisionDigit: false, codebookSize: 3 });
  const sp = split(dataset([Int32Array.from([2, 2, 2, 2, 3, 0, 3, 1]), Int32Array.from([2, 3, 0, 1])], 4));
  const scorer = sidNeighboursScorer(sp, table, { window: 1 });
  if (scorer.kind !== 'scores') throw new Error('unreachable');
  const [row] = [await scorer.score([{ user: sp.test[0].user, history: Int32Array.from([0]) }])];
  assert.ok(row[1] > row[2], 'a shared digit beats popularity');
  assert.equal(row[0], -1, 'the history item is ranked last');
  const open = sidNeighboursScorer(sp, table, { window: 1, maskHistory: false });
  if (open.kind !== 'scores') throw new Error('unreachable');
  const unmasked = await open.score([{ user: sp.test[0].user, history: Int32Array.from([0]) }]);
  assert.ok(unmasked[0] > unmasked[1], 'unmasked, an item is its own nearest neighbour');
});

test('sid-neighbours: a table of another dataset and bad options are refused', () => {
  const table = SemanticIdTable.build(Int32Array.from([0, 1, 2]), 3, { baseDigits: 1, collisionDigit: false, codebookSize: 3 });
  const sp = split(dataset([Int32Array.from([0, 1, 2, 3])], 4));
  assert.throws(() => sidNeighboursScorer(sp, table), /3 items, the dataset 4/);
  const ok = SemanticIdTable.build(Int32Array.from([0, 1, 2, 0]), 4, { baseDigits: 1, collisionDigit: false, codebookSize: 3 });
  assert.throws(() => sidNeighboursScorer(sp, ok, { window: 0 }), /window must be a positive integer/);
  assert.throws(() => sidNeighboursScorer(sp, ok, { decay: 0 }), /decay must be in/);
});
