/**
 * The browser ranking module (src/browser/local-ranker.ts) without a browser: onnxruntime-web's WebAssembly runtime
 * in Node, the export read through a fetch over its directory. It must give the server's top 10 (history excluded)
 * for SASRec, RPG exact scoring, TIGER / Gryphon beam search (the export's encoder and decoder step, the
 * server's beam search in TypeScript), GRank (its generator's candidates re-scored by its ranker, in TypeScript) and
 * the Markov chain, and close to it with RPG's graph decoding (the runtime's log-probabilities differ
 * from the engine's in the last float bits, so the graph walk may visit other items). The Chromium test
 * (test/serve/browser-local.test.ts) runs the same module bundled, in the explorer page. An exported transition
 * prior is added as the server adds it (RPG scoring every item with it, as served).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLocalRanker, type OrtModule } from '../../src/browser/index.js';
import { familyOf } from '../../src/families/index.js';
import { parseFeatureSpec } from '../../src/features/dataset.js';
import { readServingItems } from '../../src/model/bundle.js';
import { readManifest } from '../../src/model/manifest.js';
import { ortWebDist } from '../../src/serve/routes-export.js';
import { tokenizeDataset } from '../../src/tokenize/index.js';
import { generateSynthetic, split as leaveOneOut, syntheticDataset, type LeaveOneOutSplit } from '../../src/data/index.js';
import { fitBigram } from '../../src/model/baselines.js';
import { saveTransitions } from '../../src/model/transitions.js';
import { rpgFixtureData, SYNTH, tempDir, tinyGRankDir, tinyMarkovDir, tinyRpgDir, tinySasRecDir, tinySidGenerativeDir } from '../serve/helpers.js';

const skip = ortWebDist() === undefined ? 'onnxruntime-web not installed' : false;

for (const kind of ['sasrec', 'rpg', 'tiger', 'gryphon', 'grank', 'markov'] as const) {
  test(`the browser module ranks as the server does, in Node (${kind}, 12 histories, top 10)`, { skip, timeout: 120_000 }, async () => {
    let dir: string;
    if (kind === 'sasrec') dir = await tinySasRecDir(6);
    else if (kind === 'tiger' || kind === 'gryphon') dir = await tinySidGenerativeDir(kind);
    else if (kind === 'grank') dir = await tinyGRankDir();
    else if (kind === 'markov') dir = await tinyMarkovDir();
    else {
      const root = tempDir('rpg-module');
      const data = rpgFixtureData(root);
      const sids = tokenizeDataset(data.ds, data.sp, parseFeatureSpec('attributes'), { kind: 'opq', subspaces: 4, codebookSize: 16 }, 0);
      dir = await tinyRpgDir(root, data, sids, { dim: 16, ffn: 32 }, 2);
    }
    const manifest = readManifest(dir);
    const items = readServingItems(dir, manifest);
    const exportDir = join(tempDir('module-export'), 'onnx');
    await familyOf(kind).export!(dir, manifest, { items, log: () => {} }, exportDir);
    const ranker = await openExport(exportDir);
    if (kind === 'grank')
      assert.ok((ranker.description.grank?.rankerWeight ?? 0) > 0 && ranker.description.grank?.counts, 'the ranker and its counts take part');
    const context = { items, log: () => {} };
    const served = familyOf(kind).recommender(dir, manifest, context, {});
    const graph = kind === 'rpg' ? familyOf(kind).recommender(dir, manifest, context, { decode: 'graph' }) : undefined;
    let overlap = 0;
    for (let r = 0; r < 12; r++) {
      const history = Array.from({ length: 1 + (r % 5) }, (_, t) => (r * 29 + t * 13) % items.itemIds.length);
      const ids = history.map((i) => items.itemIds[i]);
      const exclude = new Set(history);
      const local = await ranker.rank(ids, 10);
      const [server] = served.recommend([{ history, k: 10, exclude }]);
      assert.deepEqual(
        local.items.map((i) => i.id),
        server.map((s) => items.itemIds[s.item]),
        `history ${r}: exact`,
      );
      assert.ok(
        local.items.every((i) => !ids.includes(i.id)),
        'the history is left out',
      );
      if (graph) {
        const decoded = await ranker.rank(ids, 10, { decode: 'graph' });
        assert.ok((decoded.visited ?? 0) > 0 && decoded.items.length === 10);
        const [g] = graph.recommend([{ history, k: 10, exclude }]);
        const want = new Set(g.map((s) => items.itemIds[s.item]));
        overlap += decoded.items.filter((i) => want.has(i.id)).length / 10 / 12;
      }
    }
    if (graph) assert.ok(overlap >= 0.8, `graph decoding: module vs server top-10 overlap ${overlap}`);
  });
}

for (const kind of ['sasrec', 'rpg'] as const) {
  test(`the browser module adds an exported transition prior as the server does (${kind}; off: the model alone)`, { skip, timeout: 120_000 }, async () => {
    let dir: string;
    let split: LeaveOneOutSplit;
    if (kind === 'sasrec') {
      dir = await tinySasRecDir(7);
      split = leaveOneOut(syntheticDataset(generateSynthetic(SYNTH)), { historyCap: 20 });
    } else {
      const root = tempDir('rpg-prior');
      const data = rpgFixtureData(root);
      const sids = tokenizeDataset(data.ds, data.sp, parseFeatureSpec('attributes'), { kind: 'opq', subspaces: 4, codebookSize: 16 }, 0);
      dir = await tinyRpgDir(root, data, sids, { dim: 16, ffn: 32 }, 2);
      split = data.sp;
    }
    const manifest = readManifest(dir);
    const report = { weights: [0, 3], valid: [0, 0], metric: 'ndcg@10', data: 'test' };
    saveTransitions(dir, { numItems: manifest.numItems, table: fitBigram(split), weight: 3, reach: { window: 3, decay: 0.5 }, report });
    const items = readServingItems(dir, manifest);
    const exportDir = join(tempDir('prior-export'), 'onnx');
    const result = await familyOf(kind).export!(dir, manifest, { items, log: () => {} }, exportDir);
    assert.equal(result.transitions?.weight, 3);
    assert.deepEqual([result.transitions?.window, result.transitions?.decay], [3, 0.5]);
    const ranker = await openExport(exportDir);
    const context = { items, log: () => {} };
    const served = familyOf(kind).recommender(dir, manifest, context, {});
    const alone = familyOf(kind).recommender(dir, manifest, context, { transitions: 'off' });
    let moved = 0;
    for (let r = 0; r < 12; r++) {
      const history = Array.from({ length: 1 + (r % 4) }, (_, t) => split.train[(r * 7 + t) % split.train.length].items[t % 2]);
      const ids = history.map((i) => items.itemIds[i]);
      const exclude = new Set(history);
      const ranked = (list: readonly { item: number }[]) => list.map((s) => items.itemIds[s.item]);
      const local = await ranker.rank(ids, 10, { decode: 'graph' }); // the prior makes RPG score every item, as served
      const [server] = served.recommend([{ history, k: 10, exclude }]);
      assert.deepEqual(
        local.items.map((i) => i.id),
        ranked(server),
        `history ${r}: with the prior`,
      );
      assert.equal(local.transitionWeight, 3);
      const off = await ranker.rank(ids, 10, { transitions: 'off' });
      const [plain] = alone.recommend([{ history, k: 10, exclude }]);
      assert.deepEqual(
        off.items.map((i) => i.id),
        ranked(plain),
        `history ${r}: the model alone`,
      );
      if (ranked(server).join() !== ranked(plain).join()) moved++;
    }
    assert.ok(moved > 0, 'the prior changed some ranking (the test would pass without it otherwise)');
  });
}

/** An export directory opened by the browser module in Node (onnxruntime-web's WebAssembly runtime, one thread). */
async function openExport(exportDir: string) {
  const ort = (await import('onnxruntime-web')) as unknown as OrtModule & { env: { wasm: { numThreads: number } } };
  ort.env.wasm.numThreads = 1;
  const base = 'export://';
  const fetchFile = async (url: string): Promise<Response> => new Response(readFileSync(join(exportDir, url.slice(base.length))));
  return openLocalRanker(ort, base, { fetch: fetchFile, sessionOptions: {} });
}
