/**
 * RPG's training run (Hou et al., KDD 2025): the same next-item windows as SASRec (every position of every training
 * sequence is a target), the multi-token-prediction loss over the item's OPQ codes, validation NDCG@10 by exact
 * scoring of every item each epoch. After training, the best epoch's weights build the item graph (once, saved
 * with the model) and the test split is evaluated both exactly and with graph-constrained decoding.
 * Model directory: the shared files (model/files.ts) plus sids.safetensors (codes) and graph.safetensors.
 */
import { join, resolve } from 'node:path';
import { Progress } from '../../core/progress.js';
import { sampleValidation, type LeaveOneOutSplit } from '../../data/index.js';
import { graphScorer, type GraphSearchConfig } from '../../decode/graph.js';
import { buildItemGraph, saveItemGraph, type ItemGraph, type ItemGraphOptions } from '../../decode/item-graph.js';
import { evaluate, type EvalResult } from '../../eval/index.js';
import { bundleSids } from '../../model/bundle.js';
import { MODEL_FILES } from '../../model/files.js';
import type { NextItemBatch } from '../../model/next-item-batch.js';
import { saveItemCodes } from '../../model/rpg-io.js';
import { rpgExactScorer } from '../../model/rpg-score.js';
import { Rpg, type ItemCodes, type RpgConfig } from '../../model/rpg.js';
import { trainingWindows, type WindowMode } from '../../train/batches.js';
import { nextItemHooks } from '../next-item-plan.js';
import type { TrainConfig } from '../../train/config.js';
import { runTraining, type TrainingPlan } from '../../train/run.js';
import type { TrainResult, TrainRunOptions } from '../../train/trainer.js';

export type RpgBatching = 'uniform' | 'length-bucketed';

export interface RpgTrainExtras {
  /** The SID directory the codes came from (recorded in the manifest and bundled); absent for codes without one. */
  readonly sidsDir?: string;
  readonly graph: Partial<ItemGraphOptions>;
  readonly decode: GraphSearchConfig;
  /** Validation users drawn once (0 or absent = all); see sampleValidation. */
  readonly validUsers?: number;
  /**
   * 'uniform': each batch a uniform draw of windows, computed in length-sorted parts (lengthSortedParts: the whole
   * batch's gradient at bucketed cost); 'length-bucketed': batches of similar-length windows (cheaper to build,
   * and learns slower: Beauty valid NDCG@10 after 2 epochs .0146 uniform vs .0105 bucketed). @default 'uniform'
   */
  readonly batching?: RpgBatching;
  /**
   * 'tiled': sequences longer than maxLen + 1 in half-overlapping windows, every position a target; 'sliding': the
   * reference's windows (the first maxLen + 1 items, then one window per later item with only its last position a
   * target: ~14% more steps an epoch on Beauty; with code init .02 its validation curve matched rpg_torch.py's
   * within 1% over epochs 8-12, BENCHMARKS.md, session 15). @default 'tiled'
   */
  readonly windows?: WindowMode;
}

/** RPG's run over `codes` (a fresh run saves them and bundles their SID directory before the first epoch). */
export interface RpgPlan extends TrainingPlan<NextItemBatch> {
  readonly model: Rpg;
  /** After `finish`: the item graph and the graph-decoded test metrics. */
  graphOutcome(): { readonly graph: ItemGraph; readonly testGraph: EvalResult; readonly visitedPerUser: number } | undefined;
}

