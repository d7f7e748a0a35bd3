/**
 * Product quantization as RPG builds its long SIDs: PCA (whitened) to d' dims, then (OPQ only) a learned
 * rotation R (Ge et al., "Optimized Product Quantization", 2013, non-parametric alternation: PQ k-means in the
 * rotated space, then R = Procrustes(Z, reconstruction)), then m sub-vectors of d'/m dims, each quantized by
 * its own codebook. Digits are unordered and independent. `kind: 'pq'` is the same pipeline with R = I.
 */
import { Rng } from '../core/rng.js';
import { SidrecError } from '../core/errors.js';
import { kernels } from '../tensor/kernels/registry.js';
import type { OpqConfig, PqConfig } from './config.js';
import { assignNearest, fitKMeans, gatherRows, sampleIndices, type KMeansModel } from './kmeans.js';
import { fitPca, pcaInverse, pcaTransform, type PcaModel } from './pca.js';
import { polarFactor } from './procrustes.js';
import { ENCODE_BLOCK, type ArtifactArray, type FitProgress, type Tokenizer } from './tokenizer.js';

export class ProductQuantizer implements Tokenizer {
  readonly hierarchical = false;
  readonly kind: 'pq' | 'opq';
  readonly digits: number;
  readonly codebookSize: number;
  readonly inputDim: number;
  /** d': the PCA output dimension, a multiple of `digits`. */
  readonly reducedDim: number;

  constructor(
    readonly config: PqConfig | OpqConfig,
    readonly pca: PcaModel,
    /** (d', d') orthogonal rotation; identity for plain PQ. */
    readonly rotation: Float32Array,
    /** Sub-space s codebook: (codebookSize, d'/m). */
    private readonly codebooks: readonly KMeansModel[],
  ) {
    this.kind = config.kind;
    this.digits = config.subspaces;
    this.codebookSize = config.codebookSize;
    this.inputDim = pca.inputDim;
    this.reducedDim = pca.outputDim;
  }

  /** d' = min(pcaDim, inputDim) rounded down to a multiple of m. */
  static reducedDimFor(config: PqConfig | OpqConfig, inputDim: number): number {
    const d = Math.floor(Math.min(config.pcaDim, inputDim) / config.subspaces) * config.subspaces;
    if (d === 0) {
      throw new SidrecError('E_CONFIG', `subspaces ${config.subspaces} exceeds the vector dimension ${Math.min(config.pcaDim, inputDim)}`, {
        field: 'tokenizer.subspaces',
      });
    }
    return d;
  }

  static fit(config: PqConfig | OpqConfig, x: Float32Array, n: number, dim: number, onStep?: FitProgress): ProductQuantizer {
    const rng = new Rng(config.seed);
    const d = ProductQuantizer.reducedDimFor(config, dim);
    const m = config.subspaces;
    const ds = d / m;
    const idx = sampleIndices(rng, n, config.fitSample);
    const ns = idx.length;
    const xs = ns === n ? x.subarray(0, n * dim) : gatherRows(x, dim, idx);
    const pca = fitPca(xs, ns, dim, d, config.whiten);
    const z = pcaTransform(pca, xs, ns); // (ns, d)
    const rotation = new Float32Array(d * d);
    for (let i = 0; i < d; i++) rotation[i * d + i] = 1;
    const km = { k: config.codebookSize, ...config, fitSample: ns };
    const sub = new Float32Array(ns * ds); // (ns, ds) one sub-space, contiguous
    const codes = new Int32Array(ns);
    const totalSteps = m * (config.kind === 'opq' ? config.rotationIters + 2 : 1);
    let steps = 0;
    const fitAll = (zr: Float32Array, maxIter: number, prev?: readonly KMeansModel[]): KMeansModel[] =>
      Array.from({ length: m }, (_, s) => {
        extractSubspace(zr, ns, d, s * ds, ds, sub);
        const model = fitKMeans(rng.fork(), sub, ns, ds, { ...km, maxIter }, prev?.[s].centroids);
        onStep?.(++steps, totalSteps);
        return model;
      });
    let codebooks = fitAll(z, config.maxIter);
    if (config.kind === 'opq') {
      const zr = new Float32Array(ns * d);
      const recon = new Float32Array(ns * d); // (ns, d) PQ reconstruction in rotated space
      const mat = new Float32Array(d * d);
      for (let it = 0; it < config.rotationIters; it++) {
        kernels().gemm({ transA: false, transB: false, m: ns, n: d, k: d, a: z, b: rotation, c: zr }); // Z R
        codebooks = fitAll(zr, config.rotationKMeansIters, codebooks);
        for (let s = 0; s < m; s++) {
          extractSubspace(zr, ns, d, s * ds, ds, sub);
          assignNearest(codebooks[s], sub, ns, codes);
          const cb = codebooks[s].centroids;
          for (let i = 0; i < ns; i++) for (let j = 0; j < ds; j++) recon[i * d + s * ds + j] = cb[codes[i] * ds + j];
        }
        kernels().gemm({ transA: true, transB: false, m: d, n: d, k: ns, a: z, b: recon, c: mat }); // Z^T Y
        rotation.set(polarFactor(mat, d));
      }
      kernels().gemm({ transA: false, transB: false, m: ns, n: d, k: d, a: z, b: rotation, c: zr });
      codebooks = fitAll(zr, config.maxIter, codebooks);
    }
    return new ProductQuantizer(config, pca, rotation, codebooks);
  }

