/**
 * SASRec behind the `Recommender` seam: one batched forward pass scores every item for all queries of a batch,
 * then a top-k per query. Its items are learned id embeddings, so it has no semantic IDs and cannot take new
 * items without retraining (the endpoint says so rather than guessing an embedding).
 */
import { loadModel } from '../../model/load.js';
import type { SasRec } from '../../model/sasrec.js';
import { topK, type Recommendation, type RecommendQuery, type Recommender } from '../recommender.js';

export class SasRecRecommender implements Recommender {
  readonly kind = 'sasrec';
  readonly cannotAddItems =
    'model kind "sasrec" cannot add items without retraining: its items are learned id embeddings, it has no frozen tokenizer to give a new item a semantic ID';

  constructor(private readonly model: SasRec) {}

  get numItems(): number {
    return this.model.numItems;
  }

  recommend(queries: readonly RecommendQuery[]): Recommendation[][] {
    if (queries.length === 0) return [];
    const n = this.model.numItems;
    const scores = this.model.score(queries.map((q) => q.history)); // (B, N)
    return queries.map((q, r) => topK(scores, r * n, n, q.k, q.exclude));
  }

  semanticId(): undefined {
    return undefined;
  }
}

/** Adapter factory for manifest kind 'sasrec'. */
export function openSasRec(dir: string): SasRecRecommender {
  return new SasRecRecommender(loadModel(dir).model);
}
