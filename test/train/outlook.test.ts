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

test('outlook: patience not counted yet while the learning rate warms up', () => {
  const state = { epoch: 4, bestEpoch: 1, bestMetric: 0.01, badEpochs: 0, history: [record(1, 60)], step: 356 };
  assert.equal(
    outlook(state, { epochs: 30, patience: 20, warmupSteps: 10000 }),
    'best 0.0100 @ 1, patience 0/20 (counted after the warm-up); 26 epochs left, at most ~26m00s',
  );
  assert.equal(
    outlook({ ...state, step: 10001 }, { epochs: 30, patience: 20, warmupSteps: 10000 }),
    'best 0.0100 @ 1, patience 0/20; 26 epochs left, at most ~26m00s',
  );
});

test('early stopping counts only the epochs that end after the warm-up', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { train } = await import('../../src/train/trainer.js');
  const { DEFAULT_TRAIN_CONFIG } = await import('../../src/train/config.js');
  const { mul, parameter, sumAll } = await import('../../src/tensor/index.js');
  const w = parameter([2], Float32Array.of(1, -1));
  const model = { namedParameters: () => [{ name: 'w', tensor: w }], loss: () => sumAll(mul(w, w)) };
  // Validation only gets worse after epoch 1; two batches an epoch, so the warm-up of 6 steps ends with epoch 3.
  const run = (warmupSteps: number) =>
    train(
      model,
      { ...DEFAULT_TRAIN_CONFIG, epochs: 20, patience: 2, warmupSteps, lr: 0.01 },
      { batches: () => [0, 1], validate: async (epoch) => ({ 'ndcg@10': 1 / epoch }) },
      { dir: mkdtempSync(join(tmpdir(), 'sidrec-patience-')), quiet: true },
    );
  const warm = await run(6);
  assert.deepEqual([warm.stopped, warm.bestEpoch, warm.history.length], ['patience', 1, 5], 'epochs 2-3 end inside the warm-up: 4 and 5 count');
  const none = await run(0);
  assert.deepEqual([none.stopped, none.history.length], ['patience', 3], 'without a warm-up, epochs 2 and 3 count');
});
