/**
 * Semantic IDs for a prepared dataset (TIGER, RPG): item features -> a tokenizer fitted on the items seen in
 * TRAINING sequences only -> every item (held-out ones too) encoded with the frozen tokenizer -> SemanticIdTable
 * and report. `sidrec tokenize` and the SID models' training call this.
 */
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { SidrecError } from '../core/errors.js';
import type { InteractionDataset, LeaveOneOutSplit } from '../data/index.js';
import { datasetFeatures, type FeatureSpecEntry } from '../features/dataset.js';
import type { ItemFeatures } from '../features/types.js';
import type { TokenizerConfig, TokenizerKind } from './config.js';
import { fitTokenizer, loadTokenizer, saveTokenizer } from './fit.js';
import { formatTokenizeReport, tokenizeReport, type TokenizeReport } from './report.js';
import { loadSidTable, saveSidTable, SemanticIdTable } from './sid-table-io.js';
import type { Tokenizer } from './tokenizer.js';

export const TOKENIZER_FILE = 'tokenizer.sidtok';
export const TABLE_FILE = 'sids.sidtab';
export const REPORT_FILE = 'report.json';

export interface DatasetSids {
  readonly tokenizer: Tokenizer;
  readonly table: SemanticIdTable;
  readonly report: TokenizeReport & { readonly fittedItems: number; readonly features: readonly FeatureSpecEntry[] };
}

export function tokenizeDataset(
  ds: InteractionDataset,
  split: LeaveOneOutSplit,
  features: readonly FeatureSpecEntry[],
  config: Partial<TokenizerConfig> & { readonly kind: TokenizerKind },
  seed = 0,
  vectors?: ItemFeatures,
): DatasetSids {
  const all = datasetFeatures(ds, split, features, { seed, ...(vectors ? { vectors } : {}) });
  const seen = trainingRows(all, split.trainItemCounts);
  if (seen.count === 0) throw new SidrecError('E_INPUT', 'no item appears in the training sequences');
  const fitted = fitTokenizer({ ...config, seed } as typeof config, seen);
  const started = performance.now();
  const codes = fitted.tokenizer.encode(all.data, all.count);
  const encodeSeconds = (performance.now() - started) / 1000;
  const table = SemanticIdTable.forTokenizer(fitted.tokenizer, codes, all.count);
  const report = tokenizeReport({ tokenizer: fitted.tokenizer, table, features: all, fitSeconds: fitted.fitSeconds, encodeSeconds });
  return { tokenizer: fitted.tokenizer, table, report: { ...report, fittedItems: seen.count, features: [...features] } };
}

function trainingRows(features: ItemFeatures, counts: Int32Array): ItemFeatures {
  const rows: number[] = [];
  for (let i = 0; i < features.count; i++) if (counts[i] > 0) rows.push(i);
  const data = new Float32Array(rows.length * features.dim);
  rows.forEach((row, r) => data.set(features.data.subarray(row * features.dim, (row + 1) * features.dim), r * features.dim));
  return { count: rows.length, dim: features.dim, data };
}

export function saveDatasetSids(dir: string, sids: DatasetSids): void {
  saveTokenizer(join(dir, TOKENIZER_FILE), sids.tokenizer);
  saveSidTable(join(dir, TABLE_FILE), sids.table);
  writeJsonAtomic(join(dir, REPORT_FILE), sids.report);
}

export function loadDatasetSids(dir: string): { tokenizer: Tokenizer; table: SemanticIdTable } {
  return { tokenizer: loadTokenizer(join(dir, TOKENIZER_FILE)), table: loadSidTable(join(dir, TABLE_FILE)) };
}

export { formatTokenizeReport };
