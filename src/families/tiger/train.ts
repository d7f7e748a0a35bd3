/**
 * Trains TIGER or Gryphon on a leave-one-out split with the shared loop: SID examples from the training part,
 * validation NDCG@10 each epoch by trie-constrained beam search over a fixed sample of validation users (full
 * ranking semantics: a target outside the generated list counts as a miss), then the best epoch is evaluated on
 * every test user and the model directory is completed with its manifest (which records the SID directory).
 * Gryphon selects and reports its item-level ranking, and also reports the beam-likelihood ranking of the same
 * candidates. A run may start from another run's best weights (`initFromRun`: e.g. Gryphon from a trained TIGER).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SidrecError } from '../../core/errors.js';
import { sampleValidation, type LeaveOneOutSplit } from '../../data/index.js';
import { GryphonRecommender, TigerRecommender } from '../../decode/beam-tiger.js';
import { evaluate, type EvalResult, type Scorer } from '../../eval/index.js';
import { Gryphon, type GryphonConfig } from '../../model/gryphon.js';
import { readManifest } from '../../model/manifest.js';
import { bundleSids, recordedSids } from '../../model/bundle.js';
import { Tiger } from '../../model/tiger.js';
import { SidVocabulary } from '../../model/tiger-vocab.js';
import { loadMatchingParameters, type MatchedParameters } from '../../tensor/index.js';
import type { SemanticIdTable } from '../../tokenize/sid-table.js';
import type { TrainConfig } from '../../train/config.js';
import { sidBatchHooks, sidExamples } from '../../train/tiger-batches.js';
import { BEST_FILE, type TrainResult, type TrainRunOptions } from '../../train/trainer.js';
import { runTraining, type TrainingPlan } from '../../train/run.js';
import type { SidBatch } from '../../model/sid-batch.js';

export type SidModelKind = 'tiger' | 'gryphon';

export interface SidRunOptions {
  /** Validation users sampled (fixed by the seed) for per-epoch model selection; 0 = all. @default 2000 */
  readonly validUsers: number;
  /** Beam width for validation. @default 10 */
  readonly validBeam: number;
  /** Beam width for the test evaluation. @default 20 (TIGER), 50 (Gryphon) */
  readonly testBeam: number;
  /** Keep only each user's most recent prefixes as training examples. @default Infinity */
  readonly examplesPerUser: number;
  /** A finished or paused TIGER/Gryphon run directory whose best weights start this run (same SIDs and data). */
  readonly initFrom?: string;
  /**
   * 'uniform': uniformly drawn batches computed in length-sorted parts (tiger-batches.ts: sidParts); 'length-bucketed':
   * batches of similar-length histories, 1.2-1.45x cheaper an epoch but slower to learn: on Beauty (6 x 64 heads, published
   * SIDs) validation NDCG@10 over epochs 3-5 averaged .0199 uniform against .0155 bucketed (BENCHMARKS.md, session 24),
   * as RPG learned slower bucketed.
   * @default 'uniform' (runs made before session 24: 'length-bucketed')
   */
  readonly batching?: 'uniform' | 'length-bucketed';
}

export const DEFAULT_SID_RUN: SidRunOptions = Object.freeze({ validUsers: 2000, validBeam: 10, testBeam: 20, examplesPerUser: Infinity });

export const SID_METRICS = Object.freeze(['recall@5', 'recall@10', 'recall@20', 'ndcg@5', 'ndcg@10', 'ndcg@20', 'recall@50', 'recall@200']);

export function tigerScorer(rec: TigerRecommender): Scorer {
  return { kind: 'topk', topK: (batch, k) => rec.recommend(batch, k) };
}

/**
 * Gryphon's two rankings of the same candidates from one pass: `itemLevel` ranks each batch as it is evaluated and
 * keeps the beam-likelihood lists, which `beamLevel` then reads back by user (evaluate `itemLevel` first).
 */
export function gryphonScorers(rec: GryphonRecommender): { itemLevel: Scorer; beamLevel: Scorer; meanCandidates: () => number } {
  const beam = new Map<number, Int32Array>();
  let candidates = 0;
  return {
    itemLevel: {
      kind: 'topk',
      topK: (batch, k) =>
        rec.rank(batch, k).map((r, i) => {
          beam.set(batch[i].user, r.byBeam);
          candidates += r.candidates.items.length;
          return r.byItemScore;
        }),
    },
    beamLevel: {
      kind: 'topk',
      topK: (batch) =>
        batch.map((q) => {
          const list = beam.get(q.user);
          if (!list) throw new SidrecError('E_STATE', `gryphon: user ${q.user} has no beam ranking (evaluate itemLevel first)`);
          return list;
        }),
    },
    meanCandidates: () => (beam.size === 0 ? 0 : candidates / beam.size),
  };
}

