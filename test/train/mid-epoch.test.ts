/**
 * Checkpoints inside an epoch (train/trainer.ts): a run stopped between two batches (the AbortSignal the CLI wires
 * to Ctrl-C / SIGTERM) and resumed trains to the same weights and metrics as one never stopped; checkpoints are also
 * taken every `checkpointSeconds`; DIGER, whose epoch trains on SIDs fixed at its start, resumes exactly too. Stopped
 * in validation, a run resumes at that validation; stopped in the final evaluation, at it. Through the CLI: SIGTERM
 * exits 130 with the continue line, and --resume ends where an uninterrupted run does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic, saveDataset, split, syntheticDataset } from '../../src/data/index.js';
import { EPOCH_SIDS_FILE } from '../../src/families/diger/epoch-sids.js';
import { familyOf } from '../../src/families/index.js';
import { readManifest } from '../../src/model/manifest.js';
import { readSafetensorsMetadata } from '../../src/tensor/io/safetensors.js';
import { DEFAULT_TRAIN_CONFIG } from '../../src/train/config.js';
import { readEpochLog } from '../../src/train/epoch-log.js';
import { runTraining, type TrainingPlan } from '../../src/train/run.js';
import type { TrainRunOptions } from '../../src/train/trainer.js';

const work = mkdtempSync(join(tmpdir(), 'sidrec-mid-epoch-'));
const dataDir = join(work, 'data');
const dataset = syntheticDataset(generateSynthetic({ numUsers: 300, numItems: 150, numTopics: 6, seed: 9 }));
saveDataset(dataDir, dataset);
const sp = split(dataset, { historyCap: 20 });
const train = { ...DEFAULT_TRAIN_CONFIG, epochs: 3, batchSize: 32, lr: 0.005, warmupSteps: 5, seed: 4 };
const flags = { dim: 16, heads: 2, ffn: 32, 'max-len': 20, dropout: 0.3 };

/** Tiny settings per family (SIDs fitted by the run on the synthetic attributes). */
const FAMILY_FLAGS: Readonly<Record<string, Readonly<Record<string, string | number>>>> = {
  sasrec: flags,
  rpg: { ...flags, digits: 4, 'sid-codebook-size': 8, 'sid-features': 'attributes', beam: 4, neighbors: 8, steps: 2, 'graph-k': 8 },
  tiger: { dim: 16, heads: 2, ffn: 32, layers: 1, levels: 2, 'sid-codebook-size': 8, 'sid-features': 'attributes', 'valid-beam': 4, 'test-beam': 4 },
  grank: { dim: 16, heads: 2, 'max-len': 20, digits: 4, 'sid-codebook-size': 8, 'sid-features': 'attributes', candidates: 20, 'rank-counts': 2 },
  diger: {
    dim: 16,
    layers: 1,
    heads: 2,
    ffn: 32,
    history: 10,
    'sid-features': 'attributes',
    levels: 2,
    'sid-codebook-size': 8,
    'sid-mode': 'frequency',
    'tokenizer-lr': 0.005,
    'valid-beam': 4,
    'test-beam': 4,
  },
};

/** A plan of `kind` (SASRec unless named) whose model calls `onLoss(n)` before its n-th loss (1-based) in this process. */
async function plan(run: TrainRunOptions, onLoss: (n: number) => void = () => {}, kind = 'sasrec'): Promise<TrainingPlan> {
  const p = (await familyOf(kind).plan({ dataset, split: sp, dataDir, train, run }, FAMILY_FLAGS[kind])) as TrainingPlan;
  const model = p.model as unknown as { loss: (...args: unknown[]) => unknown };
  const loss = model.loss.bind(model);
  let n = 0;
  model.loss = (...args: unknown[]) => {
    onLoss(++n);
    return loss(...args);
  };
  return p;
}

const fingerprint = (dir: string) => ({
  log: readEpochLog(join(dir, 'epochs.jsonl')).map((e) => [e.epoch, e.loss, e.valid]),
  test: readManifest(dir).test,
  best: readFileSync(join(dir, 'best.safetensors')).toString('base64'),
});

let straight: ReturnType<typeof fingerprint>;

test('a run stopped between two batches and resumed ends with the same weights, losses and metrics as one never stopped', async () => {
  const dir = join(work, 'straight');
  await runTraining(await plan({ dir, quiet: true }), train, { dir, quiet: true });
  straight = fingerprint(dir);
  const batches = sp.train.length / train.batchSize; // about: the stop lands inside epoch 2 either way
  const stopped = join(work, 'stopped');
  const controller = new AbortController();
  const stopAt = Math.round(1.5 * batches);
  const first = await runTraining(await plan({ dir: stopped, quiet: true }, (n) => n === stopAt && controller.abort()), train, {
    dir: stopped,
    quiet: true,
    signal: controller.signal,
  });
  assert.equal(first.result.stopped, 'interrupted');
  assert.equal(first.finished, undefined);
  const at = first.result.interruptedAt!;
  assert.equal(at.epoch, 2);
  assert.ok(at.batch > 0 && at.batch < at.batches, JSON.stringify(at));
  const loop = JSON.parse(readSafetensorsMetadata(join(stopped, 'checkpoint.safetensors')).loop);
  assert.deepEqual([loop.epoch, loop.partial.epoch, loop.partial.batch], [1, 2, at.batch]);
  const second = await runTraining(await plan({ dir: stopped, resume: true, quiet: true }), train, { dir: stopped, resume: true, quiet: true });
  assert.equal(second.result.stopped, 'epochs');
  assert.deepEqual(fingerprint(stopped), straight);
});

