/**
 * The Markov family: a factorized first-order Markov chain (model.ts), trained by the one training entry on the
 * same next-item windows as SASRec. The smallest family: a model, its flags, a plan, a scorer and a recommender.
 */
import { join, resolve } from 'node:path';
import { withDefaults } from '../../core/option-spec.js';
import { sampleValidation } from '../../data/index.js';
import { FullScoringRecommender } from '../../decode/recommender.js';
import { evaluate, type Scorer } from '../../eval/index.js';
import { MODEL_FILES } from '../../model/files.js';
import type { ModelManifest } from '../../model/manifest.js';
import { loadCheckpoint } from '../../tensor/index.js';
import { nextItemBatches, trainingWindows } from '../../train/batches.js';
import { defineFamily, type ModelFamily } from '../family.js';
import { validUsersOption } from '../options.js';
import { DEFAULT_MARKOV_CONFIG as D, MarkovChain, type MarkovConfig } from './model.js';

const trainOptions = {
  dim: { type: 'number', integer: true, min: 1, description: 'Embedding size', default: D.dim },
  dropout: { type: 'number', min: 0, max: 0.95, description: "Dropout on the last item's embedding", default: D.dropout },
  ...validUsersOption(0),
} as const;

const scorerOf = (model: MarkovChain): Scorer => ({ kind: 'scores', score: (batch) => model.score(batch.map((q) => q.history)) });

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
    const windows = trainingWindows(split.train, model.config.maxLen);
    const scorer = scorerOf(model);
    const validSplit = sampleValidation(split, o['valid-users'], train.seed);
    return {
      kind: 'markov',
      numItems: split.numItems,
      dataDir,
      model,
      hooks: {
        batches: (_epoch, rng) => nextItemBatches(windows, train.batchSize, rng),
        validate: async () => (await evaluate(scorer, validSplit, 'valid', { batchSize: 512 })).metrics,
      },
      settings: { kind: 'markov', numItems: split.numItems, config: model.config, data: resolve(dataDir), validUsers: o['valid-users'] },
      async finish(run) {
        const test = await evaluate(scorer, split, 'test', { batchSize: 512, progress: run.quiet !== true });
        return { test, tables: [{ label: 'markov (test)', result: test }] };
      },
    };
  },
  scorer(dir, manifest) {
    const model = open(dir, manifest);
    return { label: 'markov', scorer: () => scorerOf(model) };
  },
  recommender(dir, manifest) {
    const model = open(dir, manifest);
    return new FullScoringRecommender('markov', model.numItems, (histories) => model.score(histories));
  },
});
