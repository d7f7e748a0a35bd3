/**
 * Hot reload and graceful shutdown: POST /admin/reload swaps in the new contents of the configured model
 * directory without dropping requests (a broken directory leaves the old model serving), items added to the old
 * model are reported dropped;
 * app.close() answers every accepted request and the port is then closed; the CLI reloads on SIGHUP and exits 0
 * after draining on SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer } from '../../src/serve/app.js';
import { http, sidKnnFixture, startSlowServer, tempDir, tinySasRecDir } from './helpers.js';

const root = tempDir('lifecycle');
const dirA = await tinySasRecDir(1, root);
const dirB = await tinySasRecDir(2, root);
const auth = { authorization: 'Bearer rel' };
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('hot reload swaps in new contents of the model directory under load; a broken directory keeps the old model', async () => {
  const live = join(root, 'live');
  cpSync(dirA, live, { recursive: true });
  const app = await buildServer({ modelDir: live, token: 'rel' });
  const ask = () => app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: ['1', '2', '3'], k: 5 } });
  const before = (await ask()).json();
  const during = Array.from({ length: 20 }, ask);
  cpSync(dirB, live, { recursive: true, force: true }); // deploy: new contents, same directory
  const reload = await app.inject({ method: 'POST', url: '/admin/reload', headers: auth, payload: { modelDir: live } });
  assert.equal(reload.statusCode, 200, reload.body);
  assert.deepEqual(reload.json(), { generation: 2, source: live, numItems: app.sidrec.state.model.catalog.size, droppedAddedItems: 0 });
  for (const r of await Promise.all(during)) assert.equal(r.statusCode, 200);
  const after = (await ask()).json();
  assert.notDeepEqual(
    after.items.map((r: { score: number }) => r.score),
    before.items.map((r: { score: number }) => r.score),
    'B scores differently',
  );

  const manifest = readFileSync(join(live, 'manifest.json'));
  writeFileSync(join(live, 'manifest.json'), '{ torn');
  const bad = await app.inject({ method: 'POST', url: '/admin/reload', headers: auth });
  assert.equal(bad.statusCode, 409, bad.body);
  assert.equal(bad.json().error.code, 'E_STATE');
  const health = (await app.inject({ method: 'GET', url: '/healthz' })).json();
  assert.equal(health.generation, 2, 'still serving B');
  assert.deepEqual((await ask()).json(), after);
  writeFileSync(join(live, 'manifest.json'), manifest);
  const again = await app.inject({ method: 'POST', url: '/admin/reload', headers: auth });
  assert.equal(again.json().generation, 3, 'no body reloads the configured directory');
  assert.equal(again.json().source, live);
  await app.close();
});

test('reload drops items added to the previous model and says how many', async () => {
  const fx = sidKnnFixture();
  const app = await buildServer({ modelDir: 'sid-knn', open: () => fx.open(), token: 'rel' });
  const add = await app.inject({
    method: 'POST',
    url: '/v1/items',
    headers: auth,
    payload: {
      items: [
        { id: 'tmp-1', title: 'temporary' },
        { id: 'tmp-2', title: 'temporary too' },
      ],
    },
  });
  assert.equal(add.statusCode, 201);
  const reload = (await app.inject({ method: 'POST', url: '/admin/reload', headers: auth })).json();
  assert.equal(reload.droppedAddedItems, 2);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/items/tmp-1' })).statusCode, 404);
  await app.close();
});

test('close() answers every request accepted before it', async (t) => {
  // The server (a worker, 20 ms per model call) starts closing itself in the event that admits the 30th request,
  // so however fast or slow the clients are, close() begins with that request (at least) still unanswered.
  const N = 30;
  const server = await startSlowServer({ dir: dirA, maxPending: 1000, maxWaitMs: 60_000, callMs: 20, closeAfterRequests: N });
  const clients = new Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const requests = Array.from({ length: N }, (_, i) =>
      http(server.base, 'POST', '/v1/recommend', JSON.stringify({ history: [String(1 + i)], k: 10 }), {}, clients),
    );
    const statuses = (await Promise.allSettled(requests)).map((a) => (a.status === 'fulfilled' ? a.value.status : `error: ${(a.reason as Error).message}`));
    const closing = await server.closing;
    t.diagnostic(`when close() started: ${closing.answered} answered, ${closing.pending} queued or running`);
    assert.ok(closing.answered < N);
    assert.deepEqual(statuses, new Array(N).fill(200), 'every accepted request answered');
    await server.close();
  } finally {
    clients.destroy();
    await server.kill();
  }
});

test('a closed server refuses connections', async () => {
  const server = await startSlowServer({ dir: dirA, maxPending: 10, maxWaitMs: 1000, callMs: 1 });
  try {
    assert.equal((await http(server.base, 'GET', '/healthz', undefined, {}, new Agent())).status, 200);
    await server.close();
    await assert.rejects(http(server.base, 'GET', '/healthz', undefined, {}, new Agent()), /ECONNREFUSED/);
  } finally {
    await server.kill();
  }
});

test('CLI: SIGHUP reloads, SIGTERM drains and exits 0', async () => {
  const child = spawn(process.execPath, [cli, 'serve', '--model', dirA, '--port', '0', '--token', 'rel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
    });
    assert.equal(JSON.parse((await http(base, 'GET', '/healthz')).body).generation, 1);
    const swap = await http(base, 'POST', '/admin/reload', JSON.stringify({ modelDir: dirB }), { authorization: 'Bearer rel' });
    assert.equal(swap.status, 403, 'a reload naming another directory is refused');
    child.kill('SIGHUP');
    let generation = 1;
    for (let i = 0; i < 400 && generation === 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      generation = JSON.parse((await http(base, 'GET', '/healthz')).body).generation;
    }
    assert.equal(generation, 2, `SIGHUP reloaded: ${stderr}`);
    assert.equal(JSON.parse((await http(base, 'GET', '/v1/model')).body).source, dirA, 'SIGHUP reloads --model');
    const ok = await http(base, 'POST', '/v1/recommend', JSON.stringify({ history: ['5'], k: 3 }));
    assert.equal(ok.status, 200);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /SIGTERM: draining/);
    assert.match(stderr, /stopped/);
  } finally {
    child.kill('SIGKILL'); // no-op once it has exited; a failed assertion must not leave the server running
  }
});
