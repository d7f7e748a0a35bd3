/**
 * RQ-VAE tokenizer (TIGER: Rajput et al., "Recommender Systems with Generative Retrieval", NeurIPS 2023), trained
 * with sidrec's autodiff engine. Owns the model (MLP encoder -> `levels` residual codebooks -> MLP decoder), its
 * training loop, encode/decode and (de)serialisation of its weights.
 *
 *  x (n, D) -> encoder MLP (ReLU) -> z (n, L) -> residual quantization: r_0 = z, c_l = argmin_k ||r_l - C_l[k]||,
 *  e_l = C_l[c_l], r_{l+1} = r_l - e_l -> z_q = sum_l e_l -> decoder MLP (mirrored) -> x_hat (n, D).
 *  loss = mean (x_hat - x)^2 + sum_l [ mean (sg[r_l] - e_l)^2 + beta * mean (r_l - sg[e_l])^2 ].
 *
 * Codebooks are engine parameters trained by gradient (AdamW) on the codebook loss: e_l is gathered with
 * `embedding(C_l, codes)`, whose backward scatter-adds into C_l; they are initialised by k-means on the first
 * batch's latents / residuals, level by level, and (restartDeadCodes) a code no row chose during an epoch is
 * moved onto a random residual of that epoch's last batch, against codebook collapse. The decoder sees z_q through the straight-through estimator
 * z_st = z + sg[z_q - z] (forward value z_q, gradient to z). Encoding is the frozen encoder followed by nearest
 * code level by level (assignNearest), so row i's codes depend on row i only. Codes are hierarchical.
 */
import { Rng } from '../core/rng.js';
import { SidrecError } from '../core/errors.js';
import { Linear } from '../tensor/layers/basic.js';
import { Module } from '../tensor/layers/module.js';
import { intTensor, tensor } from '../tensor/create.js';
import { add, mul, mulScalar, sub } from '../tensor/ops/binary.js';
import { embedding } from '../tensor/ops/gather.js';
import { relu } from '../tensor/ops/unary.js';
import { meanAll } from '../tensor/ops/reduce.js';
import { AdamW } from '../tensor/optim/adam.js';
import { initXavierUniform, initZeros } from '../tensor/optim/init.js';
import { noGrad, tidy, type Tensor } from '../tensor/tensor.js';
import type { RqVaeConfig } from './config.js';
import { assignNearest, fitKMeans, gatherRows, sampleIndices, type KMeansModel } from './kmeans.js';
import { ENCODE_BLOCK, type ArtifactArray, type FitProgress, type Tokenizer } from './tokenizer.js';

/** Rows per forward block at encode/decode time (bounds the activations held at once). */
const FORWARD_BLOCK = Math.min(ENCODE_BLOCK, 4096);

/** An MLP of Linear layers with ReLU between them (none after the last). */
export class Mlp extends Module {
  readonly layers: Linear[] = [];

  constructor(widths: readonly number[], rng: Rng) {
    super();
    for (let i = 0; i + 1 < widths.length; i++) {
      const layer = this.module(String(i), new Linear(widths[i], widths[i + 1], rng, { initStd: 0 }));
      initXavierUniform(layer.weight, rng);
      if (layer.bias) initZeros(layer.bias);
      this.layers.push(layer);
    }
  }

  /** (B, widths[0]) -> (B, widths[last]) */
  forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.forward(h);
      if (i < this.layers.length - 1) h = relu(h);
    });
    return h;
  }
}

/**
 * Encoder, codebooks and decoder; parameter names ("encoder.0.weight", "codebook.1") key the artifact arrays.
 * Exported for training it on with a recommender (DIGER: families/diger/).
 */
export class RqVaeNet extends Module {
  readonly encoder: Mlp;
  readonly decoder: Mlp;
  /** codebooks[l] is (codebookSize, latentDim). */
  readonly codebooks: Tensor[] = [];

  constructor(
    readonly config: RqVaeConfig,
    readonly inputDim: number,
    rng: Rng,
  ) {
    super();
    const widths = [inputDim, ...config.hidden, config.latentDim];
    this.encoder = this.module('encoder', new Mlp(widths, rng));
    this.decoder = this.module('decoder', new Mlp([...widths].reverse(), rng));
    for (let l = 0; l < config.levels; l++) this.codebooks.push(this.param(`codebook.${l}`, [config.codebookSize, config.latentDim]));
  }

  codebookModel(l: number): KMeansModel {
    const { codebookSize: k, latentDim: dim } = this.config;
    return { k, dim, centroids: this.codebooks[l].f32, bias: new Float32Array(k) };
  }

  /** (m, L) latents -> (m, levels) codes, nearest code level by level on the residuals; `residual` is consumed. */
  quantize(residual: Float32Array, m: number, out: Int32Array, outOffset = 0): void {
    const { levels, latentDim: dim } = this.config;
    const codes = new Int32Array(m);
    for (let l = 0; l < levels; l++) {
      const cb = this.codebooks[l].f32;
      assignNearest(this.codebookModel(l), residual, m, codes);
      for (let i = 0; i < m; i++) {
        out[(outOffset + i) * levels + l] = codes[i];
        const c = codes[i] * dim;
        for (let j = 0; j < dim; j++) residual[i * dim + j] -= cb[c + j];
      }
    }
  }

