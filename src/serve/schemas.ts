/**
 * Request schemas (zod), built from the limits so the bounds in errors and in the OpenAPI document are the ones
 * enforced. Objects are strict: an unknown key is a 400 naming it. `parseBody` turns zod issues into one
 * E_INPUT error whose field is the JSON path ("history[3]", "items[0].vector").
 */
import { z } from 'zod';
import { SidrecError } from '../core/errors.js';
import type { ServeLimits } from './limits.js';

export function requestSchemas(limits: ServeLimits) {
  const itemId = z.union([z.string().min(1).max(limits.maxIdLength), z.int().nonnegative()], {
    error: `an item id: a non-empty string of at most ${limits.maxIdLength} characters or a non-negative integer`,
  });
  const recommend = z.strictObject({
    history: z.array(itemId).max(limits.maxHistory).describe('Item ids, oldest first; unknown ids are reported and skipped'),
    k: z.int().min(1).max(limits.maxK).default(10).describe('Items to return'),
    exclude: z.array(itemId).max(limits.maxExclude).default([]).describe('Item ids never to return'),
    excludeHistory: z.boolean().default(true).describe('Never return items already in the history'),
  });
  const batch = z.strictObject({ requests: z.array(recommend).min(1).max(limits.maxBatchQueries) });
  const text = z.string().max(10_000);
  const newItem = z
    .strictObject({
      id: itemId,
      title: text.optional(),
      brand: text.optional(),
      categories: z.array(text).max(100).optional(),
      description: text.optional(),
      vector: z.array(z.number()).min(1).max(65_536).optional().describe('Features in the tokenizer input space; else the text is embedded'),
      sid: z
        .array(z.int().min(0).max(65_535))
        .min(1)
        .max(256)
        .optional()
        .describe("The item's semantic ID, one code per digit: required by models whose SIDs were imported (GET /v1/model: newItemsNeedSid)"),
    })
    .refine(
      (it) =>
        it.sid !== undefined ||
        it.vector !== undefined ||
        [it.title, it.brand, it.description].some((s) => s !== undefined && s.trim() !== '') ||
        (it.categories?.length ?? 0) > 0,
      {
        error: 'a new item needs features: a title, brand, categories, description, a vector or a sid',
      },
    );
  const addItems = z.strictObject({ items: z.array(newItem).min(1).max(limits.maxAddItems) });
  const reload = z.strictObject({
    modelDir: z.string().min(1).max(4096).optional().describe('The configured model directory (any other is refused with 403); default the configured one'),
  });
  const search = z.strictObject({
    q: z.string().max(200).default(''),
    limit: z.coerce.number().pipe(z.int().min(1).max(limits.maxSearchResults)).default(20),
  });
  return { recommend, batch, addItems, reload, search };
}

export type RequestSchemas = ReturnType<typeof requestSchemas>;
export type RecommendBody = z.output<RequestSchemas['recommend']>;
export type AddItemsBody = z.output<RequestSchemas['addItems']>;

/** "history[3]" / "items[0].vector" / "(body)" from a zod path. */
export function fieldOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(body)' : out;
}

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export class ValidationError extends SidrecError {
  constructor(readonly issues: readonly FieldIssue[]) {
    super('E_INPUT', issues[0].message, { field: issues[0].field });
    this.name = 'ValidationError';
  }
}

/** Parse `value` or throw a ValidationError naming every bad field (unknown keys named as fields). */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.slice(0, 20).map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0];
      return { field: fieldOf([...issue.path, key]), message: `unknown field (allowed fields are in /openapi.json)` };
    }
    return { field: fieldOf(issue.path), message: issue.message };
  });
  throw new ValidationError(issues);
}
