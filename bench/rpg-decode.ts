/**
 * RPG decoding speed (Hou et al., KDD 2025 claim: cost independent of the catalogue size).
 *  model mode:  node dist-rpg/bench/rpg-decode.js model DIR [--users 500] [--batch 64] [--beam b --neighbors k --steps q]
 *    per-user latency p50/p99 and users/s, single requests and batches, graph vs exact, items visited.
 *  scale mode:  node dist-rpg/bench/rpg-decode.js scale [--items 10000,100000,1000000] [--digits 32] [--graph-k 50]
 *    a paper-size model (d 448) over synthetic catalogues: graph build time, decoding latency, memory.
 * Add --json FILE to keep the figures.
 */
import { writeJsonAtomic } from '../src/core/atomic.js';
import { peakRssMiB } from '../src/core/memory.js';
import { Rng } from '../src/core/rng.js';
import { loadDataset, split } from '../src/data/index.js';
import { GraphDecoder, DEFAULT_GRAPH_SEARCH, type GraphSearchConfig } from '../src/decode/graph.js';
import { buildItemGraph } from '../src/decode/item-graph.js';
import { openRpgModel } from '../src/families/rpg/recommender.js';
import { readManifest } from '../src/model/manifest.js';
import { openItemGraph } from '../src/decode/item-graph.js';
import { Rpg } from '../src/model/rpg.js';
import { scoreAll } from '../src/model/rpg-score.js';
import { TopK } from '../src/decode/topk.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback?: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const num = (name: string, fallback: number): number => Number(flag(name, String(fallback)));

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

interface Timing {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly usersPerSecond: number;
  readonly visitedPerUser?: number;
}

/** Decode `histories` one request at a time and in batches; graph or exact. */
function timeDecoding(model: Rpg, histories: Int32Array[], decoder: GraphDecoder | null, batch: number, topK = 10): { single: Timing; batched: Timing } {
  const mc = model.digits * model.codebookSize;
  const exactTop = new TopK(topK);
  const out = new Int32Array(topK);
  const run = (hs: Int32Array[], first: number): number => {
    const logp = model.logProbs(hs);
    let visited = 0;
    for (let b = 0; b < hs.length; b++) {
      if (decoder) visited += decoder.search(logp, b * mc, first + b, topK).visited;
      else {
        const scores = scoreAll(logp.subarray(b * mc, (b + 1) * mc), 1, model.itemTokens, model.digits, model.codebookSize, model.numItems);
        exactTop.reset();
        for (let i = 0; i < scores.length; i++) exactTop.push(i, scores[i]);
        exactTop.sortedInto(out);
        visited += model.numItems;
      }
    }
    return visited;
  };
  run(histories.slice(0, 4), 0); // warm-up
  const single: number[] = [];
  let visited = 0;
  let t0 = performance.now();
  histories.forEach((h, u) => {
    const s = performance.now();
    visited += run([h], u);
    single.push(performance.now() - s);
  });
  const singleSecs = (performance.now() - t0) / 1000;
  const perUser: number[] = [];
  t0 = performance.now();
  for (let start = 0; start < histories.length; start += batch) {
    const hs = histories.slice(start, start + batch);
    const s = performance.now();
    run(hs, start);
    perUser.push((performance.now() - s) / hs.length);
  }
  const batchSecs = (performance.now() - t0) / 1000;
  const n = histories.length;
  return {
    single: { p50Ms: percentile(single, 50), p99Ms: percentile(single, 99), usersPerSecond: n / singleSecs, visitedPerUser: visited / n },
    batched: { p50Ms: percentile(perUser, 50), p99Ms: percentile(perUser, 99), usersPerSecond: n / batchSecs },
  };
}

function searchConfig(recorded: Partial<GraphSearchConfig>): GraphSearchConfig {
  return {
    ...DEFAULT_GRAPH_SEARCH,
    ...recorded,
    ...(flag('beam') ? { beam: num('beam', 50) } : {}),
    ...(flag('neighbors') ? { neighbors: num('neighbors', 50) } : {}),
    ...(flag('steps') ? { steps: num('steps', 3) } : {}),
  };
}

async function modelMode(dir: string): Promise<Record<string, unknown>> {
  const manifest = readManifest(dir);
  const itemGraph = openItemGraph(dir);
  if (manifest.kind !== 'rpg' || !itemGraph) throw new Error(`${dir} is not a finished RPG model directory`);
  const loaded = { manifest, model: openRpgModel(dir, manifest) };
  const sp = split(loadDataset(loaded.manifest.dataDir), { historyCap: 50 });
  const users = num('users', 500);
  const histories = sp.test.slice(0, users).map((q) => q.history);
  const search = searchConfig((loaded.manifest.rpg?.decode ?? {}) as Partial<GraphSearchConfig>);
  const decoder = new GraphDecoder(loaded.model.itemTokens, loaded.model.digits, itemGraph, search);
  const batch = num('batch', 64);
  const graph = timeDecoding(loaded.model, histories, decoder, batch);
  const exact = timeDecoding(loaded.model, histories, null, batch);
  return { dir, items: loaded.model.numItems, users: histories.length, batch, search, graph, exact, peakRssMiB: peakRssMiB() };
}

async function scaleMode(): Promise<Record<string, unknown>[]> {
  const sizes = (flag('items', '10000,100000,1000000') as string).split(',').map(Number);
  const digits = num('digits', 32);
  const graphK = num('graph-k', 50);
  const search = searchConfig({ neighbors: Math.min(graphK, DEFAULT_GRAPH_SEARCH.neighbors) });
  const rows: Record<string, unknown>[] = [];
  for (const N of sizes) {
    const rng = new Rng(N);
    // Clustered synthetic codes: items of one of N/50 prototypes share most digits, like real SIDs.
    const protos = Math.max(1, Math.floor(N / 50));
    const protoCodes = Int32Array.from({ length: protos * digits }, () => rng.int(256));
    const codes = new Int32Array(N * digits);
    for (let i = 0; i < N; i++) {
      const p = rng.int(protos);
      for (let d = 0; d < digits; d++) codes[i * digits + d] = rng.next() < 0.75 ? protoCodes[p * digits + d] : rng.int(256);
    }
    const model = new Rpg({ numItems: N, digits, codebookSize: 256, codes }, {}, 1);
    const before = process.memoryUsage().rss;
    const graph = await buildItemGraph(model, { k: graphK, threads: num('threads', 2) });
    const graphMiB = (process.memoryUsage().rss - before) / 2 ** 20;
    const histories = Array.from({ length: num('users', 200) }, () => Int32Array.from({ length: 1 + rng.int(20) }, () => rng.int(N)));
    const decoder = new GraphDecoder(model.itemTokens, digits, graph, search);
    const timing = timeDecoding(model, histories, decoder, num('batch', 64));
    const row = {
      items: N,
      digits,
      graphK,
      graphMethod: graph.method,
      graphBuildSeconds: graph.buildSeconds,
      graphBytes: graph.neighbors.byteLength,
      rssDeltaMiB: graphMiB,
      search,
      ...timing,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
      peakRssMiB: peakRssMiB(),
    };
    console.log(JSON.stringify(row));
    rows.push(row);
  }
  return rows;
}

const mode = args[0];
const result = mode === 'model' ? await modelMode(args[1]) : mode === 'scale' ? await scaleMode() : null;
if (result === null) {
  console.error('usage: rpg-decode.js model DIR [...] | scale [...]');
  process.exitCode = 2;
} else {
  console.log(JSON.stringify(result, null, 2));
  const json = flag('json');
  if (json) writeJsonAtomic(json, result);
}
