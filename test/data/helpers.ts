// Shared test helpers: temp dirs and the location of the shared benchmark data (../shared/data from the repo root).
import { mkdtempSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function tempDir(prefix = 'sidrec-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `files` (name -> content) into a fresh temp dir and returns it. */
export function fixtureDir(files: Record<string, string | Uint8Array>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** Compiled tests live in dist/test/data; the repo root is three levels up. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SHARED_DATA = resolve(REPO_ROOT, '../shared/data');
export function sharedDataset(name: string): string | undefined {
  const dir = join(SHARED_DATA, name);
  return existsSync(join(dir, 'sequences.txt')) ? dir : undefined;
}
