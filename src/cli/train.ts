/**
 * `sidrec train`: trains a model of any family (families/) on a prepared dataset with early stopping on validation
 * NDCG@10, a checkpoint every epoch and every --checkpoint-every minutes inside one, and at the next batch after Ctrl-C
 * or SIGTERM (`--resume` continues an interrupted run exactly), then reports test metrics
 * of the best epoch. The shared flags are the training loop's; the rest come from the families' option specs.
 * Everything is checked before the first write into --out: the dataset (it must have users with enough
 * interactions to train, validate and test), and that --out holds no earlier run unless --resume (continue it)
 * or --overwrite (replace it) says what to do with it.
 */
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import type { OptionSpecs } from '../core/option-spec.js';
import { loadDataset, numInteractions, split, type InteractionDataset } from '../data/index.js';
import { formatTable } from '../eval/index.js';
import { FAMILIES, FAMILY_KINDS, familyOf } from '../families/index.js';
import { describeKernels } from '../tensor/index.js';
import { DEFAULT_TRAIN_CONFIG as T } from '../train/config.js';
import { runTraining } from '../train/run.js';
import { existingRunFiles, formatRunSummary } from '../train/trainer.js';
import { lockRun } from '../train/run-lock.js';
import { defineCommand } from './command.js';
import { interruptOnSignals } from './interrupt.js';
import { flagsFor, mergedFamilyOptions } from './family-options.js';

/** ' (default: 100; rpg 150)': the shared default, then the families that set their own (ModelFamily.trainDefaults). */
function byFamily(key: 'epochs' | 'lr' | 'warmupSteps' | 'patience'): string {
  const own = Object.values(FAMILIES).flatMap((f) => (f.trainDefaults?.[key] !== undefined ? [`${f.kind} ${f.trainDefaults[key]}`] : []));
  return ` (default: ${T[key]}${own.length ? `; ${own.join(', ')}` : ''})`;
}

const shared = {
  data: { type: 'string', description: 'Dataset artifact directory (from sidrec prepare)' },
  out: { type: 'string', description: 'Model directory to write' },
  model: { type: 'string', choices: FAMILY_KINDS, description: 'Model family', default: 'sasrec' },
  resume: { type: 'boolean', description: 'Continue from OUT/checkpoint.safetensors', default: false },
  overwrite: { type: 'boolean', description: 'Replace a run already in --out (without it, or --resume, such an --out is refused)', default: false },
  'stop-after': {
    type: 'number',
    integer: true,
    min: 1,
    description: 'Stop after this many epochs in this run, keeping the schedule of --epochs (continue later with --resume)',
  },
  'checkpoint-every': {
    type: 'number',
    min: 0,
    description:
      'Minutes between checkpoints inside an epoch, so that a killed run loses at most that much (0: at epoch ends only; Ctrl-C or SIGTERM checkpoints at the next batch either way)',
    default: 10,
  },
  epochs: { type: 'number', integer: true, min: 1, description: `Maximum epochs (also the length of the cosine schedule)${byFamily('epochs')}` },
  'batch-size': { type: 'number', integer: true, min: 1, description: 'Sequences per batch', default: T.batchSize },
  lr: { type: 'number', min: 0, description: `Peak learning rate (AdamW, warm-up then cosine)${byFamily('lr')}` },
  'weight-decay': { type: 'number', min: 0, description: 'AdamW decoupled weight decay', default: T.weightDecay },
  'warmup-steps': { type: 'number', integer: true, min: 0, description: `Linear warm-up steps${byFamily('warmupSteps')}` },
  clip: { type: 'number', min: 0, description: 'Gradient-norm clip (0 = off)', default: T.clip },
  patience: { type: 'number', integer: true, min: 1, description: `Epochs without validation gain before stopping${byFamily('patience')}` },
  seed: { type: 'number', integer: true, description: 'Seed for initialisation, batch order and dropout', default: T.seed },
  'max-len': { type: 'number', integer: true, min: 1, description: 'Most recent items read per user', default: 50 },
  quiet: { type: 'boolean', description: 'No progress bars', default: false },
} as const satisfies OptionSpecs;

const familyHelp = Object.values(FAMILIES)
  .map((f) => `  ${f.kind.padEnd(8)} ${f.summary}`)
  .join('\n');
const familyDetails = [...new Set(Object.values(FAMILIES).flatMap((f) => (f.trainHelp ? [f.trainHelp] : [])))].join('\n');