test('a run stopped inside its first epoch (nothing validated yet) resumes, says so, and ends as one never stopped', async () => {
  const dir = join(work, 'stopped-first');
  const controller = new AbortController();
  const stopAt = Math.round((0.5 * sp.train.length) / train.batchSize);
  const first = await runTraining(await plan({ dir, quiet: true }, (n) => n === stopAt && controller.abort()), train, {
    dir,
    quiet: true,
    signal: controller.signal,
  });
  assert.equal(first.result.interruptedAt?.epoch, 1);
  const said: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => said.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    // Not quiet: the resume line once crashed on the checkpoint's best metric (-Infinity, written to JSON as null).
    await runTraining(await plan({ dir, resume: true }), train, { dir, resume: true });
  } finally {
    process.stderr.write = write;
  }
  assert.ok(
    said.some((line) => /resuming inside epoch 1, after \d+ of its batches \(no epoch validated yet\)/.test(line)),
    said.join('').slice(0, 400),
  );
  assert.deepEqual(fingerprint(dir), straight);
});

test('checkpoints every checkpointSeconds inside an epoch (0: at epoch ends only), changing nothing', async () => {
  const dir = join(work, 'periodic');
  const seen: number[] = [];
  const controller = new AbortController();
  const p = await plan({ dir, quiet: true }, (n) => {
    if (n > 3 && n < 8 && existsSync(join(dir, 'checkpoint.safetensors'))) seen.push(n);
    if (n === 8) controller.abort();
  });
  const { result } = await runTraining(p, train, { dir, quiet: true, checkpointSeconds: 0, signal: controller.signal });
  assert.deepEqual(seen, [], 'no checkpoint inside an epoch at checkpointSeconds 0');
  assert.deepEqual(result.interruptedAt, { epoch: 1, batch: 8, batches: result.interruptedAt!.batches }, 'Ctrl-C checkpoints all the same');

  const every = join(work, 'every');
  const saved: number[] = [];
  const p2 = await plan({ dir: every, quiet: true }, (n) => {
    if (n > 1 && n <= 4) saved.push(JSON.parse(readSafetensorsMetadata(join(every, 'checkpoint.safetensors')).loop).partial.batch);
  });
  await runTraining(p2, train, { dir: every, quiet: true, checkpointSeconds: 1e-9 });
  assert.deepEqual(saved, [1, 2, 3], 'a checkpoint after every batch at a tiny interval');
  assert.deepEqual(fingerprint(every), straight, 'checkpointing changes nothing');
});

test("stopped in validation, a run checkpoints after the epoch's batches and validates on resuming; stopped in the final evaluation, --resume evaluates", async () => {
  const dir = join(work, 'in-validation');
  const controller = new AbortController();
  const p = await plan({ dir, quiet: true });
  const validate = p.hooks.validate.bind(p.hooks);
  const first = await runTraining(
    {
      ...p,
      hooks: {
        ...p.hooks,
        validate: (epoch, signal) => {
          if (epoch === 2) controller.abort();
          return validate(epoch, signal);
        },
      },
    },
    train,
    { dir, quiet: true, signal: controller.signal },
  );
  const at = first.result.interruptedAt!;
  assert.deepEqual([first.result.stopped, at.epoch, at.batch], ['interrupted', 2, at.batches]);
  assert.equal(readEpochLog(join(dir, 'epochs.jsonl')).length, 1, 'epoch 2 not logged before its validation');
  const loop = JSON.parse(readSafetensorsMetadata(join(dir, 'checkpoint.safetensors')).loop);
  assert.deepEqual([loop.epoch, loop.partial.epoch, loop.partial.batch], [1, 2, at.batches]);

  // Resumed, then stopped once the last epoch is validated: the interruption lands in the final test evaluation.
  const last = new AbortController();
  const p2 = await plan({ dir, resume: true, quiet: true });
  const validate2 = p2.hooks.validate.bind(p2.hooks);
  const hooks = {
    ...p2.hooks,
    validate: async (epoch: number, signal?: AbortSignal) => {
      const metrics = await validate2(epoch, signal);
      if (epoch === train.epochs) last.abort();
      return metrics;
    },
  };
  await assert.rejects(runTraining({ ...p2, hooks }, train, { dir, resume: true, quiet: true, signal: last.signal }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'E_INTERRUPTED');
    assert.match(
      error.message,
      /stopped after 0 of \d+ queries in the final evaluation: training is over and saved \(best epoch \d\); continue: the same command with --resume/,
    );
    return true;
  });
  assert.ok(!existsSync(join(dir, 'manifest.json')), 'no manifest before the test figures');
  const third = await runTraining(await plan({ dir, resume: true, quiet: true }), train, { dir, resume: true, quiet: true });
  assert.equal(third.result.stopped, 'epochs');
  assert.deepEqual(fingerprint(dir), straight, 'the same run as one never stopped');
});

