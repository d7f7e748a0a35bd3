/**
 * Must-show 2: 10,000 seeded malformed request bodies over a real loopback socket; every one is answered with
 * a 4xx (never a 5xx, never a dropped connection), nothing is added, and the server still answers afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Rng } from '../../src/core/rng.js';
import { buildServer } from '../../src/serve/app.js';
import { fuzzCase } from './fuzz-bodies.js';
import { http, sidKnnFixture } from './helpers.js';

const CASES = 10_000;
const CONCURRENCY = 16;

test(`${CASES} malformed bodies: all answered 4xx, server alive and unchanged`, async (t) => {
  const fx = sidKnnFixture();
  const bodyLimit = 64 * 1024;
  const app = await buildServer({ modelDir: 'sid-knn', open: () => fx.open(), token: 'fuzz', limits: { bodyLimitBytes: bodyLimit } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const rng = new Rng(20260101);
  const cases = Array.from({ length: CASES }, () => fuzzCase(rng, bodyLimit));
  const byStatus = new Map<number, number>();
  const byKind = new Map<string, number>();
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++];
      byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
      const headers = c.path === '/v1/items' || c.path === '/admin/reload' ? { ...c.headers, authorization: 'Bearer fuzz' } : c.headers;
      try {
        const res = await http(base, 'POST', c.path, c.body, headers);
        byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
        if (res.status < 400 || res.status >= 500)
          failures.push(`${c.kind} ${c.path} -> ${res.status}: ${String(c.body).slice(0, 120)} => ${res.body.slice(0, 200)}`);
        else if (res.status !== 413 && !JSON.parse(res.body).error?.code) failures.push(`${c.kind}: no error code in ${res.body.slice(0, 200)}`);
      } catch (error) {
        failures.push(`${c.kind} ${c.path}: transport error ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} bad answers`);
  t.diagnostic(`statuses ${JSON.stringify(Object.fromEntries(byStatus))}; kinds ${JSON.stringify(Object.fromEntries(byKind))}`);
  const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
  assert.equal(total, CASES);
  assert.ok(byKind.size >= 12, `case kinds: ${[...byKind.keys()].join(', ')}`);
  assert.ok((byStatus.get(413) ?? 0) > 0 && (byStatus.get(415) ?? 0) > 0 && (byStatus.get(400) ?? 0) > CASES / 2, JSON.stringify([...byStatus]));

  const health = await http(base, 'GET', '/healthz');
  assert.equal(health.status, 200);
  assert.equal(JSON.parse(health.body).numItems, fx.dataset.numItems, 'no malformed add got through');
  const ok = await http(base, 'POST', '/v1/recommend', JSON.stringify({ history: ['1', '2'], k: 5 }));
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.body).items.length, 5);
  await app.close();
});
