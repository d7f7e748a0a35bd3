/**
 * Operational endpoints: GET /healthz (liveness + what is loaded), GET /metrics (Prometheus text),
 * GET /openapi.json, GET /v1/model (kind, size, tokenizer codebook usage for the explorer's charts), its training
 * curve, code use and item map (GET /v1/model/epochs, /codes, /map),
 * POST /admin/reload (write token; load a model directory and swap it in), and the explorer page at /.
 */
import { NEWEST_ITEM } from '../model/transition-counts.js';
import type { FastifyInstance } from 'fastify';
import type { ServeContext } from './context.js';
import { join } from 'node:path';
import { MODEL_FILES } from '../model/files.js';
import { readEpochLog } from '../train/epoch-log.js';
import { EXPLORER_HTML } from './explorer/page.js';
import { itemMap, type ItemMap } from './item-map.js';
import { openApiDocument } from './openapi.js';
import { parseBody } from './schemas.js';
import { TransitionRecommender } from '../decode/transition-recommender.js';

export function opsRoutes(app: FastifyInstance, ctx: ServeContext): void {
  app.get('/healthz', async () => {
    const { model, generation } = ctx.state;
    return { status: 'ok', kind: model.recommender.kind, numItems: model.catalog.size, generation, pending: ctx.scheduler.pending };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return ctx.metrics.render();
  });

  const openapi = openApiDocument(ctx.schemas, ctx.limits);
  app.get('/openapi.json', async () => openapi);

  app.get('/v1/model', async () => {
    const { model, generation } = ctx.state;
    const r = model.recommender;
    return {
      kind: r.kind,
      source: model.source,
      loadedAt: model.loadedAt,
      generation,
      numItems: model.catalog.size,
      addedItems: model.catalog.addedItems,
      semanticIds: r.semanticId(0) !== undefined,
      canAddItems: r.addItems !== undefined,
      ...(r.cannotAddItems ? { cannotAddItems: r.cannotAddItems } : {}),
      ...(r.newItemsNeedSid !== undefined ? { newItemsNeedSid: r.newItemsNeedSid } : {}),
      ...(r.featureDim !== undefined ? { featureDim: r.featureDim } : {}),
      ...(r.tokenizerReport ? { tokenizer: r.tokenizerReport } : {}),
      ...(r instanceof TransitionRecommender ? { transitionWeight: r.prior.weight, transitionReach: r.prior.reach ?? NEWEST_ITEM } : {}),
      limits: ctx.limits,
    };
  });

  // The training curve of the served model (its epochs.jsonl), for the explorer's chart; empty for in-memory models.
  app.get('/v1/model/epochs', async () => {
    const epochs = readEpochLog(join(ctx.state.model.source, MODEL_FILES.epochs)).map((e) => ({
      epoch: e.epoch,
      loss: e.loss,
      ndcg10: e.valid['ndcg@10'] ?? null,
      valid: e.valid,
    }));
    return { epochs };
  });

  // Codebook use per digit from the served items' SIDs: each digit's code counts, most used first (a flat curve is
  // even use), and how many items share their whole SID (collision group sizes).
  app.get('/v1/model/codes', async () => {
    const { recommender, catalog } = ctx.state.model;
    const first = recommender.semanticId(0);
    if (!first) return { digits: 0, perDigit: [], collisionGroups: {} };
    const m = first.length;
    const counts: Map<number, number>[] = Array.from({ length: m }, () => new Map());
    const groups = new Map<string, number>();
    for (let i = 0; i < catalog.size; i++) {
      const sid = recommender.semanticId(i)!;
      for (let d = 0; d < m; d++) counts[d].set(sid[d], (counts[d].get(sid[d]) ?? 0) + 1);
      const key = sid.join('-');
      groups.set(key, (groups.get(key) ?? 0) + 1);
    }
    const sizes: Record<string, number> = {};
    for (const n of groups.values()) sizes[n] = (sizes[n] ?? 0) + 1;
    return { digits: m, items: catalog.size, perDigit: counts.map((c) => [...c.values()].sort((a, b) => b - a)), collisionGroups: sizes };
  });

  // The item map (item-map.ts), computed once per loaded model and catalogue size.
  let map: { key: string; value: ItemMap | undefined } | undefined;
  app.get('/v1/model/map', async () => {
    const { model, generation } = ctx.state;
    const key = `${generation}:${model.catalog.size}`;
    if (map?.key !== key) map = { key, value: itemMap(model.recommender, (i) => model.catalog.idOf(i)) };
    return map.value ?? { items: 0, stride: 1, explained: 0, ids: [], x: [], y: [], code: [] };
  });

  app.post('/admin/reload', async (request) => {
    ctx.requireWriteAccess(request);
    const body = parseBody(ctx.schemas.reload, request.body ?? {});
    return ctx.reload(body.modelDir);
  });

  app.get('/', async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    // 'self' and 'wasm-unsafe-eval': the optional in-browser ranking loads onnxruntime-web from /vendor/ort and compiles its WebAssembly.
    reply.header('content-security-policy', "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'");
    return EXPLORER_HTML;
  });
}
