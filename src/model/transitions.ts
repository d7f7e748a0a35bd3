/**
 * The transition prior: a model's item scores plus w * sum_k decay^k * log(1 + c_k), c_k = how often the item
 * followed the history's k-th newest item (k < window) in the training sequences (the item bigram's counts,
 * baselines.ts; decay 0 reads the newest item alone). Not from a paper: a serving-time
 * blend whose weight is chosen on validation NDCG@10 (`sidrec transitions`), kept with the model as
 * OUT/transitions.safetensors and applied by evaluate, recommend and serve to models that score every item.
 * Why: on Amazon Beauty the 9-11% of users whose target followed their newest item somewhere in training carry
 * most of every model's NDCG@10; the bigram ranks them best (.49), SASRec .36, RPG .23, while RPG leads on the
 * transitions never seen (BENCHMARKS.md, issue 20). The blend gives a model the bigram's memory.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { MODEL_FILES } from './files.js';
import { loadSafetensors, type SafetensorsFile, saveSafetensors, type StoredTensor } from '../tensor/io/safetensors.js';
import type { BigramTable } from './baselines.js';
import type { Scorer } from './scorer.js';
import { addTransitionCounts, checkReach, NEWEST_ITEM, type TransitionReach } from './transition-counts.js';

export const TRANSITIONS_FILE = MODEL_FILES.transitions;

export interface TransitionPrior {
  /** Items the counts cover (the training split's); items added later have no transitions. */
  readonly numItems: number;
  readonly table: BigramTable;
  /** The blend weight w (0 = the model alone). */
  readonly weight: number;
  /** Which history items it reads, and their decay (absent: the newest item alone). */
  readonly reach?: TransitionReach;
  /** How w was chosen, as written (weights tried, validation and test metrics per weight). */
  readonly report: TransitionReport;
  /** The model epoch whose scores w was chosen for (absent in priors written before it was recorded). */
  readonly modelEpoch?: number;
}

export interface TransitionReport {
  readonly weights: readonly number[];
  /** Validation (and test) NDCG@10 per weight, at the chosen decay. */
  readonly valid: readonly number[];
  readonly test?: readonly number[];
  /** The decays tried (each over every weight), and each one's validation and test figures per weight. */
  readonly decays?: readonly number[];
  readonly byDecay?: readonly { readonly decay: number; readonly valid: readonly number[]; readonly test?: readonly number[] }[];
  readonly metric: string;
  /** The data directory the counts were taken from. */
  readonly data: string;
  /** The family use-options the model was scored with (e.g. GRank's ranking: generator). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Each part's whole sweep (eval/transition-weights.ts: recall, seen / unseen pairs), as written. */
  readonly sweeps?: readonly Readonly<Record<string, unknown>>[];
}

/**
 * Adds w * log(1 + count(newest -> i)) to row `offset` of `scores` (numItems wide) in place. A history without
 * items, or whose newest item the counts do not cover (added after training), is left as it is.
 */
export function addTransitions(prior: TransitionPrior, scores: Float32Array, offset: number, history: ArrayLike<number>): void {
  addTransitionCounts(prior.table, prior.numItems, prior.weight, scores, offset, history, prior.reach);
}

/** A dense scorer with the prior added; a scorer that ranks candidate lists cannot take it (said so). */
export function withTransitions(scorer: Scorer, prior: TransitionPrior, numItems: number): Scorer {
  if (scorer.kind !== 'scores')
    throw new SidrecError('E_CONFIG', 'the transition prior needs a model that scores every item (RPG: --decode exact); this one ranks candidate lists', {
      field: 'transitions',
    });
  return {
    kind: 'scores',
    score: async (batch) => {
      const scores = await scorer.score(batch);
      batch.forEach((q, b) => addTransitions(prior, scores, b * numItems, q.history));
      return scores;
    },
  };
}

