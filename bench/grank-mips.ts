/**
 * GRank retrieval cost at catalogue scale (issue 17, item 3): per-request latency (one user vector at a time, as a
 * server sees them) of exact MIPS (one GEMM + top-k) and usearch HNSW MIPS over N synthetic item vectors, with
 * usearch's recall@k against exact, the index build time and the memory each holds. Item vectors are clustered
 * Gaussians (a few hundred topics), user vectors noisy topic centres, so the neighbourhoods are not uniform noise.
 * Usage: node dist/bench/grank-mips.js [--items 10000,100000,1000000] [--dim 128] [--queries 200] [--k 200]
 *        [--expansion 256] [--json out.json]
 */
import { writeJsonAtomic } from '../src/core/atomic.js';
import { peakRssMiB } from '../src/core/memory.js';
import { Rng } from '../src/core/rng.js';
import { exactMips, usearchMips, type Mips } from '../src/families/grank/mips.js';
import { describeKernels } from '../src/tensor/index.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizes = (flag('items') ?? '10000,100000,1000000').split(',').map(Number);
const D = Number(flag('dim') ?? 128);
const Q = Number(flag('queries') ?? 200);
const K = Number(flag('k') ?? 200);
const expansion = Number(flag('expansion') ?? 256);

function clustered(n: number, rng: Rng, centres: Float32Array, topics: number, noise: number, padRow: boolean): Float32Array {
  const off = padRow ? D : 0;
  const out = new Float32Array(off + n * D);
  for (let i = 0; i < n; i++) {
    const t = rng.int(topics);
    for (let d = 0; d < D; d++) out[off + i * D + d] = centres[t * D + d] + noise * rng.normal();
  }
  return out;
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

const rows: Record<string, unknown>[] = [];
for (const N of sizes) {
  const rng = new Rng(N);
  const topics = 300;
  const centres = Float32Array.from({ length: topics * D }, () => rng.normal() / Math.sqrt(D));
  const vectors = clustered(N, rng, centres, topics, 0.5 / Math.sqrt(D), true);
  const users = clustered(Q, rng, centres, topics, 1 / Math.sqrt(D), false);
  const build = (make: () => Mips): { mips: Mips; seconds: number; heapMiB: number } => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    const t = performance.now();
    const mips = make();
    return { mips, seconds: (performance.now() - t) / 1000, heapMiB: (process.memoryUsage().rss - before) / 2 ** 20 };
  };
  const exact = build(() => exactMips(vectors, N, D));
  const approx = build(() => usearchMips(vectors, N, D, expansion));
  const time = (mips: Mips): { p50: number; p99: number; results: Int32Array[] } => {
    const ms: number[] = [];
    const results: Int32Array[] = [];
    for (let q = 0; q < Q; q++) {
      const t = performance.now();
      const [found] = mips.search(users.subarray(q * D, (q + 1) * D), 1, K);
      ms.push(performance.now() - t);
      results.push(found.items);
    }
    return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), results };
  };
  const e = time(exact.mips);
  const a = time(approx.mips);
  let hits = 0;
  for (let q = 0; q < Q; q++) {
    const want = new Set(e.results[q]);
    hits += Array.from(a.results[q]).filter((i) => want.has(i)).length;
  }
  const row = {
    items: N,
    exact: { p50Ms: e.p50, p99Ms: e.p99, qps: 1000 / e.p50, buildSeconds: exact.seconds, vectorsMiB: vectors.byteLength / 2 ** 20 },
    usearch: { p50Ms: a.p50, p99Ms: a.p99, qps: 1000 / a.p50, buildSeconds: approx.seconds, indexRssMiB: approx.heapMiB, recallAtK: hits / (Q * K), expansion },
  };
  rows.push(row);
  process.stdout.write(
    `${N} items: exact p50 ${e.p50.toFixed(2)} ms p99 ${e.p99.toFixed(2)} ms | usearch p50 ${a.p50.toFixed(2)} ms p99 ${a.p99.toFixed(2)} ms, recall@${K} ${(hits / (Q * K)).toFixed(3)}, build ${approx.seconds.toFixed(1)} s, +${approx.heapMiB.toFixed(0)} MiB RSS\n`,
  );
}
const out = { dim: D, queries: Q, k: K, kernels: describeKernels().chosen.gemm, peakRssMiB: peakRssMiB(), rows };
const json = flag('json');
if (json) writeJsonAtomic(json, out);
process.stdout.write(`peak RSS ${out.peakRssMiB.toFixed(0)} MiB, gemm ${out.kernels}\n`);
