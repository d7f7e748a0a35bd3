/**
 * The GRank family (arXiv 2510.15299): a generator retrieving by exact maximum inner product over every item's
 * vector (id embedding + Semantic-ID code embeddings) and a lightweight ranker re-scoring its top candidates,
 * trained end to end (model.ts). `--ranking generator` evaluates / serves the generator alone.
 */
import { join, resolve } from 'node:path';
import { withDefaults } from '../../core/option-spec.js';
import { sampleValidation } from '../../data/index.js';
import { SidrecError } from '../../core/errors.js';
import { evaluate, type Scorer } from '../../eval/index.js';
import { fitBigram } from '../../model/baselines.js';
import { bundleSids } from '../../model/bundle.js';
import { MODEL_FILES } from '../../model/files.js';
import type { ModelManifest } from '../../model/manifest.js';
import { saveItemCodes } from '../../model/rpg-io.js';
import type { SemanticIdTable } from '../../tokenize/sid-table.js';
import { nextItemBatches, trainingWindows } from '../../train/batches.js';
import type { TrainingPlan } from '../../train/run.js';
import { checkHistories } from '../export-check.js';
import { defineFamily, type Flags, type ModelFamily } from '../family.js';
import { architectureOf, architectureOptions, checkHeads, sidOptions, validUsersOption } from '../options.js';
import { sidsForRun } from '../sids.js';
import { saveRankCounts } from './counts.js';
import { DEFAULT_GRANK_CONFIG as G, GRANK_ADDED_SETTINGS, type GRankCodes, type RankTargets } from './config.js';
import { GRank } from './model.js';
import type { MipsKind } from './mips.js';
import { chooseRankerWeight, exactIndex, generateRank } from './rank.js';
import { exportGRank } from './export.js';
import { type GRankUse, openGRank, openGRankModel } from './recommender.js';

const trainOptions = {
  ...architectureOptions(G),
  'id-dropout': {
    type: 'number',
    min: 0,
    max: 1,
    description:
      "Probability of dropping an item's id embedding per step (its codes stay and learn to stand alone for items added later; on Beauty .2 cost 10% of test NDCG@10)",
    default: G.idDropout,
  },
  'rank-negatives': {
    type: 'number',
    integer: true,
    min: 0,
    description: 'Ranker: negatives per window (0 = generator only)',
    default: G.rankNegatives,
  },
  'rank-pool': {
    type: 'number',
    integer: true,
    min: 1,
    description: "Ranker: its negatives are drawn uniformly from the generator's top N besides the target (= --rank-negatives: the hardest only)",
    default: G.rankPool,
  },
  'rank-weight': { type: 'number', min: 0, description: 'Ranker: weight of its loss in the sum', default: G.rankWeight },
  'rank-end-to-end': {
    type: 'boolean',
    description: "Ranker: let its gradient reach the generator (the paper's end-to-end training; hurt the generator on Beauty)",
    default: false,
  },
  'rank-hidden': { type: 'number', integer: true, min: 1, description: 'Ranker: hidden width of its MLP', default: G.rankHidden },
  'rank-item-embedding': {
    type: 'boolean',
    description:
      "Ranker: its own item embedding (zero at the start, added to the item vectors it reads, trained by its loss alone): room for item-to-item affinities the generator's vectors do not hold",
    default: G.rankItemEmbedding,
  },
  'rank-targets': {
    type: 'string',
    choices: ['last', 'any'],
    description:
      "Ranker: the target it learns on per window: 'last' (the newest item: one transition per short sequence, the same each epoch) or 'any' (a seeded uniform position per step, the history cut there: every transition over the epochs)",
    default: G.rankTargets,
  },
  'rank-counts': {
    type: 'number',
    integer: true,
    min: 0,
    description:
      "Ranker: read log(1 + count(k-th newest history item -> candidate)) for the newest N items, counted in the training sequences (each training example's own transitions from its target on left out); not in the paper (0 = off)",
    default: G.rankCounts,
  },
  'rank-objective': {
    type: 'string',
    choices: ['standalone', 'residual'],
    description:
      "Ranker: 'standalone' learns to rank the generator's candidates by its own score (blended with the generator's at validation, test and serving by a weight chosen from 0-16); 'residual' learns a correction added to the generator's score, on windows the generator memorised (on Beauty and Sports it learned less: BENCHMARKS.md, session 17)",
    default: G.rankStandalone ? 'standalone' : 'residual',
  },
  'aux-negatives': {
    type: 'number',
    integer: true,
    min: 0,
    description:
      "Target-aware learning (the paper's auxiliary tokens, training only): in-batch negatives that join each window's target as extra tokens attending to its history (0 = off)",
    default: G.auxNegatives,
  },
  'aux-weight': { type: 'number', min: 0, description: "Target-aware learning: weight of the auxiliary tokens' loss", default: G.auxWeight },
  candidates: { type: 'number', integer: true, min: 1, description: 'Generator candidates the ranker re-scores (validation, test, serving)', default: 200 },
  'ranker-weight': {
    type: 'string',
    description:
      "Weight of the ranker's score beside the generator's (validation, test, serving): auto = the best of 0, .1, .25, .5, 1 (and 2, 4, 8, 16 with --rank-objective standalone) on each validation, recorded for serving (0 is the generator alone); or a number (1: as trained)",
    default: 'auto',
  },
  ...sidOptions('SIDs for the item vectors: a sidrec tokenize directory (any kind); default: fit OPQ here into OUT/sids', 'text,attributes,cooccurrence'),
  digits: { type: 'number', integer: true, min: 1, description: 'OPQ digits when fitting SIDs here', default: 8 },
  ...validUsersOption(0),
} as const;

