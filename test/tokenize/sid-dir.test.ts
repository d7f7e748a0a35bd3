/**
 * A SID directory is replaced whole and its files name each other (issue 16.1): a tokenize killed with SIGKILL
 * while replacing a directory leaves the old set intact and loadable, its half-written or unrenamed successor is
 * never loadable and is cleaned by the next write; files of two sets mixed in one directory (what a torn
 * in-place write left before) are refused by every reader, naming the directory and the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRpgSids } from '../../src/model/rpg-io.js';
import { loadDatasetSids, loadTokenizer, saveDatasetSids, SID_MANIFEST_FILE, TABLE_FILE, TOKENIZER_FILE, verifySidDir } from '../../src/tokenize/index.js';
import { FIXTURE_SYNTH, fixtureSids } from './sid-dir-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'sidrec-sid-dir-'));
const oldSet = fixtureSids(0);

function snapshot(dir: string): Map<string, Buffer> {
  return new Map(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name))]),
  );
}

function leftovers(dir: string, kind: 'tmp' | 'old'): string[] {
  const base = dir.split('/').pop()!;
  return readdirSync(join(dir, '..')).filter((n) => n.startsWith(`${base}.${kind}-`));
}

async function killedWhile(dir: string, where: 'mid-write' | 'before-rename'): Promise<void> {
  const child = fork(new URL('./sid-dir-crash.child.js', import.meta.url), [dir, where], { stdio: 'inherit' });
  const exited = once(child, 'exit');
  const message = await Promise.race([once(child, 'message').then(([m]) => m), exited.then(([code]) => `exited early with ${code}`)]);
  assert.equal(message, 'ready');
  child.kill('SIGKILL');
  await exited;
}

for (const where of ['mid-write', 'before-rename'] as const) {
  test(`kill -9 ${where}: the old directory is intact, the new one is never read and is cleaned by the next write`, async () => {
    const dir = join(root, `sids-${where}`);
    const { id } = saveDatasetSids(dir, oldSet);
    const before = snapshot(dir);
    await killedWhile(dir, where);
    assert.deepEqual(snapshot(dir), before, 'every file of the old set, byte for byte');
    assert.equal(loadDatasetSids(dir).id, id);
    const [tmp] = leftovers(dir, 'tmp');
    assert.ok(tmp, 'the killed write left its temporary directory');
    if (where === 'mid-write') {
      assert.throws(
        () => verifySidDir(join(root, tmp)),
        (e: { code: string; message: string }) => e.code === 'E_STATE' && e.message.includes(SID_MANIFEST_FILE),
      );
    }
    const next = saveDatasetSids(dir, fixtureSids(1));
    assert.notEqual(next.id, id);
    assert.deepEqual(leftovers(dir, 'tmp'), [], "the dead writer's temporary directory is gone");
    assert.equal(loadDatasetSids(dir).id, next.id);
  });
}

test('killed between the two renames: readers name the previous set, the next write restores it first', () => {
  const dir = join(root, 'sids-between');
  const { id } = saveDatasetSids(dir, oldSet);
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // a pid that no longer runs
  renameSync(dir, `${dir}.old-${dead}-1`);
  assert.throws(
    () => verifySidDir(dir),
    (e: { code: string; message: string }) => e.code === 'E_NOT_FOUND' && e.message.includes(`${dir}.old-${dead}-1`),
  );
  assert.throws(() => loadDatasetSids(dir), /replacement was interrupted/);
  saveDatasetSids(dir, fixtureSids(1));
  assert.deepEqual(leftovers(dir, 'old'), []);
  assert.notEqual(loadDatasetSids(dir).id, id);
});

test('files of two sets in one directory are refused by every reader, naming the directory and the file', () => {
  const a = join(root, 'sids-a');
  const b = join(root, 'sids-b');
  saveDatasetSids(a, oldSet);
  saveDatasetSids(b, fixtureSids(1));
  copyFileSync(join(b, TOKENIZER_FILE), join(a, TOKENIZER_FILE)); // a new tokenizer beside the old table and report
  const named = (e: { code: string; message: string; location: { file?: string } }): boolean =>
    e.code === 'E_STATE' && e.location.file === join(a, TOKENIZER_FILE) && e.message.includes(`SID directory ${a}`);
  assert.throws(() => loadDatasetSids(a), named);
  assert.throws(() => loadTokenizer(join(a, TOKENIZER_FILE)), named);
  assert.throws(() => readRpgSids(a, FIXTURE_SYNTH.numItems), named, 'train --model rpg --sids refuses it');
  assert.ok(existsSync(join(a, TABLE_FILE)));
});

test('a directory without sids.json (older sidrec, unfinished write) is refused by directory readers', () => {
  const dir = join(root, 'sids-legacy');
  saveDatasetSids(dir, oldSet);
  renameSync(join(dir, SID_MANIFEST_FILE), join(root, 'moved-away.json'));
  assert.throws(
    () => loadDatasetSids(dir),
    (e: { code: string; message: string }) => e.code === 'E_STATE' && /run sidrec tokenize again/.test(e.message),
  );
  assert.throws(() => readRpgSids(dir, FIXTURE_SYNTH.numItems), /no sids\.json/);
});

test('a directory holding anything else is never replaced', () => {
  const dir = join(root, 'not-sids');
  saveDatasetSids(dir, oldSet);
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  assert.throws(
    () => saveDatasetSids(dir, fixtureSids(1)),
    (e: { code: string; message: string }) => e.code === 'E_CONFIG' && e.message.includes('notes.txt'),
  );
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine');
});
