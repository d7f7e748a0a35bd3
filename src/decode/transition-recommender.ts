/**
 * A `Recommender` with the transition prior (model/transitions.ts) added to its scores: the model's own scores of
 * every item (its `scoreAll`) plus w * log(1 + training count of newest item -> item), then the same top-k. Only
 * for models that score every item; everything else (new items, SIDs, item vectors) is the model's own.
 */
import { SidrecError } from '../core/errors.js';
import { addTransitions, type TransitionPrior } from '../model/transitions.js';
import { topK, type ItemVectors, type NewItemFeatures, type Recommendation, type RecommendQuery, type Recommender } from './recommender.js';

export class TransitionRecommender implements Recommender {
  private lastQueries = 0;

  constructor(
    private readonly inner: Recommender,
    readonly prior: TransitionPrior,
  ) {
    if (!inner.scoreAll)
      throw new SidrecError(
        'E_CONFIG',
        `model kind "${inner.kind}" ranks candidates instead of scoring every item, so the transition prior cannot be added (RPG: --decode exact; or --transitions off)`,
        { field: 'transitions' },
      );
  }

  get kind(): string {
    return this.inner.kind;
  }
  get numItems(): number {
    return this.inner.numItems;
  }
  get tokenizerReport() {
    return this.inner.tokenizerReport;
  }
  get featureDim() {
    return this.inner.featureDim;
  }
  get cannotAddItems() {
    return this.inner.cannotAddItems;
  }
  get newItemsNeedSid() {
    return this.inner.newItemsNeedSid;
  }
  get addItems(): ((items: readonly NewItemFeatures[]) => number[]) | undefined {
    const add = this.inner.addItems;
    return add ? (items) => add.call(this.inner, items) : undefined;
  }

  semanticId(item: number): readonly number[] | undefined {
    return this.inner.semanticId(item);
  }

  itemVectors(): ItemVectors {
    if (!this.inner.itemVectors) throw new SidrecError('E_CONFIG', `model kind "${this.kind}" exposes no item vectors`);
    return this.inner.itemVectors();
  }

  scoreAll(histories: readonly (readonly number[])[]): Float32Array {
    const n = this.inner.numItems;
    const scores = this.inner.scoreAll!(histories);
    histories.forEach((h, b) => addTransitions(this.prior, scores, b * n, h));
    return scores;
  }

  recommend(queries: readonly RecommendQuery[]): Recommendation[][] {
    if (queries.length === 0) return [];
    const n = this.inner.numItems;
    const scores = this.scoreAll(queries.map((q) => q.history));
    this.lastQueries = queries.length;
    return queries.map((q, b) => topK(scores, b * n, n, q.k, q.exclude));
  }

  scoredPerQuery(): readonly number[] {
    return new Array<number>(this.lastQueries).fill(this.numItems);
  }
}
