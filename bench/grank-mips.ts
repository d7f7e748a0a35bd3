/**
 * GRank retrieval cost at catalogue scale (issue 17, item 3): per-request latency (one user vector at a time, as a
 * server sees them) of exact MIPS (one GEMM + top-k) and usearch HNSW MIPS over N synthetic item vectors, with
 * usearch's recall@k against exact, the index build time and the memory each holds; beside them, RPG's graph
 * decoding (decode/graph.ts, the serving code) over the same N items: m x C per-digit log-probabilities per user,
 * each item's m codes, an item graph of `--graph-k` same-topic neighbours, search --beam/--neighbors/--steps. Item
 * vectors are clustered Gaussians (a few hundred topics), user vectors noisy topic centres, item codes drawn per
 * topic, so neighbourhoods are not uniform noise. Retrieval only: the user encoder (a transformer pass for either
 * model) is not timed.
 * Usage: node dist/bench/grank-mips.js [--items 10000,100000,1000000] [--dim 128] [--queries 200] [--k 200]
 *        [--expansion 256] [--digits 32] [--codes 256] [--graph-k 50] [--beam 20] [--neighbors 50] [--steps 3]
 *        [--json out.json]
 */
import { writeJsonAtomic } from '../src/core/atomic.js';
import { peakRssMiB } from '../src/core/memory.js';
import { Rng } from '../src/core/rng.js';
import { GraphDecoder } from '../src/decode/graph.js';
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
const M = Number(flag('digits') ?? 32);
const C = Number(flag('codes') ?? 256);
const graphK = Number(flag('graph-k') ?? 50);
const search = { beam: Number(flag('beam') ?? 20), neighbors: Number(flag('neighbors') ?? 50), steps: Number(flag('steps') ?? 3), seed: 0 };

/**
 * RPG-like decoding inputs for N items of `topics` topics: each item's m codes (a topic's code per digit, one in
 * four replaced by a random code), `graphK` random same-topic neighbours per item, and per user m x C log-probs
 * peaked on a topic's codes.
 */
function rpgLike(N: number, rng: Rng, topics: number) {
  const topicOf = Int32Array.from({ length: N }, () => rng.int(topics));
  const topicCodes = Int32Array.from({ length: topics * M }, () => rng.int(C));
  const tokens = new Int32Array(N * M);
  for (let i = 0; i < N; i++) for (let d = 0; d < M; d++) tokens[i * M + d] = d * C + (rng.int(4) === 0 ? rng.int(C) : topicCodes[topicOf[i] * M + d]);
  const members: number[][] = Array.from({ length: topics }, () => []);
  topicOf.forEach((t, i) => members[t].push(i));
  const neighbors = new Int32Array(N * graphK);
  for (let i = 0; i < N; i++) {
    const same = members[topicOf[i]];
    for (let j = 0; j < graphK; j++) neighbors[i * graphK + j] = same[rng.int(same.length)];
  }
  const logp = new Float32Array(Q * M * C);
  for (let q = 0; q < Q; q++) {
    const t = rng.int(topics);
    for (let d = 0; d < M; d++) {
      const row = logp.subarray((q * M + d) * C, (q * M + d + 1) * C);
      for (let c = 0; c < C; c++) row[c] = rng.normal();
      row[topicCodes[t * M + d]] += 4;
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let sum = 0;
      for (const v of row) sum += Math.exp(v - max);
      const lse = max + Math.log(sum);
      for (let c = 0; c < C; c++) row[c] -= lse;
    }
  }
  return { tokens, graph: { numItems: N, k: graphK, neighbors }, logp };
}

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
  const rpg = rpgLike(N, rng, topics);
  const decoder = new GraphDecoder(rpg.tokens, M, rpg.graph, search);
  const graphMs: number[] = [];
  let visited = 0;
  for (let q = 0; q < Q; q++) {
    const t = performance.now();
    visited += decoder.search(rpg.logp, q * M * C, q, K).visited;
    graphMs.push(performance.now() - t);
  }
  const g = { p50: quantile(graphMs, 0.5), p99: quantile(graphMs, 0.99) };
  const row = {
    items: N,
    rpgGraph: {
      p50Ms: g.p50,
      p99Ms: g.p99,
      qps: 1000 / g.p50,
      visitedPerQuery: visited / Q,
      graphMiB: rpg.graph.neighbors.byteLength / 2 ** 20,
      tokensMiB: rpg.tokens.byteLength / 2 ** 20,
      search,
    },
    exact: { p50Ms: e.p50, p99Ms: e.p99, qps: 1000 / e.p50, buildSeconds: exact.seconds, vectorsMiB: vectors.byteLength / 2 ** 20 },
    usearch: { p50Ms: a.p50, p99Ms: a.p99, qps: 1000 / a.p50, buildSeconds: approx.seconds, indexRssMiB: approx.heapMiB, recallAtK: hits / (Q * K), expansion },
  };
  rows.push(row);
  process.stdout.write(
    `${N} items: exact p50 ${e.p50.toFixed(2)} ms p99 ${e.p99.toFixed(2)} ms | usearch p50 ${a.p50.toFixed(2)} ms p99 ${a.p99.toFixed(2)} ms, recall@${K} ${(hits / (Q * K)).toFixed(3)}, build ${approx.seconds.toFixed(1)} s, +${approx.heapMiB.toFixed(0)} MiB RSS | rpg graph p50 ${g.p50.toFixed(2)} ms p99 ${g.p99.toFixed(2)} ms, ${(visited / Q).toFixed(0)} items visited\n`,
  );
}
const out = { dim: D, queries: Q, k: K, kernels: describeKernels().chosen.gemm, peakRssMiB: peakRssMiB(), rows };
const json = flag('json');
if (json) writeJsonAtomic(json, out);
process.stdout.write(`peak RSS ${out.peakRssMiB.toFixed(0)} MiB, gemm ${out.kernels}\n`);
