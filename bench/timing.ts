/**
 * Timing helpers shared by the benchmarks: median of repeated runs within a time budget, after a warm-up.
 * Medians, not means, because the machine is shared and the noise is one-sided. Also the training-step timer of
 * the rpg-step and tiger-step benchmarks.
 */
import { Rng } from '../src/core/rng.js';
import type { ForwardContext } from '../src/tensor/layers/index.js';
import { AdamW, tidy, type NamedParameter, type Tensor } from '../src/tensor/index.js';
export interface Timing {
  readonly ms: number;
  readonly reps: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs `fn` once to warm up, then repeats it until `budgetMs` is spent (at least `minReps`, at most `maxReps`). */
export function timeIt(fn: () => void, budgetMs = 1500, minReps = 3, maxReps = 2000): Timing {
  const t0 = performance.now();
  fn();
  const first = performance.now() - t0;
  // Batch fast calls so each sample is >= ~2 ms and the clock's resolution does not matter.
  const inner = Math.max(1, Math.ceil(2 / Math.max(first, 1e-3)));
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < maxReps && (samples.length < minReps || performance.now() - start < budgetMs)) {
    const s = performance.now();
    for (let i = 0; i < inner; i++) fn();
    samples.push((performance.now() - s) / inner);
    if (first > budgetMs && samples.length >= 1) break;
  }
  return { ms: median(samples), reps: samples.length * inner };
}

export function peakRssMib(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** What timeTrainingSteps needs of a model: its parameters and a loss on one batch. */
export interface SteppableModel<Batch> {
  namedParameters(): NamedParameter[];
  loss(batch: Batch, ctx: ForwardContext): Tensor;
}

/**
 * Runs `count` AdamW training steps (forward, backward, update) on `batches` in order, printing each batch's time
 * and loss; `units(batch)` counts what the rate is reported in (real positions, examples). Returns units/second
 * over the batches after the first `warmup`: the first batch of each new shape pages in the buffer pool's memory
 * (TIGER at the reference size on AMD Zen 3: 113 examples/s over 8 batches, 170 over batches 20-59).
 */
export function timeTrainingSteps<Batch>(
  model: SteppableModel<Batch>,
  batches: readonly Batch[],
  count: number,
  units: (b: Batch) => number,
  describe: (b: Batch) => string,
  warmup = 0,
): number {
  const opt = new AdamW(model.namedParameters(), { lr: 1e-3 });
  const rng = new Rng(2);
  const steps = Math.min(count, batches.length);
  if (warmup >= steps) throw new Error(`timeTrainingSteps: ${warmup} warm-up batches leave none of ${steps} to time`);
  let done = 0;
  let seconds = 0;
  for (let i = 0; i < steps; i++) {
    const b = batches[i];
    const s = performance.now();
    opt.zeroGrad();
    const loss = tidy(() => {
      const l = model.loss(b, { training: true, rng });
      l.backward();
      return l.item();
    });
    opt.step();
    const took = (performance.now() - s) / 1000;
    if (i >= warmup) {
      done += units(b);
      seconds += took;
    }
    console.log(`batch ${i}${i < warmup ? ' (warm-up)' : ''}: ${describe(b)}, loss ${loss.toFixed(3)}, ${took.toFixed(2)} s`);
  }
  return done / seconds;
}
