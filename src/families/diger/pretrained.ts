/**
 * DIGER's starting point (Fu et al., arXiv 2601.19711): the pre-trained RQ-VAE SID directory (given, or fitted into
 * OUT/sids-initial) and the item features its tokenizer reads, recomputed and checked against its table.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../../core/errors.js';
import type { InteractionDataset, LeaveOneOutSplit } from '../../data/index.js';
import { datasetFeatures, parseFeatureSpec } from '../../features/dataset.js';
import type { ItemFeatures } from '../../features/types.js';
import { loadDatasetSids, readSidReport, saveDatasetSids, tokenizeDataset } from '../../tokenize/index.js';
import { RqVaeTokenizer } from '../../tokenize/rqvae.js';
import type { SemanticIdTable } from '../../tokenize/sid-table.js';
import type { TrainInput } from '../family.js';

const INITIAL_SIDS_DIR = 'sids-initial';

export interface PretrainedSids {
  readonly dir: string;
  readonly tokenizer: RqVaeTokenizer;
  readonly table: SemanticIdTable;
  readonly features: string;
}

/** The pre-trained RQ-VAE: --sids, or fitted here into OUT/sids-initial (read back on --resume). */
export function pretrainedSids(input: TrainInput, given: string | undefined, fit: { features: string; levels: number; codebookSize: number }): PretrainedSids {
  const dir = given ?? join(input.run.dir, INITIAL_SIDS_DIR);
  if (given === undefined && !(input.run.resume && existsSync(join(dir, 'sids.json')))) {
    const log = input.run.quiet ? undefined : (line: string) => process.stderr.write(`sids: ${line}\n`);
    const sids = tokenizeDataset(
      input.dataset,
      input.split,
      parseFeatureSpec(fit.features, 'sid-features'),
      { kind: 'rqvae', levels: fit.levels, codebookSize: fit.codebookSize },
      input.train.seed,
      undefined,
      log ? { log } : {},
    );
    saveDatasetSids(dir, sids);
  }
  return loadPretrainedSids(dir);
}

/** A pre-trained RQ-VAE SID directory with the feature spec its tokenizer read. */
export function loadPretrainedSids(dir: string): PretrainedSids {
  const loaded = loadDatasetSids(dir);
  if (!(loaded.tokenizer instanceof RqVaeTokenizer))
    throw new SidrecError('E_CONFIG', `DIGER trains an RQ-VAE tokenizer on; this SID directory holds ${loaded.tokenizer?.kind ?? 'no tokenizer'}`, {
      file: dir,
      field: 'sids',
    });
  const report = readSidReport(dir);
  const features = report?.features?.map((f) => `${f.source}:${f.weight}`).join(',');
  if (!features) throw new SidrecError('E_CONFIG', 'the SID directory does not record the features its tokenizer read', { file: dir, field: 'sids' });
  return { dir, tokenizer: loaded.tokenizer, table: loaded.table, features };
}

/**
 * The features the pre-trained tokenizer was fitted on, recomputed (sidrec tokenize seeds them with the tokenizer's
 * seed) and checked: they must give every item its pre-trained SID, or the run would train on other items' codes.
 */
export function tokenizerFeatures(dataset: InteractionDataset, split: LeaveOneOutSplit, pre: PretrainedSids): ItemFeatures {
  const features = datasetFeatures(dataset, split, parseFeatureSpec(pre.features, 'sid-features'), { seed: pre.tokenizer.config.seed });
  if (features.dim !== pre.tokenizer.inputDim)
    throw new SidrecError('E_STATE', `features are ${features.dim}-d, the tokenizer reads ${pre.tokenizer.inputDim}-d`, { file: pre.dir, field: 'sids' });
  const reencoded = pre.tokenizer.encode(features.data, features.count);
  const levels = pre.table.shape.baseDigits;
  for (let i = 0; i < features.count; i++)
    for (let l = 0; l < levels; l++)
      if (reencoded[i * levels + l] !== pre.table.codesOf(i)[l])
        throw new SidrecError(
          'E_STATE',
          `the features recomputed here do not give item ${dataset.itemIds[i]} its SID in the table (digit ${l}): the SIDs were fitted on other features (another dataset, or a sidrec before the 2026-12-03 fix that made feature signs independent of the GEMM provider and thread count); tokenize again, or continue the run with the sidrec that started it`,
          {
            file: pre.dir,
            field: 'sids',
          },
        );
  return features;
}
