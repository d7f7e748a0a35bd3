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
import { importDatasetSids } from '../../src/tokenize/index.js';
import { buildServer } from '../../src/serve/app.js';
import { rpgFixtureData, tempDir, tinyRpgDir } from './helpers.js';

const root = tempDir('imported');
const data = rpgFixtureData(root);
const { ds } = data;
const rng = new Rng(4);
const file = join(root, 'published.jsonl');
writeFileSync(file, ds.itemIds.map((id) => JSON.stringify({ id, sid: [rng.int(16), rng.int(16), rng.int(16)] })).join('\n'));
const modelDir = await tinyRpgDir(root, data, importDatasetSids(file, ds.itemIds, { order: 'flat', codebookSize: 16 }), { dim: 16, ffn: 32 }, 1);

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
