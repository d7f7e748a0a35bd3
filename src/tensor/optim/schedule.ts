/**
 * Learning-rate schedules. `warmupCosine` is linear warm-up then cosine decay (HF transformers'
 * get_cosine_schedule_with_warmup, with an optional floor), as RPG trains: 10k warm-up steps, cosine decay.
 */

export interface WarmupCosineOptions {
  readonly peakLr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
  /** @default 0 */
  readonly minLr?: number;
}

/** lr at 0-based step: peak * step / warmup during warm-up, then min + (peak - min) * 0.5 (1 + cos(pi progress)). */
export function warmupCosine(opts: WarmupCosineOptions): (step: number) => number {
  const { peakLr, warmupSteps, totalSteps } = opts;
  const minLr = opts.minLr ?? 0;
  return (step: number): number => {
    if (step < warmupSteps) return (peakLr * step) / Math.max(1, warmupSteps);
    const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return minLr + (peakLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}