const useOptions = {
  ranking: {
    type: 'string',
    choices: ['ranker', 'generator'],
    description: "The ranker's re-scoring of the generator's candidates, or the generator's MIPS alone",
    default: 'ranker',
  },
  candidates: { type: 'number', integer: true, min: 1, description: 'Generator candidates the ranker re-scores (default: as trained)' },
  'ranker-weight': { type: 'number', min: 0, description: "Weight of the ranker's score beside the generator's (default: the one chosen on validation)" },
  mips: {
    type: 'string',
    choices: ['exact', 'usearch'],
    description: 'Retrieval for recommend / serve: exact inner products (one GEMM) or a usearch HNSW index',
    default: 'exact',
  },
} as const;

/** A SID table's codes as GRank reads them (the codebook wide enough for every digit, collision digits included). */
function codesOf(table: SemanticIdTable): GRankCodes {
  let max = table.shape.codebookSize - 1;
  for (const c of table.codes) if (c > max) max = c;
  return { numItems: table.count, digits: table.digits, codebookSize: max + 1, codes: Int32Array.from(table.codes) };
}

function scorerOf(model: GRank, candidates: number, ranker: boolean, rankerWeight = 1): Scorer {
  if (!ranker) return { kind: 'scores', score: (batch) => model.score(batch.map((q) => q.history)) };
  // Item vectors once per batch of queries: the weights change between validations.
  return {
    kind: 'topk',
    topK: (batch, k) =>
      generateRank(
        model,
        exactIndex(model),
        batch.map((q) => q.history),
        k,
        candidates,
        true,
        [],
        rankerWeight,
      ).map((r) => r.items),
  };
}

const recorded = (manifest: ModelManifest) => (manifest as { grank?: { candidates?: number; rankerWeight?: number } }).grank;
/** The candidate count the run was trained with (200 for runs from before it was recorded). */
export const recordedCandidates = (manifest: ModelManifest): number => Number(recorded(manifest)?.candidates ?? 200);
/** The ranker weight chosen when the run ended (1, the ranker as trained, for runs from before the choice). */
export const recordedRankerWeight = (manifest: ModelManifest): number => Number(recorded(manifest)?.rankerWeight ?? 1);

/** --ranker-weight at training: undefined for auto (chosen on validation), else the fixed weight. */
function fixedRankerWeight(value: string): number | undefined {
  if (value === 'auto') return undefined;
  const weight = Number(value);
  if (!Number.isFinite(weight) || weight < 0)
    throw new SidrecError('E_CONFIG', `--ranker-weight is auto or a number >= 0, got "${value}"`, { field: 'ranker-weight' });
  return weight;
}

