/**
 * Turns what the user names with `--model` into a scorer: a built-in baseline, or a trained model directory
 * (whose manifest records its dataset and architecture).
 */
import { SidrecError } from '../core/errors.js';
import type { LeaveOneOutSplit } from '../data/index.js';
import type { Scorer } from '../eval/index.js';
import { bigramScorer, popularityScorer } from '../model/baselines.js';
import { loadModel } from '../model/load.js';
import { isModelDir } from '../model/manifest.js';
import { sasRecScorer } from '../train/sasrec.js';

export interface ResolvedScorer {
  readonly label: string;
  readonly dataDir: string;
  scorer(split: LeaveOneOutSplit): Scorer;
}

export async function resolveScorer(model: string, dataDir: string | undefined): Promise<ResolvedScorer> {
  if (model === 'popularity' || model === 'bigram') {
    if (!dataDir) throw new SidrecError('E_CONFIG', `--data is required with the ${model} baseline`, { field: 'data' });
    return { label: model, dataDir, scorer: model === 'popularity' ? popularityScorer : (sp) => bigramScorer(sp) };
  }
  if (!isModelDir(model)) {
    throw new SidrecError('E_NOT_FOUND', 'not a trained model directory (no manifest.json) and not a baseline name (popularity, bigram)', { file: model });
  }
  const loaded = loadModel(model);
  return {
    label: loaded.manifest.kind,
    dataDir: dataDir ?? loaded.manifest.dataDir,
    scorer: (sp) => {
      if (sp.numItems !== loaded.manifest.numItems) {
        throw new SidrecError('E_STATE', `model has ${loaded.manifest.numItems} items, dataset has ${sp.numItems}`, { file: model });
      }
      return sasRecScorer(loaded.model);
    },
  };
}
