/**
 * A trained model directory carries what serving needs, so it serves after the dataset or the tokenize folder
 * it was trained from changed or moved, and after the model directory itself moved:
 *   sids/       a copy of the SID directory it was trained on (tokenizer, table, report, sids.json), made when
 *               training starts (`bundleSids`), so a later re-tokenize of the source cannot reach it
 *   items.json  the serving catalogue: item ids, catalogue texts, training popularity, the dataset's fingerprint
 * The manifest (written last) pins both: `bundle.items.sha256`, `bundle.sids.id` (the SID set's id, whose
 * sids.json pins each file) and `bundle.dataset.fingerprint` (a hash of the dataset's three files), and serving
 * refuses, naming the file, anything that does not match. `serve --data DIR` may point at a moved dataset; it is
 * checked against the pinned fingerprint. Directories written before this had no bundle and read the dataset
 * and SIDs at the paths recorded at training time (legacy paths below).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { writeDirAtomic } from '../core/atomic-dir.js';
import { SidrecError } from '../core/errors.js';
import { loadDataset, type InteractionDataset, type ItemText } from '../data/index.js';
import { isSidDir, loadSidTable, readSidFile, SID_MANIFEST_FILE, sha256, TABLE_FILE, verifySidDir } from '../tokenize/index.js';
import type { ModelManifest } from './manifest.js';
import { loadItemCodes } from './rpg-io.js';
import { MODEL_FILES } from './files.js';

export const BUNDLE_ITEMS_FILE = MODEL_FILES.items;
export const BUNDLE_SIDS_DIR = MODEL_FILES.sidsDir;
const DATASET_FILES = ['dataset.json', 'catalog.json', 'sequences.bin'] as const;

/** What the manifest pins of the model directory's own copies. */
export interface ModelBundle {
  readonly items?: { readonly file: string; readonly sha256: string };
  readonly dataset?: { readonly name: string; readonly numItems: number; readonly fingerprint: string };
  readonly sids?: { readonly dir: string; readonly id: string };
  /** Why no SIDs were bundled although the run named a SID directory. */
  readonly sidsNotBundled?: string;
}

/** What serving reads of the dataset: ids, texts, training popularity. */
export interface ServingItems {
  readonly itemIds: readonly string[];
  readonly texts: readonly ItemText[];
  readonly popularity: Float64Array;
  /** Where they came from, for log lines. */
  readonly source: string;
}

/** A hash of a prepared dataset's three files (dataset.json, catalog.json, sequences.bin). */
export function datasetFingerprint(dataDir: string): string {
  const hash = createHash('sha256');
  for (const name of DATASET_FILES) {
    const path = join(dataDir, name);
    if (!existsSync(path)) throw new SidrecError('E_NOT_FOUND', 'no dataset here (moved? pass --data DIR)', { file: path, field: 'data' });
    hash.update(`${name}\n`).update(readFileSync(path));
  }
  return hash.digest('hex').slice(0, 32);
}

function itemsOf(ds: InteractionDataset, source: string): ServingItems {
  const popularity = new Float64Array(ds.numItems);
  for (const i of ds.items) popularity[i]++;
  return { itemIds: ds.itemIds, texts: ds.catalog.texts, popularity, source };
}

/**
 * The dataset at `dataDir`, refused (E_STATE naming it and the pin) unless it is the one the model pins; a model
 * without a pin (trained by an older sidrec) takes it as it is.
 */
export function loadPinnedDataset(modelDir: string, manifest: ModelManifest, dataDir: string): InteractionDataset {
  const pinned = manifest.bundle?.dataset;
  if (pinned) {
    const got = datasetFingerprint(dataDir);
    if (got !== pinned.fingerprint) {
      throw new SidrecError(
        'E_STATE',
        `dataset ${dataDir} is not the one this model was trained on (fingerprint ${got}; ${join(modelDir, MODEL_FILES.manifest)} pins ${pinned.fingerprint} of "${pinned.name}")`,
        { file: dataDir, field: 'data' },
      );
    }
  }
  return loadDataset(dataDir);
}

