/**
 * What every fitted tokenizer offers: encode any item vector (training or new) with the frozen model into
 * `digits` codes, decode codes back to a reconstruction, and expose its arrays for serialisation.
 * `hierarchical` SIDs (RQ-KMeans, RQ-VAE) are prefix-ordered and get a collision digit; flat ones (PQ/OPQ) are unordered.
 */
import type { TokenizerConfig, TokenizerKind } from './config.js';

export type ArtifactArray = Float32Array | Int32Array | Uint16Array;

export interface Tokenizer {
  readonly kind: TokenizerKind;
  readonly config: TokenizerConfig;
  /** Length of the input vectors. */
  readonly inputDim: number;
  /** Code digits per item (before any collision digit). */
  readonly digits: number;
  readonly codebookSize: number;
  readonly hierarchical: boolean;
  /** (n, digits) codes of the (n, inputDim) rows of x. Row i's codes depend on row i only. */
  encode(x: Float32Array, n: number): Int32Array;
  /** (n, inputDim) reconstruction of (n, digits) codes. */
  decode(codes: Int32Array, n: number): Float32Array;
  /** Named arrays that, with `config` and the dims, restore this tokenizer exactly. */
  arrays(): Readonly<Record<string, ArtifactArray>>;
}

/** Rows encoded per block, so encoding 1M items never materialises more than this many transformed rows. */
export const ENCODE_BLOCK = 65_536;

/** Progress of a fit: `done` of `total` steps (k-means fits, levels, epochs), for progress bars. */
export type FitProgress = (done: number, total: number) => void;
