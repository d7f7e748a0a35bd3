/**
 * Ranking in the browser (issue 19): a model exported with `sidrec export`, served with its export, runs in
 * headless Chromium through onnxruntime-web (WebAssembly, one thread) and ranks 20 fixed histories exactly as the
 * server does (the same top 10, in order), for SASRec, RPG (exact scoring) and TIGER (the encoder and decoder step
 * in the page, the server's beam search in TypeScript), and with an exported transition prior. Skipped, saying why, when Chromium or onnxruntime-web is absent and
 * SIDREC_REQUIRE_BROWSER is not set (CI sets it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { GraphDecoder } from '../../src/decode/graph.js';
import { openItemGraph } from '../../src/decode/item-graph.js';
import { familyOf } from '../../src/families/index.js';
import { openRpgModel, recordedGraphSearch } from '../../src/families/rpg/recommender.js';
import { readServingItems } from '../../src/model/bundle.js';
import { readManifest } from '../../src/model/manifest.js';
import { buildServer } from '../../src/serve/app.js';
import type { Page } from 'playwright-core';
import { missingBrowser, withExplorer } from './chromium.js';
import { ortWebDist } from '../../src/serve/routes-export.js';
import { parseFeatureSpec } from '../../src/features/dataset.js';
import { tokenizeDataset } from '../../src/tokenize/index.js';
import { generateSynthetic, split as leaveOneOut, syntheticDataset } from '../../src/data/index.js';
import { fitBigram } from '../../src/model/baselines.js';
import { saveTransitions } from '../../src/model/transitions.js';
import { rpgFixtureData, SYNTH, tempDir, tinyGRankDir, tinyRpgDir, tinySasRecDir, tinySidGenerativeDir } from './helpers.js';

const missing = missingBrowser(ortWebDist() === undefined ? 'onnxruntime-web not installed' : '');

/** Each history's top 10 (item ids) from the page's own ranking module (window.sidrecLocal). */
async function rankInPage(page: Page, histories: readonly string[][]): Promise<string[][]> {
  return (await page.evaluate(async (hs) => {
    const w = globalThis as unknown as { sidrecLocal: { rank: (h: string[], k: number) => Promise<{ items: { id: string }[] }> } };
    const out: string[][] = [];
    for (const h of hs) out.push((await w.sidrecLocal.rank(h, 10)).items.map((i) => i.id));
    return out;
  }, histories)) as string[][];
}

async function rpgDir(): Promise<string> {
  const root = tempDir('rpg-local');
  const data = rpgFixtureData(root);
  const sids = tokenizeDataset(data.ds, data.sp, parseFeatureSpec('attributes'), { kind: 'opq', subspaces: 4, codebookSize: 16 }, 0);
  return tinyRpgDir(root, data, sids, { dim: 16, ffn: 32 }, 2);
}

