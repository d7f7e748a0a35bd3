/**
 * RPG training-step profile on a prepared dataset: SIDs are random codes (the step cost does not depend on
 * them), the model is the paper's size; prints seconds per batch and real positions per second.
 * Usage: npm run bench:rpg-step -- DATA_DIR [digits=32] [batches=4]   (DATA_DIR from sidrec prepare)
 */
import { Rng } from '../src/core/rng.js';
import { loadDataset, split } from '../src/data/index.js';
import { Rpg } from '../src/model/rpg.js';
import { AdamW, tidy } from '../src/tensor/index.js';
import { nextItemBatches, trainingWindows } from '../src/train/batches.js';

const [dir, digitsArg, batchesArg] = process.argv.slice(2);
const m = Number(digitsArg ?? 32);
const sp = split(loadDataset(dir), { historyCap: 50 });
const rng = new Rng(0);
const codes = Int32Array.from({ length: sp.numItems * m }, () => rng.int(256));
const model = new Rpg({ numItems: sp.numItems, digits: m, codebookSize: 256, codes }, {}, 0);
const opt = new AdamW(model.namedParameters(), { lr: 1e-3 });
const batches = nextItemBatches(trainingWindows(sp.train, 50), 256, new Rng(1));
let positions = 0;
for (const b of batches) for (const l of b.lengths) positions += l;
console.log(`${batches.length} batches, ${positions} real positions per epoch, ${(model.parameterCount() / 1e6).toFixed(1)}M parameters`);
const n = Number(batchesArg ?? 4);
let real = 0;
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  const b = batches[i];
  const s = performance.now();
  opt.zeroGrad();
  const loss = tidy(() => {
    const l = model.loss(b, { training: true, rng });
    l.backward();
    return l.item();
  });
  opt.step();
  let r = 0;
  for (const l of b.lengths) r += l;
  real += r;
  console.log(`batch ${i}: ${b.size}x${b.length}, ${r} real, loss ${loss.toFixed(3)}, ${((performance.now() - s) / 1000).toFixed(2)} s`);
}
const secs = (performance.now() - t0) / 1000;
console.log(`${(real / secs).toFixed(0)} positions/s -> ${(positions / (real / secs) / 60).toFixed(1)} min/epoch`);
