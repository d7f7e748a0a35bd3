/**
 * POST /v1/recommend and POST /v1/recommend/batch. Ids are resolved against the catalogue (unknown ones
 * reported in `unknown`, never fatal), queries with known history go through the bounded scheduler (all
 * queries of a batch are admitted together or the request is shed with 503), and a history with no known
 * item is answered by training popularity (`fallback: "popularity"`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServeContext } from './context.js';
import { RETRY_AFTER_SECONDS } from './errors.js';
import type { ServingModel } from './model.js';
import type { Recommendation, RecommendQuery } from '../decode/recommender.js';
import { parseBody, type RecommendBody } from './schemas.js';

export interface RecommendedItem {
  readonly id: string;
  readonly score: number;
  readonly title?: string;
  readonly sid?: readonly number[];
}

export interface RecommendResponse {
  readonly items: readonly RecommendedItem[];
  /** Ids in history or exclude that the catalogue does not know. */
  readonly unknown: readonly string[];
  readonly fallback?: 'popularity';
}

interface Prepared {
  readonly query: RecommendQuery;
  readonly unknown: string[];
}

function prepare(model: ServingModel, body: RecommendBody): Prepared {
  const history = model.catalog.resolve(body.history.map(String));
  const excluded = model.catalog.resolve(body.exclude.map(String));
  const exclude = new Set(excluded.indices);
  if (body.excludeHistory) for (const i of history.indices) exclude.add(i);
  const unknown = [...new Set([...history.unknown, ...excluded.unknown])];
  return { query: { history: history.indices, k: body.k, exclude }, unknown };
}

function present(model: ServingModel, ranked: readonly Recommendation[]): RecommendedItem[] {
  return ranked.map(({ item, score }) => {
    const title = model.catalog.textOf(item).title;
    const sid = model.recommender.semanticId(item);
    return { id: model.catalog.idOf(item), score, ...(title ? { title } : {}), ...(sid ? { sid } : {}) };
  });
}

/**
 * Answers several bodies against one model: model queries admitted together, popularity for empty histories.
 * `receivedAt` (performance.now() at receipt) starts the query's wait budget.
 */
async function answer(ctx: ServeContext, bodies: readonly RecommendBody[], receivedAt: number): Promise<RecommendResponse[]> {
  const model = ctx.state.model;
  const prepared = bodies.map((b) => prepare(model, b));
  const scored = prepared.filter((p) => p.query.history.length > 0);
  const results =
    scored.length === 0
      ? []
      : await ctx.scheduler.submit(
          model,
          scored.map((p) => p.query),
          receivedAt,
        );
  let next = 0;
  return prepared.map((p) => {
    if (p.query.history.length === 0) {
      return { items: present(model, model.catalog.popular(p.query.k, p.query.exclude)), unknown: p.unknown, fallback: 'popularity' as const };
    }
    return { items: present(model, results[next++]), unknown: p.unknown };
  });
}

const SATURATED_BODY = JSON.stringify({
  error: { code: 'E_OVERLOADED', message: 'server saturated: the queued work would not be reached within max-wait-ms; retry later' },
});

export function recommendRoutes(app: FastifyInstance, ctx: ServeContext): void {
  // When the queue is full or would not be reached in time, shed before the body is read and validated, with a
  // ready-made answer (no error object, no error handler): under a flood of clients that do not back off,
  // refusing must cost far less than answering, or refusals eat the capacity the answers need.
  const shedEarly = async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!ctx.scheduler.saturated(ctx.state.model)) return undefined;
    return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).type('application/json; charset=utf-8').send(SATURATED_BODY);
  };
  const receivedAt = (reply: FastifyReply): number => performance.now() - reply.elapsedTime;
  app.post('/v1/recommend', { onRequest: shedEarly }, async (request, reply) => {
    const body = parseBody(ctx.schemas.recommend, request.body);
    const [response] = await answer(ctx, [body], receivedAt(reply));
    return response;
  });

  app.post('/v1/recommend/batch', { onRequest: shedEarly }, async (request, reply) => {
    const body = parseBody(ctx.schemas.batch, request.body);
    return { results: await answer(ctx, body.requests, receivedAt(reply)) };
  });
}
