/**
 * Per-user decoding latency (one request at a time, as a server sees them) of TIGER's trie-constrained beam
 * search, Gryphon (beam search + resolve + item-level re-scoring, one encoder pass) and RPG's graph-constrained
 * decoding, on the same test users in the same process. Requests are interleaved (user u through every model
 * before user u + 1) so load changes on a shared machine hit all models alike. Reports p50 / p99 / mean ms.
 * Usage: node dist/bench/decode-latency.js --data DIR --tiger DIR --gryphon DIR [--rpg DIR] [--users 300]
 *        [--tiger-beam 20] [--gryphon-beam 50] [--k 10] [--json out.json]
 * Without a trained RPG directory, `--rpg-codes sids.safetensors` times RPG graph decoding on an UNTRAINED RPG
 * of the dataset's shape (its OPQ codes, default architecture, item graph built here with usearch): the cost
 * depends on b, k, q, m and the model size, not on the weights, but its recommendations are meaningless.
 */
import { writeJsonAtomic } from '../src/core/atomic.js';
import { peakRssMiB } from '../src/core/memory.js';
import { Rng } from '../src/core/rng.js';
import { loadDataset, split, type EvalQuery } from '../src/data/index.js';
import { GryphonRecommender, TigerRecommender } from '../src/decode/beam-tiger.js';
import { graphScorer, DEFAULT_GRAPH_SEARCH, type GraphSearchConfig } from '../src/decode/graph.js';
import { buildItemGraph } from '../src/decode/item-graph.js';
import { Gryphon } from '../src/model/gryphon.js';
import { Rpg } from '../src/model/rpg.js';
import { loadItemCodes } from '../src/model/rpg-io.js';
import { openRpgModel } from '../src/families/rpg/recommender.js';
import { openItemGraph } from '../src/decode/item-graph.js';
import { readManifest } from '../src/model/manifest.js';
import { Tiger } from '../src/model/tiger.js';
import { openSidModel } from '../src/families/tiger/open.js';
import { describeKernels } from '../src/tensor/index.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const dataDir = flag('data');
if (!dataDir) throw new Error('--data DIR is required');
const users = Number(flag('users') ?? 300);
const k = Number(flag('k') ?? 10);

type Decoder = (q: EvalQuery) => unknown;
const decoders: { name: string; run: Decoder }[] = [];

const tigerDir = flag('tiger');
if (tigerDir) {
  const t = openSidModel(tigerDir, readManifest(tigerDir));
  const beam = Number(flag('tiger-beam') ?? 20);
  if (!(t.model instanceof Tiger)) throw new Error(`${tigerDir} is not a TIGER model`);
  const rec = new TigerRecommender(t.model, t.table, { beamWidth: beam });
  decoders.push({ name: `tiger beam ${beam}`, run: (q) => rec.recommend([q], k) });
}
const gryphonDir = flag('gryphon');
if (gryphonDir) {
  const g = openSidModel(gryphonDir, readManifest(gryphonDir));
  const beam = Number(flag('gryphon-beam') ?? 50);
  if (!(g.model instanceof Gryphon)) throw new Error(`${gryphonDir} is not a Gryphon model`);
  const rec = new GryphonRecommender(g.model, g.table, { beamWidth: beam });
  decoders.push({ name: `gryphon beam ${beam} + rescore`, run: (q) => rec.rank([q], k) });
}
const rpgDir = flag('rpg');
if (rpgDir) {
  const manifest = readManifest(rpgDir);
  const graph = openItemGraph(rpgDir);
  if (manifest.kind !== 'rpg' || !graph) throw new Error(`${rpgDir} is not a finished RPG model directory`);
  const search: GraphSearchConfig = { ...DEFAULT_GRAPH_SEARCH, ...((manifest.rpg?.decode ?? {}) as Partial<GraphSearchConfig>) };
  const { scorer } = graphScorer(openRpgModel(rpgDir, manifest), graph, search);
  if (scorer.kind !== 'topk') throw new Error('graph scorer is not top-k');
  decoders.push({ name: `rpg graph b${search.beam}/k${search.neighbors}/q${search.steps}`, run: (q) => scorer.topK([q], k) });
}
const rpgCodes = flag('rpg-codes');
if (rpgCodes) {
  const model = new Rpg(loadItemCodes(rpgCodes), {}, 0);
  const search: GraphSearchConfig = {
    ...DEFAULT_GRAPH_SEARCH,
    beam: Number(flag('rpg-beam') ?? DEFAULT_GRAPH_SEARCH.beam),
    neighbors: Number(flag('rpg-neighbors') ?? DEFAULT_GRAPH_SEARCH.neighbors),
    steps: Number(flag('rpg-steps') ?? DEFAULT_GRAPH_SEARCH.steps),
  };
  const graph = await buildItemGraph(model, { k: search.neighbors, method: 'usearch' });
  const { scorer } = graphScorer(model, graph, search);
  if (scorer.kind !== 'topk') throw new Error('graph scorer is not top-k');
  decoders.push({ name: `rpg graph b${search.beam}/k${search.neighbors}/q${search.steps} (untrained)`, run: (q) => scorer.topK([q], k) });
}
if (decoders.length === 0) throw new Error('name at least one of --tiger, --gryphon, --rpg');

const sp = split(loadDataset(dataDir), { historyCap: 50 });
const order = new Rng(7).shuffle(Array.from(sp.test.keys())).slice(0, users);
const queries: EvalQuery[] = order.map((i) => ({ user: sp.test[i].user, history: sp.test[i].history }));
for (const q of queries.slice(0, 5)) for (const d of decoders) d.run(q); // warm-up
const times = decoders.map(() => new Float64Array(queries.length));
queries.forEach((q, u) => {
  decoders.forEach((d, j) => {
    const t0 = performance.now();
    d.run(q);
    times[j][u] = performance.now() - t0;
  });
});
const pct = (xs: Float64Array, p: number): number => {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const rows = decoders.map((d, j) => ({
  model: d.name,
  p50: pct(times[j], 0.5),
  p99: pct(times[j], 0.99),
  mean: times[j].reduce((a, b) => a + b, 0) / queries.length,
}));
process.stdout.write(`kernels: ${JSON.stringify(describeKernels().chosen.gemm)}; ${queries.length} test users, one request at a time, interleaved\n`);
process.stdout.write(`${'decoder'.padEnd(34)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'mean ms'.padStart(10)}\n`);
for (const r of rows)
  process.stdout.write(`${r.model.padEnd(34)}${r.p50.toFixed(2).padStart(10)}${r.p99.toFixed(2).padStart(10)}${r.mean.toFixed(2).padStart(10)}\n`);
process.stdout.write(`peak RSS ${peakRssMiB().toFixed(0)} MiB\n`);
const out = flag('json');
if (out) writeJsonAtomic(out, { users: queries.length, k, rows, peakRssMiB: peakRssMiB() });
