import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SidrecError } from '../../src/core/errors.js';
import { readEpochLog } from '../../src/train/epoch-log.js';

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
