/**
 * SID-kNN: a content recommender that sees items only through their semantic IDs, so any item the frozen
 * tokenizer can encode is recommendable at once. Each item is represented by the L2-normalised reconstruction
 * of its SID (tokenizer.decode), a query by the recency-weighted sum of its history items' representations
 * (weight decay^age, the newest item weight 1), and an item's score is the dot product: a weighted cosine
 * item-kNN over SID space. New items are encoded by the frozen tokenizer, appended to the SemanticIdTable
 * (SID -> items resolution and prefix trie rebuilt) and to the representation matrix.
 *
 * It serves the same role as RPG's graph decoding (items near the history in SID space) without a trained
 * sequence model; it is exact (a full scan), which is fine up to ~1e5 items.
 */
import { SidrecError } from '../core/errors.js';
import type { ItemText } from '../data/index.js';
import type { TextFeaturizer } from '../features/index.js';
import { l2NormalizeRows } from '../features/index.js';
import type { SemanticIdTable, Tokenizer, TokenizeReport } from '../tokenize/index.js';
import { topK, type NewItemFeatures, type Recommendation, type RecommendQuery, type Recommender } from '../decode/recommender.js';

export interface SidKnnOptions {
  /** Weight of an item `age` steps before the newest: decay^age. @default 0.7 */
  readonly decay: number;
  /** Most recent history items read. @default 50 */
  readonly maxLen: number;
}

export const DEFAULT_SID_KNN: SidKnnOptions = Object.freeze({ decay: 0.7, maxLen: 50 });

export class SidKnnRecommender implements Recommender {
  readonly kind = 'sid-knn';
  readonly options: SidKnnOptions;
  private table: SemanticIdTable;
  /** (capacity, dim) unit rows, the first `table.count` in use. */
  private reps: Float32Array;
  private readonly dim: number;

  constructor(
    private readonly tokenizer: Tokenizer,
    table: SemanticIdTable,
    private readonly featurizer: TextFeaturizer | undefined,
    readonly tokenizerReport: TokenizeReport | undefined,
    options: Partial<SidKnnOptions> = {},
  ) {
    this.options = { ...DEFAULT_SID_KNN, ...options };
    this.table = table;
    this.dim = tokenizer.inputDim;
    this.reps = new Float32Array(Math.max(1, table.count) * this.dim);
    this.reps.set(this.represent(table, 0, table.count));
  }

  get numItems(): number {
    return this.table.count;
  }

  get featureDim(): number {
    return this.dim;
  }

  semanticId(item: number): readonly number[] {
    return Array.from(this.table.codesOf(item));
  }

  recommend(queries: readonly RecommendQuery[]): Recommendation[][] {
    const n = this.table.count;
    const d = this.dim;
    const scores = new Float32Array(n); // (N) reused per query
    const profile = new Float32Array(d); // (D)
    return queries.map((q) => {
      profile.fill(0);
      const h = q.history.slice(-this.options.maxLen);
      let w = 1;
      for (let t = h.length - 1; t >= 0; t--, w *= this.options.decay) {
        const off = h[t] * d;
        for (let j = 0; j < d; j++) profile[j] += w * this.reps[off + j];
      }
      for (let i = 0; i < n; i++) {
        let s = 0;
        const off = i * d;
        for (let j = 0; j < d; j++) s += this.reps[off + j] * profile[j];
        scores[i] = s;
      }
      return topK(scores, 0, n, q.k, q.exclude);
    });
  }

  addItems(items: readonly NewItemFeatures[]): number[] {
    const n = items.length;
    const d = this.dim;
    const x = new Float32Array(n * d); // (n, D) tokenizer inputs
    const needText = items.map((it, i) => (it.vector ? -1 : i)).filter((i) => i >= 0);
    if (needText.length > 0) {
      if (!this.featurizer) throw new SidrecError('E_INPUT', 'this model has no text featurizer: give each new item a "vector"', { field: 'vector' });
      const f = this.featurizer.transform(needText.map((i) => featurizerText(items[i].text)));
      if (f.dim !== d) throw new SidrecError('E_STATE', `featurizer gives ${f.dim}-d vectors, tokenizer reads ${d}-d`);
      needText.forEach((i, r) => x.set(f.data.subarray(r * d, (r + 1) * d), i * d));
    }
    items.forEach((it, i) => {
      if (!it.vector) return;
      if (it.vector.length !== d)
        throw new SidrecError('E_INPUT', `vector has ${it.vector.length} values, this model reads ${d}`, { field: `items[${i}].vector` });
      x.set(it.vector, i * d);
    });
    const codes = this.tokenizer.encode(x, n); // (n, digits)
    const first = this.table.count;
    const table = this.table.append(codes, n);
    const needed = table.count * d;
    if (needed > this.reps.length) {
      const grown = new Float32Array(Math.max(needed, 2 * this.reps.length));
      grown.set(this.reps);
      this.reps = grown;
    }
    this.reps.set(this.represent(table, first, n), first * d);
    this.table = table;
    return Array.from({ length: n }, (_, i) => first + i);
  }

  /** (n, D) unit reconstructions of items first .. first + n - 1 of `table`. */
  private represent(table: SemanticIdTable, first: number, n: number): Float32Array {
    const b = this.tokenizer.digits;
    const base = new Int32Array(n * b); // (n, digits) without any collision digit
    for (let i = 0; i < n; i++) base.set(table.codesOf(first + i).subarray(0, b), i * b);
    const rec = this.tokenizer.decode(base, n);
    l2NormalizeRows(rec, n, this.dim);
    return rec;
  }
}

/** The featurizer's view of catalogue text: a description kept among the extra fields is read as one. */
export function featurizerText(text: ItemText): Parameters<TextFeaturizer['transform']>[0][number] {
  return { title: text.title, brand: text.brand, categories: text.categories, description: text.extra?.description };
}
