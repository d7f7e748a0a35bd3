import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { GraphDecoder } from '../../src/decode/graph.js';
import { buildItemGraph, codeCosines, itemSimilarity, loadItemGraph, saveItemGraph, type CodeEmbeddings } from '../../src/decode/item-graph.js';
import { TopK } from '../../src/decode/topk.js';
import { scoreAll } from '../../src/model/rpg-score.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Random codes and code embeddings, shaped like a trained RPG's. */
function fakeModel(N: number, m: number, C: number, D: number, seed: number): CodeEmbeddings & { codes: Int32Array } {
  const rng = new Rng(seed);
  const codes = Int32Array.from({ length: N * m }, () => rng.int(C));
  const itemTokens = Int32Array.from(codes, (c, i) => (i % m) * C + c);
  const f32 = Float32Array.from({ length: m * C * D }, () => rng.normal());
  return { numItems: N, digits: m, codebookSize: C, itemTokens, codeTable: { f32, shape: [m * C, D] }, codes };
}

function randomLogp(B: number, m: number, C: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(B * m * C);
  for (let r = 0; r < B * m; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) {
      out[r * C + c] = 2 * rng.normal();
      s += Math.exp(out[r * C + c]);
    }
    for (let c = 0; c < C; c++) out[r * C + c] -= Math.log(s);
  }
  return out;
}

test('TopK keeps the k best (ties: smaller index) in order', () => {
  const rng = new Rng(1);
  const vals = Array.from({ length: 500 }, () => Math.round(rng.normal() * 5));
  const top = new TopK(17);
  vals.forEach((v, i) => top.push(i, v));
  const got = new Int32Array(17);
  top.sortedInto(got);
  const want = vals
    .map((v, i) => [v, i])
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, 17)
    .map((x) => x[1]);
  assert.deepEqual([...got], want);
});

test('exact item graph: neighbours are the k items of highest mean per-digit code cosine', async () => {
  const model = fakeModel(60, 4, 8, 6, 2);
  const graph = await buildItemGraph(model, { k: 5, method: 'exact' });
  const cos = codeCosines(model);
  for (const i of [0, 17, 59]) {
    const sims = Array.from({ length: 60 }, (_, j) => [itemSimilarity(cos, model.itemTokens, 4, 8, i, j), j]).filter(([, j]) => j !== i);
    sims.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const got = [...graph.neighbors.subarray(i * 5, i * 5 + 5)];
    for (let r = 0; r < 5; r++) assert.ok(Math.abs(sims[r][0] - itemSimilarity(cos, model.itemTokens, 4, 8, i, got[r])) < 1e-5, `item ${i} rank ${r}`);
  }
  // brute-force mean cosine agrees with the table look-up
  const E = model.codeTable.f32;
  const D = 6;
  let s = 0;
  for (let d = 0; d < 4; d++) {
    const a = model.itemTokens[3 * 4 + d] * D;
    const b = model.itemTokens[8 * 4 + d] * D;
    let dot = 0,
      na = 0,
      nb = 0;
    for (let j = 0; j < D; j++) {
      dot += E[a + j] * E[b + j];
      na += E[a + j] ** 2;
      nb += E[b + j] ** 2;
    }
    s += dot / Math.sqrt(na * nb);
  }
  assert.ok(Math.abs(s / 4 - itemSimilarity(cos, model.itemTokens, 4, 8, 3, 8)) < 1e-5);
  const path = join(mkdtempSync(join(tmpdir(), 'sidrec-graph-')), 'graph.safetensors');
  saveItemGraph(path, graph);
  assert.deepEqual(loadItemGraph(path).neighbors, graph.neighbors);
});

test('usearch item graph agrees with the exact one on a small catalogue', async () => {
  // Clustered items: 30 prototypes, each item copies its prototype's codes except one digit.
  const N = 600,
    m = 8,
    C = 16;
  const base = fakeModel(N, m, C, 12, 4);
  const rng = new Rng(5);
  const tokens = new Int32Array(N * m);
  for (let i = 0; i < N; i++) {
    const proto = i % 30;
    for (let d = 0; d < m; d++) tokens[i * m + d] = base.itemTokens[proto * m + d];
    const d = rng.int(m);
    tokens[i * m + d] = d * C + rng.int(C);
  }
  const model = { ...base, itemTokens: tokens };
  const k = 10;
  const exact = await buildItemGraph(model, { k, method: 'exact' });
  const approx = await buildItemGraph(model, { k, method: 'usearch', projectionDim: 64, threads: 1 });
  assert.equal(approx.method, 'usearch');
  const cos = codeCosines(model);
  // Compare by similarity of the k-th neighbour (ties make index sets ambiguous): approximate recall of the
  // exact k-th-best similarity level.
  let hit = 0;
  for (let i = 0; i < N; i++) {
    const kth = itemSimilarity(cos, tokens, m, C, i, exact.neighbors[i * k + k - 1]);
    for (let r = 0; r < k; r++) if (itemSimilarity(cos, tokens, m, C, i, approx.neighbors[i * k + r]) >= kth - 1e-6) hit++;
  }
  assert.ok(hit / (N * k) > 0.9, `usearch recall ${hit / (N * k)}`);
});

test('graph decoding equals exact top-k when beam x neighbours covers the catalogue', async () => {
  const N = 80,
    m = 4,
    C = 8;
  const model = fakeModel(N, m, C, 6, 7);
  const graph = await buildItemGraph(model, { k: 79, method: 'exact' });
  const decoder = new GraphDecoder(model.itemTokens, m, graph, { beam: 10, neighbors: 79, steps: 1 });
  const B = 5;
  const logp = randomLogp(B, m, C, 8);
  const scores = scoreAll(logp, B, model.itemTokens, m, C, N);
  for (let b = 0; b < B; b++) {
    const res = decoder.search(logp, b * m * C, b, 20);
    const want = Array.from({ length: N }, (_, i) => i)
      .sort((x, y) => scores[b * N + y] - scores[b * N + x] || x - y)
      .slice(0, 20);
    assert.deepEqual([...res.items], want);
    assert.equal(res.visited, N);
  }
  // A narrow search visits fewer items and returns only scored ones, best first.
  const narrow = new GraphDecoder(model.itemTokens, m, graph, { beam: 2, neighbors: 3, steps: 2 });
  const res = narrow.search(logp, 0, 0, 20);
  assert.ok(res.visited <= 2 + 2 * 2 * 3 && res.visited >= 2);
  for (let r = 1; r < res.items.length; r++) assert.ok(res.scores[r - 1] >= res.scores[r]);
});