export const grankFamily: ModelFamily = defineFamily({
  kind: 'grank',
  summary: 'GRank (arXiv 2510.15299): generator by exact MIPS over id + SID item vectors, a cross-attention ranker re-scores its top candidates',
  trainOptions,
  trainHelp: `GRank: items are an id embedding plus the mean of their SID code embeddings (--sids DIR from sidrec tokenize, any
kind; without it OPQ --digits x --sid-codebook-size is fitted here on --sid-features into OUT/sids), so items added while
serving get vectors from their codes. Validation and test rank the generator's top --candidates with the ranker, which
by default also reads how often each candidate followed the newest 5 history items in the training sequences
(--rank-counts; --rank-counts 0 --rank-objective residual --rank-targets last is the ranker as first built).`,
  useOptions,
  plan(input, flags): TrainingPlan {
    const o = withDefaults(trainOptions, flags);
    checkHeads(o.dim, o.heads);
    const { split, dataDir, train, run } = input;
    const sids = sidsForRun(input, o.sids, {
      features: o['sid-features'],
      config: { kind: 'opq', subspaces: o.digits, codebookSize: o['sid-codebook-size'] },
      seed: train.seed,
    });
    const codes = codesOf(sids.table);
    const config = {
      ...architectureOf(o, flags),
      idDropout: o['id-dropout'],
      rankNegatives: o['rank-negatives'],
      rankPool: o['rank-pool'],
      rankWeight: o['rank-weight'],
      rankHidden: o['rank-hidden'],
      rankDetach: !o['rank-end-to-end'],
      auxNegatives: o['aux-negatives'],
      auxWeight: o['aux-weight'],
      rankItemEmbedding: o['rank-item-embedding'],
      rankTargets: o['rank-targets'] as RankTargets,
      rankCounts: o['rank-counts'],
      rankStandalone: o['rank-objective'] === 'standalone',
    };
    const counts = config.rankCounts > 0 ? { numItems: split.numItems, table: fitBigram(split) } : undefined;
    const model = new GRank(codes, config, train.seed, counts);
    if (counts) saveRankCounts(run.dir, counts);
    saveItemCodes(join(run.dir, MODEL_FILES.itemCodes), codes);
    if (!run.resume) bundleSids(run.dir, sids.dir);
    const windows = trainingWindows(split.train, model.config.maxLen);
    const hasRanker = o['rank-negatives'] > 0;
    const fixed = fixedRankerWeight(o['ranker-weight']);
    const generator = scorerOf(model, o.candidates, false);
    const validSplit = sampleValidation(split, o['valid-users'], train.seed);
    // The ranker's weight at this epoch's weights: fixed, or the best on validation (metrics of that weight).
    const weighed = async (signal?: AbortSignal): Promise<{ weight: number; metrics: Record<string, number> }> => {
      if (!hasRanker) return { weight: 0, metrics: (await evaluate(generator, validSplit, 'valid', { batchSize: 256, signal })).metrics };
      if (fixed !== undefined)
        return {
          weight: fixed,
          metrics: (await evaluate(scorerOf(model, o.candidates, true, fixed), validSplit, 'valid', { batchSize: 256, signal })).metrics,
        };
      const chosen = await chooseRankerWeight(model, validSplit, 'valid', o.candidates, train.selectMetric, undefined, signal);
      return { weight: chosen.weight, metrics: chosen.result.metrics };
    };
    return {
      kind: 'grank',
      numItems: split.numItems,
      dataDir,
      model,
      hooks: {
        batches: (_epoch, rng) => nextItemBatches(windows, train.batchSize, rng),
        validate: async (_epoch, signal) => {
          const { weight, metrics } = await weighed(signal);
          return { ...metrics, 'ranker-weight': weight };
        },
      },
      settings: {
        kind: 'grank',
        numItems: split.numItems,
        config: model.config,
        data: resolve(dataDir),
        sids: resolve(sids.dir),
        validUsers: o['valid-users'],
        candidates: o.candidates,
      },
      addedSettings: GRANK_ADDED_SETTINGS,
      async finish(r) {
        const progress = r.quiet !== true;
        const { weight, metrics } = await weighed(r.signal); // the best epoch's weights are loaded
        const ranked = scorerOf(model, o.candidates, hasRanker, weight);
        const test = await evaluate(ranked, split, 'test', { batchSize: 256, progress, label: `test, generator + ranker x ${weight}`, signal: r.signal });
        const alone = await evaluate(generator, split, 'test', { batchSize: 256, progress, label: 'test, generator', signal: r.signal });
        const how = fixed === undefined ? 'chosen on validation' : 'as given';
        return {
          test,
          tables: [
            { label: `grank generator + ranker x ${weight} (${how}), ${o.candidates} candidates (test)`, result: test },
            { label: 'grank generator alone (test)', result: alone },
          ],
          notes: hasRanker
            ? [
                `ranker weight ${weight} (${how}; validation ${train.selectMetric} ${metrics[train.selectMetric].toFixed(4)}); serving uses it unless --ranker-weight says otherwise`,
              ]
            : [],
          manifest: {
            sids: resolve(sids.dir),
            grank: { candidates: o.candidates, rankerWeight: weight, rankerWeightChoice: how, testGenerator: alone.metrics },
          },
        };
      },
    };
  },
  scorer(dir, manifest, flags) {
    const o = withDefaults(useOptions, flags);
    const model = openGRankModel(dir, manifest);
    const candidates = o.candidates ?? recordedCandidates(manifest);
    const ranker = o.ranking === 'ranker';
    const weight = o['ranker-weight'] ?? recordedRankerWeight(manifest);
    return {
      label: ranker ? `grank generator + ranker x ${weight}, ${candidates} candidates` : 'grank generator',
      scorer: () => scorerOf(model, candidates, ranker, weight),
    };
  },
  recommender(dir, manifest, context, flags) {
    return openGRank(dir, manifest, context, servedUse(manifest, flags));
  },
  export(dir, manifest, context, out, options = {}) {
    const use = servedUse(manifest, {});
    const model = openGRankModel(dir, manifest);
    const served = openGRank(dir, manifest, context, use);
    return exportGRank(model, served, use, dir, manifest, context.items, checkHistories(model.numItems, model.config.maxLen), out, options);
  },
});

/** How a directory is served: the flags given, else the recorded candidates and ranker weight, the ranker on. */
function servedUse(manifest: ModelManifest, flags: Flags): GRankUse {
  const o = withDefaults(useOptions, flags);
  return {
    candidates: o.candidates ?? recordedCandidates(manifest),
    ranker: o.ranking === 'ranker',
    rankerWeight: o['ranker-weight'] ?? recordedRankerWeight(manifest),
    mips: o.mips as MipsKind,
  };
}