  /** (m, D) rows -> (m, L) latents, no graph. */
  encodeLatent(x: Float32Array, m: number): Float32Array {
    return noGrad(() => tidy(() => this.encoder.forward(tensor(x.slice(0, m * this.inputDim), [m, this.inputDim])).f32.slice()));
  }

  /**
   * One training step's loss on the (B, D) batch; returns the scalar loss and its reconstruction part. Adds each
   * level's code counts to usage[l] and leaves the batch's (B, L) residuals at level l in lastResidual[l].
   */
  loss(xb: Float32Array, b: number, usage: Int32Array[], lastResidual: Float32Array[]): { total: Tensor; recon: number } {
    const { levels, latentDim: dim, commitment } = this.config;
    const x = tensor(xb, [b, this.inputDim]);
    const z = this.encoder.forward(x); // (B, L)
    let r = z; // (B, L) residual, with grad to the encoder
    let vq: Tensor | null = null;
    const zq = new Float32Array(b * dim); // sum_l e_l, no grad
    const codes = new Int32Array(b);
    for (let l = 0; l < levels; l++) {
      assignNearest(this.codebookModel(l), r.f32, b, codes);
      const e = embedding(this.codebooks[l], intTensor(codes.slice(), [b])); // (B, L), grad to codebook l
      for (let i = 0; i < b; i++) usage[l][codes[i]]++;
      lastResidual[l] = r.f32.slice();
      const rConst = tensor(lastResidual[l].slice(), [b, dim]); // sg[r]
      const eConst = tensor(e.f32.slice(), [b, dim]); // sg[e]
      const dCode = sub(rConst, e);
      const dCommit = sub(r, eConst);
      const term = add(meanAll(mul(dCode, dCode)), mulScalar(meanAll(mul(dCommit, dCommit)), commitment));
      vq = vq ? add(vq, term) : term;
      const E = eConst.f32;
      for (let i = 0; i < zq.length; i++) zq[i] += E[i];
      r = dCommit; // r_{l+1} = r_l - sg[e_l]
    }
    // Straight-through: z_st = z + sg[z_q - z]: forward z_q, gradient passes to z unchanged.
    const Z = z.f32;
    const shift = new Float32Array(b * dim);
    for (let i = 0; i < shift.length; i++) shift[i] = zq[i] - Z[i];
    const xHat = this.decoder.forward(add(z, tensor(shift, [b, dim]))); // (B, D)
    const diff = sub(xHat, x);
    const recon = meanAll(mul(diff, diff));
    return { total: vq ? add(recon, vq) : recon, recon: recon.item() };
  }
}

export class RqVaeTokenizer implements Tokenizer {
  readonly kind = 'rqvae' as const;
  readonly hierarchical = true;
  readonly digits: number;
  readonly codebookSize: number;

  private constructor(
    readonly config: RqVaeConfig,
    readonly inputDim: number,
    private readonly net: RqVaeNet,
    /** Mean reconstruction MSE of each epoch's training steps (empty for a loaded tokenizer). */
    readonly lossCurve: readonly number[] = [],
  ) {
    this.digits = config.levels;
    this.codebookSize = config.codebookSize;
  }

  /** The trainable network (shared, not copied): DIGER trains it on with the recommender. */
  get network(): RqVaeNet {
    return this.net;
  }

  /** A tokenizer over a network trained elsewhere (DIGER's frozen SIDs), sharing its weights. */
  static fromNetwork(net: RqVaeNet): RqVaeTokenizer {
    return new RqVaeTokenizer(net.config, net.inputDim, net);
  }

