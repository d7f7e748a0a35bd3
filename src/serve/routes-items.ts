/**
 * Item endpoints: GET /v1/items?q= (title search, for the explorer), GET /v1/items/:id, GET /v1/sids/:prefix (the
 * items under a semantic-ID prefix), and POST /v1/items
 * (a write: see the write guard in context.ts) which hands new items to the model's frozen tokenizer: they get
 * semantic IDs and are recommendable in the next request, without retraining. Models that cannot do that answer
 * 409 saying why; vectors that are not finite as float32 are refused with 400 naming items[i].vector[j].
 */
import type { FastifyInstance } from 'fastify';
import { SidrecError } from '../core/errors.js';
import type { ItemText } from '../data/index.js';
import type { ServeContext } from './context.js';
import { addItems, type ServingModel } from './model.js';
import { parseBody, type AddItemsBody } from './schemas.js';

function describeItem(model: ServingModel, index: number) {
  const text = model.catalog.textOf(index);
  const sid = model.recommender.semanticId(index);
  return {
    id: model.catalog.idOf(index),
    index,
    ...(text.title ? { title: text.title } : {}),
    ...(text.brand ? { brand: text.brand } : {}),
    ...(text.categories && text.categories.length > 0 ? { categories: text.categories } : {}),
    ...(sid ? { sid } : {}),
    added: index >= model.catalog.size - model.catalog.addedItems,
  };
}

/** "12-5-7" (or "12,5,7") -> [12, 5, 7]; anything else is a 400 naming the field. */
export function parseSidPrefix(text: string): number[] {
  const parts = text.split(/[-,]/).filter((p) => p !== '');
  const codes = parts.map(Number);
  if (parts.length === 0 || codes.some((c) => !Number.isInteger(c) || c < 0)) {
    throw new SidrecError('E_INPUT', `"${text}" is not a SID prefix (codes joined by "-", e.g. 12-5)`, { field: 'prefix' });
  }
  return codes;
}

function textOf(item: AddItemsBody['items'][number]): ItemText {
  const extra = item.description ? { extra: { description: item.description } } : {};
  return { title: item.title, brand: item.brand, categories: item.categories, ...extra };
}

export function itemRoutes(app: FastifyInstance, ctx: ServeContext): void {
  app.get('/v1/items', async (request) => {
    const { q, limit } = parseBody(ctx.schemas.search, request.query);
    const model = ctx.state.model;
    return { items: model.catalog.search(q, limit).map((i) => describeItem(model, i)) };
  });

  app.get<{ Params: { id: string } }>('/v1/items/:id', async (request) => {
    const model = ctx.state.model;
    const index = model.catalog.indexOf(request.params.id);
    if (index === undefined) throw new SidrecError('E_NOT_FOUND', `unknown item id "${request.params.id}"`, { field: 'id' });
    return describeItem(model, index);
  });

  // Reverse look-up: the items whose semantic ID starts with a prefix ("12-5", or a whole SID), at most `limit`.
  app.get<{ Params: { prefix: string }; Querystring: { limit?: string } }>('/v1/sids/:prefix', async (request) => {
    const model = ctx.state.model;
    const prefix = parseSidPrefix(request.params.prefix);
    const limit = Math.min(1000, Math.max(1, Number(request.query.limit ?? 100) || 100));
    if (model.recommender.semanticId(0) === undefined) throw new SidrecError('E_STATE', `model kind "${model.recommender.kind}" has no semantic IDs`);
    const matches: number[] = [];
    let total = 0;
    for (let i = 0; i < model.catalog.size; i++) {
      const sid = model.recommender.semanticId(i)!;
      if (prefix.length <= sid.length && prefix.every((c, d) => sid[d] === c)) {
        total++;
        if (matches.length < limit) matches.push(i);
      }
    }
    return { prefix, total, items: matches.map((i) => describeItem(model, i)) };
  });

  app.post('/v1/items', async (request, reply) => {
    const model = ctx.state.model;
    // A model that can never add items says so (409) before the write guard: no write can happen either way,
    // and the reason (also in GET /v1/model) is what the client needs.
    if (!model.recommender.addItems)
      throw new SidrecError('E_STATE', model.recommender.cannotAddItems ?? `model kind "${model.recommender.kind}" cannot add items`);
    ctx.requireWriteAccess(request);
    const body = parseBody(ctx.schemas.addItems, request.body);
    const items = body.items.map((it) => ({
      id: String(it.id),
      text: textOf(it),
      ...(it.vector ? { vector: Float32Array.from(it.vector) } : {}),
      ...(it.sid ? { sid: it.sid } : {}),
    }));
    const indices = addItems(model, items);
    reply.code(201);
    return { added: indices.map((i) => describeItem(model, i)), numItems: model.catalog.size };
  });
}
