/** Public surface of the features stage: item vectors from text, word vectors, attributes, co-occurrence or user files. */
export type { ItemFeatures } from './types.js';
export { l2NormalizeRows, makeFeatures } from './types.js';
export { TfidfModel, DEFAULT_TFIDF, type TfidfOptions } from './tfidf.js';
export { TextFeaturizer, DEFAULT_TEXT_FEATURES, itemDocument, type ItemText, type TextFeatureOptions } from './text.js';
export { attributeFeatures, DEFAULT_ATTRIBUTE_FEATURES, type AttributeFeatureOptions } from './attributes.js';
export { cooccurrenceFeatures, ppmiMatrix, DEFAULT_COOCCURRENCE, type CooccurrenceOptions } from './cooccurrence.js';
export { loadNpyVectors, loadJsonlVectors, alignVectors, loadItemVectors, parseNpy, type LoadedVectors } from './vectors.js';
export { combineFeatures, type FeatureBlock } from './combine.js';
export { randomizedSvd, csrOperator, denseOperator, type LinearOperator, type SvdResult } from './svd.js';
export type { CsrMatrix } from './sparse.js';
export {
  WordFeaturizer,
  DEFAULT_WORD_FEATURES,
  catalogueWords,
  itemWordText,
  wordCoverage,
  formatCoverage,
  loadCatalogueWordVectors,
  type WordFeatureOptions,
  type WordCoverage,
  type CatalogueWordVectors,
} from './words.js';
export {
  WordVectors,
  loadWordVectors,
  resolveWordVectorsFile,
  WINK_PACKAGE,
  type WordVectorsSource,
  type WordVectorFormat,
  type LoadWordVectorsOptions,
} from './word-vectors.js';
export { wordTokens, decodeHtmlEntities } from './word-tokens.js';
export {
  datasetFeatures,
  parseFeatureSpec,
  toFeatureText,
  withWordVectors,
  type FeatureSource,
  type FeatureSpecEntry,
  type DatasetFeatureOptions,
} from './dataset.js';