export interface SidEvaluation {
  /** TIGER: beam ranking; Gryphon: item-level ranking. */
  readonly primary: EvalResult;
  /** Gryphon only: beam-likelihood ranking of the same candidates. */
  readonly byBeam?: EvalResult;
  readonly meanCandidates?: number;
}

export interface SidEvalOptions {
  /** @default SID_METRICS */
  readonly metrics?: readonly string[];
  /** Shows a progress bar with this label. */
  readonly progressLabel?: string;
  /** Stops between batches of queries with E_INTERRUPTED once aborted (`evaluate`'s option). */
  readonly signal?: AbortSignal;
}

/** Evaluates a TIGER or Gryphon model on `part` with the shared evaluator. */
export async function evaluateSid(
  model: Tiger | Gryphon,
  table: SemanticIdTable,
  split: LeaveOneOutSplit,
  part: 'valid' | 'test',
  beamWidth: number,
  options: SidEvalOptions = {},
): Promise<SidEvaluation> {
  const { metrics = SID_METRICS, progressLabel, signal } = options;
  const shared = { metrics, batchSize: 128, signal, ...(progressLabel !== undefined ? { progress: true, label: progressLabel } : {}) };
  if (model instanceof Tiger) return { primary: await evaluate(tigerScorer(new TigerRecommender(model, table, { beamWidth })), split, part, shared) };
  const s = gryphonScorers(new GryphonRecommender(model, table, { beamWidth }));
  const primary = await evaluate(s.itemLevel, split, part, shared);
  const byBeam = await evaluate(s.beamLevel, split, part, { metrics, batchSize: 128 });
  return { primary, byBeam, meanCandidates: s.meanCandidates() };
}

export function createSidModel(kind: SidModelKind, numItems: number, table: SemanticIdTable, config: Partial<GryphonConfig>, seed: number): Tiger | Gryphon {
  const codeSizes = config.codeSizes ?? SidVocabulary.codeSizesOf(table);
  if (kind === 'tiger') return new Tiger({ ...config, codeSizes }, seed);
  const g = new Gryphon(numItems, new SidVocabulary(codeSizes, config.userBuckets ?? 2000).itemTokens(table), { ...config, codeSizes }, seed);
  return g;
}

/**
 * Warm start: copies the best weights of another TIGER/Gryphon run trained on the same data and SIDs (TIGER ->
 * Gryphon keeps the generator and starts the item scorer fresh; Gryphon -> TIGER drops the scorer).
 */
export function initFromRun(model: Tiger | Gryphon, from: string, dataDir: string, sidsDir: string): MatchedParameters {
  if (!existsSync(join(from, BEST_FILE)))
    throw new SidrecError('E_CONFIG', `--init-from needs a training run directory with a best epoch (${BEST_FILE})`, { file: from, field: 'init-from' });
  const source = readManifest(from); // a finished run's manifest, or a paused run's settings
  const where = { file: from };
  if (source.kind !== 'tiger' && source.kind !== 'gryphon')
    throw new SidrecError('E_CONFIG', `--init-from: the run is a ${source.kind} model, not tiger/gryphon`, { ...where, field: 'model.kind' });
  const recorded = recordedSids(source);
  const sourceSids = recorded !== undefined ? resolve(recorded) : undefined;
  if (sourceSids !== resolve(sidsDir))
    throw new SidrecError('E_CONFIG', `--init-from: the run used SIDs ${sourceSids}, this one ${resolve(sidsDir)} (code embeddings would not match)`, {
      ...where,
      field: 'model.sids',
    });
  if (resolve(source.dataDir) !== resolve(dataDir))
    throw new SidrecError('E_CONFIG', `--init-from: the run used data ${source.dataDir}, this one ${resolve(dataDir)}`, { ...where, field: 'model.data' });
  const toSource = (name: string): string | undefined => {
    if (model instanceof Gryphon && source.kind === 'tiger') return name.startsWith('tiger.') ? name.slice('tiger.'.length) : undefined;
    if (model instanceof Tiger && source.kind === 'gryphon') return `tiger.${name}`;
    return name;
  };
  return loadMatchingParameters(join(from, BEST_FILE), model.namedParameters(), toSource);
}

export interface SidRun {
  readonly model: Tiger | Gryphon;
  readonly result: TrainResult;
  readonly test?: SidEvaluation;
}

export interface SidPlan extends TrainingPlan<SidBatch | Int32Array, SidBatch> {
  readonly model: Tiger | Gryphon;
  /** After `finish`: both rankings' test metrics (Gryphon) or the beam ranking's (TIGER). */
  evaluation(): SidEvaluation | undefined;
}

