/**
 * The seam between a trained model and whoever asks it for items (`sidrec recommend`, the HTTP service): a
 * `Recommender` ranks items for item-index histories and, when the model has a frozen tokenizer (RPG, SID-kNN),
 * can take new items without retraining. Each model family builds its own (families/<kind>/), so neither the CLI
 * nor the server imports a model class. Item indices here are the dataset's dense internal indices (new items get
 * the next ones); external ids are the catalogue's business (serve/catalog.ts).
 */
import { SidrecError } from '../core/errors.js';
import type { ItemText } from '../data/index.js';
import type { TokenizeReport } from '../tokenize/index.js';
import { TopK } from './topk.js';

/** One query: a chronological history (oldest first), how many items to return, and items never to return. */
export interface RecommendQuery {
  readonly history: readonly number[];
  readonly k: number;
  readonly exclude: ReadonlySet<number>;
  /** The dataset's user index when the query is a known user's; models with user tokens (TIGER) read it. */
  readonly user?: number;
}

export interface Recommendation {
  readonly item: number;
  readonly score: number;
}

/** Features of an item to add: its text (embedded by the model's frozen featurizer) and/or a ready vector. */
export interface NewItemFeatures {
  readonly text: ItemText;
  /** A vector in the tokenizer's input space; when absent the text is embedded. */
  readonly vector?: Float32Array;
  /** The item's semantic ID, given: the only way to add items to a model whose SIDs were imported (no tokenizer). */
  readonly sid?: readonly number[];
}

export interface Recommender {
  /** Manifest kind, e.g. 'sasrec', 'rpg', 'tiger', 'gryphon', 'sid-knn'. */
  readonly kind: string;
  /** Items it can recommend now: trained ones plus any added. */
  readonly numItems: number;
  /** Ranked items per query, best first, at most `k` each, never an excluded item. Non-empty histories only. */
  recommend(queries: readonly RecommendQuery[]): Recommendation[][];
  /** The semantic ID of item i; undefined for models without semantic IDs. */
  semanticId(item: number): readonly number[] | undefined;
  /** Codebook usage of the model's tokenizer, for the explorer; absent for models without one. */
  readonly tokenizerReport?: TokenizeReport;
  /** Length of a `NewItemFeatures.vector` this model accepts; undefined when only text works or nothing does. */
  readonly featureDim?: number;
  /**
   * Present only for models that can add items without retraining: encodes them with the frozen tokenizer,
   * makes them recommendable at once and returns their indices (numItems .. numItems + n - 1, in order).
   */
  addItems?(items: readonly NewItemFeatures[]): number[];
  /** Why `addItems` is absent, in words a client can act on. */
  readonly cannotAddItems?: string;
  /** How many items were scored for each query of the last `recommend` call (beam candidates, graph visits). */
  scoredPerQuery?(): readonly number[];
  /** Digits of the `sid` every new item must give (models with imported SIDs); absent when features suffice. */
  readonly newItemsNeedSid?: number;
  /** Each item's vector as the model reads it (its embedding, or the mean of its code embeddings): the explorer's map. */
  itemVectors?(): ItemVectors;
  /**
   * Present on models that score every item (SASRec, the Markov chain, RPG without graph decoding): the scores
   * (B, numItems) row-major that `recommend` ranks, higher = better; what the transition prior adds to.
   */
  scoreAll?(histories: readonly (readonly number[])[]): Float32Array;
}

/** (count, dim) row-major item vectors. */
export interface ItemVectors {
  readonly count: number;
  readonly dim: number;
  readonly data: Float32Array;
}

/** Rows `offset` .. offset + count of a (rows, dim) table as item vectors (e.g. an id table whose row 0 is padding). */
export function tableRows(table: Float32Array, dim: number, count: number, offset = 0): ItemVectors {
  return { count, dim, data: table.slice(offset * dim, (offset + count) * dim) };
}

/** Per item, the mean of the table rows its (count, m) tokens name (negative tokens skipped): SID models' item vectors. */
export function meanOfTokenRows(table: Float32Array, dim: number, tokens: Int32Array, count: number, m: number): ItemVectors {
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    let n = 0;
    for (let d = 0; d < m; d++) {
      const t = tokens[i * m + d];
      if (t < 0) continue;
      n++;
      for (let j = 0; j < dim; j++) data[i * dim + j] += table[t * dim + j];
    }
    if (n > 1) for (let j = 0; j < dim; j++) data[i * dim + j] /= n;
  }
  return { count, dim, data };
}

/**
 * Top-k of `scores[offset .. offset + n)` skipping `exclude`, ties broken by item index (as the evaluator's
 * ranks); NaN scores are never returned. The one top-k (decode/topk.ts's heap), as `Recommendation`s.
 */
export function topK(scores: Float32Array, offset: number, n: number, k: number, exclude: ReadonlySet<number>): Recommendation[] {
  const top = new TopK(Math.min(k, n));
  for (let i = 0; i < n; i++) {
    const s = scores[offset + i];
    // biome-ignore lint/suspicious/noSelfCompare: s === s is false only for NaN, checked without a call in this hot loop
    if (s === s && !exclude.has(i)) top.push(i, s);
  }
  const items = new Int32Array(top.size);
  const values = new Float32Array(top.size);
  top.sortedInto(items, 0, values);
  return Array.from(items, (item, j) => ({ item, score: values[j] }));
}

/**
 * A model that scores every item for a batch of histories (SASRec, the Markov chain): one batched call, a top-k
 * per query. Its items are learned id embeddings: no semantic IDs, and no new items without retraining (the
 * endpoint says so rather than guessing an embedding).
 */
export class FullScoringRecommender implements Recommender {
  readonly cannotAddItems: string;

  constructor(
    readonly kind: string,
    readonly numItems: number,
    /** Scores (B, numItems) row-major for B histories. */
    private readonly score: (histories: readonly (readonly number[])[]) => Float32Array,
    private readonly vectors?: () => ItemVectors,
  ) {
    this.cannotAddItems = `model kind "${kind}" cannot add items without retraining: its items are learned id embeddings, it has no frozen tokenizer to give a new item a semantic ID`;
  }

  scoreAll(histories: readonly (readonly number[])[]): Float32Array {
    return this.score(histories);
  }

  recommend(queries: readonly RecommendQuery[]): Recommendation[][] {
    if (queries.length === 0) return [];
    const n = this.numItems;
    const scores = this.score(queries.map((q) => q.history)); // (B, N)
    this.lastQueries = queries.length;
    return queries.map((q, r) => topK(scores, r * n, n, q.k, q.exclude));
  }

  private lastQueries = 0;

  scoredPerQuery(): readonly number[] {
    return new Array<number>(this.lastQueries).fill(this.numItems);
  }

  itemVectors(): ItemVectors {
    if (!this.vectors) throw new SidrecError('E_CONFIG', `model kind "${this.kind}" exposes no item vectors`);
    return this.vectors();
  }

  semanticId(): undefined {
    return undefined;
  }
}
