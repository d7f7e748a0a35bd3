/** The line after each training epoch: the best so far, the patience used and the time the rest may take. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outlook } from '../../src/train/trainer.js';

const record = (epoch: number, seconds: number) => ({ epoch, loss: 1, seconds, valid: {} });

test('outlook: best, patience, and the epochs left at the pace of the last three', () => {
  const history = [record(1, 1000), record(2, 60), record(3, 90), record(4, 120)];
  const state = { epoch: 4, bestEpoch: 3, bestMetric: 0.06356, badEpochs: 1, history };
  // 26 epochs left at (60 + 90 + 120) / 3 = 90 s each: 2,340 s. The slow first epoch no longer counts.
  assert.equal(outlook(state, { epochs: 30, patience: 5 }), 'best 0.0636 @ 3, patience 1/5; 26 epochs left, at most ~39m00s');
  assert.equal(outlook({ ...state, epoch: 29 }, { epochs: 30, patience: 5 }), 'best 0.0636 @ 3, patience 1/5; 1 epoch left, at most ~1m30s');
  assert.equal(outlook({ ...state, epoch: 30 }, { epochs: 30, patience: 5 }), 'best 0.0636 @ 3, patience 1/5', 'the schedule is over');
  assert.equal(outlook({ ...state, badEpochs: 5 }, { epochs: 30, patience: 5 }), 'best 0.0636 @ 3, patience 5/5', 'stopped by patience');
});
