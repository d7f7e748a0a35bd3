/**
 * One training process per model directory. `OUT/train.lock` names the process training it (pid, host, start), so
 * a second `sidrec train --resume` or `sidrec reproduce` on the same directory is refused by name instead of
 * interleaving its checkpoints and epoch log with the first's. A lock whose process has died is taken over.
 */
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';

export const RUN_LOCK_FILE = 'train.lock';

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** Takes `dir`'s training lock (refusing a live owner on this host) and returns its release (a no-op when this process holds it already). */
export function lockRun(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, RUN_LOCK_FILE);
  const mine: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${JSON.stringify(mine)}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const owner = readOwner(path);
      if (owner?.host === mine.host && owner.pid === process.pid) return () => {}; // held further up this process
      if (owner && owner.host === mine.host && isAlive(owner.pid))
        throw new SidrecError(
          'E_STATE',
          `is being trained by process ${owner.pid} (since ${owner.since}): a second process would interleave its checkpoints with it; stop that one first (or wait for it)`,
          { file: dir },
        );
      rmSync(path, { force: true }); // its process is gone (or unreadable): take it over
    }
  }
  return () => {
    if (readOwner(path)?.pid === process.pid) rmSync(path, { force: true });
  };
}

/** Who holds `dir`'s training lock, if anyone, and whether that process is alive (known only on this host). */
export function runLockOwner(dir: string): (LockOwner & { readonly alive: boolean }) | undefined {
  const owner = readOwner(join(dir, RUN_LOCK_FILE));
  return owner && { ...owner, alive: owner.host === hostname() && isAlive(owner.pid) };
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
