/**
 * A SID directory (`sidrec tokenize --out DIR`, a TIGER run's OUT/sids, a model's bundled copy) is one set:
 * tokenizer.sidtok, sids.sidtab and report.json written together and replaced whole (core/atomic-dir.ts), with
 * `sids.json` written last naming every file's SHA-256 and the set's id (a hash of those). A reader checks each
 * file it reads against sids.json, so files of two tokenize runs never mix unnoticed: a mismatch is an E_STATE
 * naming the directory and the file. A directory without sids.json (an older sidrec, or a write that never
 * finished) is refused by the directory-level readers.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { interruptedReplacement, writeDirAtomic, type WriteDirOptions } from '../core/atomic-dir.js';
import { SidrecError } from '../core/errors.js';

export const SID_MANIFEST_FILE = 'sids.json';
const FORMAT = 'sidrec-sids';
const VERSION = 1;

export interface SidDirManifest {
  readonly format: typeof FORMAT;
  readonly version: number;
  /** Hash of the file names and their hashes: the set's identity, pinned by models trained on it. */
  readonly id: string;
  readonly files: Readonly<Record<string, { readonly sha256: string; readonly bytes: number }>>;
}

export const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

function setId(files: SidDirManifest['files']): string {
  return sha256(
    JSON.stringify(
      Object.keys(files)
        .sort()
        .map((name) => [name, files[name].sha256]),
    ),
  ).slice(0, 32);
}

/**
 * Replace `dir` whole with `files` (name -> bytes) and their sids.json.
 * @example writeSidDir('runs/beauty/sid-opq', new Map([['tokenizer.sidtok', bytes]]))
 */
export function writeSidDir(dir: string, files: ReadonlyMap<string, Uint8Array | string>, options: WriteDirOptions = {}): SidDirManifest {
  const listed: Record<string, { sha256: string; bytes: number }> = {};
  for (const [name, data] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    listed[name] = { sha256: sha256(bytes), bytes: bytes.length };
  }
  const manifest: SidDirManifest = { format: FORMAT, version: VERSION, id: setId(listed), files: listed };
  refuseForeignDir(dir, new Set([...files.keys(), SID_MANIFEST_FILE]));
  writeDirAtomic(
    dir,
    (tmp) => {
      for (const [name, data] of files) writeFileSync(join(tmp, name), data);
      writeFileSync(join(tmp, SID_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`); // last: its presence means complete
    },
    options,
  );
  return manifest;
}

/** Replacing a directory whole must never delete what is not a SID set: `--out runs/beauty` is refused. */
function refuseForeignDir(dir: string, ours: ReadonlySet<string>): void {
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (!stat) return;
  if (!stat.isDirectory()) throw new SidrecError('E_CONFIG', 'not a directory', { file: dir, field: 'out' });
  const foreign = readdirSync(dir).filter((name) => !ours.has(name));
  if (foreign.length > 0) {
    throw new SidrecError(
      'E_CONFIG',
      `holds files that are not part of a SID set (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}), and a SID directory is replaced whole: choose a new or empty directory`,
      { file: dir, field: 'out' },
    );
  }
}

function readSidManifest(dir: string): SidDirManifest | undefined {
  const path = join(dir, SID_MANIFEST_FILE);
  if (!existsSync(path)) return undefined;
  let value: SidDirManifest;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as SidDirManifest;
  } catch (error) {
    throw new SidrecError('E_STATE', `unreadable SID manifest: ${(error as Error).message}`, { file: path });
  }
  if (value.format !== FORMAT || typeof value.files !== 'object' || value.files === null)
    throw new SidrecError('E_STATE', 'not a sidrec SID manifest', { file: path, field: 'format' });
  if (value.version !== VERSION)
    throw new SidrecError('E_STATE', `SID manifest version ${value.version}, this sidrec reads ${VERSION}`, { file: path, field: 'version' });
  if (value.id !== setId(value.files)) throw new SidrecError('E_STATE', 'the set id does not match the files listed', { file: path, field: 'id' });
  return value;
}

function mismatch(dir: string, name: string, why: string): SidrecError {
  return new SidrecError('E_STATE', `SID directory ${dir}: ${why}; its files come from different tokenize runs or were changed (run sidrec tokenize again)`, {
    file: join(dir, name),
    field: SID_MANIFEST_FILE,
  });
}

/**
 * The bytes of `path`, checked against the sids.json beside it when there is one (a lone artifact file elsewhere
 * is read as it is). Every artifact read goes through here.
 */
export function readSidFile(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new SidrecError('E_NOT_FOUND', `cannot read: ${(error as Error).message}`, { file: path });
  }
  const dir = dirname(path);
  const manifest = readSidManifest(dir);
  const name = basename(path);
  if (manifest && name !== SID_MANIFEST_FILE) {
    const entry = manifest.files[name];
    if (!entry) throw mismatch(dir, name, `${name} is not listed in ${SID_MANIFEST_FILE}`);
    if (sha256(bytes) !== entry.sha256) throw mismatch(dir, name, `${name} does not match the SHA-256 in ${SID_MANIFEST_FILE}`);
  }
  return bytes;
}

export interface VerifiedSidDir {
  readonly dir: string;
  readonly manifest: SidDirManifest;
}

/**
 * Checks a whole SID directory: sids.json present, every file listed there present with its hash.
 * @throws E_NOT_FOUND (no such directory, naming an interrupted replacement if one was left), E_STATE otherwise
 */
export function verifySidDir(dir: string): VerifiedSidDir {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    const left = interruptedReplacement(dir);
    throw new SidrecError(
      'E_NOT_FOUND',
      left
        ? `no SID directory here: a replacement was interrupted and left the previous one at ${left} (rename it back, or run sidrec tokenize again)`
        : 'no such SID directory',
      { file: dir, field: 'sids' },
    );
  }
  const manifest = readSidManifest(dir);
  if (!manifest) {
    throw new SidrecError(
      'E_STATE',
      `no ${SID_MANIFEST_FILE}: not a complete SID directory (written by an older sidrec, or by a tokenize that did not finish); run sidrec tokenize again`,
      { file: dir, field: SID_MANIFEST_FILE },
    );
  }
  for (const name of Object.keys(manifest.files)) {
    if (!existsSync(join(dir, name))) throw mismatch(dir, name, `${name} is listed in ${SID_MANIFEST_FILE} but missing`);
    readSidFile(join(dir, name));
  }
  return { dir, manifest };
}

/** Whether `dir` looks like a SID directory (has sids.json); nothing is checked. */
export function isSidDir(dir: string): boolean {
  return existsSync(join(dir, SID_MANIFEST_FILE));
}
