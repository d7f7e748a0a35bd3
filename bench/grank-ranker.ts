/**
 * GRank diagnostic: does the ranker help the generator on the candidates it re-ranks? For a sample of validation
 * users, the generator's top K items (exact MIPS, nothing excluded) are scored by the generator alone (inner product),
 * by generator + ranker (what serving ranks by) and by the ranker alone (the difference); prints the target's mean rank
 * among the K when it is in them (chance: K / 2), the top-10 hit rate over all sampled users, and each score's spread.
 * Usage: node dist/bench/grank-ranker.js MODEL_DIR DATA_DIR [--users 3000] [--candidates 200] [--seed 1]
 */
import { parseArgs } from 'node:util';
import { loadDataset, sampleValidation, split } from '../src/data/index.js';
import { exactMips } from '../src/families/grank/mips.js';
import { openGRankModel } from '../src/families/grank/recommender.js';
import { readManifest } from '../src/model/manifest.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { users: { type: 'string', default: '3000' }, candidates: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' } },
});
const [modelDir, dataDir] = positionals;
if (!modelDir || !dataDir) throw new Error('usage: grank-ranker.js MODEL_DIR DATA_DIR [--users N] [--candidates K] [--seed S]');
const model = openGRankModel(modelDir, readManifest(modelDir));
const queries = sampleValidation(split(loadDataset(dataDir)), Number(values.users), Number(values.seed)).valid;
const K = Number(values.candidates);
const vectors = model.inferenceVectors();
const D = model.config.dim;
const mips = exactMips(vectors, model.numItems, D);
const kinds = ['generator', 'generator + ranker', 'ranker alone'] as const;
const rankSum = [0, 0, 0];
const hits = [0, 0, 0];
const spread = [0, 0, 0];
let retrieved = 0;
const sd = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i] / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - m) ** 2 / a.length;
  return Math.sqrt(v);
};
for (let s = 0; s < queries.length; s += 100) {
  const batch = queries.slice(s, s + 100);
  const histories = batch.map((q) => q.history);
  const users = model.userVectors(histories, vectors);
  const found = mips.search(users, batch.length, K, []);
  const picked = new Int32Array(batch.length * K);
  found.forEach((f, r) => picked.set(f.items, r * K));
  const total = model.rerank(histories, users, vectors, picked, K); // (B, K) generator + ranker
  batch.forEach((q, r) => {
    const base = new Float32Array(K);
    for (let j = 0; j < K; j++) {
      const item = picked[r * K + j];
      for (let d = 0; d < D; d++) base[j] += users[r * D + d] * vectors[(item + 1) * D + d];
    }
    const both = total.subarray(r * K, (r + 1) * K);
    const ranker = Float32Array.from(both, (v, j) => v - base[j]);
    const scores = [base, both, ranker];
    scores.forEach((a, k) => (spread[k] += sd(a) / queries.length));
    const t = Array.from(picked.subarray(r * K, (r + 1) * K)).indexOf(q.target);
    if (t < 0) return;
    retrieved++;
    scores.forEach((a, k) => {
      let above = 0;
      for (let j = 0; j < K; j++) if (a[j] > a[t]) above++;
      rankSum[k] += above;
      if (above < 10) hits[k]++;
    });
  });
}
console.log(`${queries.length} validation users; target in the generator's top ${K}: ${(retrieved / queries.length).toFixed(4)}`);
console.log(`| scored by | target mean rank among the candidates (chance ${K / 2}) | top-10 hit rate | score spread |`);
console.log('|---|---|---|---|');
kinds.forEach((kind, k) =>
  console.log(`| ${kind} | ${(rankSum[k] / Math.max(retrieved, 1)).toFixed(1)} | ${(hits[k] / queries.length).toFixed(4)} | ${spread[k].toFixed(3)} |`),
);
