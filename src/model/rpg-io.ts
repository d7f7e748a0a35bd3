/** RPG's item codes on disk: `sids.safetensors` beside the weights, one I32 tensor "codes" (numItems, m). */
import { SidrecError } from '../core/errors.js';
import { loadSafetensors, saveSafetensors, type StoredTensor } from '../tensor/index.js';
import type { ItemCodes } from './rpg.js';

export function saveItemCodes(path: string, codes: ItemCodes): void {
  const tensors = new Map<string, StoredTensor>([['codes', { dtype: 'I32', shape: [codes.numItems, codes.digits], data: codes.codes }]]);
  saveSafetensors(path, tensors, { codebookSize: String(codes.codebookSize) });
}

export function loadItemCodes(path: string): ItemCodes {
  const file = loadSafetensors(path);
  const t = file.tensors.get('codes');
  if (!t || t.dtype !== 'I32' || t.shape.length !== 2) throw new SidrecError('E_STATE', 'no I32 (numItems, digits) tensor "codes"', { file: path });
  const codebookSize = Number(file.metadata.codebookSize);
  if (!Number.isInteger(codebookSize) || codebookSize < 1) throw new SidrecError('E_STATE', 'missing codebookSize metadata', { file: path });
  return { numItems: t.shape[0], digits: t.shape[1], codebookSize, codes: Int32Array.from(t.data as Int32Array) };
}
