/**
 * The one top-k: streaming over (index, score) pairs, a size-k min-heap in typed arrays reused across queries (no
 * allocation per push). Ties prefer the smaller index, so results are deterministic. Scores are kept as float32
 * (model scores are float32; a float64 sum such as a graph search's is compared as the float32 it is stored as),
 * or as float64 with `precision: 'f64'` (beam log-likelihoods, ranked exactly). Every ranking in sidrec goes through it.
 */
export class TopK {
  private readonly idx: Int32Array;
  private readonly val: Float32Array | Float64Array;
  private n = 0;

  constructor(
    readonly k: number,
    precision: 'f32' | 'f64' = 'f32',
  ) {
    this.idx = new Int32Array(Math.max(1, k));
    this.val = precision === 'f64' ? new Float64Array(Math.max(1, k)) : new Float32Array(Math.max(1, k));
  }

  get size(): number {
    return this.n;
  }

  reset(): void {
    this.n = 0;
  }

  /** The smallest kept score (-Infinity while not full). */
  threshold(): number {
    return this.n < this.k ? -Infinity : this.val[0];
  }

  push(index: number, score: number): void {
    if (this.k === 0) return;
    if (this.n < this.k) {
      let i = this.n++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(score, index, this.val[parent], this.idx[parent])) break;
        this.idx[i] = this.idx[parent];
        this.val[i] = this.val[parent];
        i = parent;
      }
      this.idx[i] = index;
      this.val[i] = score;
      return;
    }
    if (!this.worse(this.val[0], this.idx[0], score, index)) return;
    this.siftDown(index, score);
  }

  /** Writes the kept indices, best first, to out[offset...] (and scores to `scores` when given); returns count. */
  sortedInto(out: Int32Array, offset = 0, scores?: Float32Array | Float64Array): number {
    const count = this.n;
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => this.val[b] - this.val[a] || this.idx[a] - this.idx[b]);
    for (let r = 0; r < count; r++) {
      out[offset + r] = this.idx[order[r]];
      if (scores) scores[offset + r] = this.val[order[r]];
    }
    return count;
  }

  /** a ranks below b: lower score, or equal score and larger index. */
  private worse(sa: number, ia: number, sb: number, ib: number): boolean {
    return sa < sb || (sa === sb && ia > ib);
  }

  private siftDown(index: number, score: number): void {
    let i = 0;
    const n = this.n;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.worse(this.val[r], this.idx[r], this.val[l], this.idx[l]) ? r : l;
      if (!this.worse(this.val[c], this.idx[c], score, index)) break;
      this.idx[i] = this.idx[c];
      this.val[i] = this.val[c];
      i = c;
    }
    this.idx[i] = index;
    this.val[i] = score;
  }
}

/**
 * Each row's best `k` columns of row-major (B, N) `scores`, best first with their scores, skipping the columns in
 * `exclude[r]` (exact maximum-inner-product search over precomputed scores; GRank's server and export runtime).
 */
export function topKRows(scores: Float32Array, B: number, N: number, k: number, exclude: readonly (ReadonlySet<number> | undefined)[] = [], rowOffset = 0) {
  const top = new TopK(Math.min(k, N));
  return Array.from({ length: B }, (_, r) => {
    top.reset();
    const skip = exclude[rowOffset + r];
    for (let i = 0; i < N; i++) if (!skip?.has(i)) top.push(i, scores[r * N + i]);
    const items = new Int32Array(top.size);
    const values = new Float32Array(top.size);
    top.sortedInto(items, 0, values);
    return { items, scores: values };
  });
}
