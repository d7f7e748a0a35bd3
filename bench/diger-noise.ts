/**
 * How strong DIGER's Gumbel noise is against the code choices it perturbs (issue 18): for a pre-trained RQ-VAE (a
 * the tokenize stage of a DIGER experiment, runs/NAME/sids, or any rqvae SID directory) and its dataset's features, per level, the gap between
 * each item's nearest and second-nearest code in squared distance (the logits are -||r - c||^2, so tau never changes
 * the argmax: only the gap against the noise scale s does), and the share of items whose code one draw of
 * argmax(logits + s g), g ~ Gumbel(0, 1), changes, along the noiseless residual path. With s = 1 (the paper's and the
 * authors' setting) the answer depends on the scale of the latent: the authors' latent is 256-d, this project's
 * experiments use 32-d.
 * Usage: node dist/bench/diger-noise.js --sids DIR --data DIR [--features text,attributes,cooccurrence] [--seed 42] [--scales 1,0.1,0.01]
 */
import { parseArgs } from 'node:util';
import { Rng } from '../src/core/rng.js';
import { loadDataset, split } from '../src/data/index.js';
import { datasetFeatures, parseFeatureSpec } from '../src/features/dataset.js';
import { loadDatasetSids } from '../src/tokenize/index.js';
import { RqVaeTokenizer } from '../src/tokenize/rqvae.js';

const { values: args } = parseArgs({
  options: {
    sids: { type: 'string' },
    data: { type: 'string' },
    features: { type: 'string', default: 'text,attributes,cooccurrence' },
    seed: { type: 'string', default: '42' },
    scales: { type: 'string', default: '1,0.1,0.01' },
  },
});
if (!args.sids || !args.data) throw new Error('usage: diger-noise --sids DIR --data DIR [--features SPEC] [--seed N] [--scales LIST]');
const ds = loadDataset(args.data);
const sp = split(ds, { historyCap: 50 });
const { tokenizer } = loadDatasetSids(args.sids);
if (!(tokenizer instanceof RqVaeTokenizer)) throw new Error(`${args.sids}: not an RQ-VAE tokenizer`);
const features = datasetFeatures(ds, sp, parseFeatureSpec(args.features), { seed: Number(args.seed) });
const { latentDim: L, levels, codebookSize: K } = tokenizer.config;
const z = tokenizer.network.encodeLatent(features.data, features.count);
const codebooks = tokenizer.network.codebooks.map((c) => c.f32);
const N = features.count;
const scales = args.scales.split(',').map(Number);
const rng = new Rng(7);
const gumbel = (): number => -Math.log(-Math.log(Math.max(rng.next(), 1e-12)));

const r = Float32Array.from(z);
const d = new Float64Array(K);
const rows: Record<string, number | string>[] = [];
for (let l = 0; l < levels; l++) {
  const C = codebooks[l];
  const gaps = new Float64Array(N);
  const flips = new Float64Array(scales.length);
  let norm = 0;
  for (let i = 0; i < N; i++) {
    const ri = r.subarray(i * L, (i + 1) * L);
    for (let j = 0; j < L; j++) norm += ri[j] * ri[j];
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
    scales.forEach((s, k) => {
      let arg = 0;
      let top = -Infinity;
      for (let c = 0; c < K; c++) {
        const v = -d[c] + s * gumbel();
        if (v > top) [top, arg] = [v, c];
      }
      if (arg !== best) flips[k] += 1 / N;
    });
    for (let j = 0; j < L; j++) ri[j] -= C[best * L + j]; // the noiseless residual path
  }
  const sorted = Array.from(gaps).sort((a, b) => a - b);
  rows.push({
    level: l,
    'mean |r|^2': (norm / N).toPrecision(3),
    'gap p10': sorted[Math.floor(0.1 * N)].toPrecision(3),
    'gap median': sorted[Math.floor(0.5 * N)].toPrecision(3),
    ...Object.fromEntries(scales.map((s, k) => [`changed by s=${s}`, `${(100 * flips[k]).toFixed(1)}%`])),
  });
}
process.stdout.write(`${args.sids}: RQ-VAE latent ${L}-d, ${levels} levels x ${K} codes, ${N} items\n`);
console.table(rows);
