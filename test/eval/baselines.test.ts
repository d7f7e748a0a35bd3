// Popularity and bigram (first-order Markov) baselines on a hand-checkable split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packSequences, split, type InteractionDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/index.js';
import { bigramScorer, fitBigram, popularityScorer } from '../../src/model/baselines.js';

function dataset(seqs: number[][], numItems: number): InteractionDataset {
  const itemIds = Array.from({ length: numItems }, (_, i) => String(i));
  return {
    name: 'toy',
    numUsers: seqs.length,
    numItems,
    ...packSequences(seqs.map((s) => Int32Array.from(s))),
    userIds: seqs.map((_, u) => String(u)),
    itemIds,
    catalog: { itemIds, texts: itemIds.map(() => ({})), attributes: itemIds.map(() => []) },
    warnings: [],
  };
}

test('baselines: popularity and bigram scores from the training split only', async () => {
  // Training parts: [0,1,0,1], [2,1,2], [3,3,3]; valid/test items (4, 0, 1, ...) are never counted.
  const ds = dataset(
    [
      [0, 1, 0, 1, 4, 0],
      [2, 1, 2, 1, 4],
      [3, 3, 3, 4, 4],
    ],
    5,
  );
  const sp = split(ds);
  assert.deepEqual(Array.from(sp.trainItemCounts), [2, 3, 2, 3, 0]);
  const pop = popularityScorer(sp);
  if (pop.kind !== 'scores') throw new Error('unreachable');
  assert.deepEqual(Array.from(await pop.score(sp.valid.slice(0, 1))), [2, 3, 2, 3, 0]);
  const table = fitBigram(sp);
  // Transitions: 0->1 x2, 1->0 x1, 2->1 x1, 1->2 x1, 3->3 x2.
  assert.deepEqual(Array.from(table.start), [0, 1, 3, 4, 5, 5]);
  assert.deepEqual(Array.from(table.next), [1, 0, 2, 1, 3]);
  assert.deepEqual(Array.from(table.count), [2, 1, 1, 1, 2]);
  const bigram = bigramScorer(sp, table);
  if (bigram.kind !== 'scores') throw new Error('unreachable');
  // User 0 valid history ends with 1: 1->0 and 1->2 once each; popularity (0.5 * c / 4) breaks the tie.
  const s = Array.from(await bigram.score(sp.valid.slice(0, 1)));
  assert.deepEqual(s, [1 + 0.25, 0.375, 1 + 0.25, 0.375, 0].map(Math.fround));
  // Test: user 0's target 0 after [.., 4]: no transitions from 4, pure popularity -> items 1, 3 above -> rank 2;
  // users 1 and 2 target the never-trained item 4 (score 0), last of 5 -> rank 4.
  const r = await evaluate(bigram, sp, 'test', { metrics: ['recall@1'] });
  assert.deepEqual(Array.from(r.ranks), [2, 4, 4]);
});
