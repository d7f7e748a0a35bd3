/**
 * Collaborative features: item-item co-occurrence within a sliding window over TRAINING sequences only
 * (never validation/test targets, or the features leak the answer), turned into positive pointwise mutual
 * information (PPMI, with Levy et al.'s context-distribution smoothing), reduced by randomized SVD and
 * L2-normalised (the item2vec / SVD-PPMI equivalence of Levy & Goldberg 2014). Items never seen in training
 * get all-zero rows.
 */
import { CsrBuilder, type CsrMatrix } from './sparse.js';
import { csrOperator, randomizedSvd, scaledLeftVectors } from './svd.js';
import { l2NormalizeRows, type ItemFeatures } from './types.js';

export interface CooccurrenceOptions {
  /** Pairs up to this many positions apart co-occur. @default 5 */
  readonly window: number;
  /** Context-distribution smoothing exponent. @default 0.75 */
  readonly alpha: number;
  /** @default 64 */
  readonly dim: number;
  /** @default 3 */
  readonly powerIters: number;
  /** @default 0 */
  readonly seed: number;
}

export const DEFAULT_COOCCURRENCE: Readonly<CooccurrenceOptions> = Object.freeze({
  window: 5,
  alpha: 0.75,
  dim: 64,
  powerIters: 3,
  seed: 0,
});

/** Symmetric PPMI matrix (items, items) from `sequences` of item indices in [0, itemCount). */
export function ppmiMatrix(sequences: readonly Int32Array[], itemCount: number, options: Partial<CooccurrenceOptions> = {}): CsrMatrix {
  const { window, alpha } = { ...DEFAULT_COOCCURRENCE, ...options };
  let pairs = 0;
  for (const s of sequences) for (let i = 0; i < s.length; i++) pairs += Math.min(window, s.length - 1 - i);
  const keys = new Float64Array(2 * pairs); // i * itemCount + j, both directions
  let q = 0;
  for (const s of sequences) {
    for (let i = 0; i < s.length; i++) {
      const a = s[i];
      if (a < 0 || a >= itemCount) throw new RangeError(`item index ${a} outside [0, ${itemCount})`);
      for (let j = i + 1; j <= Math.min(s.length - 1, i + window); j++) {
        const b = s[j];
        keys[q++] = a * itemCount + b;
        keys[q++] = b * itemCount + a;
      }
    }
  }
  keys.sort();
  // Run-length counts: (row, col, count) triples in row-major order.
  const rowsOf: number[] = [];
  const colsOf: number[] = [];
  const counts: number[] = [];
  for (let p = 0; p < keys.length; ) {
    let e = p;
    while (e < keys.length && keys[e] === keys[p]) e++;
    const key = keys[p];
    const r = Math.floor(key / itemCount);
    rowsOf.push(r);
    colsOf.push(key - r * itemCount);
    counts.push(e - p);
    p = e;
  }
  const rowSum = new Float64Array(itemCount);
  const ctxSum = new Float64Array(itemCount);
  for (let t = 0; t < counts.length; t++) {
    rowSum[rowsOf[t]] += counts[t];
    ctxSum[colsOf[t]] += counts[t]; // column marginal, smoothed below
  }
  let total = 0;
  let ctxTotal = 0;
  for (let i = 0; i < itemCount; i++) {
    total += rowSum[i];
    ctxSum[i] = ctxSum[i] ** alpha;
    ctxTotal += ctxSum[i];
  }
  const builder = new CsrBuilder(itemCount);
  let t = 0;
  for (let r = 0; r < itemCount; r++) {
    const cols: number[] = [];
    const vals: number[] = [];
    for (; t < counts.length && rowsOf[t] === r; t++) {
      const pmi = Math.log(counts[t] / total / ((rowSum[r] / total) * (ctxSum[colsOf[t]] / ctxTotal)));
      if (pmi > 0) {
        cols.push(colsOf[t]);
        vals.push(pmi);
      }
    }
    builder.addRow(cols, vals);
  }
  return builder.build();
}

export function cooccurrenceFeatures(trainSequences: readonly Int32Array[], itemCount: number, options: Partial<CooccurrenceOptions> = {}): ItemFeatures {
  const opts = { ...DEFAULT_COOCCURRENCE, ...options };
  const ppmi = ppmiMatrix(trainSequences, itemCount, opts);
  const svd = randomizedSvd(csrOperator(ppmi), { rank: opts.dim, powerIters: opts.powerIters, seed: opts.seed });
  const data = scaledLeftVectors(svd, itemCount);
  l2NormalizeRows(data, itemCount, svd.rank);
  return { count: itemCount, dim: svd.rank, data };
}
