/**
 * The seam between the HTTP layer and any trained model: a `Recommender` ranks items for item-index histories
 * and, when the model has a frozen tokenizer (RPG, SID-kNN), can take new items without retraining. One adapter
 * per model kind lives in `adapters/` and is registered by manifest kind in `adapters/index.ts`; the app never
 * imports a model class. Item indices here are the dataset's dense internal indices (new items get the next
 * ones); external ids are the catalogue's business (`catalog.ts`).
 */
import type { ItemText } from '../data/index.js';
import type { TokenizeReport } from '../tokenize/index.js';

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
  /** Digits of the `sid` every new item must give (models with imported SIDs); absent when features suffice. */
  readonly newItemsNeedSid?: number;
}

/**
 * Top-k of `scores[offset .. offset + n)` skipping `exclude`, ties broken by item index (as the evaluator's
 * ranks); NaN scores are never returned. O(n log k) with a small sorted buffer.
 */
export function topK(scores: Float32Array, offset: number, n: number, k: number, exclude: ReadonlySet<number>): Recommendation[] {
  const items: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = scores[offset + i];
    if (!(s === s) || exclude.has(i)) continue; // NaN check without a call
    if (items.length === k && s <= values[k - 1]) continue;
    let p = items.length === k ? k - 1 : items.length;
    while (p > 0 && values[p - 1] < s) p--;
    items.splice(p, 0, i);
    values.splice(p, 0, s);
    if (items.length > k) {
      items.pop();
      values.pop();
    }
  }
  return items.map((item, j) => ({ item, score: values[j] }));
}
