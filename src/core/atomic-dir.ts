/**
 * Directories replaced whole: the new contents are written under a temporary name beside the target
 * (`DIR.tmp-PID-N`), then the old directory is renamed aside (`DIR.old-PID-N`), the new one renamed into place and
 * only then the old one removed. A crash (kill -9, power cut) while writing leaves the old directory untouched and
 * a temporary one that nothing reads; a crash between the two renames leaves the old directory under its `.old-`
 * name, which the next write restores before it starts and which `interruptedReplacement` names for a reader.
 * Leftovers of dead writers are removed by the next write of the same directory.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

let counter = 0;

/** Whether process `pid` is still running (a leftover of a live writer must not be touched). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Leftover {
  readonly path: string;
  readonly kind: 'tmp' | 'old';
  readonly pid: number;
}

function leftovers(dir: string): Leftover[] {
  const parent = dirname(dir);
  const base = basename(dir);
  if (!existsSync(parent)) return [];
  const out: Leftover[] = [];
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(`${base}.`)) continue;
    const m = /^\.(tmp|old)-(\d+)-\d+$/.exec(name.slice(base.length));
    if (m) out.push({ path: join(parent, name), kind: m[1] as 'tmp' | 'old', pid: Number(m[2]) });
  }
  return out;
}

/**
 * Where the previous contents of `dir` were left by a replacement that was interrupted between its two renames
 * (so `dir` itself is missing); undefined when there is none.
 */
export function interruptedReplacement(dir: string): string | undefined {
  const abs = resolve(dir);
  if (existsSync(abs)) return undefined;
  return leftovers(abs).find((l) => l.kind === 'old' && !alive(l.pid))?.path;
}

/** Restores an interrupted replacement and removes dead writers' temporary directories. */
function recover(dir: string): void {
  for (const l of leftovers(dir)) {
    if (alive(l.pid)) continue;
    if (l.kind === 'old' && !existsSync(dir)) renameSync(l.path, dir);
    else rmSync(l.path, { recursive: true, force: true });
  }
}

export interface WriteDirOptions {
  /** Called with the finished temporary directory just before it is renamed into place (tests simulate a crash here). */
  readonly beforeRename?: (tmp: string) => void;
}

/**
 * Replace `dir` with what `write(tmp)` puts into the empty directory `tmp`. Either the old contents or the new
 * ones are at `dir` at every moment a reader can see it complete; a failing `write` leaves `dir` as it was.
 * @example writeDirAtomic('runs/beauty/sid-opq', (tmp) => writeFileSync(join(tmp, 'a.bin'), bytes))
 */
export function writeDirAtomic(dir: string, write: (tmp: string) => void, options: WriteDirOptions = {}): void {
  const abs = resolve(dir);
  mkdirSync(dirname(abs), { recursive: true });
  recover(abs);
  const suffix = `${process.pid}-${Date.now()}${counter++}`;
  const tmp = `${abs}.tmp-${suffix}`;
  mkdirSync(tmp);
  try {
    write(tmp);
    options.beforeRename?.(tmp);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  if (!existsSync(abs)) {
    renameSync(tmp, abs);
    return;
  }
  const old = `${abs}.old-${suffix}`;
  renameSync(abs, old);
  try {
    renameSync(tmp, abs);
  } catch (error) {
    renameSync(old, abs);
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  rmSync(old, { recursive: true, force: true });
}
