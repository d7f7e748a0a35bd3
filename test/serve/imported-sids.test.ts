/**
 * RPG on imported Semantic IDs (`sidrec tokenize --import`): the model directory serves without a tokenizer, says
 * in GET /v1/model that new items need their SID, refuses an add without one (naming items[i].sid) and makes an
 * item added with a SID recommendable at once, with that SID.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { generateSynthetic, saveDataset, split, syntheticDataset } from '../../src/data/index.js';
import { DEFAULT_GRAPH_SEARCH } from '../../src/decode/graph.js';
import { sidsFromTable } from '../../src/model/rpg-sids.js';
import { importDatasetSids, saveDatasetSids } from '../../src/tokenize/index.js';
import { DEFAULT_TRAIN_CONFIG } from '../../src/train/config.js';
import { trainRpg } from '../../src/train/rpg.js';
import { buildServer } from '../../src/serve/app.js';
import { SYNTH, tempDir } from './helpers.js';

const root = tempDir('imported');
const dataDir = join(root, 'data');
const sidDir = join(root, 'sids');
const modelDir = join(root, 'rpg');
const ds = syntheticDataset(generateSynthetic(SYNTH));
saveDataset(dataDir, ds);
const sp = split(ds, { historyCap: 20 });
const rng = new Rng(4);
const file = join(root, 'published.jsonl');
writeFileSync(file, ds.itemIds.map((id) => JSON.stringify({ id, sid: [rng.int(16), rng.int(16), rng.int(16)] })).join('\n'));
const sids = importDatasetSids(file, ds.itemIds, { order: 'flat', codebookSize: 16 });
saveDatasetSids(sidDir, sids);
await trainRpg(
  sp,
  dataDir,
  sidsFromTable(sids.table, ds.numItems),
  { dim: 16, heads: 2, layers: 1, ffn: 32, maxLen: 20 },
  { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize: 64, warmupSteps: 2, lr: 0.01 },
  { dir: modelDir, quiet: true },
  { sids: { source: sidDir }, graph: { k: 10 }, decode: { ...DEFAULT_GRAPH_SEARCH, beam: 10, neighbors: 10 } },
);

test('imported SIDs: served without a tokenizer; new items need their SID and get exactly it', async () => {
  const app = await buildServer({ modelDir, allowLocalWrites: true });
  const info = (await app.inject({ method: 'GET', url: '/v1/model' })).json();
  assert.equal(info.canAddItems, true);
  assert.equal(info.newItemsNeedSid, 3);
  const noSid = await app.inject({ method: 'POST', url: '/v1/items', payload: { items: [{ id: 'n1', title: 'a new thing' }] } });
  assert.equal(noSid.statusCode, 400, noSid.body);
  assert.match(noSid.body, /items\[0\]\.sid/);
  assert.match(noSid.body, /imported/);
  const outOfRange = await app.inject({ method: 'POST', url: '/v1/items', payload: { items: [{ id: 'n1', sid: [1, 2, 16] }] } });
  assert.equal(outOfRange.statusCode, 400);
  assert.match(outOfRange.body, /items\[0\]\.sid\[2\]/);
  const history = [ds.itemIds[1], ds.itemIds[2]];
  const before = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history, k: 5 } })).json();
  const twin = before.items[0];
  const added = await app.inject({ method: 'POST', url: '/v1/items', payload: { items: [{ id: 'n1', sid: twin.sid }] } });
  assert.equal(added.statusCode, 201, added.body);
  assert.deepEqual(added.json().added[0].sid, twin.sid);
  const after = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history, k: 5 } })).json();
  const n1 = after.items.find((r: { id: string }) => r.id === 'n1');
  assert.ok(n1, 'the added item is recommended at once');
  assert.equal(n1.score, twin.score, 'an added item scores as the trained item with the same SID');
  await app.close();
});