  static fit(config: RqVaeConfig, x: Float32Array, n: number, dim: number, onStep?: FitProgress): RqVaeTokenizer {
    if (n < config.codebookSize)
      throw new SidrecError('E_CONFIG', `${n} items cannot fill a codebook of ${config.codebookSize}`, { field: 'tokenizer.codebookSize' });
    const rng = new Rng(config.seed);
    const net = new RqVaeNet(config, dim, rng.fork());
    const idx = sampleIndices(rng, n, config.fitSample);
    const ns = idx.length;
    const data = ns === n ? x.subarray(0, n * dim) : gatherRows(x, dim, idx); // (ns, D)
    const order = Int32Array.from({ length: ns }, (_, i) => i);
    const batch = Math.min(ns, config.batchSize);
    shuffle(rng, order);
    initCodebooks(net, rng.fork(), gatherRows(data, dim, order.subarray(0, Math.max(batch, config.codebookSize))));
    const opt = new AdamW(net.namedParameters(), { lr: config.lr, weightDecay: config.weightDecay });
    const curve: number[] = [];
    const usage = Array.from({ length: config.levels }, () => new Int32Array(config.codebookSize));
    const lastResidual: Float32Array[] = [];
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      if (epoch > 0) shuffle(rng, order);
      for (const u of usage) u.fill(0);
      let sum = 0;
      let steps = 0;
      for (let start = 0; start < ns; start += batch) {
        const b = Math.min(batch, ns - start);
        const xb = gatherRows(data, dim, order.subarray(start, start + b));
        sum += tidy(() => {
          const { total, recon } = net.loss(xb, b, usage, lastResidual);
          opt.zeroGrad();
          total.backward();
          opt.step();
          return recon;
        });
        steps++;
      }
      curve.push(sum / steps);
      onStep?.(epoch + 1, config.epochs);
      if (config.restartDeadCodes && epoch < config.epochs - 1) restartDead(net, rng, usage, lastResidual);
    }
    opt.zeroGrad();
    return new RqVaeTokenizer(config, dim, net, curve);
  }

  encode(x: Float32Array, n: number): Int32Array {
    if (x.length < n * this.inputDim) throw new SidrecError('E_SHAPE', `encode: need ${n} x ${this.inputDim} values, got ${x.length}`);
    const out = new Int32Array(n * this.digits);
    for (let start = 0; start < n; start += FORWARD_BLOCK) {
      const m = Math.min(FORWARD_BLOCK, n - start);
      const latent = this.net.encodeLatent(x.subarray(start * this.inputDim, (start + m) * this.inputDim), m); // (m, L)
      this.net.quantize(latent, m, out, start);
    }
    return out;
  }

  decode(codes: Int32Array, n: number): Float32Array {
    const { latentDim: dim } = this.config;
    const out = new Float32Array(n * this.inputDim);
    for (let start = 0; start < n; start += FORWARD_BLOCK) {
      const m = Math.min(FORWARD_BLOCK, n - start);
      const zq = new Float32Array(m * dim); // (m, L) sum of the chosen codes
      for (let i = 0; i < m; i++) {
        for (let l = 0; l < this.digits; l++) {
          const c = codes[(start + i) * this.digits + l];
          if (c < 0 || c >= this.codebookSize) throw new SidrecError('E_INPUT', `decode: code ${c} out of range at row ${start + i}`);
          const cb = this.net.codebooks[l].f32;
          for (let j = 0; j < dim; j++) zq[i * dim + j] += cb[c * dim + j];
        }
      }
      const rec = noGrad(() => tidy(() => this.net.decoder.forward(tensor(zq, [m, dim])).f32.slice()));
      out.set(rec, start * this.inputDim);
    }
    return out;
  }

  arrays(): Readonly<Record<string, ArtifactArray>> {
    const out: Record<string, ArtifactArray> = {};
    for (const { name, tensor: t } of this.net.namedParameters()) out[name] = t.f32;
    return out;
  }

  static fromArrays(config: RqVaeConfig, inputDim: number, arrays: Readonly<Record<string, ArtifactArray>>): RqVaeTokenizer {
    const net = new RqVaeNet(config, inputDim, new Rng(config.seed));
    for (const { name, tensor: t } of net.namedParameters()) {
      const a = arrays[name];
      if (!(a instanceof Float32Array) || a.length !== t.size) throw new SidrecError('E_STATE', `rqvae artifact: array "${name}" missing or mis-shaped`);
      t.f32.set(a);
    }
    return new RqVaeTokenizer(config, inputDim, net);
  }
}

/** k-means codebook initialisation on the (m, D) first batch: level l fits the residuals left by levels < l. */
function initCodebooks(net: RqVaeNet, rng: Rng, first: Float32Array): void {
  const { codebookSize: k, latentDim: dim, initIter, levels } = net.config;
  const m = first.length / net.inputDim;
  const residual = net.encodeLatent(first, m); // (m, L)
  const codes = new Int32Array(m);
  for (let l = 0; l < levels; l++) {
    const km = fitKMeans(rng.fork(), residual, m, dim, { k, maxIter: initIter, tol: 1e-4, initSample: m, fitSample: m, balance: false });
    net.codebooks[l].f32.set(km.centroids);
    assignNearest(km, residual, m, codes);
    for (let i = 0; i < m; i++) for (let j = 0; j < dim; j++) residual[i * dim + j] -= km.centroids[codes[i] * dim + j];
  }
}

/** Move every code unused this epoch onto a random row of the last batch's residuals at its level. */
function restartDead(net: RqVaeNet, rng: Rng, usage: readonly Int32Array[], lastResidual: readonly Float32Array[]): void {
  const dim = net.config.latentDim;
  usage.forEach((u, l) => {
    const rows = lastResidual[l].length / dim;
    const cb = net.codebooks[l].f32;
    for (let c = 0; c < u.length; c++) {
      if (u[c] > 0) continue;
      const i = rng.int(rows);
      cb.set(lastResidual[l].subarray(i * dim, (i + 1) * dim), c * dim);
    }
  });
}

function shuffle(rng: Rng, a: Int32Array): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
