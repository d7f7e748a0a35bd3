/**
 * Fixtures for the serving tests, all from the library on seeded synthetic data: a tiny trained SASRec model
 * directory (one epoch, ~1 s), a tiny TIGER or Gryphon, a tiny GRank and Markov chain, and an in-memory SID-kNN model (LSA text features -> OPQ tokenizer -> SID table),
 * the SID-based model whose items can be added without retraining. Plus small HTTP helpers and the slow server
 * (a worker thread) for the overload and shutdown tests.
 */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { generateSynthetic, saveDataset, split, syntheticDataset, type InteractionDataset, type LeaveOneOutSplit } from '../../src/data/index.js';
import { DEFAULT_GRAPH_SEARCH } from '../../src/decode/graph.js';
import type { GryphonConfig } from '../../src/model/gryphon.js';
import type { RpgConfig } from '../../src/model/rpg.js';
import { sidsFromTable } from '../../src/model/rpg-io.js';
import { trainRpg } from '../../src/families/rpg/train.js';
import { TextFeaturizer, type ItemFeatures } from '../../src/features/index.js';
import { fitTokenizer, saveDatasetSids, SemanticIdTable, tokenizeDataset, tokenizeReport, type DatasetSids, type Tokenizer } from '../../src/tokenize/index.js';
import { parseFeatureSpec } from '../../src/features/dataset.js';
import { trainSidModel } from '../../src/families/tiger/train.js';
import { DEFAULT_TRAIN_CONFIG } from '../../src/train/config.js';
import { runTraining } from '../../src/train/run.js';
import { familyOf } from '../../src/families/index.js';
import { trainSasRec } from '../../src/families/sasrec/train.js';
import { featurizerText, SidKnnRecommender } from '../../src/serve/sid-knn.js';
import { ServingCatalog } from '../../src/serve/catalog.js';
import { servingModel, type ServingModel } from '../../src/serve/model.js';
import type { ClosingStats, SlowServerOptions } from './slow-server.worker.js';

export const SYNTH = { numUsers: 300, numItems: 120, numTopics: 6, subTopicsPerTopic: 2, seed: 7 } as const;

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `sidrec-serve-${prefix}-`));
}

/** The synthetic dataset the RPG serving tests share, saved under `root`, with its split. */
export function rpgFixtureData(root: string): { ds: InteractionDataset; sp: LeaveOneOutSplit; dataDir: string } {
  const dataDir = join(root, 'data');
  const ds = syntheticDataset(generateSynthetic(SYNTH));
  saveDataset(dataDir, ds);
  return { ds, sp: split(ds, { historyCap: 20 }), dataDir };
}

/** Saves `sids` to root/sids and trains a tiny RPG on them into root/rpg (small graph and beam); returns its dir. */
export async function tinyRpgDir(
  root: string,
  data: ReturnType<typeof rpgFixtureData>,
  sids: DatasetSids,
  arch: Partial<RpgConfig>,
  epochs: number,
): Promise<string> {
  const sidDir = join(root, 'sids');
  const modelDir = join(root, 'rpg');
  saveDatasetSids(sidDir, sids);
  await trainRpg(
    data.sp,
    data.dataDir,
    sidsFromTable(sids.table, data.ds.numItems),
    { heads: 2, layers: 1, maxLen: 20, ...arch },
    { ...DEFAULT_TRAIN_CONFIG, epochs, batchSize: 64, warmupSteps: 2, lr: 0.01 },
    { dir: modelDir, quiet: true },
    { sidsDir: sidDir, graph: { k: 10 }, decode: { ...DEFAULT_GRAPH_SEARCH, beam: 10, neighbors: 10 } },
  );
  return modelDir;
}

/** Trains a one-epoch SASRec on synthetic data; returns its model directory. */
export async function tinySasRecDir(seed = 1, root = tempDir('sasrec')): Promise<string> {
  const dataDir = join(root, 'data');
  const ds = syntheticDataset(generateSynthetic(SYNTH));
  saveDataset(dataDir, ds);
  const out = join(root, `model-${seed}`);
  await trainSasRec(
    split(ds, { historyCap: 20 }),
    dataDir,
    { dim: 16, heads: 2, layers: 1, ffn: 32, maxLen: 20 },
    { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize: 64, warmupSteps: 2, lr: 0.01, seed },
    { dir: out, quiet: true },
  );
  return out;
}

/** Trains a two-epoch model of `kind` on synthetic data through the family table with `flags`; returns its model directory. */
async function tinyFamilyDir(kind: string, flags: Readonly<Record<string, string | number>>, root: string): Promise<string> {
  const dataDir = join(root, 'data');
  const dataset = syntheticDataset(generateSynthetic(SYNTH));
  saveDataset(dataDir, dataset);
  const train = { ...DEFAULT_TRAIN_CONFIG, epochs: 2, batchSize: 64, warmupSteps: 2, lr: 0.01 };
  const run = { dir: join(root, kind), quiet: true };
  const plan = await familyOf(kind).plan({ dataset, split: split(dataset, { historyCap: 20 }), dataDir, train, run }, flags);
  await runTraining(plan, train, run);
  return run.dir;
}

/** A GRank (d 16, 4 x 8 OPQ codes on the synthetic attributes, 30 candidates, the ranker reading the newest 3 items' counts). */
export const tinyGRankDir = (root = tempDir('grank')): Promise<string> =>
  tinyFamilyDir(
    'grank',
    { dim: 16, heads: 2, ffn: 32, 'max-len': 20, 'sid-features': 'attributes', digits: 4, 'sid-codebook-size': 8, candidates: 30, 'rank-counts': 3 },
    root,
  );

