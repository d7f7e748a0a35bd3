/**
 * sidrec's TIGER against an independent PyTorch encoder-decoder (`bench/tiger_parity.py`), step by step, as
 * rpg-parity.ts does for RPG: this side builds the model as the TIGER family does (dropout off), writes its initial
 * weights, the first step's gradients and a few training batches exactly as the loop feeds them (encoder tokens,
 * decoder inputs, target codes; with `--batching uniform`, each draw's length-sorted parts and their weights), then
 * runs those steps with the shared loop's update (parts accumulated, clip, AdamW, warm-up/cosine) and writes each
 * step's loss, gradient norm and learning rate and the final weights.
 * Usage: node dist/bench/tiger-parity.js DATA_DIR SIDS_DIR OUT_DIR [--steps 5] [--layers 2] [--dim 64] [--heads 4] [--head-dim N]
 *          [--ffn 128] [--batch 256] [--batching length-bucketed|uniform] [--lr 0.001] [--weight-decay 0]
 *          [--warmup 0] [--total-steps 100000] [--clip 1] [--all-grads (every step's gradients, not only the first's)]
 *        /usr/bin/python3 bench/tiger_parity.py OUT_DIR
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../src/core/rng.js';
import { loadDataset, split } from '../src/data/index.js';
import { createSidModel } from '../src/families/tiger/train.js';
import type { SidBatch } from '../src/model/sid-batch.js';
import { Tiger } from '../src/model/tiger.js';
import { AdamW, clipGradNorm, mulScalar, saveSafetensors, tidy, warmupCosine, type StoredTensor } from '../src/tensor/index.js';
import { loadSidTable, TABLE_FILE } from '../src/tokenize/index.js';
import { sidBatches, sidExamples, sidParts, sidUniformBatches } from '../src/train/tiger-batches.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string', default: '5' },
    layers: { type: 'string', default: '2' },
    dim: { type: 'string', default: '64' },
    heads: { type: 'string', default: '4' },
    'head-dim': { type: 'string' },
    ffn: { type: 'string', default: '128' },
    batch: { type: 'string', default: '256' },
    batching: { type: 'string', default: 'length-bucketed' },
    lr: { type: 'string', default: '0.001' },
    'weight-decay': { type: 'string', default: '0' },
    warmup: { type: 'string', default: '0' },
    'total-steps': { type: 'string', default: '100000' },
    clip: { type: 'string', default: '1' },
    'all-grads': { type: 'boolean', default: false },
  },
});
const [dataDir, sidsDir, out] = positionals;
if (!out) throw new Error('usage: tiger-parity DATA_DIR SIDS_DIR OUT_DIR [--steps N ...]');
if (values.batching !== 'uniform' && values.batching !== 'length-bucketed') throw new Error(`--batching: uniform or length-bucketed, got ${values.batching}`);
mkdirSync(out, { recursive: true });
const sp = split(loadDataset(dataDir), { historyCap: 50 });
const table = loadSidTable(join(sidsDir, TABLE_FILE));
const layers = Number(values.layers);
const arch = {
  dim: Number(values.dim),
  encoderLayers: layers,
  decoderLayers: layers,
  heads: Number(values.heads),
  ffn: Number(values.ffn),
  dropout: 0,
  ...(values['head-dim'] ? { headDim: Number(values['head-dim']) } : {}),
};
const model = createSidModel('tiger', sp.numItems, table, arch, 0);
if (!(model instanceof Tiger)) throw new Error('expected a TIGER model');

const params = model.namedParameters();
const weights = (): Map<string, StoredTensor> =>
  new Map(params.map(({ name, tensor }) => [name, { dtype: 'F32', shape: tensor.shape, data: Float32Array.from(tensor.f32) }]));
saveSafetensors(join(out, 'init.safetensors'), weights());

// One optimiser step = its parts and their weights, as the loop's `parts` hook gives them (bucketed: the batch whole).
const steps = Number(values.steps);
const examples = sidExamples(sp.train);
const ctx = { vocab: model.vocab, table, itemTokens: model.vocab.itemTokens(table), maxItems: model.config.maxItems };
const rng = new Rng(1);
const draws: (readonly (readonly [SidBatch, number])[])[] =
  values.batching === 'uniform'
    ? sidUniformBatches(examples, Number(values.batch), rng)
        .slice(0, steps)
        .map((rows) => sidParts(examples, ctx, rows))
    : sidBatches(examples, ctx, Number(values.batch), rng)
        .slice(0, steps)
        .map((b) => [[b, 1] as const]);
const stored = new Map<string, StoredTensor>();
const m = model.digits;
draws.forEach((parts, s) =>
  parts.forEach(([b, _w], p) => {
    const key = `${s}.${p}`;
    stored.set(`${key}/encoder`, { dtype: 'I32', shape: [b.size, b.encoder.length], data: b.encoder.ids }); // -1 = padding
    stored.set(`${key}/padding`, { dtype: 'I32', shape: [b.size, b.encoder.length], data: b.encoder.padding });
    stored.set(`${key}/decoderInput`, { dtype: 'I32', shape: [b.size, m], data: b.decoderInput });
    stored.set(`${key}/targetCodes`, { dtype: 'I32', shape: [b.size, m], data: b.targetCodes });
    stored.set(`${key}/targetItems`, { dtype: 'I32', shape: [b.size], data: b.targetItems });
  }),
);
saveSafetensors(join(out, 'batches.safetensors'), stored);

const clip = Number(values.clip);
const optimizer = new AdamW(params, { lr: Number(values.lr), weightDecay: Number(values['weight-decay']) });
const schedule = warmupCosine({ peakLr: Number(values.lr), warmupSteps: Number(values.warmup), totalSteps: Number(values['total-steps']) });
const train = { training: true, rng: new Rng(0) };
const losses: number[] = [];
const gradNorms: number[] = [];
const lrs: number[] = [];
for (let s = 0; s < draws.length; s++) {
  optimizer.zeroGrad();
  let loss = 0;
  for (const [part, weight] of draws[s])
    loss += tidy(() => {
      const l = model.loss(part, train);
      (weight === 1 ? l : mulScalar(l, weight)).backward();
      return l.item() * weight;
    });
  losses.push(loss);
  if (s === 0 || values['all-grads'])
    saveSafetensors(
      join(out, `grads${s}.safetensors`),
      new Map(
        params.map(({ name, tensor }) => [name, { dtype: 'F32', shape: tensor.shape, data: Float32Array.from(tensor.grad ?? new Float32Array(tensor.size)) }]),
      ),
    );
  gradNorms.push(clip > 0 ? clipGradNorm(params, clip) : clipGradNorm(params, Infinity));
  optimizer.lr = schedule(s); // step s gets the schedule's value at s, as in trainer.ts
  lrs.push(optimizer.lr);
  optimizer.step();
}
saveSafetensors(join(out, 'final.safetensors'), weights());
writeFileSync(
  join(out, 'sidrec.json'),
  JSON.stringify(
    {
      losses,
      gradNorms,
      lrs,
      partWeights: draws.map((parts) => parts.map(([, w]) => w)),
      settings: values,
      config: model.config,
      vocab: { offsets: Array.from(model.vocab.offsets), bos: model.vocab.bos, size: model.vocab.size, userBuckets: model.vocab.userBuckets },
      table: { digits: table.digits, baseDigits: table.shape.baseDigits, collisionDigit: table.shape.collisionDigit },
      users: sp.train.length,
      sources: { data: dataDir, sids: sidsDir },
    },
    null,
    1,
  ),
);
console.log(JSON.stringify({ losses, gradNorms, lrs }));
