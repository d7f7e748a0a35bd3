/**
 * RPG training-step profile on a prepared dataset: SIDs are random codes (the step cost does not depend on
 * them), the model is the paper's size; prints seconds per batch and real positions per second.
 * Usage: npm run bench:rpg-step -- DATA_DIR [digits=32] [batches=4]   (DATA_DIR from sidrec prepare)
 */
import { Rng } from '../src/core/rng.js';
import { loadDataset, split } from '../src/data/index.js';
import { Rpg } from '../src/model/rpg.js';
import { nextItemBatches, trainingWindows, type NextItemBatch } from '../src/train/batches.js';
import { timeTrainingSteps } from './timing.js';

const [dir, digitsArg, batchesArg] = process.argv.slice(2);
const m = Number(digitsArg ?? 32);
const sp = split(loadDataset(dir), { historyCap: 50 });
const rng = new Rng(0);
const codes = Int32Array.from({ length: sp.numItems * m }, () => rng.int(256));
const model = new Rpg({ numItems: sp.numItems, digits: m, codebookSize: 256, codes }, {}, 0);
const batches = nextItemBatches(trainingWindows(sp.train, 50), 256, new Rng(1));
let positions = 0;
for (const b of batches) for (const l of b.lengths) positions += l;
console.log(`${batches.length} batches, ${positions} real positions per epoch, ${(model.parameterCount() / 1e6).toFixed(1)}M parameters`);
const rate = timeTrainingSteps(
  model,
  batches,
  Number(batchesArg ?? 4),
  (b) => realPositions(b),
  (b) => `${b.size}x${b.length}, ${realPositions(b)} real`,
);
console.log(`${rate.toFixed(0)} positions/s -> ${(positions / rate / 60).toFixed(1)} min/epoch`);

function realPositions(b: NextItemBatch): number {
  let r = 0;
  for (const l of b.lengths) r += l;
  return r;
}
