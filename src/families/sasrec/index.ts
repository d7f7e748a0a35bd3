/**
 * The SASRec family (Kang & McAuley, ICDM 2018): item-id embeddings, a causal transformer, full-softmax
 * cross-entropy at every position. The ID baseline every generative model here is measured against.
 */
import { withDefaults } from '../../core/option-spec.js';
import { DEFAULT_SASREC_CONFIG as D } from '../../model/sasrec.js';
import { defineFamily, type ModelFamily } from '../family.js';
import { architectureOf, architectureOptions, batchingOption, checkHeads, type Batching, validUsersOption } from '../options.js';
import { openSasRecModel, sasRecRecommender } from './recommender.js';
import { exportItemScorer } from '../export-check.js';
import { SASREC_INPUTS, sasRecGraph } from './onnx.js';
import { sasRecPlan, sasRecScorer } from './train.js';

const trainOptions = { ...architectureOptions(D), ...batchingOption('length-bucketed'), ...validUsersOption(0) };

export const sasrecFamily: ModelFamily = defineFamily({
  kind: 'sasrec',
  summary: 'SASRec (ICDM 2018): item-id embeddings, causal transformer, full-softmax loss',
  trainOptions,
  useOptions: {},
  plan({ split, dataDir, train }, flags) {
    const o = withDefaults(trainOptions, flags);
    checkHeads(o.dim, o.heads);
    return sasRecPlan(split, dataDir, architectureOf(o, flags), train, o['valid-users'], o.batching as Batching);
  },
  scorer(dir, manifest) {
    const model = openSasRecModel(dir, manifest);
    return { label: 'sasrec', scorer: () => sasRecScorer(model) };
  },
  recommender(dir, manifest) {
    return sasRecRecommender(openSasRecModel(dir, manifest));
  },
  export(dir, manifest, context, out, options = {}) {
    const model = openSasRecModel(dir, manifest);
    return exportItemScorer({ kind: 'sasrec', model, inputs: SASREC_INPUTS, build: (p) => sasRecGraph(model, p) }, dir, manifest, context.items, out, options);
  },
});
