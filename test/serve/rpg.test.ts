/**
 * The RPG adapter on a tiny RPG trained here (synthetic data -> text features -> OPQ SIDs via the tokenize
 * stage -> RPG): recommendations carry semantic IDs and match the model's exact scores; a new item added by
 * text is encoded by the frozen tokenizer (the twin of an item gets that item's SID and score), is recommended
 * at once next to its twin, and can itself appear in a history. No retraining. With --item-ids the same holds for
 * the new item as a target (it has no identity of its own yet), and the export carries the item table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tokenizeDataset } from '../../src/tokenize/index.js';
import { buildServer } from '../../src/serve/app.js';
import { rpgFixtureData, tempDir, tinyRpgDir } from './helpers.js';

const root = tempDir('rpg');
const data = rpgFixtureData(root);
const { ds } = data;
const sids = tokenizeDataset(ds, data.sp, [{ source: 'text', weight: 1 }], { kind: 'opq', subspaces: 4, codebookSize: 16, rotationIters: 2 }, 0);
const modelDir = await tinyRpgDir(root, data, sids, { dim: 32, ffn: 64 }, 2);

/** A new item 'twin' with the text of catalogue item `id`. */
function twinOf(id: string) {
  const anchor = ds.catalog.texts[ds.itemIds.indexOf(id)];
  return { id: 'twin', title: anchor.title, brand: anchor.brand, categories: anchor.categories, description: Object.values(anchor.extra ?? {}).join(' . ') };
}

test('RPG: SIDs in recommendations, text adds through the frozen tokenizer, recommendable at once', async () => {
  const app = await buildServer({ modelDir, allowLocalWrites: true });
  const info = (await app.inject({ method: 'GET', url: '/v1/model' })).json();
  assert.equal(info.kind, 'rpg');
  assert.equal(info.canAddItems, true);
  assert.equal(info.tokenizer.digits, 4);

  const history = ['3', '10', '11'];
  const before = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history, k: 30 } })).json();
  assert.equal(before.items.length, 30);
  for (const item of before.items) assert.deepEqual(item.sid, Array.from(sids.table.codesOf(ds.itemIds.indexOf(item.id))));

  // The anchor: the best-ranked item whose SID no other item shares, so its twin must rank right after it.
  const a = before.items.findIndex((r: { sid: number[] }) => sids.table.lookup(r.sid).length === 1);
  assert.ok(a >= 0, 'an item with a unique SID among the top 30');
  const anchorId = before.items[a].id;
  const twin = twinOf(anchorId);
  const added = await app.inject({ method: 'POST', url: '/v1/items', payload: { items: [twin] } });
  assert.equal(added.statusCode, 201, added.body);
  assert.deepEqual(added.json().added[0].sid, before.items[a].sid, 'same text -> same SID from the frozen tokenizer');

  const after = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history, k: 30 } })).json();
  const ids = after.items.map((r: { id: string }) => r.id);
  assert.equal(ids[a], anchorId);
  assert.equal(ids[a + 1], 'twin', `twin right after its anchor in ${ids.join(', ')}`);
  assert.equal(after.items[a + 1].score, after.items[a].score, 'the twin scores exactly like its anchor');
  assert.deepEqual(
    ids.filter((id: string) => id !== 'twin'),
    before.items.slice(0, 29).map((r: { id: string }) => r.id),
    'other items keep their ranking',
  );
  // Symmetric: each history excludes its own last item (history items are not recommended) and the other twin.
  const withNew = await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: [...history, 'twin'], k: 5, exclude: [anchorId] } });
  assert.equal(withNew.statusCode, 200, withNew.body);
  const viaAnchor = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: [...history, anchorId], k: 5, exclude: ['twin'] } })).json();
  assert.deepEqual(
    withNew.json().items.map((r: { score: number }) => r.score.toFixed(4)),
    viaAnchor.items.map((r: { score: number }) => r.score.toFixed(4)),
    'a new item in a history reads like its twin (mean of the same code embeddings)',
  );
  await app.close();
});

test('RPG --item-ids: a new item scores like its twin, the others keep their ranking; the ONNX export agrees with the engine', async () => {
  const idRoot = tempDir('rpg-ids');
  const dir = await tinyRpgDir(idRoot, rpgFixtureData(idRoot), sids, { dim: 32, ffn: 64, itemIds: true }, 2);
  const app = await buildServer({ modelDir: dir, allowLocalWrites: true });
  const history = ['3', '10', '11'];
  const before = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history, k: 30 } })).json();
  const a = before.items.findIndex((r: { sid: number[] }) => sids.table.lookup(r.sid).length === 1);
  assert.ok(a >= 0, 'an item with a unique SID among the top 30');
  const twin = twinOf(before.items[a].id);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/items', payload: { items: [twin] } })).statusCode, 201);
  const after = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history, k: 30 } })).json();
  assert.equal(after.items[a + 1].id, 'twin');
  assert.equal(after.items[a + 1].score, after.items[a].score, 'the twin scores exactly like its anchor');
  const withNew = await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: [...history, 'twin'], k: 5 } });
  assert.equal(withNew.statusCode, 200, withNew.body);
  await app.close();

  const out = join(tempDir('rpg-ids-export'), 'onnx');
  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const run = spawnSync(process.execPath, [cli, 'export', '--model', dir, '--out', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const check = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8')).check;
  assert.equal(check.top10Agreement, 1);
  assert.ok(check.maxAbsDiff < 1e-3, `largest difference ${check.maxAbsDiff}`);
});
