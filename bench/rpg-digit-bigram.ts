/**
 * Diagnostic for RPG (Hou et al., KDD 2025): its factorised item score, sum over digits of log p_d(code), with each
 * p_d taken from counts instead of a network: p_d(c | last item) = (n_d(a -> c) + alpha * marginal_d(c)) /
 * (n_d(a) + alpha), where a is the last history item's code at digit d and n_d counts consecutive training pairs.
 * It bounds what the SIDs plus the factorised score can carry without any learning, so a trained RPG below it
 * is under-trained, not limited by its SIDs.
 * Usage: node dist/bench/rpg-digit-bigram.js DATA_DIR SIDS [alpha=1] [part=valid]
 *   (SIDS: an RPG model directory, its sids.safetensors, or a flat `sidrec tokenize` table)
 */
import { loadDataset, split } from '../src/data/index.js';
import { evaluate, formatTable, type Scorer } from '../src/eval/index.js';
import { readRpgSids } from '../src/model/rpg-io.js';
import { scoreAll } from '../src/model/rpg-score.js';

const [dataDir, sidsPath, alphaArg, partArg] = process.argv.slice(2);
if (!dataDir || !sidsPath) throw new Error('usage: rpg-digit-bigram.js DATA_DIR SIDS [alpha=1] [part=valid]');
const alpha = Number(alphaArg ?? 1);
const part = (partArg ?? 'valid') as 'valid' | 'test';
const sp = split(loadDataset(dataDir), { historyCap: 50 });
const { codes, digits: m, codebookSize: C } = readRpgSids(sidsPath, sp.numItems);
const N = sp.numItems;
const pairs = new Float64Array(m * C * C); // (d, a, c)
const from = new Float64Array(m * C); // (d, a)
const marginal = new Float64Array(m * C); // (d, c)
let n = 0;
for (const s of sp.train) {
  for (let t = 1; t < s.items.length; t++, n++) {
    for (let d = 0; d < m; d++) {
      const a = codes[s.items[t - 1] * m + d];
      const c = codes[s.items[t] * m + d];
      pairs[(d * C + a) * C + c]++;
      from[d * C + a]++;
      marginal[d * C + c]++;
    }
  }
}
const tokens = Int32Array.from({ length: N * m }, (_, i) => (i % m) * C + codes[i]);
const scorer: Scorer = {
  kind: 'scores',
  score: (batch) => {
    const logp = new Float32Array(batch.length * m * C);
    batch.forEach((q, b) => {
      const last = q.history[q.history.length - 1];
      for (let d = 0; d < m; d++) {
        const a = codes[last * m + d];
        for (let c = 0; c < C; c++)
          logp[(b * m + d) * C + c] = Math.log((pairs[(d * C + a) * C + c] + (alpha * marginal[d * C + c]) / n) / (from[d * C + a] + alpha));
      }
    });
    return scoreAll(logp, batch.length, tokens, m, C, N);
  },
};
const result = await evaluate(scorer, sp, part);
process.stdout.write(`${formatTable([result], [`per-digit code bigram, alpha ${alpha} (${part})`])}\n`);
process.stdout.write(
  `NDCG@10 by the target's training count: ${result.buckets.map((b) => `${b.label} (${b.count} users) ${b.metrics['ndcg@10'].toFixed(4)}`).join(', ')}\n`,
);
