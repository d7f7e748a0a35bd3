/**
 * DIGER's differentiable code assignment (Fu et al., "DIGER", arXiv 2601.19711): the RQ-VAE's residual
 * quantization with each level's nearest-code choice replaced by a straight-through Gumbel-softmax over the
 * negative squared distances to the codebook, so the recommender's loss reaches the tokenizer's encoder and
 * codebooks. Forward: the hard one-hot of argmax((logits + s g) / tau) (the nearest code when s = 0), so
 * e_l = onehot_l @ C_l is exactly a codebook row; backward: through the soft softmax. The RQ-VAE's own loss
 * (reconstruction + codebook + beta commitment, as in tokenize/rqvae.ts) is computed on the same pass and keeps
 * the codes tied to the item features while the recommender moves them.
 */
import type { Rng } from '../../core/rng.js';
import { add, gumbelSoftmaxST, matmul, meanAll, mul, mulScalar, sub, sum, tensor, type GumbelOptions, type Tensor } from '../../tensor/index.js';
import type { RqVaeNet } from '../../tokenize/rqvae.js';

export interface SoftCodes {
  /** Per level: (U, K) hard one-hot rows whose gradient is the soft assignment's. */
  readonly onehots: readonly Tensor[];
  /** int32 (U, levels): the chosen codes. */
  readonly codes: Int32Array;
  /** Scalar: the RQ-VAE loss of these rows (reconstruction + codebook + beta commitment). */
  readonly tokenizerLoss: Tensor;
}

/** Per level, how the code choice is drawn: Gumbel noise (a scale, or one per code) and temperature. */
export type LevelNoise = (level: number) => GumbelOptions;

/**
 * Assigns codes to the (U, D) feature rows `x` level by level. `noise(level)` gives the Gumbel options of that
 * level (noiseScale 0: the nearest code, as the frozen tokenizer encodes).
 */
export function assignSoftCodes(net: RqVaeNet, x: Float32Array, rows: number, noise: LevelNoise, rng: Rng): SoftCodes {
  const { levels, latentDim: L, codebookSize: K, commitment } = net.config;
  const input = tensor(x, [rows, net.inputDim]);
  const z = net.encoder.forward(input); // (U, L)
  let r = z;
  let zq: Tensor | null = null;
  let vq: Tensor | null = null;
  const onehots: Tensor[] = [];
  const codes = new Int32Array(rows * levels);
  for (let l = 0; l < levels; l++) {
    const C = net.codebooks[l]; // (K, L)
    // -||r - c||^2 up to the row constant ||r||^2 (which the softmax ignores): 2 r.c - ||c||^2.
    const norms = sum(mul(C, C), 1); // (K)
    const logits = sub(mulScalar(matmul(r, C, { transB: true }), 2), norms); // (U, K)
    const h = gumbelSoftmaxST(logits, rng, noise(l)); // (U, K)
    const H = h.f32;
    for (let i = 0; i < rows; i++) {
      const row = H.subarray(i * K, (i + 1) * K);
      codes[i * levels + l] = row.indexOf(1);
    }
    onehots.push(h);
    const e = matmul(h, C); // (U, L): codebook rows, gradient to C (chosen rows) and to h
    // Codebook and commitment terms on detached copies, as the RQ-VAE trains them.
    const rConst = tensor(r.f32.slice(), [rows, L]);
    const eConst = tensor(e.f32.slice(), [rows, L]);
    const dCode = sub(rConst, e);
    const dCommit = sub(r, eConst);
    const term = add(meanAll(mul(dCode, dCode)), mulScalar(meanAll(mul(dCommit, dCommit)), commitment));
    vq = vq ? add(vq, term) : term;
    zq = zq ? add(zq, e) : e;
    r = sub(r, e); // the next level quantizes what this one left, with gradient through the choice
  }
  // Straight-through to the decoder: forward z_q, gradient to z unchanged (and to the codes through zq - sg[zq]).
  const zqValue = (zq as Tensor).f32;
  const Z = z.f32;
  const shift = new Float32Array(rows * L);
  for (let i = 0; i < shift.length; i++) shift[i] = zqValue[i] - Z[i];
  const xHat = net.decoder.forward(add(z, tensor(shift, [rows, L])));
  const diff = sub(xHat, input);
  const tokenizerLoss = add(meanAll(mul(diff, diff)), vq as Tensor);
  return { onehots, codes, tokenizerLoss };
}
