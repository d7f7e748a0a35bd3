/**
 * Timing helpers shared by the benchmarks: median of repeated runs within a time budget, after a warm-up.
 * Medians, not means, because the machine is shared and the noise is one-sided.
 */
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
