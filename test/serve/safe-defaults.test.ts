/**
 * Serving defaults (issue 16.3-16.4, 16.6): without a token the write endpoints answer 403 saying how to enable
 * them; --allow-local-writes admits loopback clients only (and the CLI refuses it on a non-loopback host);
 * reload loads only the configured directory (a body naming another is refused, and a later reload without a
 * body, as SIGHUP does, reloads the configured one); vectors that are not finite as float32 are refused with
 * 400 naming the field and index; /metrics carries process figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer } from '../../src/serve/app.js';
import { sidKnnFixture, tempDir, tinySasRecDir } from './helpers.js';

const fx = sidKnnFixture();
const root = tempDir('safe');
const dirA = await tinySasRecDir(1, root);
const dirB = await tinySasRecDir(2, root);
const newItem = { items: [{ id: 'n1', title: 'brand new item' }] };
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('no token: writes are refused with 403 saying how to enable them; reads work', async () => {
  const app = await buildServer({ modelDir: 'sid-knn', open: () => fx.open() });
  for (const [url, payload] of [
    ['/v1/items', newItem],
    ['/admin/reload', {}],
  ] as const) {
    const res = await app.inject({ method: 'POST', url, payload });
    assert.equal(res.statusCode, 403, `${url}: ${res.body}`);
    assert.equal(res.json().error.code, 'E_FORBIDDEN');
    assert.match(res.json().error.message, /--token/);
    assert.match(res.json().error.message, /--allow-local-writes/);
  }
  assert.equal(app.sidrec.state.generation, 1, 'nothing reloaded');
  assert.equal((await app.inject({ method: 'GET', url: '/v1/items/n1' })).statusCode, 404, 'nothing added');
  assert.equal((await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: ['1'], k: 3 } })).statusCode, 200);
  await app.close();
});

test('--allow-local-writes without a token admits loopback clients only', async () => {
  const app = await buildServer({ modelDir: 'sid-knn', open: () => fx.open(), allowLocalWrites: true });
  const remote = await app.inject({ method: 'POST', url: '/v1/items', payload: newItem, remoteAddress: '203.0.113.9' });
  assert.equal(remote.statusCode, 403, remote.body);
  assert.match(remote.json().error.message, /loopback/);
  const local = await app.inject({ method: 'POST', url: '/v1/items', payload: newItem, remoteAddress: '127.0.0.1' });
  assert.equal(local.statusCode, 201, local.body);
  const mapped = await app.inject({ method: 'POST', url: '/v1/items', payload: { items: [{ id: 'n2', title: 'x y' }] }, remoteAddress: '::ffff:127.0.0.1' });
  assert.equal(mapped.statusCode, 201, mapped.body);
  await app.close();
});

test('CLI: --allow-local-writes is refused with a non-loopback --host', () => {
  const run = spawnSync(process.execPath, [cli, 'serve', '--model', dirA, '--host', '0.0.0.0', '--port', '0', '--allow-local-writes'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /--allow-local-writes needs a loopback --host/);
});

test('reload loads only the configured directory; another is refused and the next reload is the configured one', async () => {
  const app = await buildServer({ modelDir: dirA, token: 't' });
  const auth = { authorization: 'Bearer t' };
  const other = await app.inject({ method: 'POST', url: '/admin/reload', headers: auth, payload: { modelDir: dirB } });
  assert.equal(other.statusCode, 403, other.body);
  assert.equal(other.json().error.code, 'E_FORBIDDEN');
  assert.equal(other.json().error.field, 'modelDir');
  assert.equal(app.sidrec.state.model.source, dirA);
  await assert.rejects(app.sidrec.reload(dirB), /loads only the configured model directory/);
  const same = await app.inject({ method: 'POST', url: '/admin/reload', headers: auth, payload: { modelDir: `${join(dirA, '..', 'model-1')}/` } });
  assert.equal(same.statusCode, 200, `the configured directory spelled differently: ${same.body}`);
  const sighup = await app.sidrec.reload();
  assert.equal(sighup.source, dirA);
  assert.equal(sighup.generation, 3);
  await app.close();
});

test('vectors that are not finite as float32 are refused naming the field and index', async () => {
  const app = await buildServer({ modelDir: 'sid-knn', open: () => fx.open(), token: 'w' });
  const auth = { authorization: 'Bearer w' };
  const d = fx.tokenizer.inputDim;
  const ok = Array.from({ length: d }, () => 0.1);
  for (const [values, index] of [
    [Array.from({ length: d }, () => 1e308), 0],
    [ok.map((v, j) => (j === 5 ? -1e39 : v)), 5],
  ] as const) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/items',
      headers: auth,
      payload: {
        items: [
          { id: 'fine', vector: ok },
          { id: 'inf', vector: values },
        ],
      },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error.code, 'E_INPUT');
    assert.equal(res.json().error.field, `items[1].vector[${index}]`);
    assert.match(res.json().error.message, /finite/);
  }
  assert.equal((await app.inject({ method: 'GET', url: '/v1/items/fine' })).statusCode, 404, 'all or nothing');
  await app.close();
});

test('/metrics reports the process: memory, heap, event loop, uptime', async () => {
  const app = await buildServer({ modelDir: 'sid-knn', open: () => fx.open() });
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  for (const name of ['process_resident_memory_bytes', 'process_heap_used_bytes', 'process_uptime_seconds', 'event_loop_utilization']) {
    assert.match(text, new RegExp(`^# TYPE sidrec_${name} gauge$`, 'm'));
    assert.match(text, new RegExp(`^sidrec_${name} [0-9.e+-]+$`, 'm'));
  }
  assert.match(text, /^sidrec_event_loop_delay_seconds\{quantile="0\.99"\} [0-9.e+-]+$/m);
  await app.close();
});
