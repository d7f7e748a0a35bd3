/**
 * One RPG training run with the choices that differ between sidrec's trainer and the RPG reference made
 * selectable, for telling which of them moves the validation curve (issue: sidrec RPG vs rpg_torch.py):
 * the code-embedding init (sidrec 0.02 * sqrt(m), the reference 0.02), the training windows (tiled or sliding)
 * length-bucketed batches, and uniform batches computed in length-sorted parts (`--buckets false --parts true`).
 * Everything else is the T03 recipe (d 128, FFN 256, dropout .1 / .1 / .1, temperature .03, batch 64, lr .003,
 * 500 warm-up steps, a cosine schedule sized for --schedule-epochs) stopped after --epochs.
 * `--gpt2-init true` scales the blocks' residual output projections (attention out, MLP proj) to std
 * 0.02 / sqrt(2 * layers), as GPT-2 and the reference do (RPG's --residual-init gpt2; sidrec's default: 0.02).
 * Usage: node dist/bench/rpg-ablation.js DATA_DIR SIDS_DIR OUT_DIR [--epochs 3] [--schedule-epochs 35]
 *          [--init-std 0] [--windows tiled|sliding] [--buckets true|false] [--parts false|true]
 *          [--gpt2-init false|true] [--valid-users 0] [--seed 42]
 */
import { parseArgs } from 'node:util';
import { loadDataset, sampleValidation, split } from '../src/data/index.js';
import { evaluate } from '../src/eval/index.js';
import { Rpg } from '../src/model/rpg.js';
import { readRpgSids } from '../src/model/rpg-io.js';
import { rpgExactScorer } from '../src/model/rpg-score.js';
import { lengthSortedParts, nextItemBatches, trainingWindows, type NextItemBatch, type WindowMode } from '../src/train/batches.js';
import { DEFAULT_TRAIN_CONFIG } from '../src/train/config.js';
import { train } from '../src/train/trainer.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    epochs: { type: 'string', default: '3' },
    'schedule-epochs': { type: 'string', default: '35' },
    'init-std': { type: 'string', default: '0' },
    windows: { type: 'string', default: 'tiled' },
    buckets: { type: 'string', default: 'true' },
    parts: { type: 'string', default: 'false' },
    'gpt2-init': { type: 'string', default: 'false' },
    'valid-users': { type: 'string', default: '0' },
    seed: { type: 'string', default: '42' },
    lr: { type: 'string', default: '0.003' },
    batch: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '500' },
  },
});
const [dataDir, sidsDir, out] = positionals;
if (!out) throw new Error('usage: rpg-ablation DATA_DIR SIDS_DIR OUT_DIR [options]');
const sp = split(loadDataset(dataDir), { historyCap: 50 });
const codes = readRpgSids(sidsDir, sp.numItems);
const seed = Number(values.seed);
const layers = 2;
const model = new Rpg(
  codes,
  {
    dim: 128,
    ffn: 256,
    layers,
    heads: 4,
    dropout: 0.1,
    attnDropout: 0.1,
    residDropout: 0.1,
    temperature: 0.03,
    codeInitStd: Number(values['init-std']),
    residualInit: values['gpt2-init'] === 'true' ? 'gpt2' : 'standard',
  },
  seed,
);
const windows = trainingWindows(sp.train, 50, values.windows as WindowMode);
const buckets = values.buckets !== 'false';
const config = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: Number(values['schedule-epochs']),
  batchSize: Number(values.batch),
  lr: Number(values.lr),
  warmupSteps: Number(values.warmup),
  patience: 1000,
  seed,
};
const validSplit = sampleValidation(sp, Number(values['valid-users']), seed);
const scorer = rpgExactScorer(model);
const parts = values.parts === 'true';
console.log(
  `parts ${parts}, windows ${values.windows} (${windows.length}), buckets ${buckets}, init-std ${values['init-std']}, gpt2-init ${values['gpt2-init']}, ${Math.ceil(windows.length / config.batchSize)} steps/epoch`,
);
await train(
  model,
  config,
  {
    batches: (_epoch, rng) => nextItemBatches(windows, config.batchSize, rng, buckets),
    ...(parts ? { parts: (b: NextItemBatch) => lengthSortedParts(b) } : {}),
    validate: async () => (await evaluate(scorer, validSplit, 'valid', { batchSize: 256 })).metrics,
  },
  {
    dir: out,
    quiet: true,
    maxEpochsThisRun: Number(values.epochs),
    onEpoch: (r) =>
      console.log(JSON.stringify({ epoch: r.epoch, loss: +r.loss.toFixed(4), valid_ndcg10: +r.valid['ndcg@10'].toFixed(4), seconds: Math.round(r.seconds) })),
  },
);
