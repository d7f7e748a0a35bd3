/**
 * A run's epoch log (OUT/epochs.jsonl: trainer.ts appends one EpochRecord per finished epoch), read back for the
 * explorer's training curve, `sidrec reproduce`'s results and `sidrec curves`. A line that is not a record is an
 * error naming the file and the line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SidrecError } from '../core/errors.js';
import type { EpochRecord } from './trainer.js';

/** Every finished epoch of the log at `path`, in order; none when the file does not exist (no epoch finished yet). */
export function readEpochLog(path: string): EpochRecord[] {
  if (!existsSync(path)) return [];
  const out: EpochRecord[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let record: Partial<EpochRecord>;
      try {
        record = JSON.parse(line) as Partial<EpochRecord>;
      } catch (error) {
        throw new SidrecError('E_INPUT', `not JSON: ${(error as Error).message}`, { file: path, line: i + 1 });
      }
      for (const field of ['epoch', 'loss'] as const)
        if (typeof record[field] !== 'number')
          throw new SidrecError('E_INPUT', `an epoch record without a numeric "${field}"`, { file: path, line: i + 1, field });
      if (typeof record.valid !== 'object' || record.valid === null)
        throw new SidrecError('E_INPUT', 'an epoch record without "valid" metrics', { file: path, line: i + 1, field: 'valid' });
      out.push({ epoch: record.epoch!, loss: record.loss!, seconds: record.seconds ?? Number.NaN, valid: record.valid });
    });
  return out;
}