export function sidPlan(
  kind: SidModelKind,
  split: LeaveOneOutSplit,
  dataDir: string,
  sids: { readonly dir: string; readonly table: SemanticIdTable },
  modelConfig: Partial<GryphonConfig>,
  config: TrainConfig,
  run: TrainRunOptions,
  sidRun: Partial<SidRunOptions> = {},
): SidPlan {
  const opts = { ...DEFAULT_SID_RUN, ...(kind === 'gryphon' ? { testBeam: 50 } : {}), ...sidRun };
  const model = createSidModel(kind, split.numItems, sids.table, modelConfig, config.seed);
  const tiger = model instanceof Tiger ? model : model.tiger;
  const { initFrom } = opts;
  const warmStart =
    initFrom === undefined
      ? undefined
      : () => {
          const m = initFromRun(model, initFrom, dataDir, sids.dir);
          if (!run.quiet)
            process.stderr.write(
              `init from ${initFrom}: ${m.loaded.length} parameters loaded, ${m.fresh.length} fresh${m.fresh.length ? ` (${m.fresh.join(', ')})` : ''}\n`,
            );
        };
  const examples = sidExamples(split.train, opts.examplesPerUser);
  const batchCtx = { vocab: tiger.vocab, table: sids.table, itemTokens: tiger.vocab.itemTokens(sids.table), maxItems: tiger.config.maxItems };
  const validSplit = sampleValidation(split, opts.validUsers, config.seed);
  if (!run.resume) bundleSids(run.dir, sids.dir); // the model directory keeps its own copy of the SIDs (model/bundle.ts)
  let evaluation: SidEvaluation | undefined;
  const batching = opts.batching ?? 'uniform';
  return {
    kind,
    numItems: split.numItems,
    dataDir,
    model,
    ...(warmStart ? { warmStart } : {}),
    hooks: {
      ...sidBatchHooks(examples, batching, config.batchSize, () => batchCtx),
      validate: async (_epoch, signal) =>
        (await evaluateSid(model, sids.table, validSplit, 'valid', opts.validBeam, { metrics: ['ndcg@10', 'recall@10'], signal })).primary.metrics,
    },
    settings: {
      kind,
      numItems: split.numItems,
      config: model.config,
      data: resolve(dataDir),
      sids: resolve(sids.dir),
      examplesPerUser: opts.examplesPerUser,
      validUsers: opts.validUsers,
      validBeam: opts.validBeam,
      batching,
      ...(initFrom !== undefined ? { initFrom: resolve(initFrom) } : {}),
    },
    addedSettings: { batching: 'length-bucketed' }, // runs from before the draw was recorded
    evaluation: () => evaluation,
    async finish(r, result) {
      const test = await evaluateSid(model, sids.table, split, 'test', opts.testBeam, {
        signal: r.signal,
        ...(r.quiet === true ? {} : { progressLabel: `test, beam ${opts.testBeam}` }),
      });
      evaluation = test;
      const tables = test.byBeam
        ? [
            { label: 'gryphon item-level (test)', result: test.primary },
            { label: 'gryphon beam-likelihood (test)', result: test.byBeam },
          ]
        : [{ label: 'tiger (test)', result: test.primary }];
      return {
        test: test.primary,
        tables,
        notes: test.meanCandidates !== undefined ? [`candidates per user: ${test.meanCandidates.toFixed(1)}`] : [],
        manifest: {
          sids: resolve(sids.dir),
          sid: {
            ...opts,
            epochSeconds: result.history.map((h) => h.seconds),
            ...(test.byBeam ? { testByBeam: test.byBeam.metrics, meanCandidates: test.meanCandidates } : {}),
          },
        },
      };
    },
  };
}

/** Trains TIGER or Gryphon into `run.dir` (the library entry; `sidrec train` goes through the family table). */
export async function trainSidModel(
  kind: SidModelKind,
  split: LeaveOneOutSplit,
  dataDir: string,
  sids: { readonly dir: string; readonly table: SemanticIdTable },
  modelConfig: Partial<GryphonConfig>,
  config: TrainConfig,
  run: TrainRunOptions,
  sidRun: Partial<SidRunOptions> = {},
): Promise<SidRun> {
  const plan = sidPlan(kind, split, dataDir, sids, modelConfig, config, run, sidRun);
  const { result, finished } = await runTraining(plan, config, run);
  const test = finished ? plan.evaluation() : undefined;
  return { model: plan.model, result, ...(test ? { test } : {}) };
}

/** Gryphon as a 'topk' scorer over one of its two rankings (per batch: one encoder pass, beam, resolve, rescore). */
export function gryphonScorer(rec: GryphonRecommender, ranking: 'item' | 'beam'): Scorer {
  return { kind: 'topk', topK: (batch, k) => rec.rank(batch, k).map((r) => (ranking === 'item' ? r.byItemScore : r.byBeam)) };
}
