/**
 * DIGER's starting point (Fu et al., arXiv 2601.19711): the pre-trained RQ-VAE SID directory (given, or fitted into
 * OUT/sids-initial), the item features its tokenizer reads (recomputed and checked against its table), and their
 * latents under the frozen encoder, kept in OUT/diger-latents.safetensors from the run's start: a resumed run, or
 * an evaluation of one in progress, reads them back instead of recomputing features that a later sidrec (or another
 * machine's arithmetic) might compute differently.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../../core/errors.js';
import type { InteractionDataset, LeaveOneOutSplit } from '../../data/index.js';
import { datasetFeatures, parseFeatureSpec } from '../../features/dataset.js';
import type { ItemFeatures } from '../../features/types.js';
import { loadDatasetSids, readSidReport, saveDatasetSids, tokenizeDataset } from '../../tokenize/index.js';
import { RqVaeTokenizer } from '../../tokenize/rqvae.js';
import type { SemanticIdTable } from '../../tokenize/sid-table.js';
import type { TrainInput } from '../family.js';
import { loadSafetensors, saveSafetensors } from '../../tensor/index.js';
import { encodeLatents, type LatentRows } from './model.js';

const INITIAL_SIDS_DIR = 'sids-initial';
/** The run's item latents (model directory). */
export const LATENTS_FILE = 'diger-latents.safetensors';

export interface PretrainedSids {
  readonly dir: string;
  readonly tokenizer: RqVaeTokenizer;
  readonly table: SemanticIdTable;
  readonly features: string;
  /** The SID directory's content id (sids.json), which the latents file records. */
  readonly id: string;
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
  return { dir, tokenizer: loaded.tokenizer, table: loaded.table, features, id: loaded.id };
}

/**
 * The features the pre-trained tokenizer was fitted on, recomputed (sidrec tokenize seeds them with the tokenizer's
 * seed) and checked: they must give every item its pre-trained SID, or the run would train on other items' codes.
 */
export function tokenizerFeatures(dataset: InteractionDataset, split: LeaveOneOutSplit, pre: PretrainedSids): ItemFeatures {
  const features = datasetFeatures(dataset, split, parseFeatureSpec(pre.features, 'sid-features'), { seed: pre.tokenizer.config.seed });
  if (features.dim !== pre.tokenizer.inputDim)
    throw new SidrecError('E_STATE', `features are ${features.dim}-d, the tokenizer reads ${pre.tokenizer.inputDim}-d`, { file: pre.dir, field: 'sids' });
  const off = firstMismatch(pre.tokenizer.encode(features.data, features.count), pre.table);
  if (off)
    throw new SidrecError(
      'E_STATE',
      `the features recomputed here do not give item ${dataset.itemIds[off.item]} its SID in the table (digit ${off.digit}): the SIDs were fitted on other features (another dataset, or a sidrec before the 2026-12-03 fix that made feature signs independent of the GEMM provider and thread count); tokenize again, or continue the run with the sidrec that started it`,
      { file: pre.dir, field: 'sids' },
    );
  return features;
}

/**
 * The run's item latents: with `reuse`, read from `runDir` when the run wrote them (checked: made for this SID
 * directory, and quantized by the pre-trained codebooks to its table); else encoded from `features()` (for
 * example tokenizerFeatures) and, with `save`, written there for every later resume.
 */
export function tokenizerLatents(
  runDir: string,
  pre: PretrainedSids,
  features: () => ItemFeatures,
  { reuse, save }: { readonly reuse: boolean; readonly save: boolean },
): LatentRows {
  const path = join(runDir, LATENTS_FILE);
  if (reuse && existsSync(path)) {
    const file = loadSafetensors(path);
    const stored = file.tensors.get('latents');
    const dim = pre.tokenizer.network.config.latentDim;
    if (file.metadata.sids !== pre.id)
      throw new SidrecError('E_STATE', `the latents were made for SID directory ${file.metadata.sids}, the run's is ${pre.id}`, { file: path, field: 'sids' });
    if (stored?.dtype !== 'F32' || stored.shape[0] !== pre.table.count || stored.shape[1] !== dim)
      throw new SidrecError('E_STATE', `expected F32 latents of shape [${pre.table.count}, ${dim}]`, { file: path, field: 'latents' });
    const data = stored.data as Float32Array;
    const codes = new Int32Array(pre.table.count * pre.table.shape.baseDigits);
    pre.tokenizer.network.quantize(data.slice(), pre.table.count, codes);
    const off = firstMismatch(codes, pre.table);
    if (off)
      throw new SidrecError('E_STATE', `the stored latents do not give item ${off.item} its pre-trained SID (digit ${off.digit})`, {
        file: path,
        field: 'latents',
      });
    return { count: pre.table.count, dim, data };
  }
  const latents = encodeLatents(pre.tokenizer.network, features());
  if (save) {
    mkdirSync(runDir, { recursive: true });
    saveSafetensors(path, new Map([['latents', { dtype: 'F32', shape: [latents.count, latents.dim], data: latents.data }]]), { sids: pre.id });
  }
  return latents;
}

/** The first item and digit where tokenizer codes ((count, baseDigits) row-major) differ from the table's. */
function firstMismatch(codes: Int32Array, table: SemanticIdTable): { readonly item: number; readonly digit: number } | undefined {
  const levels = table.shape.baseDigits;
  for (let i = 0; i < table.count; i++) for (let l = 0; l < levels; l++) if (codes[i * levels + l] !== table.codesOf(i)[l]) return { item: i, digit: l };
  return undefined;
}
