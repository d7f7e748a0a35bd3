/**
 * k-means as every SID tokenizer here uses it (RQ-KMeans levels, PQ/OPQ sub-spaces): seeded k-means++
 * initialisation on a subsample, Lloyd iterations whose distances ||x||^2 - 2 x.c + ||c||^2 come from one gemm
 * per row chunk, empty-cluster repair (re-seed at the worst-fitted point), early stop on small relative centroid
 * shift, optional fitting on a subsample, and optional balancing: a per-code additive bias (the dual variable of
 * a capacity constraint, raised for over-full codes, Sinkhorn-style) that is part of the frozen model, so
 * encoding a training item later reproduces its fitted code exactly.
 */
import type { Rng } from '../core/rng.js';
import { kernels } from '../tensor/kernels/registry.js';

export interface KMeansOptions {
  readonly k: number;
  /** @default 25 */
  readonly maxIter: number;
  /** Stop when sum ||c_new - c_old||^2 / sum ||c||^2 falls below this. @default 1e-4 */
  readonly tol: number;
  /** Points sampled for k-means++ (at least k). @default 32 * k */
  readonly initSample: number;
  /** Points the Lloyd iterations run on; larger inputs are subsampled. @default 262144 */
  readonly fitSample: number;
  /** Balance code usage with learned per-code biases. @default false */
  readonly balance: boolean;
}

export interface KMeansModel {
  readonly k: number;
  readonly dim: number;
  /** (k, dim) centroids. */
  readonly centroids: Float32Array;
  /** (k) additive distance bias; all zero unless balanced. */
  readonly bias: Float32Array;
}

const CHUNK = 2048;

/** Squared norms of the rows of a (rows, dim) matrix. */
export function rowSqNorms(x: Float32Array, rows: number, dim: number, out = new Float32Array(rows)): Float32Array {
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const off = i * dim;
    for (let j = 0; j < dim; j++) s += x[off + j] * x[off + j];
    out[i] = s;
  }
  return out;
}

/**
 * Nearest centroid (by squared distance + bias) of each of `rows` points; writes codes and, when given, the
 * squared distance to the chosen centroid (without bias). Distances via gemm in row chunks.
 */
export function assignNearest(model: KMeansModel, x: Float32Array, rows: number, codes: Int32Array, sqDist?: Float32Array, gap?: Float32Array): void {
  const { k, dim, centroids, bias } = model;
  const cNorm = rowSqNorms(centroids, k, dim);
  for (let c = 0; c < k; c++) cNorm[c] += bias[c];
  const dots = new Float32Array(Math.min(CHUNK, rows) * k); // (chunk, k)
  for (let start = 0; start < rows; start += CHUNK) {
    const m = Math.min(CHUNK, rows - start);
    kernels().gemm({ transA: false, transB: true, m, n: k, k: dim, a: x.subarray(start * dim), b: centroids, c: dots });
    for (let r = 0; r < m; r++) {
      const off = r * k;
      let best = 0;
      let bestVal = Infinity;
      let second = Infinity;
      for (let c = 0; c < k; c++) {
        const v = cNorm[c] - 2 * dots[off + c];
        if (v < bestVal) {
          second = bestVal;
          bestVal = v;
          best = c;
        } else if (v < second) second = v;
      }
      codes[start + r] = best;
      if (gap) gap[start + r] = k > 1 ? second - bestVal : 0;
      if (sqDist) {
        const i = start + r;
        let s = 0;
        for (let j = 0; j < dim; j++) s += x[i * dim + j] * x[i * dim + j];
        sqDist[i] = Math.max(0, s + bestVal - bias[best]);
      }
    }
  }
}

/** `count` distinct indices of [0, n), in ascending order (all of them when count >= n). */
export function sampleIndices(rng: Rng, n: number, count: number): Int32Array {
  if (count >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm.slice(0, count).sort();
}

/** Copy the given rows of x into a new contiguous (idx.length, dim) matrix. */
export function gatherRows(x: Float32Array, dim: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * dim);
  for (let r = 0; r < idx.length; r++) out.set(x.subarray(idx[r] * dim, (idx[r] + 1) * dim), r * dim);
  return out;
}

/** k-means++ (D^2 sampling) over the (n, dim) points; returns (k, dim) centroids. */
export function kmeansPlusPlus(rng: Rng, x: Float32Array, n: number, dim: number, k: number): Float32Array {
  const centroids = new Float32Array(k * dim);
  const d2 = new Float64Array(n).fill(Infinity);
  let next = rng.int(n);
  for (let c = 0; c < k; c++) {
    centroids.set(x.subarray(next * dim, (next + 1) * dim), c * dim);
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      const xi = i * dim;
      const ci = c * dim;
      for (let j = 0; j < dim; j++) {
        const t = x[xi + j] - centroids[ci + j];
        s += t * t;
      }
      if (s < d2[i]) d2[i] = s;
      total += d2[i];
    }
    if (c === k - 1) break;
    if (total <= 0) {
      next = rng.int(n); // fewer distinct points than k: duplicates, repaired as empty clusters later
      continue;
    }
    let target = rng.next() * total;
    next = n - 1;
    for (let i = 0; i < n; i++) {
      target -= d2[i];
      if (target < 0) {
        next = i;
        break;
      }
    }
  }
  return centroids;
}

