/**
 * Residual k-means (RQ-KMeans): k-means on the item vectors, then on the residuals, level by level; an item's
 * SID is its nearest centroid at each level (TIGER's residual quantization with k-means codebooks instead of a
 * trained RQ-VAE). Codes are hierarchical: level 1 is the coarsest cluster.
 */
import { Rng } from '../core/rng.js';
import { SidrecError } from '../core/errors.js';
import type { RqKMeansConfig } from './config.js';
import { assignNearest, fitKMeans, gatherRows, sampleIndices, type KMeansModel } from './kmeans.js';
import { ENCODE_BLOCK, type ArtifactArray, type FitProgress, type Tokenizer } from './tokenizer.js';

export class RqKMeansTokenizer implements Tokenizer {
  readonly kind = 'rqkmeans' as const;
  readonly hierarchical = true;
  readonly digits: number;
  readonly codebookSize: number;

  /** `levels[l]` is level l's codebook (codebookSize, inputDim) with its balancing bias. */
  constructor(
    readonly config: RqKMeansConfig,
    readonly inputDim: number,
    private readonly levels: readonly KMeansModel[],
  ) {
    this.digits = levels.length;
    this.codebookSize = config.codebookSize;
  }

  static fit(config: RqKMeansConfig, x: Float32Array, n: number, dim: number, onStep?: FitProgress): RqKMeansTokenizer {
    const rng = new Rng(config.seed);
    // Fit every level on one subsample (all items when n <= fitSample); the caller encodes all items afterwards.
    const idx = sampleIndices(rng, n, config.fitSample);
    const ns = idx.length;
    const residual = ns === n ? x.slice(0, n * dim) : gatherRows(x, dim, idx); // (ns, dim)
    const codes = new Int32Array(ns);
    const levels: KMeansModel[] = [];
    for (let l = 0; l < config.levels; l++) {
      const model = fitKMeans(rng.fork(), residual, ns, dim, { k: config.codebookSize, ...config, fitSample: ns });
      levels.push(model);
      onStep?.(l + 1, config.levels);
      if (l === config.levels - 1) break;
      assignNearest(model, residual, ns, codes);
      subtractCentroids(residual, ns, dim, model.centroids, codes);
    }
    return new RqKMeansTokenizer(config, dim, levels);
  }

  encode(x: Float32Array, n: number): Int32Array {
    if (x.length < n * this.inputDim) throw new SidrecError('E_SHAPE', `encode: need ${n} x ${this.inputDim} values, got ${x.length}`);
    const out = new Int32Array(n * this.digits);
    const dim = this.inputDim;
    const codes = new Int32Array(Math.min(n, ENCODE_BLOCK));
    for (let start = 0; start < n; start += ENCODE_BLOCK) {
      const m = Math.min(ENCODE_BLOCK, n - start);
      const residual = x.slice(start * dim, (start + m) * dim); // (m, dim)
      for (let l = 0; l < this.digits; l++) {
        assignNearest(this.levels[l], residual, m, codes);
        for (let i = 0; i < m; i++) out[(start + i) * this.digits + l] = codes[i];
        if (l < this.digits - 1) subtractCentroids(residual, m, dim, this.levels[l].centroids, codes);
      }
    }
    return out;
  }

  decode(codes: Int32Array, n: number): Float32Array {
    const dim = this.inputDim;
    const out = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      for (let l = 0; l < this.digits; l++) {
        const c = codes[i * this.digits + l];
        const cent = this.levels[l].centroids;
        for (let j = 0; j < dim; j++) out[i * dim + j] += cent[c * dim + j];
      }
    }
    return out;
  }

  arrays(): Readonly<Record<string, ArtifactArray>> {
    const out: Record<string, ArtifactArray> = {};
    this.levels.forEach((m, l) => {
      out[`centroids.${l}`] = m.centroids;
      out[`bias.${l}`] = m.bias;
    });
    return out;
  }

  static fromArrays(config: RqKMeansConfig, inputDim: number, arrays: Readonly<Record<string, ArtifactArray>>): RqKMeansTokenizer {
    const levels: KMeansModel[] = [];
    for (let l = 0; l < config.levels; l++) {
      const centroids = arrays[`centroids.${l}`];
      const bias = arrays[`bias.${l}`];
      if (!(centroids instanceof Float32Array) || centroids.length !== config.codebookSize * inputDim || !(bias instanceof Float32Array)) {
        throw new SidrecError('E_STATE', `rqkmeans artifact: level ${l} arrays missing or mis-shaped`);
      }
      levels.push({ k: config.codebookSize, dim: inputDim, centroids, bias });
    }
    return new RqKMeansTokenizer(config, inputDim, levels);
  }
}

function subtractCentroids(residual: Float32Array, n: number, dim: number, centroids: Float32Array, codes: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const c = codes[i] * dim;
    for (let j = 0; j < dim; j++) residual[i * dim + j] -= centroids[c + j];
  }
}
