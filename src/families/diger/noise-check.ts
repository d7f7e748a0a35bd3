/**
 * How strong DIGER's Gumbel noise is against the code choices it perturbs. The logits of a level are -||r - c||^2, so
 * the temperature never changes the hard choice argmax(logits + s g): only the gap between an item's nearest and
 * second-nearest code against the noise scale s does, and that gap is on the scale of the RQ-VAE's latent. The
 * paper's s = 1 suits a latent whose gaps are large; on a small one every noisy draw is a random code. A DIGER run
 * logs this at its start; bench/diger-noise.ts prints it for any RQ-VAE.
 */
import { Rng } from '../../core/rng.js';

export interface LevelNoiseReport {
  readonly level: number;
  /** Mean squared norm of the residual entering this level. */
  readonly energy: number;
  /** 10th percentile and median of (second-nearest - nearest) squared distance. */
  readonly gapP10: number;
  readonly gapMedian: number;
  /** Per noise scale: the share of items whose code one draw of argmax(logits + s g) changes. */
  readonly changed: readonly number[];
}

/**
 * For `rows` latents (rows, L) and each level's codebook (K, L), along the noiseless residual path: the gap and,
 * for each of `scales`, the share of codes one Gumbel draw changes (seeded).
 */
export function noiseReport(latents: Float32Array, rows: number, codebooks: readonly Float32Array[], scales: readonly number[], seed = 7): LevelNoiseReport[] {
  const L = latents.length / rows;
  const rng = new Rng(seed);
  const gumbel = (): number => -Math.log(-Math.log(Math.max(rng.next(), 1e-12)));
  const r = Float32Array.from(latents);
  const out: LevelNoiseReport[] = [];
  codebooks.forEach((C, level) => {
    const K = C.length / L;
    const d = new Float64Array(K);
    const gaps = new Float64Array(rows);
    const changed = new Float64Array(scales.length);
    let energy = 0;
    for (let i = 0; i < rows; i++) {
      const ri = r.subarray(i * L, (i + 1) * L);
      for (let j = 0; j < L; j++) energy += ri[j] * ri[j];
      let best = 0;
      for (let c = 0; c < K; c++) {
        let s = 0;
        for (let j = 0; j < L; j++) s += (ri[j] - C[c * L + j]) ** 2;
        d[c] = s;
        if (s < d[best]) best = c;
      }
      let second = Infinity;
      for (let c = 0; c < K; c++) if (c !== best && d[c] < second) second = d[c];
      gaps[i] = second - d[best];
      scales.forEach((scale, k) => {
        let arg = 0;
        let top = -Infinity;
        for (let c = 0; c < K; c++) {
          const v = -d[c] + scale * gumbel();
          if (v > top) [top, arg] = [v, c];
        }
        if (arg !== best) changed[k] += 1 / rows;
      });
      for (let j = 0; j < L; j++) ri[j] -= C[best * L + j];
    }
    const sorted = Array.from(gaps).sort((a, b) => a - b);
    out.push({
      level,
      energy: energy / rows,
      gapP10: sorted[Math.floor(0.1 * rows)],
      gapMedian: sorted[Math.floor(0.5 * rows)],
      changed: Array.from(changed),
    });
  });
  return out;
}
