/**
 * The write token and the operational endpoints: writes (POST /v1/items, /admin/reload) need the bearer token
 * when one is set and reads never do; /healthz, Prometheus /metrics, /openapi.json (bounds = enforced limits)
 * and the explorer page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../src/serve/app.js';
import { sidKnnFixture } from './helpers.js';

const fx = sidKnnFixture();
const app = await buildServer({ modelDir: 'sid-knn', open: () => fx.open(), token: 'tok-123', limits: { maxK: 42 } });
test.after(() => app.close());
const newItem = { items: [{ id: 'n1', title: 'brand new item' }] };

test('writes need the bearer token; reads do not', async () => {
  const none = await app.inject({ method: 'POST', url: '/v1/items', payload: newItem });
  assert.equal(none.statusCode, 401);
  assert.equal(none.json().error.code, 'E_AUTH');
  assert.equal(none.json().error.field, 'authorization');
  assert.equal(none.headers['www-authenticate'], 'Bearer');
  const wrong = await app.inject({ method: 'POST', url: '/v1/items', payload: newItem, headers: { authorization: 'Bearer tok-124' } });
  assert.equal(wrong.statusCode, 401);
  const basic = await app.inject({ method: 'POST', url: '/v1/items', payload: newItem, headers: { authorization: 'Basic dG9rLTEyMw==' } });
  assert.equal(basic.statusCode, 401);
  assert.equal((await app.inject({ method: 'POST', url: '/admin/reload', payload: {} })).statusCode, 401);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/items/n1' })).statusCode, 404, 'nothing was added');
  const ok = await app.inject({ method: 'POST', url: '/v1/items', payload: newItem, headers: { authorization: 'Bearer tok-123' } });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: ['n1'], k: 3 } })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/items?q=brand%20new' })).statusCode, 200);
});

test('/healthz, /metrics in Prometheus text format, /v1/model', async () => {
  const health = (await app.inject({ method: 'GET', url: '/healthz' })).json();
  assert.equal(health.status, 'ok');
  assert.equal(health.kind, 'sid-knn');
  await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: ['1'], k: 3 } });
  await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: 5 } });
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const text = res.body;
  assert.match(text, /^# TYPE sidrec_http_requests_total counter$/m);
  assert.match(text, /^sidrec_http_requests_total\{method="POST",route="\/v1\/recommend",status="200"\} [1-9]\d*$/m);
  assert.match(text, /^sidrec_http_requests_total\{method="POST",route="\/v1\/recommend",status="400"\} [1-9]\d*$/m);
  assert.match(text, /^sidrec_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/recommend",status_class="2xx",le="\+Inf"\} [1-9]\d*$/m);
  assert.match(text, /^sidrec_http_request_duration_seconds_count\{method="POST",route="\/v1\/recommend",status_class="4xx"\} [1-9]\d*$/m);
  assert.match(text, /^sidrec_items \d+$/m);
  assert.match(text, /^sidrec_pending_queries 0$/m);
  for (const line of text.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [-+0-9.e]+(Inf)?)$/, `bad exposition line: ${line}`);
  const counts = [...text.matchAll(/_bucket\{method="POST",route="\/v1\/recommend",status_class="2xx",le="[^"]+"\} (\d+)/g)].map((m) => Number(m[1]));
  for (let i = 1; i < counts.length; i++) assert.ok(counts[i] >= counts[i - 1], 'buckets are cumulative');
  const model = (await app.inject({ method: 'GET', url: '/v1/model' })).json();
  assert.equal(model.semanticIds, true);
  assert.equal(model.canAddItems, true);
  assert.equal(model.tokenizer.perDigit.length, 4);
});

test('/openapi.json documents every route with the enforced bounds; / serves the explorer', async () => {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  assert.equal(doc.openapi, '3.1.0');
  for (const path of ['/v1/recommend', '/v1/recommend/batch', '/v1/items', '/v1/items/{id}', '/healthz', '/metrics', '/admin/reload'])
    assert.ok(doc.paths[path], path);
  assert.equal(doc.components.schemas.RecommendRequest.properties.k.maximum, 42);
  assert.deepEqual(doc.components.schemas.RecommendRequest.required, ['history']);
  assert.deepEqual(doc.paths['/v1/items'].post.security, [{ bearer: [] }]);
  const page = await app.inject({ method: 'GET', url: '/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, /<title>sidrec explorer<\/title>/);
});
