/**
 * Request validation and limits on a trained SASRec: 400s name the offending field, limits on k, history,
 * exclude, batch size and body size are enforced, unknown ids are reported (not fatal), empty histories fall
 * back to popularity, and models that cannot add items answer 409 saying why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/serve/app.js';
import { sidKnnFixture, tinySasRecDir } from './helpers.js';

const dir = await tinySasRecDir();
const app: FastifyInstance = await buildServer({
  modelDir: dir,
  allowLocalWrites: true,
  limits: { maxK: 20, maxHistory: 30, maxExclude: 5, maxBatchQueries: 3, bodyLimitBytes: 4096 },
});
test.after(() => app.close());

const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });

async function expect400(url: string, payload: unknown, field: string): Promise<void> {
  const res = await post(url, payload);
  assert.equal(res.statusCode, 400, `${JSON.stringify(payload)} -> ${res.body}`);
  const { error } = res.json();
  assert.equal(error.code, 'E_INPUT');
  assert.equal(error.field, field, res.body);
  assert.match(error.message, new RegExp(`field "${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
}

test('400s name the field', async () => {
  await expect400('/v1/recommend', { k: 5 }, 'history');
  await expect400('/v1/recommend', { history: 'abc' }, 'history');
  await expect400('/v1/recommend', { history: ['1', {}, '2'] }, 'history[1]');
  await expect400('/v1/recommend', { history: ['1', ''] }, 'history[1]');
  await expect400('/v1/recommend', { history: ['1', -4] }, 'history[1]');
  await expect400('/v1/recommend', { history: ['1'], k: 2.5 }, 'k');
  await expect400('/v1/recommend', { history: ['1'], k: '5' }, 'k');
  await expect400('/v1/recommend', { history: ['1'], exclude: [null] }, 'exclude[0]');
  await expect400('/v1/recommend', { history: ['1'], excludeHistory: 'yes' }, 'excludeHistory');
  await expect400('/v1/recommend', { history: ['1'], user: 'u1' }, 'user');
  await expect400('/v1/recommend', [], '(body)');
  await expect400('/v1/recommend/batch', { requests: [{ history: ['1'] }, { history: ['1'], k: 0 }] }, 'requests[1].k');
  await expect400('/v1/recommend/batch', { requests: [] }, 'requests');
  const sidKnn = await buildServer({ modelDir: 'sid-knn', open: () => sidKnnFixture().open(), allowLocalWrites: true }); // a model that can add items
  const noFeatures = await sidKnn.inject({ method: 'POST', url: '/v1/items', payload: { items: [{ id: 'n1' }] } });
  assert.equal(noFeatures.statusCode, 400, noFeatures.body);
  assert.equal(noFeatures.json().error.field, 'items[0]');
  await sidKnn.close();
  await expect400('/admin/reload', { modelDir: 7 }, 'modelDir');
});

test('limits: k, history, exclude, batch size, body size, search limit', async () => {
  await expect400('/v1/recommend', { history: ['1'], k: 21 }, 'k');
  await expect400('/v1/recommend', { history: Array.from({ length: 31 }, (_, i) => String(i + 1)) }, 'history');
  await expect400('/v1/recommend', { history: ['1'], exclude: ['1', '2', '3', '4', '5', '6'] }, 'exclude');
  await expect400('/v1/recommend/batch', { requests: [1, 2, 3, 4].map(() => ({ history: ['1'] })) }, 'requests');
  assert.equal((await post('/v1/recommend', { history: Array.from({ length: 30 }, (_, i) => String(i + 1)), k: 20 })).statusCode, 200, 'at the limits is fine');
  const big = await post('/v1/recommend', { history: ['1'], pad: 'x'.repeat(5000) });
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().error.field, '(body)');
  const notJson = await app.inject({ method: 'POST', url: '/v1/recommend', headers: { 'content-type': 'application/xml' }, payload: '<history>1</history>' });
  assert.equal(notJson.statusCode, 415);
  const search = await app.inject({ method: 'GET', url: '/v1/items?q=a&limit=500' });
  assert.equal(search.statusCode, 400);
  assert.equal(search.json().error.field, 'limit');
});

test('unknown ids are reported, not fatal; no known history falls back to popularity', async () => {
  const res = await post('/v1/recommend', { history: ['1', 'no-such-item', 2, 'no-such-item'], k: 5, exclude: ['ghost'] });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(body.unknown, ['no-such-item', 'ghost']);
  assert.equal(body.items.length, 5);
  assert.equal(body.fallback, undefined);
  const ids = body.items.map((r: { id: string }) => r.id);
  assert.ok(!ids.includes('1') && !ids.includes('2'), 'history items are excluded by default');
  for (let i = 1; i < body.items.length; i++) assert.ok(body.items[i - 1].score >= body.items[i].score, 'ranked by score');

  const kept = (await post('/v1/recommend', { history: ['1', '2'], k: 20, excludeHistory: false })).json().items.map((r: { id: string }) => r.id);
  const dropped = (await post('/v1/recommend', { history: ['1', '2'], k: 20 })).json().items.map((r: { id: string }) => r.id);
  const keptWithout = kept.filter((id: string) => id !== '1' && id !== '2');
  assert.deepEqual(dropped.slice(0, keptWithout.length), keptWithout, 'excludeHistory only removes the history items');

  const none = (await post('/v1/recommend', { history: ['ghost'], k: 3, exclude: ['1'] })).json();
  assert.equal(none.fallback, 'popularity');
  assert.deepEqual(none.unknown, ['ghost']);
  assert.equal(none.items.length, 3);
  assert.ok(!none.items.some((r: { id: string }) => r.id === '1'));
});

test('batch answers each request in order, the same as one at a time', async () => {
  const requests = [
    { history: ['3', '4'], k: 4 },
    { history: [], k: 2 },
    { history: ['9'], k: 3, exclude: ['10'] },
  ];
  const batch = (await post('/v1/recommend/batch', { requests })).json();
  assert.equal(batch.results.length, 3);
  for (let i = 0; i < requests.length; i++) {
    const single = (await post('/v1/recommend', requests[i])).json();
    assert.deepEqual(
      batch.results[i].items.map((r: { id: string }) => r.id),
      single.items.map((r: { id: string }) => r.id),
    );
  }
});

test('items: get by id, 404 for unknown ids and routes; SASRec cannot add items and says why', async () => {
  const item = (await app.inject({ method: 'GET', url: '/v1/items/3' })).json();
  assert.equal(item.id, '3');
  assert.ok(item.title.length > 0);
  assert.equal(item.sid, undefined, 'SASRec has no semantic IDs');
  const missing = await app.inject({ method: 'GET', url: '/v1/items/nope' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'E_NOT_FOUND');
  assert.equal((await app.inject({ method: 'GET', url: '/v2/anything' })).statusCode, 404);
  const add = await post('/v1/items', { items: [{ id: 'n1', title: 'a new thing' }] });
  assert.equal(add.statusCode, 409);
  assert.match(add.json().error.message, /sasrec.*cannot add items without retraining/);
});
