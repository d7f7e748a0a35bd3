/**
 * Entry points of the tokenize stage: fit a tokenizer of any kind on training item features, encode all items,
 * and save / load tokenizers as artifacts.
 */
import { SidrecError } from '../core/errors.js';
import type { ItemFeatures } from '../features/types.js';
import { resolveTokenizerConfig, type TokenizerConfig, type TokenizerKind } from './config.js';
import { ProductQuantizer } from './pq.js';
import { RqKMeansTokenizer } from './rqkmeans.js';
import { RqVaeTokenizer } from './rqvae.js';
import type { FitProgress, Tokenizer } from './tokenizer.js';
import { decodeArtifact, encodeArtifact, readArtifact, writeArtifact, type Artifact } from './artifact.js';

export interface FittedTokenizer {
  readonly tokenizer: Tokenizer;
  /** (count, digits) codes of the fitted items, = tokenizer.encode(features) exactly. */
  readonly codes: Int32Array;
  /** Seconds spent fitting (not encoding). */
  readonly fitSeconds: number;
  /** Seconds spent encoding the fitted items. */
  readonly encodeSeconds: number;
}

/**
 * Fit on `features` (training items only) and encode them with the frozen model; `onStep` reports progress.
 * @example fitTokenizer({ kind: 'opq', subspaces: 32 }, features)
 */
export function fitTokenizer(
  config: Partial<TokenizerConfig> & { readonly kind: TokenizerKind },
  features: ItemFeatures,
  onStep?: FitProgress,
): FittedTokenizer {
  const resolved = resolveTokenizerConfig(config);
  const { data, count, dim } = features;
  if (count < resolved.codebookSize) {
    throw new SidrecError('E_CONFIG', `${count} items cannot fill a codebook of ${resolved.codebookSize}`, { field: 'tokenizer.codebookSize' });
  }
  const t0 = performance.now();
  const tokenizer =
    resolved.kind === 'rqkmeans'
      ? RqKMeansTokenizer.fit(resolved, data, count, dim, onStep)
      : resolved.kind === 'rqvae'
        ? RqVaeTokenizer.fit(resolved, data, count, dim, onStep)
        : ProductQuantizer.fit(resolved, data, count, dim, onStep);
  const t1 = performance.now();
  const codes = tokenizer.encode(data, count);
  const t2 = performance.now();
  return { tokenizer, codes, fitSeconds: (t1 - t0) / 1000, encodeSeconds: (t2 - t1) / 1000 };
}

const TYPE = 'tokenizer';

export function tokenizerToArtifact(tokenizer: Tokenizer): Artifact {
  return { type: TYPE, version: 1, meta: { config: tokenizer.config, inputDim: tokenizer.inputDim }, arrays: tokenizer.arrays() };
}

export function tokenizerFromArtifact(artifact: Artifact): Tokenizer {
  const meta = artifact.meta as { config?: TokenizerConfig; inputDim?: number };
  if (!meta.config || typeof meta.inputDim !== 'number') throw new SidrecError('E_STATE', 'tokenizer artifact lacks config or inputDim');
  const config = resolveTokenizerConfig(meta.config);
  if (config.kind === 'rqkmeans') return RqKMeansTokenizer.fromArrays(config, meta.inputDim, artifact.arrays);
  if (config.kind === 'rqvae') return RqVaeTokenizer.fromArrays(config, meta.inputDim, artifact.arrays);
  return ProductQuantizer.fromArrays(config, meta.inputDim, artifact.arrays);
}

export const serializeTokenizer = (t: Tokenizer): Uint8Array => encodeArtifact(tokenizerToArtifact(t));
export const deserializeTokenizer = (buf: Uint8Array): Tokenizer => tokenizerFromArtifact(decodeArtifact(buf));
export const saveTokenizer = (path: string, t: Tokenizer): void => writeArtifact(path, tokenizerToArtifact(t));
export const loadTokenizer = (path: string): Tokenizer => tokenizerFromArtifact(readArtifact(path, TYPE));
