/**
 * What RPG's batching choices cost per training step (forward + backward, no optimiser): length-bucketed batches,
 * uniformly drawn batches computed in length-sorted parts (the default), and uniform batches computed whole;
 * the three are interleaved batch by batch so a changing load hits them alike.
 * Usage: node dist/bench/rpg-batching-cost.js DATA_DIR SIDS [batches=40]   (T03 size: d 128, FFN 256, batch 64)
 */
import { Rng } from '../src/core/rng.js';
import { loadDataset, split } from '../src/data/index.js';
import { Rpg } from '../src/model/rpg.js';
import { readRpgSids } from '../src/model/rpg-io.js';
import { mulScalar, tidy } from '../src/tensor/index.js';
import { lengthSortedParts, nextItemBatches, trainingWindows } from '../src/train/batches.js';

const [dataDir, sids, count] = process.argv.slice(2);
const sp = split(loadDataset(dataDir), { historyCap: 50 });
const model = new Rpg(readRpgSids(sids, sp.numItems), { dim: 128, ffn: 256, dropout: 0.1, attnDropout: 0.1, residDropout: 0.1, temperature: 0.03 }, 0);
const windows = trainingWindows(sp.train, 50);
const bucketed = nextItemBatches(windows, 64, new Rng(1), true);
const uniform = nextItemBatches(windows, 64, new Rng(1), false);
const ctx = { training: true, rng: new Rng(0) };
const n = Math.min(Number(count ?? 40), bucketed.length, uniform.length);
const ms = { bucketed: 0, parts: 0, whole: 0 };
const time = (key: keyof typeof ms, run: () => void): void => {
  const t = performance.now();
  run();
  ms[key] += performance.now() - t;
};
for (let i = 0; i < n; i++) {
  time('bucketed', () => tidy(() => model.loss(bucketed[i], ctx).backward()));
  time('parts', () => {
    for (const [part, w] of lengthSortedParts(uniform[i])) tidy(() => mulScalar(model.loss(part, ctx), w).backward());
  });
  time('whole', () => tidy(() => model.loss(uniform[i], ctx).backward()));
}
console.log(
  `ms per batch over ${n} batches: length-bucketed ${(ms.bucketed / n).toFixed(0)}, uniform in parts ${(ms.parts / n).toFixed(0)}, uniform whole ${(ms.whole / n).toFixed(0)}`,
);
