/**
 * What every route shares: the current model (swapped whole by hot reload), the scheduler, metrics, limits,
 * schemas and the write guard. Routes read `state.model` once per request, so a reload mid-request is safe.
 * Writes (POST /v1/items, POST /admin/reload) are refused by default: they need the bearer token when one is
 * configured, or, with `allowLocalWrites` and no token, a client on the loopback interface.
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
  /** Throws 401 / 403 unless the request may write (write guard below). */
  requireWriteAccess(request: FastifyRequest): void;
}

/** How to enable writes, for the 403 a server without a token answers. */
export const WRITES_DISABLED =
  'writes are disabled: start sidrec serve with --token TOKEN (or SIDREC_TOKEN) and send "Authorization: Bearer TOKEN", or with --allow-local-writes to accept them without a token from loopback clients';

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(v4);
}

/**
 * The write guard. With a token: `Authorization: Bearer <token>` compared in constant time (else 401). Without:
 * every write is refused with 403 saying how to enable writes, unless `allowLocal`, which admits loopback clients.
 */
export function writeGuard(token: string | undefined, allowLocal = false): (request: FastifyRequest) => void {
  if (token === undefined) {
    return (request) => {
      if (!allowLocal) throw new HttpError('E_FORBIDDEN', WRITES_DISABLED);
      if (!isLoopback(request.socket.remoteAddress))
        throw new HttpError(
          'E_FORBIDDEN',
          `writes without a token are accepted from loopback clients only, not ${request.socket.remoteAddress ?? 'this client'}; configure --token to write from elsewhere`,
        );
    };
  }
  const want = createHash('sha256').update(token).digest();
  return (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer (.+)$/i.exec(header.trim()) : null;
    if (!match) throw new HttpError('E_AUTH', 'this endpoint needs "Authorization: Bearer <token>"', 'authorization');
    const got = createHash('sha256').update(match[1]).digest();
    if (!timingSafeEqual(got, want)) throw new HttpError('E_AUTH', 'bearer token does not match', 'authorization');
  };
}
