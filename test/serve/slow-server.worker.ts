/**
 * Worker-thread server for the overload test: the trained SASRec behind a fixed 20 ms per model call, listening
 * on loopback in its own event loop (so the test's clients are not slowed by the server's blocking work, as
 * real clients would not be). workerData: { dir, maxPending, maxWaitMs }; posts { port } when listening; closes on message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../../src/serve/app.js';
import { openModelDir, servingModel } from '../../src/serve/model.js';
import type { Recommender, RecommendQuery } from '../../src/serve/recommender.js';

export const CALL_MS = 20;

class SlowRecommender implements Recommender {
  readonly kind = 'slow-sasrec';
  constructor(private readonly inner: Recommender) {}
  get numItems(): number {
    return this.inner.numItems;
  }
  recommend(queries: readonly RecommendQuery[]) {
    const until = performance.now() + CALL_MS;
    while (performance.now() < until);
    return this.inner.recommend(queries);
  }
  semanticId(): undefined {
    return undefined;
  }
}

// Only as a worker (a test runner that globs test/** may also load this file as a test: then it does nothing).
const port = parentPort;
if (port) {
  const { dir, maxPending, maxWaitMs } = workerData as { dir: string; maxPending: number; maxWaitMs: number };
  const open = (d: string) => {
    const m = openModelDir(d);
    return servingModel(new SlowRecommender(m.recommender), m.catalog, d);
  };
  const app = await buildServer({ modelDir: dir, open, limits: { maxPending, maxWaitMs, scoreBatch: 1 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port.postMessage({ port: (app.server.address() as AddressInfo).port });
  port.once('message', () => {
    void app.close().then(() => port.close());
  });
}
