/**
 * The prepared dataset as an artifact directory, handed from the data stage to every later one:
 *   dataset.json   - format/version, name, counts, external user and item ids (index = internal index), warnings,
 *                    and how exact duplicate events were handled (`duplicates`: policy, rule, found, dropped)
 *   catalog.json   - per-item text fields and attribute ids, in internal item order
 *   sequences.bin  - little-endian int32: (numUsers + 1) CSR offsets, then all item indices
 * Every file is written atomically; dataset.json goes last, so a directory with it is complete.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../core/atomic.js';
import { SidrecError } from '../core/errors.js';
import type { DuplicateReport, InteractionDataset, ItemText } from './types.js';

export const DATASET_FORMAT = 'sidrec-dataset';
export const DATASET_VERSION = 1;

interface DatasetManifest {
  readonly format: string;
  readonly version: number;
  readonly name: string;
  readonly numUsers: number;
  readonly numItems: number;
  readonly numInteractions: number;
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly warnings: readonly string[];
  /** Absent in artifacts written before duplicates were counted, and for datasets built in memory. */
  readonly duplicates?: DuplicateReport;
}

/** Writes `ds` under `dir` (created if needed). */
export function saveDataset(dir: string, ds: InteractionDataset): void {
  const bin = new Int32Array(ds.offsets.length + ds.items.length);
  bin.set(ds.offsets, 0);
  bin.set(ds.items, ds.offsets.length);
  writeFileAtomic(join(dir, 'sequences.bin'), toLittleEndianBytes(bin));
  writeFileAtomic(join(dir, 'catalog.json'), JSON.stringify({ texts: ds.catalog.texts, attributes: ds.catalog.attributes }));
  const manifest: DatasetManifest = {
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    name: ds.name,
    numUsers: ds.numUsers,
    numItems: ds.numItems,
    numInteractions: ds.items.length,
    userIds: ds.userIds,
    itemIds: ds.itemIds,
    warnings: ds.warnings,
    ...(ds.duplicates ? { duplicates: ds.duplicates } : {}),
  };
  writeJsonAtomic(join(dir, 'dataset.json'), manifest);
}

/** Reads a directory written by `saveDataset`; a missing or inconsistent artifact is E_NOT_FOUND / E_STATE. */
export function loadDataset(dir: string): InteractionDataset {
  const manifestPath = join(dir, 'dataset.json');
  if (!existsSync(manifestPath)) throw new SidrecError('E_NOT_FOUND', 'not a dataset artifact (no dataset.json)', { file: manifestPath });
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as DatasetManifest;
  if (m.format !== DATASET_FORMAT || m.version !== DATASET_VERSION) {
    throw new SidrecError('E_STATE', `expected ${DATASET_FORMAT} v${DATASET_VERSION}, found ${m.format} v${m.version}`, {
      file: manifestPath,
      field: 'format',
    });
  }
  const binPath = join(dir, 'sequences.bin');
  const bytes = readFileSync(binPath);
  const expected = 4 * (m.numUsers + 1 + m.numInteractions);
  if (bytes.length !== expected) throw new SidrecError('E_STATE', `expected ${expected} bytes, found ${bytes.length}`, { file: binPath });
  const all = fromLittleEndianBytes(bytes);
  const offsets = all.slice(0, m.numUsers + 1);
  const items = all.slice(m.numUsers + 1);
  if (offsets[m.numUsers] !== m.numInteractions || m.userIds.length !== m.numUsers || m.itemIds.length !== m.numItems) {
    throw new SidrecError('E_STATE', 'counts in dataset.json do not match sequences.bin', { file: manifestPath });
  }
  const catalogPath = join(dir, 'catalog.json');
  const cat = JSON.parse(readFileSync(catalogPath, 'utf8')) as { texts: ItemText[]; attributes: number[][] };
  if (cat.texts.length !== m.numItems || cat.attributes.length !== m.numItems) {
    throw new SidrecError('E_STATE', `catalog has ${cat.texts.length} items, dataset ${m.numItems}`, { file: catalogPath });
  }
  return {
    name: m.name,
    numUsers: m.numUsers,
    numItems: m.numItems,
    offsets,
    items,
    userIds: m.userIds,
    itemIds: m.itemIds,
    catalog: { itemIds: m.itemIds, texts: cat.texts, attributes: cat.attributes },
    warnings: m.warnings,
    ...(m.duplicates ? { duplicates: m.duplicates } : {}),
  };
}

function toLittleEndianBytes(a: Int32Array): Uint8Array {
  const out = new Uint8Array(a.length * 4);
  const view = new DataView(out.buffer);
  for (let k = 0; k < a.length; k++) view.setInt32(4 * k, a[k], true);
  return out;
}

function fromLittleEndianBytes(bytes: Uint8Array): Int32Array {
  const out = new Int32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0; k < out.length; k++) out[k] = view.getInt32(4 * k, true);
  return out;
}
