/**
 * Text features (LSA): an item's text fields -> TF-IDF (word + character n-grams) -> randomized truncated SVD
 * to `dim` dimensions -> L2-normalised rows. The cheap stand-in for TIGER/RPG's sentence-encoder embeddings
 * when no encoder is available; the fitted featurizer embeds new items into the same space (x V).
 */
import { TfidfModel, type TfidfOptions } from './tfidf.js';
import { csrOperator, randomizedSvd, type SvdResult } from './svd.js';
import { csrMulDense } from './sparse.js';
import { l2NormalizeRows, type ItemFeatures } from './types.js';

/** The text an item may have; every field is optional (Amazon's catalogues have gaps). */
export interface ItemText {
  readonly title?: string | null;
  readonly brand?: string | null;
  /** Category paths, e.g. [["Beauty", "Makeup", "Nails"]], or a flat list of category names. */
  readonly categories?: readonly (readonly string[])[] | readonly string[] | null;
  readonly description?: string | null;
}

export interface TextFeatureOptions {
  /** Output dimension (SVD rank). @default 256 */
  readonly dim: number;
  /** @default {} (DEFAULT_TFIDF) */
  readonly tfidf: Partial<TfidfOptions>;
  /** Power iterations of the randomized SVD (each costs two sparse products). @default 2 */
  readonly powerIters: number;
  /** @default 10 */
  readonly oversample: number;
  /** @default 0 */
  readonly seed: number;
}

export const DEFAULT_TEXT_FEATURES: Readonly<TextFeatureOptions> = Object.freeze({
  dim: 256,
  tfidf: {},
  powerIters: 2,
  oversample: 10,
  seed: 0,
});

/** One document per item: title, brand, the distinct category names (leaf included), description (unless told not). */
export function itemDocument(item: ItemText, withDescription = true): string {
  const parts: string[] = [];
  if (item.title) parts.push(item.title);
  if (item.brand) parts.push(item.brand);
  if (item.categories) {
    const names = new Set<string>();
    for (const c of item.categories) {
      if (typeof c === 'string') names.add(c);
      else for (const name of c) names.add(name);
    }
    parts.push(...names);
  }
  if (withDescription && item.description) parts.push(item.description);
  return parts.join(' . ');
}

export class TextFeaturizer {
  private constructor(
    readonly tfidf: TfidfModel,
    private readonly svd: SvdResult,
  ) {}

  get dim(): number {
    return this.svd.rank;
  }

  /**
   * Fit on the catalogue and return its features (U diag(sigma), rows L2-normalised).
   * @example const { featurizer, features } = TextFeaturizer.fit(items, { dim: 256, seed: 0 });
   */
  static fit(items: readonly ItemText[], options: Partial<TextFeatureOptions> = {}): { featurizer: TextFeaturizer; features: ItemFeatures } {
    const opts = { ...DEFAULT_TEXT_FEATURES, ...options };
    const docs = items.map((item) => itemDocument(item));
    const tfidf = TfidfModel.fit(docs, opts.tfidf);
    const x = tfidf.transform(docs);
    const svd = randomizedSvd(csrOperator(x), {
      rank: opts.dim,
      powerIters: opts.powerIters,
      oversample: opts.oversample,
      seed: opts.seed,
    });
    const featurizer = new TextFeaturizer(tfidf, svd);
    return { featurizer, features: featurizer.project(x) };
  }

  /** Features of any items (new ones too) in the fitted space. */
  transform(items: readonly ItemText[]): ItemFeatures {
    return this.project(this.tfidf.transform(items.map((item) => itemDocument(item))));
  }

  private project(x: ReturnType<TfidfModel['transform']>): ItemFeatures {
    const dim = this.svd.rank;
    const data = new Float32Array(x.rows * dim); // (items, dim) = X V = U diag(sigma) on the fitted rows
    csrMulDense(x, this.svd.v, dim, data);
    l2NormalizeRows(data, x.rows, dim);
    return { count: x.rows, dim, data };
  }
}
