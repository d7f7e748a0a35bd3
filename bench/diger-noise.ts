/**
 * How strong DIGER's Gumbel noise is against the code choices it perturbs (issue 18; families/diger/noise-check.ts):
 * for a pre-trained RQ-VAE (the tokenize stage of a DIGER experiment, runs/NAME/sids, or any rqvae SID directory) and
 * its dataset's features, per level, the gap between each item's nearest and second-nearest code in squared
 * distance and the share of items whose code one Gumbel draw at each noise scale changes.
 * Usage: node dist/bench/diger-noise.js --sids DIR --data DIR [--features text,attributes,cooccurrence] [--seed 42] [--scales 1,0.1,0.01]
 */
import { parseArgs } from 'node:util';
import { loadDataset, split } from '../src/data/index.js';
import { noiseReport } from '../src/families/diger/noise-check.js';
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
const { tokenizer } = loadDatasetSids(args.sids);
if (!(tokenizer instanceof RqVaeTokenizer)) throw new Error(`${args.sids}: not an RQ-VAE tokenizer`);
const features = datasetFeatures(ds, split(ds, { historyCap: 50 }), parseFeatureSpec(args.features), { seed: Number(args.seed) });
const net = tokenizer.network;
const scales = args.scales.split(',').map(Number);
const report = noiseReport(
  net.encodeLatent(features.data, features.count),
  features.count,
  net.codebooks.map((c) => c.f32),
  scales,
);
const { latentDim, levels, codebookSize } = tokenizer.config;
process.stdout.write(`${args.sids}: RQ-VAE latent ${latentDim}-d, ${levels} levels x ${codebookSize} codes, ${features.count} items\n`);
console.table(
  report.map((r) => ({
    level: r.level,
    'mean |r|^2': r.energy.toPrecision(3),
    'gap p10': r.gapP10.toPrecision(3),
    'gap median': r.gapMedian.toPrecision(3),
    ...Object.fromEntries(scales.map((s, k) => [`changed by s=${s}`, `${(100 * r.changed[k]).toFixed(1)}%`])),
  })),
);
