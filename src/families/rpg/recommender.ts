/**
 * RPG (Hou et al., KDD 2025) behind the `Recommender` seam. A query's m per-digit log-distributions come from
 * one batched forward pass; an item's score is the sum of the log-probs of its m codes, computed for every item
 * ('exact', the serving default: it needs no graph update when items are added) or, with `decode: 'graph'`, for
 * the items the paper's graph-constrained search visits (exact again once items were added: the graph is stale).
 * Items are nothing but their OPQ codes, so a new item gets codes from the frozen tokenizer (new-item-codes.ts) and
 * is scored, and readable in histories (the mean of its code embeddings), at once: the model is rebuilt around the
 * extended code table with the same trained weights.
 */
import { join } from 'node:path';
import { DEFAULT_GRAPH_SEARCH, GraphDecoder, type GraphSearchConfig } from '../../decode/graph.js';
import type { ItemGraph } from '../../decode/item-graph.js';
import { MODEL_FILES } from '../../model/files.js';
import type { ModelManifest } from '../../model/manifest.js';
import { loadItemCodes } from '../../model/rpg-io.js';
import { Rpg, type ItemCodes, type RpgConfig } from '../../model/rpg.js';
import { scoreAll } from '../../model/rpg-score.js';
import { loadCheckpoint } from '../../tensor/index.js';
import type { TokenizeReport } from '../../tokenize/index.js';
import {
  meanOfTokenRows,
  topK,
  type ItemVectors,
  type NewItemFeatures,
  type Recommendation,
  type RecommendQuery,
  type Recommender,
} from '../../decode/recommender.js';
import type { OpenContext } from '../family.js';
import { openNewItemCoding, type NewItemCoding } from '../new-item-codes.js';

/** Graph-constrained decoding for recommend(): the item graph and the search settings. */
export interface RpgGraphDecoding {
  readonly graph: ItemGraph;
  readonly search: GraphSearchConfig;
}

export class RpgRecommender implements Recommender {
  readonly kind = 'rpg';
  readonly cannotAddItems?: string;
  private scored: number[] = [];

  scoredPerQuery(): readonly number[] {
    return this.scored;
  }

  /** Set while the graph covers every item (until items are added). */
  private graphDecoder?: GraphDecoder;

  readonly newItemsNeedSid?: number;
  readonly featureDim?: number;
  readonly tokenizerReport?: TokenizeReport;
  addItems?: (items: readonly NewItemFeatures[]) => number[];

  constructor(
    private model: Rpg,
    private readonly seed: number,
    coding: NewItemCoding,
    decoding?: RpgGraphDecoding,
  ) {
    if (decoding) this.graphDecoder = new GraphDecoder(model.itemTokens, model.digits, decoding.graph, decoding.search);
    ({
      cannotAddItems: this.cannotAddItems,
      newItemsNeedSid: this.newItemsNeedSid,
      featureDim: this.featureDim,
      tokenizerReport: this.tokenizerReport,
    } = coding);
    const codesFor = coding.codesFor;
    if (codesFor) this.addItems = (items) => this.grow(codesFor(items), items.length);
  }

  get numItems(): number {
    return this.model.numItems;
  }

  /** The mean of each item's code embeddings (plus its own embedding with `itemIds`): how a history item enters RPG. */
  itemVectors(): ItemVectors {
    const { codeTable, config, itemTokens, numItems, digits, itemTable } = this.model;
    const vectors = meanOfTokenRows(codeTable.f32, config.dim, itemTokens, numItems, digits);
    if (itemTable) for (let i = 0; i < vectors.data.length; i++) vectors.data[i] += itemTable.f32[i];
    return vectors;
  }

  semanticId(item: number): readonly number[] {
    const m = this.model.digits;
    return Array.from(this.model.codes.codes.subarray(item * m, (item + 1) * m));
  }

  /** Every item's exact score (the sum of its codes' log-probs); set only while recommend() scores exactly. */
  get scoreAll(): ((histories: readonly (readonly number[])[]) => Float32Array) | undefined {
    if (this.graphDecoder) return undefined;
    return (histories) => {
      const { digits: m, codebookSize: C, numItems: N, itemTokens } = this.model;
      return scoreAll(this.model.logProbs(histories), histories.length, itemTokens, m, C, N);
    };
  }

  recommend(queries: readonly RecommendQuery[]): Recommendation[][] {
    if (queries.length === 0) return [];
    const { digits: m, codebookSize: C, numItems: N, itemTokens } = this.model;
    const logp = this.model.logProbs(queries.map((q) => q.history)); // (B, m*C)
    if (this.graphDecoder) {
      this.scored = [];
      return queries.map((q, b) => this.graphTop(logp, b * m * C, q));
    }
    this.scored = queries.map(() => N);
    const scores = scoreAll(logp, queries.length, itemTokens, m, C, N); // (B, N)
    return queries.map((q, b) => topK(scores, b * N, N, q.k, q.exclude));
  }

  /** The graph search's best items for one query, room made for the excluded ones. */
  private graphTop(logp: Float32Array, offset: number, q: RecommendQuery): Recommendation[] {
    const found = this.graphDecoder!.search(logp, offset, q.user ?? 0, q.k + q.exclude.size);
    this.scored.push(found.visited);
    const out: Recommendation[] = [];
    for (let r = 0; r < found.items.length && out.length < q.k; r++)
      if (!q.exclude.has(found.items[r])) out.push({ item: found.items[r], score: found.scores[r] });
    return out;
  }

  private grow(fresh: Int32Array, n: number): number[] {
    const old = this.model.codes;
    const codes: ItemCodes = { ...old, numItems: old.numItems + n, codes: concat(old.codes, fresh) };
    const grown = new Rpg(codes, this.model.config, this.seed);
    const trained = new Map(this.model.namedParameters().map((p) => [p.name, p.tensor]));
    for (const p of grown.namedParameters()) {
      const weights = trained.get(p.name)!.f32;
      p.tensor.f32.set(weights);
      p.tensor.f32.fill(0, weights.length); // the item table's new rows: no identity learned, the codes alone
    }
    this.model = grown;
    this.graphDecoder = undefined; // the graph knows nothing of the new items
    return Array.from({ length: n }, (_, i) => old.numItems + i);
  }
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** An RPG model directory's architecture (around its saved item codes) with its best weights. */
export function openRpgModel(dir: string, manifest: ModelManifest): Rpg {
  const model = new Rpg(loadItemCodes(join(dir, MODEL_FILES.itemCodes)), manifest.modelConfig as Partial<RpgConfig>, manifest.seed);
  loadCheckpoint(join(dir, MODEL_FILES.best), model.namedParameters());
  return model;
}

/** The graph search recorded at training, overridden field by field. */
export function recordedGraphSearch(manifest: ModelManifest, overrides: Partial<GraphSearchConfig> = {}): GraphSearchConfig {
  const recorded = (manifest as { rpg?: { decode?: Partial<GraphSearchConfig> } }).rpg?.decode ?? {};
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_GRAPH_SEARCH, ...recorded, ...given };
}

/**
 * An RPG model directory as a Recommender; it takes new items when its frozen tokenizer is shown to be the one it
 * was trained with (new-item-codes.ts).
 */
export function openRpg(dir: string, manifest: ModelManifest, context: OpenContext, decoding?: RpgGraphDecoding): RpgRecommender {
  const t = performance.now();
  const model = openRpgModel(dir, manifest);
  context.log(`rpg: weights and ${model.numItems} item codes loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return new RpgRecommender(model, manifest.seed, openNewItemCoding('rpg', dir, manifest, context, model.codes), decoding);
}