  /** (n, d') rotated PCA coordinates of x. */
  private project(x: Float32Array, n: number): Float32Array {
    const z = pcaTransform(this.pca, x, n);
    if (this.kind === 'pq') return z;
    const d = this.reducedDim;
    const zr = new Float32Array(n * d);
    kernels().gemm({ transA: false, transB: false, m: n, n: d, k: d, a: z, b: this.rotation, c: zr });
    return zr;
  }

  encode(x: Float32Array, n: number): Int32Array {
    if (x.length < n * this.inputDim) throw new SidrecError('E_SHAPE', `encode: need ${n} x ${this.inputDim} values, got ${x.length}`);
    const m = this.digits;
    const d = this.reducedDim;
    const ds = d / m;
    const out = new Int32Array(n * m);
    const codes = new Int32Array(Math.min(n, ENCODE_BLOCK));
    const sub = new Float32Array(Math.min(n, ENCODE_BLOCK) * ds);
    for (let start = 0; start < n; start += ENCODE_BLOCK) {
      const rows = Math.min(ENCODE_BLOCK, n - start);
      const zr = this.project(x.subarray(start * this.inputDim, (start + rows) * this.inputDim), rows);
      for (let s = 0; s < m; s++) {
        extractSubspace(zr, rows, d, s * ds, ds, sub);
        assignNearest(this.codebooks[s], sub, rows, codes);
        for (let i = 0; i < rows; i++) out[(start + i) * m + s] = codes[i];
      }
    }
    return out;
  }

  decode(codes: Int32Array, n: number): Float32Array {
    const m = this.digits;
    const d = this.reducedDim;
    const ds = d / m;
    const zr = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < m; s++) {
        const cb = this.codebooks[s].centroids;
        const c = codes[i * m + s];
        for (let j = 0; j < ds; j++) zr[i * d + s * ds + j] = cb[c * ds + j];
      }
    }
    let z = zr;
    if (this.kind === 'opq') {
      z = new Float32Array(n * d);
      kernels().gemm({ transA: false, transB: true, m: n, n: d, k: d, a: zr, b: this.rotation, c: z }); // Z R^T
    }
    return pcaInverse(this.pca, z, n);
  }

  arrays(): Readonly<Record<string, ArtifactArray>> {
    const out: Record<string, ArtifactArray> = {
      'pca.mean': this.pca.mean,
      'pca.components': this.pca.components,
      'pca.inverse': this.pca.inverse,
      rotation: this.rotation,
    };
    this.codebooks.forEach((cb, s) => {
      out[`codebook.${s}`] = cb.centroids;
      out[`bias.${s}`] = cb.bias;
    });
    return out;
  }

  static fromArrays(config: PqConfig | OpqConfig, inputDim: number, arrays: Readonly<Record<string, ArtifactArray>>): ProductQuantizer {
    const d = ProductQuantizer.reducedDimFor(config, inputDim);
    const ds = d / config.subspaces;
    const f32 = (name: string, length: number): Float32Array => {
      const a = arrays[name];
      if (!(a instanceof Float32Array) || a.length !== length)
        throw new SidrecError('E_STATE', `${config.kind} artifact: array "${name}" missing or mis-shaped`);
      return a;
    };
    const pca: PcaModel = {
      inputDim,
      outputDim: d,
      mean: f32('pca.mean', inputDim),
      components: f32('pca.components', inputDim * d),
      inverse: f32('pca.inverse', d * inputDim),
    };
    const codebooks = Array.from({ length: config.subspaces }, (_, s) => ({
      k: config.codebookSize,
      dim: ds,
      centroids: f32(`codebook.${s}`, config.codebookSize * ds),
      bias: f32(`bias.${s}`, config.codebookSize),
    }));
    return new ProductQuantizer(config, pca, f32('rotation', d * d), codebooks);
  }
}

/** out (n, width) = columns [offset, offset + width) of the (n, d) matrix z. */
function extractSubspace(z: Float32Array, n: number, d: number, offset: number, width: number, out: Float32Array): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) out[i * width + j] = z[i * d + offset + j];
}
