/**
 * `sidrec train`: trains a model on a prepared dataset with early stopping on validation NDCG@10, a checkpoint
 * every epoch (`--resume` continues an interrupted run exactly), then reports test metrics of the best epoch.
 */
import { SidrecError } from '../core/errors.js';
import { formatSeconds } from '../core/progress.js';
import { loadDataset, split } from '../data/index.js';
import { formatTable } from '../eval/index.js';
import { DEFAULT_SASREC_CONFIG } from '../model/sasrec.js';
import { DEFAULT_TRAIN_CONFIG } from '../train/config.js';
import { trainSasRec } from '../train/sasrec.js';
import { defineCommand } from './command.js';
import { describeKernels } from '../tensor/index.js';

const T = DEFAULT_TRAIN_CONFIG;
const M = DEFAULT_SASREC_CONFIG;

export const trainCommand = defineCommand({
  spec: {
    name: 'train',
    summary: 'Train a model on a prepared dataset (early stopping on validation NDCG@10, resumable)',
    details: `Examples:
  sidrec train --data runs/beauty/data --out runs/beauty/sasrec
  sidrec train --data runs/beauty/data --out runs/beauty/sasrec --resume     (after an interruption)
Writes OUT/manifest.json, OUT/best.safetensors (best validation epoch) and OUT/checkpoint.safetensors (latest).`,
    options: {
      data: { type: 'string', description: 'Dataset artifact directory (from sidrec prepare)' },
      out: { type: 'string', description: 'Model directory to write' },
      model: { type: 'string', choices: ['sasrec'], description: 'Architecture', default: 'sasrec' },
      resume: { type: 'boolean', description: 'Continue from OUT/checkpoint.safetensors', default: false },
      epochs: { type: 'number', integer: true, min: 1, description: 'Maximum epochs', default: T.epochs },
      'batch-size': { type: 'number', integer: true, min: 1, description: 'Sequences per batch', default: T.batchSize },
      lr: { type: 'number', min: 0, description: 'Peak learning rate (AdamW, warm-up then cosine)', default: T.lr },
      'weight-decay': { type: 'number', min: 0, description: 'AdamW decoupled weight decay', default: T.weightDecay },
      'warmup-steps': { type: 'number', integer: true, min: 0, description: 'Linear warm-up steps', default: T.warmupSteps },
      clip: { type: 'number', min: 0, description: 'Gradient-norm clip (0 = off)', default: T.clip },
      patience: { type: 'number', integer: true, min: 1, description: 'Epochs without validation gain before stopping', default: T.patience },
      seed: { type: 'number', integer: true, description: 'Seed for initialisation, batch order and dropout', default: T.seed },
      dim: { type: 'number', integer: true, min: 1, description: 'Hidden size', default: M.dim },
      layers: { type: 'number', integer: true, min: 1, description: 'Transformer layers', default: M.layers },
      heads: { type: 'number', integer: true, min: 1, description: 'Attention heads (must divide dim)', default: M.heads },
      ffn: { type: 'number', integer: true, min: 1, description: 'Feed-forward width', default: M.ffn },
      dropout: { type: 'number', min: 0, max: 0.95, description: 'Dropout', default: M.dropout },
      'max-len': { type: 'number', integer: true, min: 1, description: 'Most recent items read per user', default: M.maxLen },
      quiet: { type: 'boolean', description: 'No progress bars', default: false },
    },
  },
  async run(o) {
    if (!o.data) throw new SidrecError('E_CONFIG', 'missing --data (a dataset directory from sidrec prepare)', { field: 'data' });
    if (!o.out) throw new SidrecError('E_CONFIG', 'missing --out (the model directory to write)', { field: 'out' });
    if (o.dim % o.heads !== 0) throw new SidrecError('E_CONFIG', `--heads ${o.heads} must divide --dim ${o.dim}`, { field: 'heads' });
    const sp = split(loadDataset(o.data), { historyCap: o['max-len'] });
    if (!o.quiet) process.stderr.write(`kernels: ${JSON.stringify(describeKernels().chosen)}\n`);
    const started = performance.now();
    const run = await trainSasRec(
      sp,
      o.data,
      { dim: o.dim, layers: o.layers, heads: o.heads, ffn: o.ffn, dropout: o.dropout, maxLen: o['max-len'] },
      { ...T, epochs: o.epochs, batchSize: o['batch-size'], lr: o.lr, weightDecay: o['weight-decay'], warmupSteps: o['warmup-steps'], clip: o.clip, patience: o.patience, seed: o.seed },
      { dir: o.out, resume: o.resume, quiet: o.quiet },
    );
    const { result, test } = run;
    process.stdout.write(`best epoch ${result.bestEpoch} (valid ndcg@10 ${result.bestMetric.toFixed(4)}), stopped by ${result.stopped}, ${formatSeconds((performance.now() - started) / 1000)}\n`);
    if (test) process.stdout.write(`${formatTable([test], ['sasrec (test)'])}\n`);
    process.stdout.write(`model -> ${o.out}\n`);
  },
});
