/** Public surface of the tokenize stage: fit (O)PQ / RQ-KMeans / RQ-VAE tokenizers, build SID tables, report. */
export {
  TOKENIZER_DEFAULTS,
  resolveTokenizerConfig,
  type TokenizerConfig,
  type TokenizerKind,
  type RqKMeansConfig,
  type PqConfig,
  type OpqConfig,
  type RqVaeConfig,
} from './config.js';
export type { Tokenizer, ArtifactArray, FitProgress } from './tokenizer.js';
export { RqKMeansTokenizer } from './rqkmeans.js';
export { RqVaeTokenizer } from './rqvae.js';
export { ProductQuantizer } from './pq.js';
export { fitKMeans, assignNearest, type KMeansModel, type KMeansOptions } from './kmeans.js';
export {
  fitTokenizer,
  saveTokenizer,
  loadTokenizer,
  serializeTokenizer,
  deserializeTokenizer,
  type FittedTokenizer,
} from './fit.js';
export { SemanticIdTable, saveSidTable, loadSidTable, serializeSidTable, type SidTableShape, type CodeArray, type ItemIndexArray } from './sid-table-io.js';
export { tokenizeReport, tableReport, formatTokenizeReport, type TokenizeReport, type DigitUsage } from './report.js';
export { tokenizeDataset, saveDatasetSids, loadDatasetSids, readSidReport, TOKENIZER_FILE, TABLE_FILE, REPORT_FILE, type DatasetSids } from './dataset.js';
export { importSids, importDatasetSids, type ImportedSids, type SidImportFormat, type ImportedDatasetSidsOptions } from './import.js';
export { writeSidDir, verifySidDir, readSidFile, isSidDir, sha256, SID_MANIFEST_FILE, type SidDirManifest, type VerifiedSidDir } from './sid-dir.js';