export function rpgPlan(
  split: LeaveOneOutSplit,
  dataDir: string,
  codes: ItemCodes,
  modelConfig: Partial<RpgConfig>,
  config: TrainConfig,
  run: TrainRunOptions,
  extras: RpgTrainExtras,
): RpgPlan {
  let outcome: ReturnType<RpgPlan['graphOutcome']>;
  const model = new Rpg(codes, modelConfig, config.seed);
  saveItemCodes(join(run.dir, MODEL_FILES.itemCodes), codes);
  if (!run.resume) bundleSids(run.dir, extras.sidsDir); // own copy of the SIDs (model/bundle.ts)
  const windowMode = extras.windows ?? 'tiled';
  const windows = trainingWindows(split.train, model.config.maxLen, windowMode);
  const scorer = rpgExactScorer(model);
  const validUsers = extras.validUsers ?? 0;
  const validSplit = sampleValidation(split, validUsers, config.seed);
  const batching = extras.batching ?? 'uniform';
  return {
    kind: 'rpg',
    numItems: split.numItems,
    dataDir,
    model,
    hooks: nextItemHooks(
      windows,
      config.batchSize,
      batching,
      async (signal) => (await evaluate(scorer, validSplit, 'valid', { batchSize: 256, signal })).metrics,
    ),
    settings: {
      kind: 'rpg',
      numItems: split.numItems,
      config: model.config,
      data: resolve(dataDir),
      digits: codes.digits,
      codebookSize: codes.codebookSize,
      batching,
      windows: windowMode,
      ...(validUsers > 0 ? { validUsers } : {}),
    },
    addedSettings: { 'config.itemIds': false, windows: 'tiled', 'config.residualInit': 'standard' }, // runs from before --item-ids / --windows / --residual-init
    graphOutcome: () => outcome,
    async finish(r, result) {
      const progress = r.quiet !== true;
      const test = await evaluate(scorer, split, 'test', { batchSize: 256, progress, label: 'test, exact', signal: r.signal });
      const graph = await buildGraph(model, extras.graph, split.numItems, r.quiet === true);
      saveItemGraph(join(r.dir, MODEL_FILES.itemGraph), graph);
      const decoder = graphScorer(model, graph, extras.decode);
      const testGraph = await evaluate(decoder.scorer, split, 'test', { batchSize: 256, progress, label: 'test, graph', signal: r.signal });
      const visitedPerUser = decoder.stats().visitedPerQuery;
      const { beam, neighbors, steps } = extras.decode;
      outcome = { graph, testGraph, visitedPerUser };
      return {
        test,
        tables: [
          { label: 'rpg exact (test)', result: test },
          { label: `rpg graph b${beam}/k${neighbors}/q${steps} (test)`, result: testGraph },
        ],
        notes: [`item graph: ${graph.method}, k ${graph.k}, built in ${graph.buildSeconds.toFixed(1)} s; visited ${visitedPerUser.toFixed(0)} items per user`],
        manifest: {
          ...(extras.sidsDir !== undefined ? { sids: resolve(extras.sidsDir) } : {}),
          rpg: {
            digits: codes.digits,
            codebookSize: codes.codebookSize,
            graph: { k: graph.k, method: graph.method, buildSeconds: graph.buildSeconds },
            decode: { ...extras.decode },
            testGraph: testGraph.metrics,
            visitedPerUser,
            epochSeconds: result.history.map((h) => h.seconds),
          },
        },
      };
    },
  };
}

async function buildGraph(model: Rpg, options: Partial<ItemGraphOptions>, numItems: number, quiet: boolean): Promise<ItemGraph> {
  const bar = new Progress({ label: 'item graph', total: numItems, unit: 'items', quiet });
  let shown = 0;
  const graph = await buildItemGraph(model, options, (done) => {
    bar.tick(done - shown);
    shown = done;
  });
  bar.finish();
  return graph;
}

export interface RpgRun {
  readonly model: Rpg;
  readonly result: TrainResult;
  readonly graph?: ItemGraph;
  /** Test metrics of the best epoch, exact scoring of every item. */
  readonly test?: EvalResult;
  /** Test metrics of the best epoch with graph-constrained decoding. */
  readonly testGraph?: EvalResult;
  readonly visitedPerUser?: number;
}

/** Trains RPG into `run.dir` (the library entry; `sidrec train` goes through the family table). */
export async function trainRpg(
  split: LeaveOneOutSplit,
  dataDir: string,
  codes: ItemCodes,
  modelConfig: Partial<RpgConfig>,
  config: TrainConfig,
  run: TrainRunOptions,
  extras: RpgTrainExtras,
): Promise<RpgRun> {
  const plan = rpgPlan(split, dataDir, codes, modelConfig, config, run, extras);
  const { result, finished } = await runTraining(plan, config, run);
  if (!finished) return { model: plan.model, result };
  return { model: plan.model, result, test: finished.test, ...plan.graphOutcome() };
}