export const trainCommand = defineCommand({
  spec: {
    name: 'train',
    summary: 'Train a model on a prepared dataset (early stopping on validation NDCG@10, resumable)',
    details: `Models (--model):
${familyHelp}
Examples:
  sidrec train --data runs/beauty/data --out runs/beauty/sasrec
  sidrec train --data runs/beauty/data --out runs/beauty/sasrec --resume     (after an interruption)
  sidrec train --model rpg --data runs/beauty/data --sids runs/beauty/sid-opq --out runs/beauty/rpg --lr 0.003 --warmup-steps 500 --epochs 35 --dim 128 --ffn 256 --dropout 0.1 --attn-dropout 0.1 --temperature 0.03
  sidrec train --model rpg --data runs/sports/data --out runs/sports/rpg --digits 16 --beam 100 --neighbors 30 --steps 5   (OPQ fitted here)
  sidrec train --model tiger --data runs/beauty/data --sids runs/beauty/sid-rq --out runs/beauty/tiger
  sidrec train --model gryphon --data runs/beauty/data --sids runs/beauty/sid-rq --out runs/beauty/gryphon2 --init-from runs/beauty/tiger
Writes OUT/manifest.json, OUT/best.safetensors (best validation epoch) and OUT/checkpoint.safetensors (latest: at
each epoch's end, every --checkpoint-every minutes inside an epoch, and at the next batch after Ctrl-C or SIGTERM,
which then exits with code 130; --resume continues from inside the epoch to the same weights as an uninterrupted run;
a DIGER epoch's SIDs, fixed at its start, are kept in OUT/epoch-sids.safetensors for that).
An OUT that already holds a run is refused: --resume continues it, --overwrite replaces it.
OUT/run.json records the settings (--resume refuses others, except --epochs and --patience) and OUT/epochs.jsonl
one line per epoch; while a run is under way or paused (--stop-after), sidrec evaluate --model OUT scores its
best epoch so far. Options marked with model names are read by those models only.
${familyDetails}`,
    options: { ...shared, ...mergedFamilyOptions((f) => f.trainOptions) },
  },
  async run(o) {
    if (!o.data) throw new SidrecError('E_CONFIG', 'missing --data (a dataset directory from sidrec prepare)', { field: 'data' });
    if (!o.out) throw new SidrecError('E_CONFIG', 'missing --out (the model directory to write)', { field: 'out' });
    if (o.resume && o.overwrite)
      throw new SidrecError('E_CONFIG', '--resume continues the run in --out, --overwrite replaces it: give one', { field: 'overwrite' });
    const family = familyOf(o.model);
    const flags = { ...flagsFor(family, (f) => f.trainOptions, o), 'max-len': o['max-len'] };
    const dataset = loadDataset(o.data);
    assertTrainable(dataset, o.data);
    // --overwrite: the training loop's fresh start removes the old run's weights, checkpoint and manifest.
    const previous = existingRunFiles(o.out);
    if (previous.length > 0 && !o.resume && !o.overwrite) {
      throw new SidrecError(
        'E_CONFIG',
        `already holds a training run (${previous.join(', ')}); continue it with --resume, replace it with --overwrite, or train into another --out`,
        { file: o.out, field: 'out' },
      );
    }
    if (!o.quiet) process.stderr.write(kernelsLine());
    const started = performance.now();
    const schedule = { ...T, ...family.trainDefaults }; // the family's defaults for flags not given
    const train = {
      ...T,
      epochs: o.epochs ?? schedule.epochs,
      batchSize: o['batch-size'],
      lr: o.lr ?? schedule.lr,
      weightDecay: o['weight-decay'],
      warmupSteps: o['warmup-steps'] ?? schedule.warmupSteps,
      clip: o.clip,
      patience: o.patience ?? schedule.patience,
      seed: o.seed,
    };
    const interrupt = interruptOnSignals('training', o.quiet);
    const run = {
      dir: o.out,
      resume: o.resume,
      quiet: o.quiet,
      maxEpochsThisRun: o['stop-after'],
      signal: interrupt.signal,
      checkpointSeconds: 60 * o['checkpoint-every'],
    };
    const release = lockRun(o.out); // before the plan, which may write into OUT (fitted SIDs, item codes)
    try {
      const plan = await family.plan({ dataset, split: split(dataset, { historyCap: o['max-len'] }), dataDir: o.data, train, run }, flags);
      const { result, finished } = await runTraining(plan, train, run);
      const at = result.interruptedAt;
      if (result.stopped === 'interrupted' && at)
        throw new SidrecError(
          'E_INTERRUPTED',
          `${interrupt.reason() ?? 'interrupted'} ${
            at.batch === 0
              ? `after epoch ${at.epoch - 1}: checkpointed`
              : at.batch === at.batches
                ? `in epoch ${at.epoch}'s validation: checkpointed after its batches (--resume validates it)`
                : `in epoch ${at.epoch}: checkpointed after ${at.batch} of its ${at.batches} batches`
          }; continue: the same command with --resume`,
          { file: o.out },
        );
      process.stdout.write(`${formatRunSummary(result, (performance.now() - started) / 1000)}\n`);
      if (finished) {
        process.stdout.write(
          `${formatTable(
            finished.tables.map((t) => t.result),
            finished.tables.map((t) => t.label),
          )}\n`,
        );
        for (const note of finished.notes ?? []) process.stdout.write(`${note}\n`);
      }
      process.stdout.write(`model -> ${o.out}\n`);
    } finally {
      interrupt.dispose();
      release();
    }
  },
});

/** The kernels in use, and why the faster ones are not when GEMM falls back to plain TypeScript. */
function kernelsLine(): string {
  const { chosen, failures, denormals, threads } = describeKernels();
  const why = chosen.gemm === 'plain' ? Object.entries(failures).map(([p, f]) => `\n  ${p}: ${f}`) : [];
  return `kernels: ${JSON.stringify(chosen)}; subnormal floats: ${denormals === 'flush' ? 'flushed to zero' : 'kept'}; ${threads} compute thread${threads === 1 ? '' : 's'}${why.length ? `\nslow plain-TypeScript GEMM:${why.join('')}` : ''}\n`;
}

/** A dataset that training could only fail on (or evaluate on nobody) is refused before --out is touched. */
function assertTrainable(ds: InteractionDataset, dir: string): void {
  const file = join(dir, 'dataset.json');
  if (numInteractions(ds) === 0)
    throw new SidrecError('E_INPUT', `the dataset has no interactions (${ds.numUsers} users); prepare it from data with rows`, { file });
  for (let u = 0; u < ds.numUsers; u++) if (ds.offsets[u + 1] - ds.offsets[u] >= 3) return;
  throw new SidrecError('E_INPUT', 'no user has 3 or more interactions: the leave-one-out split needs them to validate and test', { file });
}
