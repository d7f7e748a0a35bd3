/**
 * RPG's item codes on disk: `sids.safetensors` beside the weights, one I32 tensor "codes" (numItems, m); and
 * reading codes given on the command line (a `sidrec tokenize` table or another RPG run's codes).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { loadSidTable, TABLE_FILE, verifySidDir } from '../tokenize/index.js';
import { isHierarchical, type SemanticIdTable } from '../tokenize/sid-table.js';
import { loadSafetensors, saveSafetensors, type StoredTensor } from '../tensor/index.js';
import type { ItemCodes } from './rpg.js';
import { MODEL_FILES } from './files.js';

export function saveItemCodes(path: string, codes: ItemCodes): void {
  const tensors = new Map<string, StoredTensor>([['codes', { dtype: 'I32', shape: [codes.numItems, codes.digits], data: codes.codes }]]);
  saveSafetensors(path, tensors, { codebookSize: String(codes.codebookSize) });
}

export function loadItemCodes(path: string): ItemCodes {
  const file = loadSafetensors(path);
  const t = file.tensors.get('codes');
  if (t?.dtype !== 'I32' || t.shape.length !== 2) throw new SidrecError('E_STATE', 'no I32 (numItems, digits) tensor "codes"', { file: path });
  const codebookSize = Number(file.metadata.codebookSize);
  if (!Number.isInteger(codebookSize) || codebookSize < 1) throw new SidrecError('E_STATE', 'missing codebookSize metadata', { file: path });
  return { numItems: t.shape[0], digits: t.shape[1], codebookSize, codes: Int32Array.from(t.data as Int32Array) };
}

/**
 * Codes for `numItems` items from `path`: a `sidrec tokenize` output (its directory or sids.sidtab; flat PQ/OPQ),
 * or an RPG model directory / its sids.safetensors (to train again on the same SIDs without refitting). A tokenize
 * directory is checked whole against its sids.json; a file inside one, against that file's entry.
 */
export function readRpgSids(path: string, numItems: number): ItemCodes {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new SidrecError('E_NOT_FOUND', 'no such SID file or directory', { file: path, field: 'sids' });
  const tokenizeDir = stat.isDirectory() && existsSync(join(path, TABLE_FILE));
  if (tokenizeDir) verifySidDir(path); // the whole set, against its sids.json: never a half-replaced directory
  const file = !stat.isDirectory() ? path : tokenizeDir ? join(path, TABLE_FILE) : join(path, MODEL_FILES.itemCodes);
  const codes = file.endsWith('.safetensors') ? loadItemCodes(file) : sidsFromTable(loadSidTable(file), numItems);
  if (codes.numItems !== numItems) throw new SidrecError('E_SHAPE', `codes for ${codes.numItems} items, the dataset has ${numItems}`, { file, field: 'sids' });
  return codes;
}

/** Codes of a flat (unordered, no collision digit) SID table from `sidrec tokenize`. */
export function sidsFromTable(table: SemanticIdTable, numItems: number): ItemCodes {
  if (isHierarchical(table.shape))
    throw new SidrecError('E_CONFIG', 'rpg needs flat PQ/OPQ SIDs, this table is hierarchical (RQ-KMeans / RQ-VAE / a residual set)', { field: 'sids' });
  if (table.count !== numItems) throw new SidrecError('E_SHAPE', `SID table has ${table.count} items, dataset has ${numItems}`, { field: 'sids' });
  return { numItems, digits: table.digits, codebookSize: table.shape.codebookSize, codes: Int32Array.from(table.codes) };
}
