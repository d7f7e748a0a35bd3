/** Peak resident set size of this process in MiB (what benchmarks report next to their timings). */
import { resourceUsage } from 'node:process';

export function peakRssMiB(): number {
  // maxRSS is in kilobytes on Linux.
  return resourceUsage().maxRSS / 1024;
}
