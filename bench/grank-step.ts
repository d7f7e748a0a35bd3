/**
 * GRank training-step profile: a trained GRank directory's model (its SIDs, its ranker's transition counts, its
 * configuration; the weights do not change the step's cost) stepped with AdamW on its own dataset's training
 * windows, the batches a training epoch draws; prints seconds per batch and windows per second.
 * Usage: node dist/bench/grank-step.js RUN_DIR [batches=6] [batch-size=the run's]
 *   RUN_DIR: a reproduce run directory (RUN_DIR/model, RUN_DIR/data), e.g. runs/grank-beauty-counts-alone
 */
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';
import { loadDataset, split } from '../src/data/index.js';
import { openGRankModel } from '../src/families/grank/recommender.js';
import { readManifest } from '../src/model/manifest.js';
import { describeKernels } from '../src/tensor/index.js';
import { nextItemBatches, trainingWindows } from '../src/train/batches.js';
import { timeTrainingSteps } from './timing.js';

const [runDir, batchesArg, sizeArg] = process.argv.slice(2);
if (!runDir) throw new Error('usage: grank-step.js RUN_DIR [batches=6] [batch-size]');
const manifest = readManifest(join(runDir, 'model'));
const model = openGRankModel(join(runDir, 'model'), manifest);
const size = Number(sizeArg ?? (manifest.trainConfig as { batchSize?: number }).batchSize ?? 256);
const sp = split(loadDataset(join(runDir, 'data')), { historyCap: model.config.maxLen });
const batches = nextItemBatches(trainingWindows(sp.train, model.config.maxLen), size, new Rng(1));
const { chosen, denormals } = describeKernels();
console.log(`${batches.length} batches of ${size} windows an epoch; gemm ${chosen.gemm}, subnormal floats ${denormals === 'flush' ? 'flushed' : 'kept'}`);
const rate = timeTrainingSteps(
  model,
  batches,
  Number(batchesArg ?? 6),
  (b) => b.size,
  (b) => `${b.size}x${b.length}`,
);
console.log(`${rate.toFixed(0)} windows/s -> ${((batches.length * size) / rate / 60).toFixed(1)} min/epoch of training steps`);
