/**
 * Must-show 3: an item added through POST /v1/items gets its semantic ID from the frozen tokenizer and is
 * recommended at once for a history made of its nearest neighbours (and not for a history far from it),
 * without retraining. The model is SID-kNN (items seen only through their SIDs), built here from the tokenizer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../src/serve/app.js';
import { featurizerText } from '../../src/serve/sid-knn.js';
import { sidKnnFixture } from './helpers.js';

const fx = sidKnnFixture();
const auth = { authorization: 'Bearer s3cret' };

function cosineOrder(v: Float32Array): number[] {
  const { count, dim, data } = fx.features;
  const sims = Array.from({ length: count }, (_, i) => {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[i * dim + j] * v[j];
    return { i, s };
  });
  return sims.sort((a, b) => b.s - a.s).map((x) => x.i);
}

test('a new item gets its SID from the frozen tokenizer and is recommended for its nearest neighbours', async () => {
  const app = await buildServer({ modelDir: 'sid-knn', open: () => fx.open(), token: 's3cret' });
  const anchor = fx.dataset.catalog.texts[17];
  const text = { title: `${anchor.title} limited edition`, brand: anchor.brand, categories: anchor.categories };

  assert.equal((await app.inject({ method: 'GET', url: '/v1/items/new-serum' })).statusCode, 404);
  const added = await app.inject({ method: 'POST', url: '/v1/items', headers: auth, payload: { items: [{ id: 'new-serum', ...text }] } });
  assert.equal(added.statusCode, 201, added.body);
  const body = added.json();
  assert.equal(body.numItems, fx.dataset.numItems + 1);
  assert.equal(body.added[0].index, fx.dataset.numItems);

  const vector = fx.featurizer.transform([featurizerText(text)]).data;
  assert.deepEqual(body.added[0].sid, Array.from(fx.tokenizer.encode(vector, 1)), 'SID = frozen tokenizer(featurizer(text))');
  const item = (await app.inject({ method: 'GET', url: '/v1/items/new-serum' })).json();
  assert.equal(item.added, true);
  assert.deepEqual(item.sid, body.added[0].sid);

  const order = cosineOrder(vector);
  const near = order.slice(0, 3).map((i) => fx.dataset.itemIds[i]);
  const res = await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: near, k: 10 } });
  assert.equal(res.statusCode, 200, res.body);
  const ids = res.json().items.map((r: { id: string }) => r.id);
  assert.ok(ids.includes('new-serum'), `new item missing from ${ids.join(', ')}`);
  const rec = res.json().items.find((r: { id: string }) => r.id === 'new-serum');
  assert.deepEqual(rec.sid, body.added[0].sid);
  assert.equal(rec.title, text.title);

  const far = order.slice(-3).map((i) => fx.dataset.itemIds[i]);
  const farIds = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: far, k: 10 } })).json().items.map((r: { id: string }) => r.id);
  assert.ok(!farIds.includes('new-serum'), 'a history far from the new item does not get it');

  const search = (await app.inject({ method: 'GET', url: `/v1/items?q=${encodeURIComponent('limited edition')}` })).json();
  assert.deepEqual(
    search.items.map((r: { id: string }) => r.id),
    ['new-serum'],
    'new item is searchable by title',
  );
  await app.close();
});

test("new items given as vectors: an exact copy of an item's features gets that item's SID; bad adds change nothing", async () => {
  const app = await buildServer({ modelDir: 'sid-knn', open: () => fx.open(), token: 's3cret' });
  const { dim, data } = fx.features;
  const copy = Array.from(data.subarray(5 * dim, 6 * dim));
  const original = (await app.inject({ method: 'GET', url: `/v1/items/${fx.dataset.itemIds[5]}` })).json();
  const res = await app.inject({ method: 'POST', url: '/v1/items', headers: auth, payload: { items: [{ id: 'twin', vector: copy }] } });
  assert.equal(res.statusCode, 201, res.body);
  assert.deepEqual(res.json().added[0].sid, original.sid);

  const dup = await app.inject({
    method: 'POST',
    url: '/v1/items',
    headers: auth,
    payload: {
      items: [
        { id: 'ok-1', title: 'x' },
        { id: 'twin', title: 'y' },
      ],
    },
  });
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.json().error.field, 'items[1].id');
  const wrongDim = await app.inject({ method: 'POST', url: '/v1/items', headers: auth, payload: { items: [{ id: 'short', vector: [1, 2, 3] }] } });
  assert.equal(wrongDim.statusCode, 400);
  assert.equal(wrongDim.json().error.field, 'items[0].vector');
  const model = (await app.inject({ method: 'GET', url: '/v1/model' })).json();
  assert.equal(model.numItems, fx.dataset.numItems + 1, 'failed adds are all-or-nothing');
  assert.equal(model.addedItems, 1);
  await app.close();
});