/** Fit k-means to the (n, dim) points. `init` warm-starts from given centroids (OPQ's alternation). */
export function fitKMeans(rng: Rng, x: Float32Array, n: number, dim: number, options: KMeansOptions, init?: Float32Array): KMeansModel {
  const { k, maxIter, tol, balance } = options;
  const fitIdx = sampleIndices(rng, n, Math.max(options.fitSample, k));
  const xs = fitIdx.length === n ? x : gatherRows(x, dim, fitIdx);
  const ns = fitIdx.length;
  let centroids: Float32Array;
  if (init) centroids = init.slice();
  else {
    const initIdx = sampleIndices(rng, ns, Math.max(options.initSample, k));
    const xi = initIdx.length === ns ? xs : gatherRows(xs, dim, initIdx);
    centroids = kmeansPlusPlus(rng, xi, initIdx.length, dim, k);
  }
  const bias = new Float32Array(k);
  const model: KMeansModel = { k, dim, centroids, bias };
  const codes = new Int32Array(ns);
  const dist = new Float32Array(ns);
  const sums = new Float64Array(k * dim);
  const counts = new Int32Array(k);
  for (let iter = 0; iter < maxIter; iter++) {
    assignNearest(model, xs, ns, codes, dist);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < ns; i++) {
      const c = codes[i];
      counts[c]++;
      const o = c * dim;
      const xi = i * dim;
      for (let j = 0; j < dim; j++) sums[o + j] += xs[xi + j];
    }
    let shift = 0;
    let norm = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      const inv = 1 / counts[c];
      for (let j = 0; j < dim; j++) {
        const v = sums[c * dim + j] * inv;
        const t = v - centroids[c * dim + j];
        shift += t * t;
        norm += v * v;
        centroids[c * dim + j] = v;
      }
    }
    const repaired = repairEmpty(centroids, counts, xs, dim, codes, dist);
    if (repaired === 0 && shift <= tol * Math.max(norm, 1e-30)) break;
  }
  if (balance) balanceBiases(model, xs, ns, codes, dist, counts, BALANCE_ITERS);
  return model;
}

/** Re-seed every empty cluster at the point farthest from its centroid (each point used once). */
function repairEmpty(centroids: Float32Array, counts: Int32Array, x: Float32Array, dim: number, codes: Int32Array, dist: Float32Array): number {
  let empties = 0;
  for (let c = 0; c < counts.length; c++) if (counts[c] === 0) empties++;
  if (empties === 0) return 0;
  const order = Int32Array.from({ length: dist.length }, (_, i) => i).sort((a, b) => dist[b] - dist[a] || a - b);
  let p = 0;
  for (let c = 0; c < counts.length && p < order.length; c++) {
    if (counts[c] !== 0) continue;
    const i = order[p++];
    centroids.set(x.subarray(i * dim, (i + 1) * dim), c * dim);
    counts[c] = 1;
    counts[codes[i]]--;
    codes[i] = c;
    dist[i] = 0;
  }
  return empties;
}

const BALANCE_ITERS = 60;

/**
 * Balanced assignment with the centroids frozen: dual ascent on the capacity constraint count_c <= n/k of the
 * assignment problem. A code used more than n/k times gets its distance raised, an under-used one lowered, by
 * a log-ratio step (as Sinkhorn scaling does) measured in units of the mean margin between a point's best and
 * second-best code and decaying as 1/sqrt(1 + t/4), so the biases settle. The biases stay in the model.
 */
function balanceBiases(model: KMeansModel, x: Float32Array, n: number, codes: Int32Array, dist: Float32Array, counts: Int32Array, iters: number): void {
  const { bias, k } = model;
  const gap = new Float32Array(n);
  const target = n / k;
  let step = 0;
  for (let t = 0; t < iters; t++) {
    assignNearest(model, x, n, codes, dist, gap);
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[codes[i]]++;
    if (t === 0) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += gap[i];
      step = mean / Math.max(n, 1);
    }
    const eta = step / Math.sqrt(1 + t / 4);
    let avg = 0;
    for (let c = 0; c < k; c++) {
      bias[c] += eta * Math.max(-1, Math.min(1, Math.log((counts[c] + 1) / (target + 1))));
      avg += bias[c];
    }
    avg /= k;
    for (let c = 0; c < k; c++) bias[c] -= avg;
  }
}
