/**
 * The OpenAPI 3.1 document served at /openapi.json. Request bodies are generated from the same zod schemas the
 * routes validate with (so documented bounds are enforced bounds); responses are described by hand.
 */
import { z } from 'zod';
import type { ServeLimits } from './limits.js';
import type { RequestSchemas } from './schemas.js';

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function bodySchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export function openApiDocument(schemas: RequestSchemas, limits: ServeLimits): Record<string, unknown> {
  const error = { description: 'Error', ...json(ref('Error')) };
  const errors = {
    '400': error,
    '413': { description: `Body over ${limits.bodyLimitBytes} bytes`, ...json(ref('Error')) },
    '503': { description: 'Saturated: retry after the Retry-After header', ...json(ref('Error')) },
  };
  const write = { security: [{ bearer: [] }], responses: { '401': error, '403': error } };
  const recommendation = {
    type: 'object',
    properties: {
      items: { type: 'array', items: ref('RecommendedItem') },
      unknown: { type: 'array', items: { type: 'string' }, description: 'Ids in history/exclude the catalogue does not know' },
      fallback: { type: 'string', enum: ['popularity'], description: 'Present when no history item was known' },
    },
    required: ['items', 'unknown'],
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'sidrec serve',
      version: '1',
      description: 'Recommendations from a trained sidrec model; new items without retraining for models with a frozen tokenizer.',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'Write endpoints need it; a server without a token refuses writes with 403 (unless started with --allow-local-writes, which admits loopback clients)',
        },
      },
      schemas: {
        RecommendRequest: bodySchema(schemas.recommend),
        RecommendBatchRequest: bodySchema(schemas.batch),
        AddItemsRequest: bodySchema(schemas.addItems),
        ReloadRequest: bodySchema(schemas.reload),
        Recommendation: recommendation,
        RecommendedItem: {
          type: 'object',
          properties: { id: { type: 'string' }, score: { type: 'number' }, title: { type: 'string' }, sid: { type: 'array', items: { type: 'integer' } } },
          required: ['id', 'score'],
        },
        Item: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            index: { type: 'integer' },
            title: { type: 'string' },
            brand: { type: 'string' },
            categories: { type: 'array' },
            sid: { type: 'array', items: { type: 'integer' } },
            added: { type: 'boolean', description: 'Added through POST /v1/items since the model was loaded' },
          },
          required: ['id', 'index', 'added'],
        },
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: {
                code: {
                  type: 'string',
                  enum: ['E_INPUT', 'E_CONFIG', 'E_SHAPE', 'E_NOT_FOUND', 'E_STATE', 'E_AUTH', 'E_OVERLOADED', 'E_BACKEND', 'E_INTERRUPTED', 'E_INTERNAL'],
                },
                message: { type: 'string' },
                field: { type: 'string', description: 'JSON path of the offending field, e.g. history[3]' },
                issues: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
              },
              required: ['code', 'message'],
            },
          },
        },
      },
    },
    paths: {
      '/v1/recommend': {
        post: {
          summary: 'Top-k items for one history',
          requestBody: json(ref('RecommendRequest')),
          responses: { '200': { description: 'Ranked items', ...json(ref('Recommendation')) }, ...errors },
        },
      },
      '/v1/recommend/batch': {
        post: {
          summary: `Up to ${limits.maxBatchQueries} histories at once`,
          requestBody: json(ref('RecommendBatchRequest')),
          responses: {
            '200': {
              description: 'One result per request, in order',
              ...json({ type: 'object', properties: { results: { type: 'array', items: ref('Recommendation') } } }),
            },
            ...errors,
          },
        },
      },
      '/v1/items': {
        get: {
          summary: 'Search items by title or brand words',
          parameters: [
            { name: 'q', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: limits.maxSearchResults, default: 20 } },
          ],
          responses: {
            '200': { description: 'Matching items', ...json({ type: 'object', properties: { items: { type: 'array', items: ref('Item') } } }) },
            '400': error,
          },
        },
        post: {
          summary: 'Add items: the frozen tokenizer gives them semantic IDs; recommendable at once (409 for models that cannot)',
          ...write,
          requestBody: json(ref('AddItemsRequest')),
          responses: {
            ...write.responses,
            '201': {
              description: 'Added items with their semantic IDs',
              ...json({ type: 'object', properties: { added: { type: 'array', items: ref('Item') }, numItems: { type: 'integer' } } }),
            },
            '409': error,
            ...errors,
          },
        },
      },
      '/v1/items/{id}': {
        get: {
          summary: 'One item',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The item', ...json(ref('Item')) }, '404': error },
        },
      },
      '/v1/model': { get: { summary: 'What is loaded: kind, size, tokenizer codebook usage, limits', responses: { '200': { description: 'Model info' } } } },
      '/v1/sids/{prefix}': {
        get: {
          summary: 'Items whose semantic ID starts with a prefix (codes joined by -), at most ?limit',
          responses: { '200': { description: 'Items' }, '400': { description: 'Not a prefix' } },
        },
      },
      '/v1/model/codes': {
        get: {
          summary: "Per digit, the served items' code counts (most used first); collision group sizes",
          responses: { '200': { description: 'Code use' } },
        },
      },
      '/v1/model/epochs': {
        get: {
          summary: "The served model's training curve (loss, validation NDCG@10 and every other validation figure by epoch)",
          responses: { '200': { description: 'Epochs' } },
        },
      },
      '/v1/model/map': {
        get: {
          summary: "Item vectors on their first two principal components, with each item's first SID code (empty for models without vectors)",
          responses: { '200': { description: 'Item map' } },
        },
      },
      '/v1/export': {
        get: {
          summary: "The served model's ONNX export (sidrec serve --export), for ranking in the browser",
          responses: { '200': { description: 'export.json' }, '404': { description: 'No export served' } },
        },
      },
      '/export/{file}': {
        get: {
          summary: 'A file of the export: model.onnx or items.json',
          responses: { '200': { description: 'The file' }, '404': { description: 'No such file' } },
        },
      },
      '/vendor/ort/{file}': {
        get: {
          summary: "onnxruntime-web's WebAssembly build, from this install",
          responses: { '200': { description: 'The file' }, '404': { description: 'onnxruntime-web not installed' } },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'Serving' }, '503': { description: 'Shutting down' } } } },
      '/metrics': {
        get: { summary: 'Prometheus metrics (text format 0.0.4)', responses: { '200': { description: 'Metrics', content: { 'text/plain': {} } } } },
      },
      '/admin/reload': {
        post: {
          summary:
            'Reload the configured model directory and swap it in (items added to the old model are dropped); a body naming another directory is refused with 403',
          ...write,
          requestBody: { required: false, ...json(ref('ReloadRequest')) },
          responses: { ...write.responses, '200': { description: 'Reloaded' }, '404': error, '409': error },
        },
      },
      '/': { get: { summary: 'The explorer page', responses: { '200': { description: 'HTML', content: { 'text/html': {} } } } } },
    },
  };
}
