/**
 * DIGER's differentiable code assignment (Fu et al., arXiv 2601.19711; as the authors' public code trains it): the
 * RQ-VAE's residual quantization of an item's latent with each level's nearest-code choice replaced by a
 * straight-through Gumbel-softmax over the negative squared distances to that level's codebook. Forward: the hard
 * one-hot of argmax((logits + s g) / tau) (the nearest code when s = 0), so e_l = onehot_l @ C_l is a codebook row;
 * backward: through softmax((logits + s g) / tau), so every code the item was near gets a gradient, not only the
 * chosen one. The quantized latent z_q = sum_l e_l is pulled to the latent z (reconstruction in latent space) and
 * each level adds the codebook and beta-weighted commitment terms, as tokenize/rqvae.ts trains them.
 */
import type { Rng } from '../../core/rng.js';
import { add, gumbelSoftmax, matmul, meanAll, mul, mulScalar, sub, sum, tensor, type GumbelOptions, type Tensor } from '../../tensor/index.js';
import type { RqVaeNet } from '../../tokenize/rqvae.js';

export interface NoisyCodes {
  /** int32 (U, levels): the codes the forward pass used. */
  readonly codes: Int32Array;
  /** Scalar: mean (z_q - z)^2 + sum over levels of the codebook and commitment terms. */
  readonly loss: Tensor;
  /** With `withSoft`: per level, (U, K) softmax((logits + s g) / tau), differentiable into the codebooks. */
  readonly soft?: readonly Tensor[];
}

/**
 * How each level's choice is drawn, given that level's noiseless logits (U, K) row-major: the Gumbel options
 * (temperature; one noise scale, or one per logit element).
 */
export type LevelNoise = (level: number, logits: Float32Array) => GumbelOptions;

/** Quantizes the (U, L) latents `z` (constant: the encoder is not trained here) level by level with Gumbel-ST codes. */
export function quantizeWithNoise(net: RqVaeNet, z: Float32Array, rows: number, noise: LevelNoise, rng: Rng, withSoft = false): NoisyCodes {
  const { levels, latentDim: L, codebookSize: K, commitment } = net.config;
  const target = tensor(z, [rows, L]);
  let r: Tensor = target;
  let zq: Tensor | null = null;
  let vq: Tensor | null = null;
  const codes = new Int32Array(rows * levels);
  const soft: Tensor[] = [];
  for (let l = 0; l < levels; l++) {
    const C = net.codebooks[l]; // (K, L)
    // -||r - c||^2 up to the row constant ||r||^2 (which the softmax ignores): 2 r.c - ||c||^2.
    const logits = sub(mulScalar(matmul(r, C, { transB: true }), 2), sum(mul(C, C), 1)); // (U, K)
    const drawn = gumbelSoftmax(logits, rng, noise(l, logits.f32), withSoft);
    const h = drawn.hard; // (U, K) hard one-hot, soft gradient
    if (drawn.soft) soft.push(drawn.soft);
    const H = h.f32;
    for (let i = 0; i < rows; i++) codes[i * levels + l] = H.subarray(i * K, (i + 1) * K).indexOf(1);
    const e = matmul(h, C); // (U, L)
    const dCode = sub(tensor(r.f32.slice(), [rows, L]), e); // codebook term: e towards sg[r]
    const dCommit = sub(r, tensor(e.f32.slice(), [rows, L])); // commitment: r towards sg[e]
    const term = add(meanAll(mul(dCode, dCode)), mulScalar(meanAll(mul(dCommit, dCommit)), commitment));
    vq = vq ? add(vq, term) : term;
    zq = zq ? add(zq, e) : e;
    r = sub(r, e);
  }
  const diff = sub(zq as Tensor, target);
  return { codes, loss: add(meanAll(mul(diff, diff)), vq as Tensor), ...(withSoft ? { soft } : {}) };
}
