/**
 * Worker-thread server for the overload and shutdown tests: the trained SASRec behind a fixed `callMs` per model
 * call, listening on loopback in its own event loop (so the test's clients are not slowed by the server's blocking
 * work, as real clients would not be). workerData: SlowServerOptions; posts { port } when listening, then
 * { closing: ClosingStats } when it starts closing (on any message, or after `closeAfterRequests`). Start it with
 * `startSlowServer` (helpers.ts), which also guarantees the worker ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../../src/serve/app.js';
import { openModelDir, servingModel } from '../../src/serve/model.js';
import type { Recommender, RecommendQuery } from '../../src/decode/recommender.js';

export interface SlowServerOptions {
  readonly dir: string;
  readonly maxPending: number;
  readonly maxWaitMs: number;
  /** Busy time per model call. */
  readonly callMs: number;
  /** Start closing (in the server's own event loop) as soon as this many requests have been accepted. */
  readonly closeAfterRequests?: number;
}

/** Posted when the server starts closing: responses already sent, and queries queued or running. */
export interface ClosingStats {
  readonly answered: number;
  readonly pending: number;
}

class SlowRecommender implements Recommender {
  readonly kind = 'slow-sasrec';
  constructor(
    private readonly inner: Recommender,
    private readonly callMs: number,
  ) {}
  get numItems(): number {
    return this.inner.numItems;
  }
  recommend(queries: readonly RecommendQuery[]) {
    const until = performance.now() + this.callMs;
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
  const { dir, maxPending, maxWaitMs, callMs, closeAfterRequests } = workerData as SlowServerOptions;
  const open = (d: string) => {
    const m = openModelDir(d);
    return servingModel(new SlowRecommender(m.recommender, callMs), m.catalog, d);
  };
  const app = await buildServer({ modelDir: dir, open, limits: { maxPending, maxWaitMs, scoreBatch: 1 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port.postMessage({ port: (app.server.address() as AddressInfo).port });
  let answered = 0;
  let accepted = 0;
  let closing = false;
  const close = (): void => {
    if (closing) return;
    closing = true;
    port.postMessage({ closing: { answered, pending: app.sidrec.scheduler.pending } satisfies ClosingStats });
    void app.close().then(() => port.close());
  };
  // Registered after Fastify's own listener, which has already admitted the request when this runs.
  app.server.on('request', (_request, response) => {
    response.once('finish', () => answered++);
    if (++accepted === closeAfterRequests) close();
  });
  port.once('message', close);
}
