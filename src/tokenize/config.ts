/**
 * Tokenizer configs: one discriminated union member per method, each with frozen defaults, resolved once at the
 * edge (defaults < given keys; unknown keys and bad values rejected with the field named).
 *  - rqkmeans: residual k-means (TIGER's cheaper alternative to RQ-VAE), hierarchical digits.
 *  - pq / opq: RPG's product quantization, optionally with a learned rotation (Ge et al. 2013), after PCA
 *    whitening; unordered digits.
 * RQ-VAE (TIGER) needs the autodiff engine and is not a member yet.
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

export type TokenizerConfig = RqKMeansConfig | PqConfig | OpqConfig;
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
});

type Input<C> = Partial<C> & { readonly kind: TokenizerKind };

/** Fill defaults for `partial.kind` and validate; `field` prefixes error locations (e.g. "tokenizer"). */
export function resolveTokenizerConfig(partial: Input<TokenizerConfig>, field = 'tokenizer'): TokenizerConfig {
  const defaults = (TOKENIZER_DEFAULTS as Record<string, TokenizerConfig | undefined>)[partial.kind];
  if (!defaults) {
    throw new SidrecError('E_CONFIG', `unknown tokenizer kind "${partial.kind}" (expected rqkmeans, pq or opq)`, { field: `${field}.kind` });
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
  positiveInt('maxIter', config.maxIter);
  positiveInt('initSample', config.initSample);
  positiveInt('fitSample', config.fitSample);
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
