/**
 * Tokenizer configs: one discriminated union member per method, each with frozen defaults, resolved once at the
 * edge (defaults < given keys; unknown keys and bad values rejected with the field named).
 *  - rqkmeans: residual k-means (TIGER's cheaper alternative to RQ-VAE), hierarchical digits.
 *  - pq / opq: RPG's product quantization, optionally with a learned rotation (Ge et al. 2013), after PCA
 *    whitening; unordered digits.
 *  - rqvae: TIGER's RQ-VAE (Rajput et al. 2023): MLP encoder -> residual quantization -> MLP decoder, trained
 *    with sidrec's autodiff engine (rqvae.ts); hierarchical digits.
 */
import { SidrecError } from '../core/errors.js';

interface KMeansSettings {
  /** Lloyd iterations at most. */
  readonly maxIter: number;
  /** Relative centroid-shift tolerance for early stop. */
  readonly tol: number;
  /** Points sampled for k-means++ initialisation. */
  readonly initSample: number;
  /** Points the tokenizer is fitted on (larger inputs are subsampled; all items are still encoded). */
  readonly fitSample: number;
  /** Balance code usage with learned per-code biases. */
  readonly balance: boolean;
  readonly seed: number;
}

export interface RqKMeansConfig extends KMeansSettings {
  readonly kind: 'rqkmeans';
  /** @default 3 */
  readonly levels: number;
  /** @default 256 */
  readonly codebookSize: number;
}

export interface PqConfig extends KMeansSettings {
  readonly kind: 'pq';
  /** Number of sub-spaces m = digits (4..64 in RPG). @default 32 */
  readonly subspaces: number;
  /** @default 256 */
  readonly codebookSize: number;
  /** PCA output dimension before quantization (clipped to the input dim, rounded down to a multiple of m). @default 512 */
  readonly pcaDim: number;
  /** Scale PCA components to unit variance (RPG). @default true */
  readonly whiten: boolean;
}

export interface OpqConfig extends Omit<PqConfig, 'kind'> {
  readonly kind: 'opq';
  /** Alternations of (PQ k-means in rotated space, Procrustes rotation update). @default 8 */
  readonly rotationIters: number;
  /** Lloyd iterations per sub-space inside each alternation (warm-started). @default 4 */
  readonly rotationKMeansIters: number;
}

export interface RqVaeConfig {
  readonly kind: 'rqvae';
  /** Residual quantization levels (digits). @default 3 */
  readonly levels: number;
  /** @default 256 */
  readonly codebookSize: number;
  /** Latent dimension the encoder maps to and the codebooks live in. @default 32 */
  readonly latentDim: number;
  /** Hidden widths of the encoder MLP (the decoder mirrors them). @default [512, 256] */
  readonly hidden: readonly number[];
  /** Commitment weight beta on ||r - sg[e]||^2. @default 0.25 */
  readonly commitment: number;
  /** Passes over the fitted items. @default 100 */
  readonly epochs: number;
  /** Rows per step; the first batch also initialises the codebooks by k-means. @default 1024 */
  readonly batchSize: number;
  /** AdamW learning rate. @default 1e-3 */
  readonly lr: number;
  /** AdamW decoupled weight decay. @default 1e-4 */
  readonly weightDecay: number;
  /** After each epoch but the last, move codes no training row chose that epoch onto random residuals. @default true */
  readonly restartDeadCodes: boolean;
  /** Lloyd iterations of the k-means codebook initialisation. @default 25 */
  readonly initIter: number;
  /** Points the tokenizer is trained on (larger inputs are subsampled; all items are still encoded). @default 262144 */
  readonly fitSample: number;
  readonly seed: number;
}

export type TokenizerConfig = RqKMeansConfig | PqConfig | OpqConfig | RqVaeConfig;
export type TokenizerKind = TokenizerConfig['kind'];

const KMEANS_DEFAULTS = { maxIter: 25, tol: 1e-4, initSample: 8192, fitSample: 262_144, balance: false, seed: 0 } as const;

