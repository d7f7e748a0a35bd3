import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SidrecError } from '../../src/core/errors.js';
import { readEpochLog } from '../../src/train/epoch-log.js';
import { bestEpochOf, type EpochRecord } from '../../src/train/trainer.js';

test('readEpochLog: records in order, none for a missing file, a bad line named by file and line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'epoch-log-'));
  const path = join(dir, 'epochs.jsonl');
  assert.deepEqual(readEpochLog(path), []);
  writeFileSync(path, '{"epoch":1,"loss":2.5,"seconds":3,"valid":{"ndcg@10":0.01}}\n\n{"epoch":2,"loss":2,"seconds":3,"valid":{}}\n');
  assert.deepEqual(
    readEpochLog(path).map((e) => [e.epoch, e.loss, e.valid['ndcg@10']]),
    [
      [1, 2.5, 0.01],
      [2, 2, undefined],
    ],
  );
  writeFileSync(path, '{"epoch":1,"loss":2.5,"seconds":3,"valid":{}}\n{"epoch":2,"valid":{}}\n');
  assert.throws(
    () => readEpochLog(path),
    (e: unknown) => e instanceof SidrecError && e.location.line === 2 && e.location.field === 'loss' && e.location.file === path,
  );
  writeFileSync(path, '{"epoch":1\n');
  assert.throws(
    () => readEpochLog(path),
    (e: unknown) => e instanceof SidrecError && e.location.line === 1,
  );
});

test("bestEpochOf: the trainer's rule (the first epoch with the highest figure), none without the metric", () => {
  const e = (epoch: number, ndcg?: number): EpochRecord => ({ epoch, loss: 1, seconds: 1, valid: ndcg === undefined ? {} : { 'ndcg@10': ndcg } });
  const log = [e(1, 0.01), e(2, 0.03), e(3), e(4, 0.03), e(5, 0.02)];
  assert.equal(bestEpochOf(log, 'ndcg@10')?.epoch, 2, 'a later tie does not replace the best');
  assert.equal(bestEpochOf(log, 'recall@10'), undefined);
  assert.equal(bestEpochOf([], 'ndcg@10'), undefined);
});
