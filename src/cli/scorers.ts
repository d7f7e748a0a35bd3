/**
 * Turns what the user names with `--model` into a scorer: a built-in baseline (popularity, bigram, recent-bigram: counted from
 * the training split; sid-neighbours: the content baseline over a SID directory; nothing to train), or a trained
 * model directory, opened by its family (families/).
 */
import { SidrecError } from '../core/errors.js';
import type { LeaveOneOutSplit } from '../data/index.js';
import type { Scorer } from '../eval/index.js';
import { familyOf, type Flags } from '../families/index.js';
import { bigramScorer, popularityScorer, recentBigramScorer } from '../model/baselines.js';
import { isModelDir, readManifest } from '../model/manifest.js';
import { sidNeighboursScorer } from '../model/sid-neighbours.js';
import { loadDatasetSids } from '../tokenize/index.js';

export interface ResolvedScorer {
  readonly label: string;
  readonly dataDir: string;
  scorer(split: LeaveOneOutSplit): Scorer;
  /** Decoding statistics after evaluation (graph decoding: visited items per user). */
  stats?(): Readonly<Record<string, number>>;
}

/** What a baseline may read besides the split. */
export interface BaselineInputs {
  /** A SID directory (sidrec tokenize's output), for sid-neighbours. */
  readonly sids?: string;
}

/** The built-in baselines by name (model/baselines.ts, model/sid-neighbours.ts). */
const BASELINES: Readonly<Record<string, (split: LeaveOneOutSplit, inputs: BaselineInputs) => Scorer>> = Object.freeze({
  popularity: (sp: LeaveOneOutSplit) => popularityScorer(sp),
  bigram: (sp: LeaveOneOutSplit) => bigramScorer(sp),
  'recent-bigram': (sp: LeaveOneOutSplit) => recentBigramScorer(sp),
  'sid-neighbours': (sp: LeaveOneOutSplit, inputs: BaselineInputs) => {
    if (!inputs.sids)
      throw new SidrecError('E_CONFIG', '--sids DIR (a SID directory from sidrec tokenize) is required with the sid-neighbours baseline', { field: 'sids' });
    const { table } = loadDatasetSids(inputs.sids);
    if (table.count !== sp.numItems)
      throw new SidrecError('E_STATE', `the SID directory has ${table.count} items, the dataset ${sp.numItems}: SIDs of another dataset?`, {
        file: inputs.sids,
        field: 'sids',
      });
    return sidNeighboursScorer(sp, table);
  },
});
const BASELINE_NAMES = Object.keys(BASELINES).join(', ');

/** `flags`: the decoding options of the model's family (its `useOptions`). */
export async function resolveScorer(model: string, dataDir: string | undefined, flags: Flags = {}, inputs: BaselineInputs = {}): Promise<ResolvedScorer> {
  const baseline = BASELINES[model];
  if (baseline) {
    if (!dataDir) throw new SidrecError('E_CONFIG', `--data is required with the ${model} baseline`, { field: 'data' });
    return { label: model, dataDir, scorer: (sp) => baseline(sp, inputs) };
  }
  if (!isModelDir(model)) {
    throw new SidrecError('E_NOT_FOUND', `not a trained model directory (no manifest.json) and not a baseline name (${BASELINE_NAMES})`, { file: model });
  }
  const manifest = readManifest(model);
  const resolved = familyOf(manifest.kind, model).scorer(model, manifest, flags);
  const label = manifest.inProgress ? `${resolved.label}, best epoch so far (run in progress)` : resolved.label;
  return {
    label,
    dataDir: dataDir ?? manifest.dataDir,
    scorer: (sp) => {
      if (sp.numItems !== manifest.numItems)
        throw new SidrecError('E_STATE', `model has ${manifest.numItems} items, dataset has ${sp.numItems}`, { file: model });
      return resolved.scorer(sp);
    },
    ...(resolved.stats ? { stats: resolved.stats } : {}),
  };
}