/** A count table as safetensors vectors (start, next, count), as saveTransitions and GRank's ranker store it. */
export function bigramTensors(table: BigramTable): Map<string, StoredTensor> {
  const { start, next, count } = table;
  return new Map<string, StoredTensor>([
    ['start', { dtype: 'I32', shape: [start.length], data: start }],
    ['next', { dtype: 'I32', shape: [next.length], data: next }],
    ['count', { dtype: 'F32', shape: [count.length], data: count }],
  ]);
}

/** The count table bigramTensors stored in a loaded file (`path` names it in errors): each vector present and typed. */
export function bigramTableOf(file: SafetensorsFile, path: string): BigramTable {
  const get = (name: string, dtype: 'I32' | 'F32') => {
    const t = file.tensors.get(name);
    if (t?.dtype !== dtype || t.shape.length !== 1) throw new SidrecError('E_STATE', `no ${dtype} vector "${name}"`, { file: path, field: name });
    return t.data;
  };
  return { start: get('start', 'I32') as Int32Array, next: get('next', 'I32') as Int32Array, count: get('count', 'F32') as Float32Array };
}

export function saveTransitions(dir: string, prior: TransitionPrior): void {
  const tensors = bigramTensors(prior.table);
  const reach = prior.reach ?? NEWEST_ITEM;
  saveSafetensors(join(dir, TRANSITIONS_FILE), tensors, {
    weight: String(prior.weight),
    window: String(reach.window),
    decay: String(reach.decay),
    numItems: String(prior.numItems),
    report: JSON.stringify(prior.report),
    ...(prior.modelEpoch !== undefined ? { modelEpoch: String(prior.modelEpoch) } : {}),
  });
}

/**
 * The model directory's transition prior, or null when it has none; checked against the model's item count and,
 * when both are known, the epoch whose weights the directory serves now (`modelEpoch`; a run under way may have
 * found a better epoch since the prior was fitted, and w was chosen for the old one).
 */
export function openTransitions(dir: string, modelItems: number, modelEpoch?: number): TransitionPrior | null {
  const path = join(dir, TRANSITIONS_FILE);
  if (!existsSync(path)) return null;
  const file = loadSafetensors(path);
  const table = bigramTableOf(file, path);
  const numItems = Number(file.metadata.numItems);
  const weight = Number(file.metadata.weight);
  const { start } = table;
  if (numItems !== modelItems || start.length !== numItems + 1)
    throw new SidrecError('E_STATE', `the transition counts cover ${numItems} items, the model has ${modelItems}: run sidrec transitions again`, {
      file: path,
    });
  if (!Number.isFinite(weight) || weight < 0)
    throw new SidrecError('E_STATE', `weight ${file.metadata.weight} is not a non-negative number`, { file: path, field: 'weight' });
  let reach: TransitionReach;
  try {
    const m = file.metadata;
    reach = checkReach(
      { window: m.window === undefined ? NEWEST_ITEM.window : Number(m.window), decay: m.decay === undefined ? NEWEST_ITEM.decay : Number(m.decay) },
      'reach',
    );
  } catch (error) {
    throw new SidrecError('E_STATE', (error as Error).message, { file: path, field: 'reach' });
  }
  const fittedTo = file.metadata.modelEpoch === undefined ? undefined : Number(file.metadata.modelEpoch);
  if (fittedTo !== undefined && modelEpoch !== undefined && fittedTo !== modelEpoch)
    throw new SidrecError(
      'E_STATE',
      `the transition prior was fitted to the model's epoch ${fittedTo}; its best epoch is now ${modelEpoch} (training went on): run sidrec transitions again, or use --transitions off`,
      { file: path, field: 'modelEpoch' },
    );
  return {
    numItems,
    table,
    weight,
    reach,
    report: JSON.parse(file.metadata.report ?? '{}') as TransitionReport,
    ...(fittedTo !== undefined ? { modelEpoch: fittedTo } : {}),
  };
}