export const TOKENIZER_DEFAULTS = Object.freeze({
  rqkmeans: Object.freeze<RqKMeansConfig>({ kind: 'rqkmeans', levels: 3, codebookSize: 256, ...KMEANS_DEFAULTS }),
  pq: Object.freeze<PqConfig>({ kind: 'pq', subspaces: 32, codebookSize: 256, pcaDim: 512, whiten: true, ...KMEANS_DEFAULTS }),
  opq: Object.freeze<OpqConfig>({
    kind: 'opq',
    subspaces: 32,
    codebookSize: 256,
    pcaDim: 512,
    whiten: true,
    rotationIters: 8,
    rotationKMeansIters: 4,
    ...KMEANS_DEFAULTS,
  }),
  rqvae: Object.freeze<RqVaeConfig>({
    kind: 'rqvae',
    levels: 3,
    codebookSize: 256,
    latentDim: 32,
    hidden: Object.freeze([512, 256]),
    commitment: 0.25,
    epochs: 100,
    batchSize: 1024,
    lr: 1e-3,
    weightDecay: 1e-4,
    restartDeadCodes: true,
    initIter: 25,
    fitSample: 262_144,
    seed: 0,
  }),
});

type Input<C> = Partial<C> & { readonly kind: TokenizerKind };

/** Fill defaults for `partial.kind` and validate; `field` prefixes error locations (e.g. "tokenizer"). */
export function resolveTokenizerConfig(partial: Input<TokenizerConfig>, field = 'tokenizer'): TokenizerConfig {
  const defaults = (TOKENIZER_DEFAULTS as Record<string, TokenizerConfig | undefined>)[partial.kind];
  if (!defaults) {
    throw new SidrecError('E_CONFIG', `unknown tokenizer kind "${partial.kind}" (expected rqkmeans, pq, opq or rqvae)`, { field: `${field}.kind` });
  }
  for (const key of Object.keys(partial)) {
    if (!(key in defaults)) throw new SidrecError('E_CONFIG', `unknown option "${key}" for kind "${partial.kind}"`, { field: `${field}.${key}` });
  }
  const config = Object.freeze({ ...defaults, ...partial }) as TokenizerConfig;
  const positiveInt = (key: string, value: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new SidrecError('E_CONFIG', `${key} must be an integer in [1, ${max}], got ${value}`, { field: `${field}.${key}` });
    }
  };
  positiveInt('codebookSize', config.codebookSize, 65_536);
  positiveInt('fitSample', config.fitSample);
  if (config.kind === 'rqvae') {
    positiveInt('levels', config.levels, 64);
    positiveInt('latentDim', config.latentDim, 65_536);
    positiveInt('epochs', config.epochs);
    positiveInt('batchSize', config.batchSize);
    positiveInt('initIter', config.initIter);
    if (!Array.isArray(config.hidden)) throw new SidrecError('E_CONFIG', 'hidden must be an array of widths', { field: `${field}.hidden` });
    config.hidden.forEach((h, i) => positiveInt(`hidden[${i}]`, h, 65_536));
    const nonNegative = (key: 'commitment' | 'weightDecay', value: number): void => {
      if (!(value >= 0) || !Number.isFinite(value))
        throw new SidrecError('E_CONFIG', `${key} must be a finite number >= 0, got ${value}`, { field: `${field}.${key}` });
    };
    nonNegative('commitment', config.commitment);
    nonNegative('weightDecay', config.weightDecay);
    if (typeof config.restartDeadCodes !== 'boolean')
      throw new SidrecError('E_CONFIG', 'restartDeadCodes must be a boolean', { field: `${field}.restartDeadCodes` });
    if (!(config.lr > 0) || !Number.isFinite(config.lr))
      throw new SidrecError('E_CONFIG', `lr must be a finite number > 0, got ${config.lr}`, { field: `${field}.lr` });
    return Object.freeze({ ...config, hidden: Object.freeze([...config.hidden]) });
  }
  positiveInt('maxIter', config.maxIter);
  positiveInt('initSample', config.initSample);
  if (!(config.tol >= 0)) throw new SidrecError('E_CONFIG', `tol must be >= 0, got ${config.tol}`, { field: `${field}.tol` });
  if (config.kind === 'rqkmeans') positiveInt('levels', config.levels, 64);
  else {
    positiveInt('subspaces', config.subspaces, 1024);
    positiveInt('pcaDim', config.pcaDim);
    if (config.kind === 'opq') {
      if (!Number.isInteger(config.rotationIters) || config.rotationIters < 0) {
        throw new SidrecError('E_CONFIG', `rotationIters must be an integer >= 0, got ${config.rotationIters}`, { field: `${field}.rotationIters` });
      }
      positiveInt('rotationKMeansIters', config.rotationKMeansIters);
    }
  }
  return config;
}
