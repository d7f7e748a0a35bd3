/**
 * What every route shares: the current model (swapped whole by hot reload), the scheduler, metrics, limits,
 * schemas and the write guard. Routes read `state.model` once per request, so a reload mid-request is safe.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Metrics } from './metrics.js';
import type { ServeLimits } from './limits.js';
import type { ServingModel } from './model.js';
import type { Scheduler } from './scheduler.js';
import type { RequestSchemas } from './schemas.js';
import { HttpError } from './errors.js';

export interface ModelState {
  model: ServingModel;
  /** 1 for the first load, +1 per successful reload. */
  generation: number;
}

export interface ReloadResult {
  readonly generation: number;
  readonly source: string;
  readonly numItems: number;
  /** Items added through the API to the previous model (they are not carried over). */
  readonly droppedAddedItems: number;
}

export interface ServeContext {
  readonly state: ModelState;
  readonly scheduler: Scheduler;
  readonly metrics: Metrics;
  readonly limits: ServeLimits;
  readonly schemas: RequestSchemas;
  /** Loads a model directory (the current one when absent) and swaps it in. */
  reload(dir?: string): Promise<ReloadResult>;
  /** Throws 401 unless the request carries the write token (when one is configured). */
  requireWriteAccess(request: FastifyRequest): void;
}

/** The write guard: with a token, `Authorization: Bearer <token>` compared in constant time; without, open. */
export function writeGuard(token: string | undefined): (request: FastifyRequest) => void {
  if (token === undefined) return () => {};
  const want = createHash('sha256').update(token).digest();
  return (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer (.+)$/i.exec(header.trim()) : null;
    if (!match) throw new HttpError('E_AUTH', 'this endpoint needs "Authorization: Bearer <token>"', 'authorization');
    const got = createHash('sha256').update(match[1]).digest();
    if (!timingSafeEqual(got, want)) throw new HttpError('E_AUTH', 'bearer token does not match', 'authorization');
  };
}
