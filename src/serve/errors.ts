/**
 * Error code -> HTTP status, and the one error body every endpoint answers with:
 *   { "error": { "code": "E_INPUT", "message": "...", "field": "history[3]", "issues": [...] } }
 * Clients branch on `code` and `field`, never on the message. Fastify's own 4xx (bad JSON, body too large,
 * wrong content type) keep their status and are reported as E_INPUT on "(body)"; anything unexpected is a 500
 * whose details go to the log, not the client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SidrecError, type ErrorCode } from '../core/errors.js';
import { ValidationError, type FieldIssue } from './schemas.js';
import { OverloadedError } from './scheduler.js';

/** Codes the HTTP layer adds to the core ones. */
export type HttpErrorCode = ErrorCode | 'E_AUTH' | 'E_FORBIDDEN' | 'E_OVERLOADED';

export const STATUS_OF_CODE: Readonly<Record<HttpErrorCode, number>> = Object.freeze({
  E_INPUT: 400,
  E_CONFIG: 400,
  E_SHAPE: 400,
  E_NOT_FOUND: 404,
  E_STATE: 409,
  E_AUTH: 401,
  E_FORBIDDEN: 403,
  E_OVERLOADED: 503,
  E_BACKEND: 500,
  E_INTERRUPTED: 503,
  E_INTERNAL: 500,
});

/** An error with an HTTP-only code (auth, overload) or an explicit status. */
export class HttpError extends Error {
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly field?: string,
    readonly status: number = STATUS_OF_CODE[code],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ErrorBody {
  readonly error: { readonly code: HttpErrorCode; readonly message: string; readonly field?: string; readonly issues?: readonly FieldIssue[] };
}

/** Seconds a shed client is asked to wait. */
export const RETRY_AFTER_SECONDS = 1;

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = describe(error);
  if (status >= 500 && status !== 503) request.log.error({ err: error }, 'request failed');
  if (status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  void reply.code(status).send(body);
}

function describe(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ValidationError) {
    const first = error.issues[0];
    return { status: 400, body: { error: { code: 'E_INPUT', message: `field "${first.field}": ${first.message}`, field: first.field, issues: error.issues } } };
  }
  if (error instanceof SidrecError) {
    const body = { code: error.code, message: error.message, ...(error.location.field ? { field: error.location.field } : {}) };
    return { status: STATUS_OF_CODE[error.code], body: { error: body } };
  }
  if (error instanceof HttpError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } } };
  }
  if (error instanceof OverloadedError) return { status: 503, body: { error: { code: 'E_OVERLOADED', message: error.message } } };
  const fst = error as Partial<FastifyError>;
  if (typeof fst.statusCode === 'number' && fst.statusCode >= 400 && fst.statusCode < 500) {
    return { status: fst.statusCode, body: { error: { code: 'E_INPUT', message: fst.message ?? 'bad request', field: '(body)' } } };
  }
  if (typeof fst.statusCode === 'number' && fst.statusCode === 503) {
    return { status: 503, body: { error: { code: 'E_OVERLOADED', message: fst.message ?? 'unavailable' } } };
  }
  return { status: 500, body: { error: { code: 'E_INTERNAL', message: 'internal error (see the server log)' } } };
}
