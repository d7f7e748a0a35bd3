/**
 * The one Semantic-ID path of a training run: a model that reads SIDs reads a `sidrec tokenize` directory. Given
 * with --sids (a tokenize directory, a file in one, or another model directory's bundled copy), it is read as is;
 * otherwise the run fits SIDs with the same code as `sidrec tokenize` (features of every catalogue field, the
 * tokenizer fitted on training items) and writes the same directory into OUT/sids, which --resume reads back.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { parseFeatureSpec } from '../features/dataset.js';
import { findSidDir } from '../model/bundle.js';
import { MODEL_FILES } from '../model/files.js';
import {
  loadSidTable,
  saveDatasetSids,
  SID_MANIFEST_FILE,
  TABLE_FILE,
  tokenizeDataset,
  verifySidDir,
  type TokenizerConfig,
  type TokenizerKind,
} from '../tokenize/index.js';
import type { SemanticIdTable } from '../tokenize/sid-table.js';
import type { TrainInput } from './family.js';

export interface RunSids {
  /** The SID directory (a tokenize directory or OUT/sids). */
  readonly dir: string;
  readonly table: SemanticIdTable;
  /** Fitted by this run (not given with --sids). */
  readonly fitted: boolean;
}

/** How a run fits its SIDs when none are given. */
export interface SidFit {
  /** Feature spec as `sidrec tokenize --features` takes it. */
  readonly features: string;
  readonly config: Partial<TokenizerConfig> & { readonly kind: TokenizerKind };
  readonly seed: number;
}

export function sidsForRun(input: TrainInput, given: string | undefined, fit: SidFit): RunSids {
  if (given !== undefined) return readGivenSids(given);
  const dir = join(input.run.dir, MODEL_FILES.sidsDir);
  if (input.run.resume && existsSync(join(dir, TABLE_FILE))) return { dir, table: loadSidTable(join(dir, TABLE_FILE)), fitted: true };
  const log = input.run.quiet ? undefined : (line: string) => process.stderr.write(`sids: ${line}\n`);
  const sids = tokenizeDataset(input.dataset, input.split, parseFeatureSpec(fit.features, 'sid-features'), fit.config, fit.seed, undefined, log ? { log } : {});
  saveDatasetSids(dir, sids);
  return { dir, table: sids.table, fitted: true };
}

function readGivenSids(given: string): RunSids {
  const stat = statSync(given, { throwIfNoEntry: false });
  if (!stat) throw new SidrecError('E_NOT_FOUND', 'no such SID directory or file', { file: given, field: 'sids' });
  const dir = findSidDir(given) ?? (stat.isDirectory() ? given : dirname(given));
  const table = join(dir, TABLE_FILE);
  if (!existsSync(table))
    throw new SidrecError('E_NOT_FOUND', `no ${TABLE_FILE} here: --sids takes a sidrec tokenize directory (or a model directory that bundles one)`, {
      file: given,
      field: 'sids',
    });
  if (existsSync(join(dir, SID_MANIFEST_FILE))) verifySidDir(dir); // the whole set, against its sids.json: never a half-replaced directory
  return { dir, table: loadSidTable(table), fitted: false };
}
