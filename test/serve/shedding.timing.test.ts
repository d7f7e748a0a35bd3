/**
 * Load shedding: past `maxPending` queued + running queries the server answers 503 + Retry-After at once
 * instead of queueing, so the latency of accepted requests stays bounded however many clients pile on; with
 * the limit lifted the same burst queues and the slowest accepted request waits for all the others.
 * A `.timing.test` file: it compares wall-clock latencies, so `npm test` runs it alone after the other files (beside
 * another test file on 2 cores its bounded p99 reached 2.3 s against 200 ms alone).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { buildServer } from '../../src/serve/app.js';
import { http, startSlowServer, tinySasRecDir } from './helpers.js';

const CALL_MS = 20;

const dir = await tinySasRecDir();

test('a burst past maxPending gets 503 with Retry-After and E_OVERLOADED; the server recovers', async () => {
  const app = await buildServer({ modelDir: dir, limits: { maxPending: 8, scoreBatch: 2 } });
  const burst = await Promise.all(
    Array.from({ length: 100 }, (_, i) => app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: [String(1 + (i % 50))], k: 5 } })),
  );
  const shed = burst.filter((r) => r.statusCode === 503);
  const ok = burst.filter((r) => r.statusCode === 200);
  assert.equal(shed.length + ok.length, 100, 'only 200 or 503');
  assert.ok(shed.length > 0 && ok.length >= 8, `ok ${ok.length}, shed ${shed.length}`);
  assert.equal(shed[0].headers['retry-after'], '1');
  assert.equal(shed[0].json().error.code, 'E_OVERLOADED');
  const batch = await app.inject({ method: 'POST', url: '/v1/recommend/batch', payload: { requests: Array.from({ length: 9 }, () => ({ history: ['1'] })) } });
  assert.equal(batch.statusCode, 503, 'a batch larger than maxPending is refused whole');
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(metrics, new RegExp(`^sidrec_shed_requests_total ${shed.length + 1}$`, 'm'));
  assert.equal((await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: ['1'] } })).statusCode, 200);
  assert.equal(app.sidrec.scheduler.pending, 0);
  await app.close();
});

/** 64 clients in a closed loop for `seconds` against the slow server (25 ms back-off after a 503): latencies of 200s (sorted) and 503 count. */
async function saturate(maxPending: number, maxWaitMs = 60_000, seconds = 2): Promise<{ accepted: number[]; shed: number }> {
  const server = await startSlowServer({ dir, maxPending, maxWaitMs, callMs: CALL_MS });
  const clients = new Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const accepted: number[] = [];
    let shed = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        while (performance.now() < end) {
          const t0 = performance.now();
          const res = await http(server.base, 'POST', '/v1/recommend', JSON.stringify({ history: [String(1 + i)], k: 5 }), {}, clients);
          if (res.status === 200) accepted.push(performance.now() - t0);
          else if (res.status === 503) {
            shed++;
            await new Promise((resolve) => setTimeout(resolve, 25)); // a client backing off (briefer than Retry-After, to keep the pressure on)
          } else throw new Error(`unexpected ${res.status}`);
        }
      }),
    );
    clients.destroy();
    await server.close();
    return { accepted: accepted.sort((a, b) => a - b), shed };
  } finally {
    clients.destroy();
    await server.kill();
  }
}

test('under overload the p99 latency of accepted requests stays bounded (64 closed-loop clients, 20 ms per call)', async (t) => {
  const p99 = (xs: number[]) => xs[Math.min(xs.length - 1, Math.floor(0.99 * xs.length))];
  // Wall-clock latencies on a 2-core machine move with whatever else runs on it: a comparison that fails only
  // under a transient load spike is retried (up to 3 attempts); a server that does not shed fails every attempt.
  const failures: string[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const bounded = await saturate(4);
    const unbounded = await saturate(1000);
    t.diagnostic(
      `attempt ${attempt}: maxPending 4: ${bounded.accepted.length} answered (p99 ${p99(bounded.accepted).toFixed(0)} ms), ${bounded.shed} shed; unbounded: ${unbounded.accepted.length} answered (p99 ${p99(unbounded.accepted).toFixed(0)} ms)`,
    );
    assert.ok(bounded.shed > 0, 'requests were shed');
    assert.equal(unbounded.shed, 0);
    if (p99(unbounded.accepted) <= 600)
      failures.push(`without shedding a request waits behind ~63 others x 20 ms: p99 ${p99(unbounded.accepted).toFixed(0)} ms`);
    else if (p99(bounded.accepted) >= 0.5 * p99(unbounded.accepted))
      failures.push(`accepted p99 ${p99(bounded.accepted).toFixed(0)} ms vs ${p99(unbounded.accepted).toFixed(0)} ms unbounded`);
    else return;
  }
  assert.fail(failures.join('; '));
});
