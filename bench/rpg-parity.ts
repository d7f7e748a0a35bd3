/**
 * sidrec's RPG against an independent PyTorch RPG (`../shared/bench/rpg_torch.py`), step by step: this side builds
 * the model (dropout off), writes its initial weights, the SIDs as JSON and a few training batches, then runs those
 * steps with the shared loop's update (clip, AdamW, warm-up) and writes the loss of each step and the final weights.
 * `bench/rpg_parity.py` loads the same weights and batches into the PyTorch model, runs the same steps and compares.
 * Usage: node dist/bench/rpg-parity.js DATA_DIR SIDS_DIR OUT_DIR [--steps 5] [--dim 128] [--ffn 256]
 *          [--temperature 0.03] [--batch 64] [--lr 0.003] [--warmup 500] [--init-std 0]
 *        /usr/bin/python3 bench/rpg_parity.py OUT_DIR ../shared/bench
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../src/core/rng.js';
import { loadDataset, split } from '../src/data/index.js';
import { Rpg } from '../src/model/rpg.js';
import { readRpgSids } from '../src/model/rpg-io.js';
import { AdamW, clipGradNorm, saveSafetensors, tidy, warmupCosine, type StoredTensor } from '../src/tensor/index.js';
import { nextItemBatches, trainingWindows } from '../src/train/batches.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string', default: '5' },
    dim: { type: 'string', default: '128' },
    ffn: { type: 'string', default: '256' },
    temperature: { type: 'string', default: '0.03' },
    batch: { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.003' },
    warmup: { type: 'string', default: '500' },
    'init-std': { type: 'string', default: '0' },
  },
});
const [dataDir, sidsDir, out] = positionals;
if (!out) throw new Error('usage: rpg-parity DATA_DIR SIDS_DIR OUT_DIR [--steps N ...]');
mkdirSync(out, { recursive: true });
const dataset = loadDataset(dataDir);
const sp = split(dataset, { historyCap: 50 });
const codes = readRpgSids(sidsDir, sp.numItems);
const model = new Rpg(
  codes,
  {
    dim: Number(values.dim),
    ffn: Number(values.ffn),
    heads: 4,
    layers: 2,
    temperature: Number(values.temperature),
    dropout: 0,
    attnDropout: 0,
    residDropout: 0,
    codeInitStd: Number(values['init-std']),
  },
  0,
);

// SIDs keyed by the dataset's external item ids, as rpg_torch.py reads them.
const sids: Record<string, number[]> = {};
for (let i = 0; i < sp.numItems; i++) sids[dataset.itemIds[i]] = Array.from(codes.codes.subarray(i * codes.digits, (i + 1) * codes.digits));
writeFileSync(join(out, 'sids.json'), JSON.stringify(sids));

const params = model.namedParameters();
const weights = (): Map<string, StoredTensor> =>
  new Map(params.map(({ name, tensor }) => [name, { dtype: 'F32', shape: tensor.shape, data: Float32Array.from(tensor.f32) }]));
saveSafetensors(join(out, 'init.safetensors'), weights());

const steps = Number(values.steps);
const batches = nextItemBatches(trainingWindows(sp.train, model.config.maxLen), Number(values.batch), new Rng(1)).slice(0, steps);
const stored = new Map<string, StoredTensor>();
batches.forEach((b, s) => {
  stored.set(`${s}/inputs`, { dtype: 'I32', shape: [b.size, b.length], data: b.inputs });
  // rpg_torch labels: item id (1-based), -1 = no target
  stored.set(`${s}/labels`, { dtype: 'I32', shape: [b.size, b.length], data: b.targets.map((t) => (t < 0 ? -1 : t + 1)) });
  stored.set(`${s}/lengths`, { dtype: 'I32', shape: [b.size], data: b.lengths });
});
saveSafetensors(join(out, 'batches.safetensors'), stored);

const optimizer = new AdamW(params, { lr: Number(values.lr), weightDecay: 0 });
const schedule = warmupCosine({ peakLr: Number(values.lr), warmupSteps: Number(values.warmup), totalSteps: 100_000 });
const losses: number[] = [];
const gradNorms: number[] = [];
for (let s = 0; s < batches.length; s++) {
  optimizer.zeroGrad();
  losses.push(
    tidy(() => {
      const l = model.loss(batches[s], { training: true, rng: new Rng(0) });
      l.backward();
      return l.item();
    }),
  );
  if (s === 0)
    saveSafetensors(
      join(out, 'grads0.safetensors'),
      new Map(
        params.map(({ name, tensor }) => [name, { dtype: 'F32', shape: tensor.shape, data: Float32Array.from(tensor.grad ?? new Float32Array(tensor.size)) }]),
      ),
    );
  gradNorms.push(clipGradNorm(params, 1));
  // the PyTorch LambdaLR gives step s the factor of s (the first step has lr 0 during warm-up), as the sidrec loop does
  optimizer.lr = schedule(s);
  optimizer.step();
}
saveSafetensors(join(out, 'final.safetensors'), weights());
writeFileSync(
  join(out, 'sidrec.json'),
  JSON.stringify({ losses, gradNorms, settings: values, digits: codes.digits, codebookSize: codes.codebookSize }, null, 1),
);
console.log(JSON.stringify({ losses, gradNorms }));
