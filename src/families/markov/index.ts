/**
 * The Markov family: a factorized first-order Markov chain (model.ts), trained by the one training entry on the
 * same next-item windows as SASRec (next-item-plan.ts). The smallest family: a model, its flags, a plan, a scorer, a
 * recommender and an export.
 */
import { join } from 'node:path';
import { withDefaults } from '../../core/option-spec.js';
import { FullScoringRecommender } from '../../decode/recommender.js';
import { MODEL_FILES } from '../../model/files.js';
import type { ModelManifest } from '../../model/manifest.js';
import { loadCheckpoint } from '../../tensor/index.js';
import { exportItemScorer } from '../export-check.js';
import { defineFamily, type ModelFamily } from '../family.js';
import { MARKOV_INPUTS, markovGraph } from './onnx.js';
import { fullScorer, nextItemPlan } from '../next-item-plan.js';
import { batchingOption, type Batching, validUsersOption } from '../options.js';
import { DEFAULT_MARKOV_CONFIG as D, MarkovChain, type MarkovConfig } from './model.js';

const trainOptions = {
  dim: { type: 'number', integer: true, min: 1, description: 'Embedding size', default: D.dim },
  dropout: { type: 'number', min: 0, max: 0.95, description: "Dropout on the last item's embedding", default: D.dropout },
  ...batchingOption('length-bucketed'),
  ...validUsersOption(0),
} as const;

function open(dir: string, manifest: ModelManifest): MarkovChain {
  const model = new MarkovChain(manifest.numItems, manifest.modelConfig as Partial<MarkovConfig>, manifest.seed);
  loadCheckpoint(join(dir, MODEL_FILES.best), model.namedParameters());
  return model;
}

export const markovFamily: ModelFamily = defineFamily({
  kind: 'markov',
  summary: 'Factorized first-order Markov chain (the item-item term of FPMC, WWW 2010): the learned bigram',
  trainOptions,
  useOptions: {},
  plan({ split, dataDir, train }, flags) {
    const o = withDefaults(trainOptions, flags);
    const model = new MarkovChain(split.numItems, { dim: o.dim, dropout: o.dropout, maxLen: flags['max-len'] as number }, train.seed);
    return nextItemPlan('markov', model, split, dataDir, train, o['valid-users'], o.batching as Batching);
  },
  scorer(dir, manifest) {
    const model = open(dir, manifest);
    return { label: 'markov', scorer: () => fullScorer(model) };
  },
  recommender(dir, manifest) {
    const model = open(dir, manifest);
    return new FullScoringRecommender('markov', model.numItems, (histories) => model.score(histories));
  },
  export(dir, manifest, context, out, options = {}) {
    const model = open(dir, manifest);
    return exportItemScorer({ kind: 'markov', model, inputs: MARKOV_INPUTS, build: (p) => markovGraph(model, p) }, dir, manifest, context.items, out, options);
  },
});
