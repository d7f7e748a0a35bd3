/**
 * Turns what the user names with `--model` into a scorer: a built-in baseline, or a trained model directory
 * (whose manifest records its dataset and architecture). RPG models score every item exactly ('exact') or
 * decode over their item graph ('graph', with beam / neighbours / steps).
 */
import { SidrecError } from '../core/errors.js';
import type { LeaveOneOutSplit } from '../data/index.js';
import { DEFAULT_GRAPH_SEARCH, graphScorer, type GraphSearchConfig } from '../decode/graph.js';
import type { Scorer } from '../eval/index.js';
import { bigramScorer, popularityScorer } from '../model/baselines.js';
import { openModel } from '../model/load.js';
import { isModelDir, readManifest } from '../model/manifest.js';
import { openSidModel, recordedTestBeam } from '../model/tiger-load.js';
import { GryphonRecommender, TigerRecommender } from '../decode/beam-tiger.js';
import { openItemGraph } from '../decode/item-graph.js';
import { Tiger } from '../model/tiger.js';
import { gryphonScorer, tigerScorer } from '../train/tiger.js';
import { rpgExactScorer } from '../model/rpg-score.js';
import { sasRecScorer } from '../train/sasrec.js';

export interface ResolvedScorer {
  readonly label: string;
  readonly dataDir: string;
  scorer(split: LeaveOneOutSplit): Scorer;
  /** Decoding statistics after evaluation (graph decoding: visited items per user). */
  stats?(): Readonly<Record<string, number>>;
}

export interface ScorerOptions {
  /** RPG: 'exact' scores every item, 'graph' decodes over the item graph. @default 'graph' */
  readonly decode?: 'exact' | 'graph';
  /** RPG graph decoding; unset fields come from the model's manifest, then DEFAULT_GRAPH_SEARCH. */
  readonly search?: Partial<GraphSearchConfig>;
  /** TIGER / Gryphon: beam width (default: the test beam recorded at training). */
  readonly sidBeam?: number;
  /** Gryphon: rank candidates by the item-level scorer or by beam likelihood. @default 'item' */
  readonly ranking?: 'item' | 'beam';
}

export async function resolveScorer(model: string, dataDir: string | undefined, options: ScorerOptions = {}): Promise<ResolvedScorer> {
  if (model === 'popularity' || model === 'bigram') {
    if (!dataDir) throw new SidrecError('E_CONFIG', `--data is required with the ${model} baseline`, { field: 'data' });
    return { label: model, dataDir, scorer: model === 'popularity' ? popularityScorer : (sp) => bigramScorer(sp) };
  }
  if (!isModelDir(model)) {
    throw new SidrecError('E_NOT_FOUND', 'not a trained model directory (no manifest.json) and not a baseline name (popularity, bigram)', { file: model });
  }
  const { kind, inProgress } = readManifest(model);
  const resolved = kind === 'tiger' || kind === 'gryphon' ? sidScorer(model, dataDir, options) : modelScorer(model, dataDir, options);
  return inProgress ? { ...resolved, label: `${resolved.label}, best epoch so far (run in progress)` } : resolved;
}

function modelScorer(model: string, dataDir: string | undefined, options: ScorerOptions): ResolvedScorer {
  const loaded = openModel(model);
  const check = (sp: LeaveOneOutSplit): void => {
    if (sp.numItems !== loaded.manifest.numItems) {
      throw new SidrecError('E_STATE', `model has ${loaded.manifest.numItems} items, dataset has ${sp.numItems}`, { file: model });
    }
  };
  if (loaded.kind === 'sasrec') {
    return { label: 'sasrec', dataDir: dataDir ?? loaded.manifest.dataDir, scorer: (sp) => (check(sp), sasRecScorer(loaded.model)) };
  }
  const decode = options.decode ?? 'graph';
  if (decode === 'exact') return { label: 'rpg exact', dataDir: dataDir ?? loaded.manifest.dataDir, scorer: (sp) => (check(sp), rpgExactScorer(loaded.model)) };
  const graph = openItemGraph(model);
  if (!graph) throw new SidrecError('E_STATE', 'this RPG directory has no graph.safetensors (training did not finish); use --decode exact', { file: model });
  const recorded = (loaded.manifest.rpg?.decode ?? {}) as Partial<GraphSearchConfig>;
  const search: GraphSearchConfig = { ...DEFAULT_GRAPH_SEARCH, ...recorded, ...stripUndefined(options.search ?? {}) };
  let decoder: ReturnType<typeof graphScorer> | undefined;
  return {
    label: `rpg graph b${search.beam}/k${search.neighbors}/q${search.steps}`,
    dataDir: dataDir ?? loaded.manifest.dataDir,
    scorer: (sp) => {
      check(sp);
      decoder = graphScorer(loaded.model, graph, search);
      return decoder.scorer;
    },
    stats: () => ({ visitedPerUser: decoder?.stats().visitedPerQuery ?? 0 }),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** TIGER (beam ranking) or Gryphon (item-level or beam ranking of the resolved candidates). */
function sidScorer(dir: string, dataDir: string | undefined, options: ScorerOptions): ResolvedScorer {
  const loaded = openSidModel(dir, readManifest(dir));
  const beamWidth = options.sidBeam ?? recordedTestBeam(loaded.manifest);
  const ranking = options.ranking ?? 'item';
  return {
    label: loaded.kind === 'tiger' ? `tiger beam ${beamWidth}` : `gryphon ${ranking}-level, beam ${beamWidth}`,
    dataDir: dataDir ?? loaded.manifest.dataDir,
    scorer: (sp) => {
      if (sp.numItems !== loaded.manifest.numItems) throw new SidrecError('E_STATE', `model has ${loaded.manifest.numItems} items, dataset has ${sp.numItems}`, { file: dir });
      const m = loaded.model;
      return m instanceof Tiger ? tigerScorer(new TigerRecommender(m, loaded.table, { beamWidth })) : gryphonScorer(new GryphonRecommender(m, loaded.table, { beamWidth }), ranking);
    },
  };
}
