/**
 * Semantic IDs for a prepared dataset (TIGER, RPG): item features -> a tokenizer fitted on the items seen in
 * TRAINING sequences only -> every item (held-out ones too) encoded with the frozen tokenizer -> SemanticIdTable
 * and report. `sidrec tokenize` and the SID models' training call this.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WriteDirOptions } from '../core/atomic-dir.js';
import { describeKernels } from '../tensor/index.js';
import { SidrecError } from '../core/errors.js';
import type { InteractionDataset, LeaveOneOutSplit } from '../data/index.js';
import { datasetFeatures, type FeatureSpecEntry } from '../features/dataset.js';
import type { ItemFeatures } from '../features/types.js';
import type { TokenizerConfig, TokenizerKind } from './config.js';
import { fitTokenizer, loadTokenizer, serializeTokenizer } from './fit.js';
import { formatTokenizeReport, tokenizeReport, type TokenizeReport } from './report.js';
import { readSidFile, verifySidDir, writeSidDir, type SidDirManifest } from './sid-dir.js';
import { loadSidTable, serializeSidTable, SemanticIdTable } from './sid-table-io.js';
import type { FitProgress, Tokenizer } from './tokenizer.js';

export const TOKENIZER_FILE = 'tokenizer.sidtok';
export const TABLE_FILE = 'sids.sidtab';
export const REPORT_FILE = 'report.json';

export interface DatasetSids {
  /** The fitted tokenizer; absent for imported SIDs (items added later need their SID given). */
  readonly tokenizer?: Tokenizer;
  readonly table: SemanticIdTable;
  readonly report: TokenizeReport & {
    readonly fittedItems: number;
    readonly features: readonly FeatureSpecEntry[];
    readonly imported?: Readonly<Record<string, unknown>>;
    /** The engine the fit ran on: SIDs fitted with another GEMM provider, subnormal mode or thread count can differ. */
    readonly engine?: { readonly gemm: string; readonly denormals: string; readonly threads: number };
  };
}

/** What a long tokenize tells its caller: a line per phase, and the fit's steps (for a progress bar). */
export interface TokenizeProgress {
  readonly log?: (line: string) => void;
  readonly onStep?: FitProgress;
}

export function tokenizeDataset(
  ds: InteractionDataset,
  split: LeaveOneOutSplit,
  features: readonly FeatureSpecEntry[],
  config: Partial<TokenizerConfig> & { readonly kind: TokenizerKind },
  seed = 0,
  vectors?: ItemFeatures,
  progress: TokenizeProgress = {},
): DatasetSids & { readonly tokenizer: Tokenizer } {
  const log = progress.log ?? (() => {});
  const t0 = performance.now();
  log(`features: ${features.map((f) => `${f.source}:${f.weight}`).join(',')} for ${ds.numItems} items ...`);
  const all = datasetFeatures(ds, split, features, { seed, ...(vectors ? { vectors } : {}) });
  const seen = trainingRows(all, split.trainItemCounts);
  if (seen.count === 0) throw new SidrecError('E_INPUT', 'no item appears in the training sequences');
  log(`features: ${all.count} x ${all.dim} in ${seconds(t0)}; fitting ${config.kind} on ${seen.count} training items ...`);
  const fitted = fitTokenizer({ ...config, seed } as typeof config, seen, progress.onStep);
  const started = performance.now();
  const codes = fitted.tokenizer.encode(all.data, all.count);
  const encodeSeconds = (performance.now() - started) / 1000;
  log(`fitted in ${fitted.fitSeconds.toFixed(1)} s; encoded ${all.count} items in ${encodeSeconds.toFixed(1)} s`);
  const table = SemanticIdTable.forTokenizer(fitted.tokenizer, codes, all.count);
  const report = tokenizeReport({ tokenizer: fitted.tokenizer, table, features: all, fitSeconds: fitted.fitSeconds, encodeSeconds });
  const { chosen, denormals, threads } = describeKernels();
  const engine = { gemm: chosen.gemm, denormals, threads };
  return { tokenizer: fitted.tokenizer, table, report: { ...report, fittedItems: seen.count, features: [...features], engine } };
}

const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function trainingRows(features: ItemFeatures, counts: Int32Array): ItemFeatures {
  const rows: number[] = [];
  for (let i = 0; i < features.count; i++) if (counts[i] > 0) rows.push(i);
  const data = new Float32Array(rows.length * features.dim);
  rows.forEach((row, r) => data.set(features.data.subarray(row * features.dim, (row + 1) * features.dim), r * features.dim));
  return { count: rows.length, dim: features.dim, data };
}

/**
 * Writes the tokenizer, table and report as one SID directory, replacing `dir` whole (sid-dir.ts): a crash
 * leaves the previous set intact. Returns the set's sids.json.
 */
export function saveDatasetSids(dir: string, sids: DatasetSids, options: WriteDirOptions = {}): SidDirManifest {
  const files = new Map<string, Uint8Array | string>([
    [TABLE_FILE, serializeSidTable(sids.table)],
    [REPORT_FILE, `${JSON.stringify(sids.report, null, 2)}\n`],
  ]);
  if (sids.tokenizer) files.set(TOKENIZER_FILE, serializeTokenizer(sids.tokenizer));
  return writeSidDir(dir, files, options);
}

/** A SID directory's tokenizer and table, the whole directory checked against its sids.json first. */
export function loadDatasetSids(dir: string): { tokenizer?: Tokenizer; table: SemanticIdTable; id: string } {
  const { manifest } = verifySidDir(dir);
  const tokenizer = manifest.files[TOKENIZER_FILE] ? loadTokenizer(join(dir, TOKENIZER_FILE)) : undefined;
  return { ...(tokenizer ? { tokenizer } : {}), table: loadSidTable(join(dir, TABLE_FILE)), id: manifest.id };
}

/** A SID directory's report.json (checked against its sids.json), or undefined when it has none. */
export function readSidReport(dir: string): (TokenizeReport & { readonly features?: readonly FeatureSpecEntry[] }) | undefined {
  const path = join(dir, REPORT_FILE);
  if (!existsSync(path)) return undefined;
  return JSON.parse(Buffer.from(readSidFile(path)).toString('utf8')) as TokenizeReport & { readonly features?: readonly FeatureSpecEntry[] };
}

export { formatTokenizeReport };
