/**
 * A run's epoch log (OUT/epochs.jsonl: trainer.ts appends one EpochRecord per finished epoch), read back for the
 * explorer's training curve, `sidrec reproduce`'s results and `sidrec curves`. A line that is not a record is an
 * error naming the file and the line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SidrecError } from '../core/errors.js';
import { readJsonFile } from '../core/json-file.js';
import type { EpochRecord } from './trainer.js';

/** Every finished epoch of the log at `path`, in order; none when the file does not exist (no epoch finished yet). */
export function readEpochLog(path: string): EpochRecord[] {
  if (!existsSync(path)) return [];
  const out: EpochRecord[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (error) {
        throw new SidrecError('E_INPUT', `not JSON: ${(error as Error).message}`, { file: path, line: i + 1 });
      }
      out.push(epochRecord(record, { file: path, line: i + 1 }));
    });
  return out;
}

/** The epochs of a `sidrec reproduce` results file (results/NAME.json, its "epochs" array), checked as the log is. */
export function readResultsEpochs(path: string): EpochRecord[] {
  const results = readJsonFile(path, 'no such results file') as { epochs?: unknown };
  if (!Array.isArray(results.epochs)) throw new SidrecError('E_INPUT', 'a results file without an "epochs" array', { file: path, field: 'epochs' });
  return results.epochs.map((record, i) => epochRecord(record, { file: path, field: `epochs[${i}]` }));
}

/** One epoch record, its fields checked; errors name `where` (the file and its line, or the field holding it). */
function epochRecord(value: unknown, where: { readonly file: string; readonly line?: number; readonly field?: string }): EpochRecord {
  const record = (typeof value === 'object' && value !== null ? value : {}) as Partial<EpochRecord>;
  const named = (field: string) => (where.field !== undefined ? `${where.field}.${field}` : field);
  for (const field of ['epoch', 'loss'] as const)
    if (typeof record[field] !== 'number') throw new SidrecError('E_INPUT', `an epoch record without a numeric "${field}"`, { ...where, field: named(field) });
  if (typeof record.valid !== 'object' || record.valid === null)
    throw new SidrecError('E_INPUT', 'an epoch record without "valid" metrics', { ...where, field: named('valid') });
  return { epoch: record.epoch!, loss: record.loss!, seconds: record.seconds ?? Number.NaN, valid: record.valid };
}