for (const kind of ['rpg', 'tiger', 'grank', 'diger']) {
  test(`${kind}: stopped inside an epoch and resumed, the same weights, losses and metrics as a run never stopped`, async () => {
    const dir = join(work, `${kind}-straight`);
    const short = { ...train, epochs: 2 };
    await runTraining(await plan({ dir, quiet: true }, undefined, kind), short, { dir, quiet: true });
    const stopped = join(work, `${kind}-stopped`);
    const controller = new AbortController();
    let losses = 0;
    const first = await runTraining(
      await plan(
        { dir: stopped, quiet: true },
        (n) => {
          losses = n;
          if (n === 9) controller.abort();
        },
        kind,
      ),
      short,
      {
        dir: stopped,
        quiet: true,
        signal: controller.signal,
      },
    );
    assert.equal(first.result.stopped, 'interrupted', `${losses} losses`);
    assert.ok(first.result.interruptedAt!.batch > 0, JSON.stringify(first.result.interruptedAt));
    if (kind === 'diger') {
      // Its epoch trains on the SIDs of the codebooks at the epoch's start, kept in the run directory: resumed
      // without them, it reads the moved codebooks' SIDs and ends elsewhere (so the kept ones are what makes it exact).
      const without = join(work, 'diger-without-epoch-sids');
      const again = new AbortController();
      const onLoss = (n: number) => n === 9 && again.abort();
      await runTraining(await plan({ dir: without, quiet: true }, onLoss, kind), short, { dir: without, quiet: true, signal: again.signal });
      rmSync(join(without, EPOCH_SIDS_FILE));
      await runTraining(await plan({ dir: without, resume: true, quiet: true }, undefined, kind), short, { dir: without, resume: true, quiet: true });
      assert.notDeepEqual(fingerprint(without).best, fingerprint(dir).best);
    }
    await runTraining(await plan({ dir: stopped, resume: true, quiet: true }, undefined, kind), short, { dir: stopped, resume: true, quiet: true });
    assert.deepEqual(fingerprint(stopped), fingerprint(dir));
  });
}

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
// Larger, so that an epoch lasts long enough (~1 s) for the signal to land inside one.
const cliData = join(work, 'cli-data');
saveDataset(cliData, syntheticDataset(generateSynthetic({ numUsers: 2500, numItems: 300, numTopics: 6, seed: 9 })));
const args = (out: string, ...extra: string[]) => [
  cli,
  'train',
  '--data',
  cliData,
  '--out',
  out,
  '--epochs',
  '3',
  '--batch-size',
  '8',
  '--dim',
  '16',
  '--ffn',
  '32',
  '--lr',
  '0.005',
  '--warmup-steps',
  '5',
  '--seed',
  '4',
  '--quiet',
  ...extra,
];

test('sidrec train: SIGTERM checkpoints at the next batch and exits 130 with the continue line; --resume ends as an uninterrupted run', async () => {
  const straightDir = join(work, 'cli-straight');
  const done = spawnSync(process.execPath, args(straightDir), { encoding: 'utf8' });
  assert.equal(done.status, 0, done.stderr);
  const dir = join(work, 'cli-stopped');
  const child = spawn(process.execPath, args(dir), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const log = join(dir, 'epochs.jsonl');
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (existsSync(log) && readFileSync(log, 'utf8').length > 0) {
        clearInterval(timer);
        setTimeout(() => child.kill('SIGTERM'), 300); // inside epoch 2 (~1 s), unless a loaded machine slows its start
        resolve();
      }
    }, 2);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error(`training ended before the signal: ${stderr}`));
    });
  });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 130, stderr);
  // Where the signal lands depends on the machine's pace: inside an epoch's batches, its validation or between epochs.
  assert.match(
    stderr,
    /sidrec train \[E_INTERRUPTED\]: \S+cli-stopped: SIGTERM (in epoch [23]: checkpointed after \d+ of its \d+ batches|in epoch [123]'s validation: checkpointed after its batches \(--resume validates it\)|after epoch [12]: checkpointed); continue: the same command with --resume/,
  );
  const resumed = spawnSync(process.execPath, args(dir, '--resume'), { encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(fingerprint(dir), fingerprint(straightDir));
});
