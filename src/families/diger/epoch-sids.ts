/**
 * The SIDs a DIGER epoch trains on. They are fixed at the epoch's start from the codebooks of that moment, which then
 * train on through the epoch; kept in the run directory, they let a run stopped inside the epoch (a checkpoint
 * between two batches) resume on the same SIDs, and so to the same weights as a run never stopped.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../../core/errors.js';
import { loadSafetensors, noGrad, saveSafetensors, tidy } from '../../tensor/index.js';
import type { SemanticIdTable } from '../../tokenize/sid-table.js';
import type { Diger } from './model.js';

/** The current epoch's codes (count, levels), with the epoch in the header. */
export const EPOCH_SIDS_FILE = 'epoch-sids.safetensors';

/**
 * Epoch `epoch`'s table: the codes kept for it when the run directory holds them (a resumed epoch), otherwise the
 * tokenizer's nearest codes now, kept for it. Either way they become the model's current table.
 */
export function epochSids(dir: string, epoch: number, model: Diger): SemanticIdTable {
  const path = join(dir, EPOCH_SIDS_FILE);
  const shape = [model.latents.count, model.tokenizer.config.levels];
  if (existsSync(path)) {
    const file = loadSafetensors(path);
    if (file.metadata.epoch === String(epoch)) {
      const codes = file.tensors.get('codes');
      if (codes?.dtype !== 'I32' || codes.shape.join() !== shape.join())
        throw new SidrecError('E_STATE', `expected int32 codes of shape [${shape}] for epoch ${epoch}`, { file: path, field: 'codes' });
      return model.useCodes(codes.data as Int32Array);
    }
  }
  const codes = noGrad(() => tidy(() => model.nearestCodes()));
  saveSafetensors(path, new Map([['codes', { dtype: 'I32', shape, data: codes }]]), { epoch: String(epoch) });
  return model.useCodes(codes);
}

/** A fresh run starts without the codes of an earlier run's epoch. */
export function forgetEpochSids(dir: string): void {
  rmSync(join(dir, EPOCH_SIDS_FILE), { force: true });
}