/** A Markov chain (d 16). */
export const tinyMarkovDir = (root = tempDir('markov')): Promise<string> => tinyFamilyDir('markov', { dim: 16, 'max-len': 20 }, root);

/** Tiny TIGER / Gryphon model directories trained on one synthetic dataset and its SIDs. */
export interface TinySidModels {
  readonly ds: InteractionDataset;
  readonly sp: LeaveOneOutSplit;
  readonly sids: DatasetSids;
  readonly dirs: Readonly<Partial<Record<'tiger' | 'gryphon', string>>>;
}

/**
 * Trains tiny TIGER and/or Gryphon models (1+1 layers, d 32, two epochs, test beam 8) on synthetic data with RQ-KMeans
 * SIDs (2 x 8 codes plus the collision digit).
 */
export async function tinySidModels(
  kinds: readonly ('tiger' | 'gryphon')[],
  root = tempDir('sid-models'),
  config: Partial<GryphonConfig> = {},
): Promise<TinySidModels> {
  const dataDir = join(root, 'data');
  const sidsDir = join(root, 'sids');
  const ds = syntheticDataset(generateSynthetic(SYNTH));
  saveDataset(dataDir, ds);
  const sp = split(ds, { historyCap: 20 });
  const sids = tokenizeDataset(ds, sp, parseFeatureSpec('cooccurrence'), { kind: 'rqkmeans', levels: 2, codebookSize: 8 }, 1);
  saveDatasetSids(sidsDir, sids);
  const dirs: Partial<Record<'tiger' | 'gryphon', string>> = {};
  for (const kind of kinds) {
    dirs[kind] = join(root, kind);
    await trainSidModel(
      kind,
      sp,
      dataDir,
      { dir: sidsDir, table: sids.table },
      { dim: 32, encoderLayers: 1, decoderLayers: 1, heads: 2, ffn: 64, dropout: 0.1, userBuckets: 50, ...config },
      { ...DEFAULT_TRAIN_CONFIG, epochs: 2, batchSize: 64, lr: 0.01, warmupSteps: 5, seed: 4 },
      { dir: dirs[kind], quiet: true },
      { validUsers: 50, validBeam: 5, testBeam: 8 },
    );
  }
  return { ds, sp, sids, dirs };
}

/** One tiny TIGER or Gryphon model directory (tinySidModels), its architecture changed by `config`. */
export async function tinySidGenerativeDir(kind: 'tiger' | 'gryphon', config: Partial<GryphonConfig> = {}): Promise<string> {
  return (await tinySidModels([kind], tempDir(kind), config)).dirs[kind]!;
}

export interface SidFixture {
  readonly dataset: InteractionDataset;
  readonly featurizer: TextFeaturizer;
  readonly tokenizer: Tokenizer;
  readonly features: ItemFeatures;
  /** A fresh served model (each call gets its own table, so tests cannot see each other's added items). */
  open(): ServingModel;
}

/** LSA text features (32-d) of the synthetic catalogue -> OPQ (4 digits x 16 codes) -> SID-kNN. */
export function sidKnnFixture(): SidFixture {
  const dataset = syntheticDataset(generateSynthetic(SYNTH));
  const { featurizer, features } = TextFeaturizer.fit(dataset.catalog.texts.map(featurizerText), { dim: 32, seed: 0 });
  const fitted = fitTokenizer({ kind: 'opq', subspaces: 4, codebookSize: 16, pcaDim: 32, rotationIters: 2, seed: 0 }, features);
  const table = SemanticIdTable.forTokenizer(fitted.tokenizer, fitted.codes, features.count);
  const report = tokenizeReport({ tokenizer: fitted.tokenizer, table, features, fitSeconds: fitted.fitSeconds });
  const open = (): ServingModel => {
    const fresh = SemanticIdTable.forTokenizer(fitted.tokenizer, fitted.codes, features.count);
    return servingModel(new SidKnnRecommender(fitted.tokenizer, fresh, featurizer, report), ServingCatalog.fromDataset(dataset), 'sid-knn:synthetic');
  };
  return { dataset, featurizer, tokenizer: fitted.tokenizer, features, open };
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** One request over a real socket (keep-alive); resolves on any status, rejects only on transport errors. */
export function http(
  base: string,
  method: string,
  path: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = {},
  via: Agent = agent,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, base),
      { method, agent: via, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface SlowServer {
  readonly base: string;
  /** Resolves when the server starts closing, with what it had answered and still had queued then. */
  readonly closing: Promise<ClosingStats>;
  /** Asks the server to close (drain accepted requests, then stop) and resolves once the worker has exited. */
  close(): Promise<void>;
  /** Ends the worker at once; for `finally` blocks, so a failed assertion never leaves a server holding the test process open. */
  kill(): Promise<void>;
}

/** Starts slow-server.worker.js; rejects (instead of waiting forever) if the worker fails before listening. */
export async function startSlowServer(options: SlowServerOptions): Promise<SlowServer> {
  const worker = new Worker(new URL('./slow-server.worker.js', import.meta.url), { workerData: options });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const [{ port }] = (await once(worker, 'message')) as [{ port: number }];
  const closing = once(worker, 'message').then(([m]) => (m as { closing: ClosingStats }).closing);
  closing.catch(() => {}); // a worker killed before closing: only awaiting callers see the rejection
  return {
    base: `http://127.0.0.1:${port}`,
    closing,
    close: async () => {
      worker.postMessage('close');
      await exited;
    },
    kill: async () => {
      await worker.terminate();
      await exited;
    },
  };
}