for (const kind of ['sasrec', 'rpg', 'tiger', 'grank'] as const) {
  test(`the explorer ranks in the browser exactly as the server does (${kind}, 20 histories, top 10)`, {
    skip: missing || false,
    timeout: 180_000,
  }, async () => {
    const dir =
      kind === 'sasrec'
        ? await tinySasRecDir(5)
        : kind === 'rpg'
          ? await rpgDir()
          : kind === 'grank'
            ? await tinyGRankDir()
            : await tinySidGenerativeDir('tiger');
    const manifest = readManifest(dir);
    const items = readServingItems(dir, manifest);
    const exportDir = join(tempDir('export'), 'onnx');
    await familyOf(kind).export!(dir, manifest, { items, log: () => {} }, exportDir);
    const app = await buildServer({ modelDir: dir, exportDir });
    await withExplorer(app, async (page, pageErrors) => {
      await page.locator('#local').waitFor({ state: 'visible' });
      const histories = Array.from({ length: 20 }, (_, r) =>
        Array.from({ length: 1 + (r % 7) }, (_, t) => items.itemIds[(r * 37 + t * 11) % items.itemIds.length]),
      );
      const local = await rankInPage(page, histories);
      for (const [r, history] of histories.entries()) {
        const server = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history, k: 10 } })).json();
        assert.deepEqual(
          local[r],
          server.items.map((i: { id: string }) => i.id),
          `history ${r}`,
        );
      }
      if (kind === 'rpg') {
        // Graph-constrained decoding in the page (the exported item graph, the ported search). The port is checked on
        // the page's own log-probs: the engine's GraphDecoder given them returns the same top 10, in order. Against
        // the server end to end, near-ties may fall apart (onnxruntime-web and the engine round differently), so there
        // most of each top 10 must agree.
        const graphLocal = (await page.evaluate(async (hs) => {
          const w = globalThis as unknown as {
            sidrecLocal: { rank: (h: string[], k: number, decode: string) => Promise<{ items: { id: string }[]; logp: Float32Array }> };
          };
          const out: { ids: string[]; logp: number[] }[] = [];
          for (const h of hs) {
            const r = await w.sidrecLocal.rank(h, 10, 'graph');
            out.push({ ids: r.items.map((i) => i.id), logp: Array.from(r.logp) });
          }
          return out;
        }, histories)) as { ids: string[]; logp: number[] }[];
        const model = openRpgModel(dir, manifest);
        const decoder = new GraphDecoder(model.itemTokens, model.digits, openItemGraph(dir)!, recordedGraphSearch(manifest));
        const served = familyOf('rpg').recommender(dir, manifest, { items, log: () => {} }, { decode: 'graph' });
        const index = new Map(items.itemIds.map((id, i) => [id, i]));
        let overlap = 0;
        for (const [r, history] of histories.entries()) {
          const h = history.map((id) => index.get(id)!);
          const exclude = new Set(h);
          const found = decoder.search(Float32Array.from(graphLocal[r].logp), 0, 0, 10 + exclude.size);
          const same = Array.from(found.items)
            .filter((i) => !exclude.has(i))
            .slice(0, 10)
            .map((i) => items.itemIds[i]);
          assert.deepEqual(graphLocal[r].ids, same, `the ported graph search, history ${r}`);
          const [top] = served.recommend([{ history: h, k: 10, exclude }]);
          const server = new Set(top.map((t) => items.itemIds[t.item]));
          overlap += graphLocal[r].ids.filter((id) => server.has(id)).length / 10;
        }
        assert.ok(overlap / histories.length >= 0.8, `graph decoding: page vs server top-10 overlap ${overlap / histories.length}`);
      }
      // The training curve from the model's epochs.jsonl: one point per epoch in each chart.
      const epochs = (await app.inject({ method: 'GET', url: '/v1/model/epochs' })).json().epochs;
      assert.ok(epochs.length >= 1);
      await page.locator('#chart-loss').waitFor();
      assert.equal(await page.locator('#chart-loss circle').count(), epochs.length);
      assert.equal(await page.locator('#chart-valid circle').count(), epochs.length);
      // The item map: every item's vector on two principal axes, coloured by its first SID code (RPG) or plain (SASRec).
      const map = (await app.inject({ method: 'GET', url: '/v1/model/map' })).json();
      assert.equal(map.x.length, items.itemIds.length);
      assert.ok(map.explained > 0 && map.explained <= 1, `explained ${map.explained}`);
      assert.equal(
        map.code.every((c: number | null) => c === null),
        kind === 'sasrec',
        'first codes for RPG, none for SASRec',
      );
      await page.locator('#chart-item-map').waitFor();
      // The switch on the page shows the local ranking beside the server's.
      await page.fill('#search', items.texts[0].title!.split(' ')[0]);
      await page.locator('#results button', { hasText: items.texts[0].title! }).click();
      await page.click('#local-rank');
      await page.locator('#local-status', { hasText: /in this browser|error/ }).waitFor();
      // As many items as the server gives (a beam search may reach fewer than k once the history is left out).
      const served = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: [items.itemIds[0]], k: 10 } })).json();
      const status = (await page.locator('#local-status').textContent()) ?? '';
      assert.match(status, new RegExp(`in this browser: ${served.items.length} items in`), status);
      assert.ok(served.items.length >= (kind === 'tiger' ? 5 : 10), `${served.items.length} items`);
      // SIDREC_SCREENSHOT_DIR=DIR keeps a picture of the page (README's screenshot comes from here).
      if (process.env.SIDREC_SCREENSHOT_DIR)
        await page.screenshot({ path: join(process.env.SIDREC_SCREENSHOT_DIR, `explorer-local-${kind}.png`), fullPage: true });
      // Titles with HTML entities are shown decoded, as text.
      const decoded = await page.evaluate(() =>
        (globalThis as unknown as { decodeEntities: (s: string) => string }).decodeEntities('L&#39;Or&eacute;al &amp; Co <b>x</b>'),
      );
      assert.equal(decoded, "L'Oréal & Co <b>x</b>");
      assert.deepEqual(pageErrors, []);
    });
  });
}

test('the explorer adds an exported transition prior in the browser as the server does (SASRec, 20 histories, top 10)', {
  skip: missing || false,
  timeout: 180_000,
}, async () => {
  const dir = await tinySasRecDir(8);
  const manifest = readManifest(dir);
  const split = leaveOneOut(syntheticDataset(generateSynthetic(SYNTH)), { historyCap: 20 });
  const report = { weights: [0, 5], valid: [0, 0], metric: 'ndcg@10', data: 'test' };
  saveTransitions(dir, { numItems: manifest.numItems, table: fitBigram(split), weight: 5, reach: { window: 4, decay: 0.25 }, report });
  const items = readServingItems(dir, manifest);
  const exportDir = join(tempDir('export-prior'), 'onnx');
  await familyOf('sasrec').export!(dir, manifest, { items, log: () => {} }, exportDir);
  const app = await buildServer({ modelDir: dir, exportDir });
  await withExplorer(app, async (page, pageErrors) => {
    await page.locator('#local').waitFor({ state: 'visible' });
    const histories = Array.from({ length: 20 }, (_, r) => Array.from(split.train[r * 3].items.subarray(0, 1 + (r % 4)), (i) => items.itemIds[i]));
    const local = await rankInPage(page, histories);
    const alone = familyOf('sasrec').recommender(dir, manifest, { items, log: () => {} }, { transitions: 'off' });
    const index = new Map(items.itemIds.map((id, i) => [id, i]));
    let moved = 0;
    for (const [r, history] of histories.entries()) {
      const server = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history, k: 10 } })).json();
      const ids = server.items.map((i: { id: string }) => i.id);
      assert.deepEqual(local[r], ids, `history ${r}`);
      const h = history.map((id) => index.get(id)!);
      const [plain] = alone.recommend([{ history: h, k: 10, exclude: new Set(h) }]);
      if (plain.map((s) => items.itemIds[s.item]).join() !== ids.join()) moved++;
    }
    assert.ok(moved > 0, 'the prior changed some ranking');
    assert.deepEqual(pageErrors, []);
  });
});
