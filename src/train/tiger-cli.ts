/**
 * The TIGER / Gryphon branch of `sidrec train` (src/cli/train.ts parses the flags): loads or fits the
 * hierarchical SIDs, trains, prints validation/test tables (Gryphon: both rankings of the same candidates).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { formatRunSummary } from './trainer.js';
import { loadDataset, split } from '../data/index.js';
import { formatTable } from '../eval/index.js';
import { parseFeatureSpec } from '../features/dataset.js';
import { DEFAULT_GRYPHON_CONFIG } from '../model/gryphon.js';
import { describeKernels } from '../tensor/index.js';
import { loadSidTable, saveDatasetSids, tokenizeDataset, TABLE_FILE } from '../tokenize/index.js';
import type { SemanticIdTable } from '../tokenize/sid-table.js';
import { DEFAULT_TRAIN_CONFIG } from './config.js';
import { trainSidModel, DEFAULT_SID_RUN } from './tiger.js';

export interface SidTrainFlags {
  readonly data: string;
  readonly out: string;
  readonly model: string;
  readonly resume: boolean;
  readonly 'stop-after'?: number;
  readonly epochs: number;
  readonly 'batch-size': number;
  readonly lr: number;
  readonly 'weight-decay': number;
  readonly 'warmup-steps': number;
  readonly clip: number;
  readonly patience: number;
  readonly seed: number;
  readonly dim?: number;
  readonly layers?: number;
  readonly heads?: number;
  readonly ffn?: number;
  readonly dropout?: number;
  readonly 'max-len': number;
  readonly sids?: string;
  readonly levels: number;
  readonly 'sid-features': string;
  readonly 'sid-codebook-size': number;
  readonly 'valid-beam': number;
  readonly 'valid-users'?: number;
  readonly 'test-beam'?: number;
  readonly 'examples-per-user'?: number;
  readonly lambda: number;
  readonly 'init-from'?: string;
  readonly quiet: boolean;
}

/** --sids accepts the directory from `sidrec tokenize` or its sids.sidtab file. */
function sidTablePath(path: string): string {
  return existsSync(path) && statSync(path).isDirectory() ? join(path, TABLE_FILE) : path;
}

export async function runSidTraining(o: SidTrainFlags): Promise<void> {
  const kind = o.model as 'tiger' | 'gryphon';
  const G = DEFAULT_GRYPHON_CONFIG;
  const ds = loadDataset(o.data);
  const sp = split(ds, { historyCap: o['max-len'] });
  let table: SemanticIdTable;
  let sidsDir: string;
  if (o.sids) {
    const path = sidTablePath(o.sids);
    table = loadSidTable(path);
    sidsDir = dirname(path);
  } else {
    sidsDir = join(o.out, 'sids');
    const fitted = tokenizeDataset(ds, sp, parseFeatureSpec(o['sid-features']), { kind: 'rqkmeans', levels: o.levels, codebookSize: o['sid-codebook-size'] }, o.seed);
    saveDatasetSids(sidsDir, fitted);
    table = fitted.table;
  }
  if (!table.shape.collisionDigit) throw new SidrecError('E_CONFIG', 'TIGER needs hierarchical SIDs (sidrec tokenize --kind rqkmeans)', { field: 'sids' });
  if (table.count !== sp.numItems) throw new SidrecError('E_STATE', `SID table has ${table.count} items, dataset ${sp.numItems}`, { field: 'sids' });
  const stats = table.collisionStats();
  if (!o.quiet) process.stderr.write(`kernels: ${JSON.stringify(describeKernels().chosen)}\nsids: ${table.digits} digits, collisions ${(100 * stats.collisionRate).toFixed(1)}% (largest group ${stats.largestGroup})\n`);
  const started = performance.now();
  const layers = o.layers ?? G.encoderLayers;
  const run = await trainSidModel(
    kind, sp, o.data, { dir: sidsDir, table },
    { dim: o.dim ?? G.dim, encoderLayers: layers, decoderLayers: layers, heads: o.heads ?? G.heads, ffn: o.ffn ?? G.ffn, dropout: o.dropout ?? G.dropout, lambda: o.lambda },
    { ...DEFAULT_TRAIN_CONFIG, epochs: o.epochs, batchSize: o['batch-size'], lr: o.lr, weightDecay: o['weight-decay'], warmupSteps: o['warmup-steps'], clip: o.clip, patience: o.patience, seed: o.seed },
    { dir: o.out, resume: o.resume, quiet: o.quiet, maxEpochsThisRun: o['stop-after'], onEpoch: (r) => { if (!o.quiet) process.stderr.write(`epoch ${r.epoch}: loss ${r.loss.toFixed(4)}, ${r.seconds.toFixed(1)} s, valid ${JSON.stringify(r.valid)}\n`); } },
    {
      validBeam: o['valid-beam'], validUsers: o['valid-users'] ?? DEFAULT_SID_RUN.validUsers,
      ...(o['test-beam'] !== undefined ? { testBeam: o['test-beam'] } : {}),
      ...(o['examples-per-user'] !== undefined ? { examplesPerUser: o['examples-per-user'] } : {}),
      ...(o['init-from'] !== undefined ? { initFrom: o['init-from'] } : {}),
    },
  );
  const { result, test } = run;
  process.stdout.write(`${formatRunSummary(result, (performance.now() - started) / 1000)}\n`);
  if (test) {
    const results = test.byBeam ? [test.primary, test.byBeam] : [test.primary];
    const labels = test.byBeam ? ['gryphon item-level (test)', 'gryphon beam-likelihood (test)'] : ['tiger (test)'];
    process.stdout.write(`${formatTable(results, labels)}\n`);
    if (test.meanCandidates !== undefined) process.stdout.write(`candidates per user: ${test.meanCandidates.toFixed(1)}\n`);
  }
  process.stdout.write(`model -> ${o.out}\n`);
}