/** The SID directory at `path`: itself, the directory of a file in it, or a model directory's bundled copy. */
export function findSidDir(path: string): string | undefined {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return undefined;
  const dir = stat.isDirectory() ? path : dirname(path);
  if (isSidDir(dir)) return dir;
  if (isSidDir(join(dir, BUNDLE_SIDS_DIR))) return join(dir, BUNDLE_SIDS_DIR);
  return undefined;
}

/**
 * At the start of a fresh training run: copy the SID directory `source` (a tokenize folder, a file in it, or
 * another model directory) into MODEL/sids, verified against its sids.json; with no source, a stale MODEL/sids
 * of an earlier run is removed. Returns the copied set's id, undefined when there is nothing to copy (no
 * source, or one written by an older sidrec without sids.json).
 */
export function bundleSids(modelDir: string, source: string | undefined): string | undefined {
  const target = resolve(modelDir, BUNDLE_SIDS_DIR);
  const found = source === undefined ? undefined : findSidDir(source);
  if (found === undefined) {
    if (source === undefined) rmSync(target, { recursive: true, force: true });
    return undefined;
  }
  const { manifest } = verifySidDir(found);
  if (resolve(found) === target) return manifest.id;
  const copies = new Map(Object.keys(manifest.files).map((name) => [name, readSidFile(join(found, name))]));
  writeDirAtomic(target, (tmp) => {
    for (const [name, bytes] of copies) writeFileSync(join(tmp, name), bytes);
    writeFileSync(join(tmp, SID_MANIFEST_FILE), readFileSync(join(found, SID_MANIFEST_FILE)));
  });
  return manifest.id;
}

/** Why MODEL/sids cannot serve this model (a model with saved item codes, RPG's: the table must hold exactly them). */
function sidsMismatch(modelDir: string, manifest: ModelManifest, sidsDir: string): string | undefined {
  const table = loadSidTable(join(sidsDir, TABLE_FILE));
  if (table.count !== manifest.numItems) return `its table has ${table.count} items, the model ${manifest.numItems}`;
  const codesPath = join(modelDir, MODEL_FILES.itemCodes);
  if (!existsSync(codesPath)) return undefined;
  const codes = loadItemCodes(codesPath);
  const same = codes.codes.length === table.codes.length && codes.codes.every((c, i) => c === table.codes[i]);
  return same ? undefined : 'its table is not the codes the model was trained on';
}

/**
 * When a run finishes, just before its manifest: write items.json and pin it, the dataset and MODEL/sids.
 * A dataset that is gone yields no items.json (serving then needs --data); nothing here throws for that.
 */
export function writeBundle(modelDir: string, manifest: ModelManifest): ModelBundle {
  let items: ModelBundle['items'];
  let dataset: ModelBundle['dataset'];
  if (existsSync(join(manifest.dataDir, 'dataset.json'))) {
    const ds = loadDataset(manifest.dataDir);
    const fingerprint = datasetFingerprint(manifest.dataDir);
    const served = itemsOf(ds, manifest.dataDir);
    const text = `${JSON.stringify({ format: 'sidrec-serving-items', version: 1, dataset: { name: ds.name, fingerprint }, itemIds: served.itemIds, texts: served.texts, popularity: Array.from(served.popularity) })}\n`;
    writeFileAtomic(join(modelDir, BUNDLE_ITEMS_FILE), text);
    items = { file: BUNDLE_ITEMS_FILE, sha256: sha256(text) };
    dataset = { name: ds.name, numItems: ds.numItems, fingerprint };
  }
  const sidsDir = join(modelDir, BUNDLE_SIDS_DIR);
  let sids: ModelBundle['sids'];
  let sidsNotBundled: string | undefined;
  if (isSidDir(sidsDir)) {
    const { manifest: set } = verifySidDir(sidsDir);
    sidsNotBundled = sidsMismatch(modelDir, manifest, sidsDir);
    if (sidsNotBundled === undefined) sids = { dir: BUNDLE_SIDS_DIR, id: set.id };
    else sidsNotBundled = `${sidsDir}: ${sidsNotBundled}`;
  }
  return { ...(items ? { items } : {}), ...(dataset ? { dataset } : {}), ...(sids ? { sids } : {}), ...(sidsNotBundled ? { sidsNotBundled } : {}) };
}

