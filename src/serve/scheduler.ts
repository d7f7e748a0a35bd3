/**
 * Bounded micro-batching: recommendation queries wait in one FIFO queue and are scored in batches (one model
 * call per batch, which is where SASRec's GEMM gets its throughput) between turns of the event loop, so new
 * requests keep being parsed and answered while a backlog drains. Load shedding: a submit that would take the
 * queued + running queries past `maxPending` is refused at once (the route answers 503 + Retry-After), so an
 * accepted query waits behind at most `maxPending` others. Work is counted in queries, not seconds, so a query
 * that has already waited `maxWaitMs` when its turn comes (the host was slower than usual) is shed as well
 * rather than answered late: the queueing delay of every answered query is bounded in wall-clock time too.
 * Models differ by 40x in cost per query (SASRec ~0.5 ms, Gryphon ~20 ms on 2 cores), so the scheduler also
 * learns each model's cost (a moving average of ms per query over its calls) and uses it twice: a batch holds
 * at most `maxBatchMs` of work (a slow model's batch would otherwise hold the event loop for 0.7 s), and a
 * submit whose estimated wait behind the pending work exceeds `maxWaitMs` is refused at once, not shed later.
 * The wait is estimated from the measured drain rate (wall-clock time between back-to-back batches per query),
 * not the model's cost alone: under overload the event loop also parses, refuses and answers other requests
 * between batches, and an estimate that ignored that admitted queries that then waited seconds. Waits count
 * from the request's receipt (`receivedAt`), so parsing time counts against the bound too: an answered query
 * starts its batch within `maxWaitMs` of its receipt. `saturated()` tells a route to refuse before reading a
 * body, so refusals stay cheap when clients retry at once and do not eat the capacity the answers need.
 */
import type { ServingModel } from './model.js';
import type { Recommendation, RecommendQuery } from '../decode/recommender.js';

export interface SchedulerOptions {
  /** Queued + running queries at most; more are shed. @default 128 */
  readonly maxPending: number;
  /** Queries scored per model call at most. @default 32 */
  readonly maxBatch: number;
  /** A query still queued after this many milliseconds is shed instead of scored. @default 1000 */
  readonly maxWaitMs: number;
  /** Estimated milliseconds of work per model call at most (never below one query). @default 100 */
  readonly maxBatchMs: number;
}

export class OverloadedError extends Error {
  constructor(
    readonly pending: number,
    reason = `${pending} queries pending`,
  ) {
    super(`server saturated: ${reason}`);
    this.name = 'OverloadedError';
  }
}

interface Job {
  readonly model: ServingModel;
  readonly query: RecommendQuery;
  /** performance.now() when the request was received. */
  readonly queuedAt: number;
  resolve(result: Recommendation[]): void;
  reject(error: unknown): void;
}

export class Scheduler {
  private readonly queue: Job[] = [];
  private head = 0;
  private running = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  /** Moving average of milliseconds per query, per served model (a reload starts a new estimate). */
  private readonly cost = new WeakMap<ServingModel, number>();
  /** Moving average of wall-clock milliseconds per query between back-to-back batches, per served model. */
  private readonly drain = new WeakMap<ServingModel, number>();
  /** The previous batch, while the queue has not emptied since it started. */
  private lastBatch: { readonly model: ServingModel; readonly started: number; readonly size: number } | undefined;

  constructor(readonly options: SchedulerOptions) {}

  /** Queued + running queries. */
  get pending(): number {
    return this.queue.length - this.head + this.running;
  }

  /** Milliseconds before the last of `n` queries submitted now would start, at the measured drain rate. */
  estimatedWaitMs(model: ServingModel, n = 1): number {
    const perQuery = Math.max(this.cost.get(model) ?? 0, this.drain.get(model) ?? 0);
    return (this.pending + n - 1) * perQuery;
  }

  /** Whether a query submitted now would be refused: for shedding a request before its body is read. */
  saturated(model: ServingModel): boolean {
    return this.pending >= this.options.maxPending || this.estimatedWaitMs(model) > this.options.maxWaitMs;
  }

  /**
   * Queue all queries of one request, or none: throws OverloadedError when they do not fit in `maxPending` or
   * would start later than `maxWaitMs` after `receivedAt` (performance.now() at the request's receipt).
   */
  submit(model: ServingModel, queries: readonly RecommendQuery[], receivedAt = performance.now()): Promise<Recommendation[][]> {
    if (this.pending + queries.length > this.options.maxPending) throw new OverloadedError(this.pending);
    if (this.pending > 0) {
      const wait = this.estimatedWaitMs(model, queries.length);
      const left = this.options.maxWaitMs - (performance.now() - receivedAt);
      if (wait > left) throw new OverloadedError(this.pending, `an estimated ${Math.round(wait)} ms of work queued (limit ${this.options.maxWaitMs} ms)`);
    }
    const queuedAt = receivedAt;
    const promises = queries.map((query) => new Promise<Recommendation[]>((resolve, reject) => this.queue.push({ model, query, queuedAt, resolve, reject })));
    this.wake();
    return Promise.all(promises);
  }

  /** Resolves once nothing is queued or running (for graceful shutdown and reload). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.runBatch());
  }

  private runBatch(): void {
    this.scheduled = false;
    const now = performance.now();
    const last = this.lastBatch;
    if (last) {
      const ms = (now - last.started) / last.size;
      const prev = this.drain.get(last.model);
      this.drain.set(last.model, prev === undefined ? ms : 0.8 * prev + 0.2 * ms);
      this.lastBatch = undefined;
    }
    const stale = now - this.options.maxWaitMs;
    while (this.head < this.queue.length && this.queue[this.head].queuedAt < stale) {
      this.queue[this.head++].reject(new OverloadedError(this.pending, `query waited over ${this.options.maxWaitMs} ms`));
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      this.notifyIdle();
      return;
    }
    const model = this.queue[this.head].model;
    const perQuery = this.cost.get(model);
    const limit = perQuery === undefined ? this.options.maxBatch : Math.max(1, Math.min(this.options.maxBatch, Math.floor(this.options.maxBatchMs / perQuery)));
    const batch: Job[] = [];
    while (this.head < this.queue.length && batch.length < limit && this.queue[this.head].model === model) {
      const job = this.queue[this.head++];
      if (job.queuedAt < stale) job.reject(new OverloadedError(this.pending, `query waited over ${this.options.maxWaitMs} ms`));
      else batch.push(job);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (batch.length === 0) {
      // every job of this model run was stale
      if (this.head < this.queue.length) this.wake();
      else this.notifyIdle();
      return;
    }
    this.running = batch.length;
    this.lastBatch = { model, started: now, size: batch.length };
    try {
      const started = performance.now();
      const results = model.recommender.recommend(batch.map((j) => j.query));
      const ms = (performance.now() - started) / batch.length;
      this.cost.set(model, perQuery === undefined ? ms : 0.8 * perQuery + 0.2 * ms);
      batch.forEach((j, i) => j.resolve(results[i]));
    } catch (error) {
      for (const j of batch) j.reject(error);
    }
    this.running = 0;
    if (this.head < this.queue.length) this.wake();
    else {
      this.lastBatch = undefined; // the queue ran dry: the time to the next batch is idle, not drain
      this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    if (this.pending !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
