import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SidrecError } from '../../src/core/errors.js';
import { lockRun, RUN_LOCK_FILE } from '../../src/train/run-lock.js';

const work = mkdtempSync(join(tmpdir(), 'sidrec-run-lock-'));

test('the training lock names its process; taken again in the same process it is a no-op; released, it is gone', () => {
  const dir = join(work, 'own');
  const release = lockRun(dir);
  const path = join(dir, RUN_LOCK_FILE);
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
  lockRun(dir)(); // nested (the CLI holds it around the plan, runTraining again): its release keeps the outer lock
  assert.ok(existsSync(path));
  release();
  assert.equal(existsSync(path), false);
});

test('a second process is refused while the first lives (the error names it); a dead owner is taken over', async () => {
  const dir = join(work, 'other');
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  await new Promise((resolve) => other.once('spawn', resolve));
  lockRun(dir)(); // creates the folder
  writeFileSync(join(dir, RUN_LOCK_FILE), JSON.stringify({ pid: other.pid, host: hostname(), since: '2026-12-03T00:00:00Z' }));
  assert.throws(
    () => lockRun(dir),
    (e: unknown) => e instanceof SidrecError && e.code === 'E_STATE' && e.message.includes(`process ${other.pid}`),
  );
  other.kill('SIGKILL');
  await new Promise((resolve) => other.once('exit', resolve));
  const release = lockRun(dir);
  assert.equal(JSON.parse(readFileSync(join(dir, RUN_LOCK_FILE), 'utf8')).pid, process.pid, 'taken over from the dead process');
  release();
});
