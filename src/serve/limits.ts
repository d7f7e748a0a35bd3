/**
 * What one request may ask of the server and how much it queues before shedding load. Frozen defaults,
 * resolved once at the edge (CLI flags > defaults); every value is checked so a typo cannot disable a limit.
 */
import { SidrecError } from '../core/errors.js';

export interface ServeLimits {
  /** Largest request body; larger ones get 413. @default 262144 (256 KiB) */
  readonly bodyLimitBytes: number;
  /** Most history items per query. @default 200 */
  readonly maxHistory: number;
  /** Largest k. @default 100 */
  readonly maxK: number;
  /** Most ids in `exclude`. @default 1000 */
  readonly maxExclude: number;
  /** Most queries in one /v1/recommend/batch request. @default 32 */
  readonly maxBatchQueries: number;
  /** Most items in one POST /v1/items. @default 1000 */
  readonly maxAddItems: number;
  /** Queued + running queries before new ones are shed with 503. @default 128 */
  readonly maxPending: number;
  /** A query queued longer than this is shed with 503 instead of answered late. @default 1000 */
  readonly maxWaitMs: number;
  /** Queries scored per model call. @default 32 */
  readonly scoreBatch: number;
  /** Estimated milliseconds of work per model call (fewer queries per call for slow models). @default 100 */
  readonly scoreBatchMs: number;
  /** Longest item id. @default 200 */
  readonly maxIdLength: number;
  /** Most results of an item search. @default 50 */
  readonly maxSearchResults: number;
}

export const DEFAULT_SERVE_LIMITS: ServeLimits = Object.freeze({
  bodyLimitBytes: 256 * 1024,
  maxHistory: 200,
  maxK: 100,
  maxExclude: 1000,
  maxBatchQueries: 32,
  maxAddItems: 1000,
  maxPending: 128,
  maxWaitMs: 1000,
  scoreBatch: 32,
  scoreBatchMs: 100,
  maxIdLength: 200,
  maxSearchResults: 50,
});

export function resolveLimits(partial: Partial<ServeLimits> = {}): ServeLimits {
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_SERVE_LIMITS)) throw new SidrecError('E_CONFIG', `unknown serve limit "${key}"`, { field: `limits.${key}` });
  }
  const limits = Object.freeze({ ...DEFAULT_SERVE_LIMITS, ...partial });
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1)
      throw new SidrecError('E_CONFIG', `limit ${key} must be a positive integer, got ${value}`, { field: `limits.${key}` });
  }
  return limits;
}