/**
 * The serving catalogue of a model directory: from `dataDir` when given (checked against the pinned dataset
 * fingerprint), else from the bundled items.json (checked against its pin), else, for directories written
 * before bundles, from the dataset at the path recorded at training time.
 */
export function readServingItems(modelDir: string, manifest: ModelManifest, dataDir?: string): ServingItems {
  if (dataDir !== undefined) return itemsOf(loadPinnedDataset(modelDir, manifest, dataDir), dataDir);
  const bundled = manifest.bundle?.items;
  if (bundled) {
    const path = join(modelDir, bundled.file);
    if (!existsSync(path)) throw new SidrecError('E_NOT_FOUND', `the model's catalogue is missing (pinned in manifest.json)`, { file: path });
    const text = readFileSync(path, 'utf8');
    if (sha256(text) !== bundled.sha256)
      throw new SidrecError(
        'E_STATE',
        `${bundled.file} does not match the SHA-256 pinned in ${join(modelDir, MODEL_FILES.manifest)} (changed after training)`,
        { file: path, field: 'bundle.items.sha256' },
      );
    const parsed = JSON.parse(text) as { itemIds: string[]; texts: ItemText[]; popularity: number[] };
    return { itemIds: parsed.itemIds, texts: parsed.texts, popularity: Float64Array.from(parsed.popularity), source: path };
  }
  if (!existsSync(join(manifest.dataDir, 'dataset.json'))) {
    throw new SidrecError(
      'E_NOT_FOUND',
      `this model directory carries no catalogue (trained by an older sidrec) and its dataset is no longer at ${manifest.dataDir}: pass --data DIR`,
      { file: modelDir, field: 'data' },
    );
  }
  return itemsOf(loadDataset(manifest.dataDir), manifest.dataDir);
}

/** Where a model's SIDs are: its bundled copy (verified against the pinned set id), or the recorded source. */
export interface ModelSids {
  readonly dir: string;
  /** The verified set id; undefined for a legacy source without sids.json (nothing proves it unchanged). */
  readonly id?: string;
  readonly bundled: boolean;
}

/** The SID directory a model was trained on, undefined when it has none (RPG fitted its own SIDs, or it is gone). */
export function modelSids(modelDir: string, manifest: ModelManifest): ModelSids | undefined {
  const pinned = manifest.bundle?.sids;
  if (pinned) {
    const dir = join(modelDir, pinned.dir);
    const { manifest: set } = verifySidDir(dir);
    if (set.id !== pinned.id)
      throw new SidrecError('E_STATE', `SID set ${set.id} is not the one pinned in ${join(modelDir, MODEL_FILES.manifest)} (${pinned.id})`, {
        file: join(dir, SID_MANIFEST_FILE),
        field: 'bundle.sids.id',
      });
    return { dir, id: set.id, bundled: true };
  }
  const source = recordedSids(manifest);
  if (source === undefined) return undefined;
  const stat = statSync(source, { throwIfNoEntry: false });
  const own = join(modelDir, BUNDLE_SIDS_DIR); // a TIGER run that fitted its SIDs keeps them here
  const dir = stat ? (findSidDir(source) ?? (stat.isDirectory() ? source : dirname(source))) : existsSync(own) ? own : undefined;
  if (dir === undefined) return undefined;
  if (!isSidDir(dir)) return { dir, bundled: false };
  return { dir, id: verifySidDir(dir).manifest.id, bundled: false };
}

/** The SID directory a model was trained on: `sids`, or where manifests before it recorded the source. */
export function recordedSids(manifest: ModelManifest): string | undefined {
  const legacy = manifest as { readonly rpg?: { readonly sids?: { readonly source?: unknown } }; readonly sid?: { readonly sidsDir?: unknown } };
  const source = manifest.sids ?? legacy.rpg?.sids?.source ?? legacy.sid?.sidsDir;
  return typeof source === 'string' ? source : undefined;
}
