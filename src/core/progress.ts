/**
 * Progress bars with rate and ETA for long work (training epochs, k-means, graph builds). Writes to stderr only
 * when it is a terminal, otherwise one line per ~10% so logs stay readable in CI.
 */

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  /** Unit shown after the rate, e.g. 'batches'. @default 'it' */
  readonly unit?: string;
  readonly stream?: NodeJS.WriteStream;
  /** Silence everything (tests, --quiet). @default false */
  readonly quiet?: boolean;
  /** Work done before this bar started (a resumed epoch's batches): shown as done, left out of the rate. @default 0 */
  readonly startAt?: number;
}

export class Progress {
  private readonly started = performance.now();
  private done = 0;
  private lastDraw = 0;
  private lastDecile = -1;
  private extra = '';
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.done = options.startAt ?? 0;
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
  }

  /** Advance by `n` and optionally set a status suffix such as `loss 3.21`. */
  tick(n = 1, status?: string): void {
    this.done += n;
    if (status !== undefined) this.extra = status;
    if (this.options.quiet) return;
    const now = performance.now();
    if (this.tty) {
      if (now - this.lastDraw < 100 && this.done < this.options.total) return;
      this.lastDraw = now;
      this.stream.write(`\r${this.line(now)}\x1b[K`);
    } else {
      if (this.done >= this.options.total) return; // finish() prints the last line
      const decile = Math.floor((10 * this.done) / Math.max(1, this.options.total));
      if (decile === this.lastDecile) return;
      this.lastDecile = decile;
      this.stream.write(`${this.line(now)}\n`);
    }
  }

  finish(status?: string): void {
    if (status !== undefined) this.extra = status;
    if (this.options.quiet) return;
    const line = this.line(performance.now());
    this.stream.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  private line(now: number): string {
    const { label, total, unit = 'it' } = this.options;
    const elapsed = (now - this.started) / 1000;
    const rate = (this.done - (this.options.startAt ?? 0)) / Math.max(elapsed, 1e-9);
    const frac = Math.min(1, this.done / Math.max(1, total));
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const eta = rate > 0 ? (total - this.done) / rate : Number.NaN;
    return `${label} [${bar}] ${this.done}/${total} ${rate.toFixed(1)} ${unit}/s elapsed ${formatSeconds(elapsed)} eta ${formatSeconds(eta)}${this.extra ? `  ${this.extra}` : ''}`;
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
