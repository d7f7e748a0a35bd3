/**
 * TIGER / Gryphon training-step profile on a prepared dataset and its RQ Semantic IDs (`sidrec tokenize --kind
 * rqkmeans`): the reference size (4+4 layers, d 128, FFN 1024), batches of 256 training prefixes as in a real
 * epoch; prints seconds per batch and examples per second over the batches after the first `warmup` (steady state:
 * the first batch of each new shape pages in fresh memory).
 * Usage: npm run bench:tiger-step -- DATA_DIR SIDS_DIR [tiger|gryphon] [batches=4] [layers=4] [warmup=0]
 */
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';
import { loadDataset, split } from '../src/data/index.js';
import { loadSidTable, TABLE_FILE } from '../src/tokenize/index.js';
import { sidBatches, sidExamples, type SidBatch } from '../src/train/tiger-batches.js';
import { timeTrainingSteps } from './timing.js';
import { createSidModel } from '../src/families/tiger/train.js';
import { Tiger } from '../src/model/tiger.js';

const [dir, sidsDir, kindArg, batchesArg, layersArg, warmupArg] = process.argv.slice(2);
if (!dir || !sidsDir) throw new Error('usage: tiger-step.js DATA_DIR SIDS_DIR [tiger|gryphon] [batches=4] [layers=4] [warmup=0]');
const warmup = Number(warmupArg ?? 0);
if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`warmup must be a whole number of batches, got ${warmupArg}`);
const kind = (kindArg ?? 'tiger') as 'tiger' | 'gryphon';
const layers = Number(layersArg ?? 4);
const sp = split(loadDataset(dir), { historyCap: 50 });
const table = loadSidTable(join(sidsDir, TABLE_FILE));
const model = createSidModel(kind, sp.numItems, table, { encoderLayers: layers, decoderLayers: layers }, 0);
const tiger = model instanceof Tiger ? model : model.tiger;
const examples = sidExamples(sp.train);
const batches = sidBatches(
  examples,
  { vocab: tiger.vocab, table, itemTokens: tiger.vocab.itemTokens(table), maxItems: tiger.config.maxItems },
  256,
  new Rng(1),
);
console.log(`${kind}: ${batches.length} batches, ${examples.seq.length} examples per epoch, ${(model.parameterCount() / 1e6).toFixed(2)}M parameters`);
const rate = timeTrainingSteps<SidBatch>(
  model,
  batches,
  Number(batchesArg ?? 4),
  (b) => b.size,
  (b) => `${b.size} examples, encoder ${b.encoder.length} tokens`,
  warmup,
);
console.log(`${rate.toFixed(0)} examples/s${warmup ? ` after ${warmup} warm-up batches` : ''} -> ${(examples.seq.length / rate / 60).toFixed(1)} min/epoch`);
