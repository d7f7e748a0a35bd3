/**
 * A seeded generator of malformed request bodies for the fuzz test. Every case is invalid by construction
 * (broken bytes or JSON, wrong media type, oversize, or a valid request with at least one field made wrong),
 * so a correct server answers each with a 4xx; the target endpoint is part of the case.
 */
import type { Rng } from '../../src/core/rng.js';

export interface FuzzCase {
  readonly path: string;
  readonly body: string | Uint8Array;
  readonly headers: Record<string, string>;
  readonly kind: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

/** Values that are wrong for every field of every schema (not an id, not a k, not a list, not a boolean). */
const ALWAYS_BAD: readonly unknown[] = [null, {}, { a: 1 }, [[1]], -1, 1.5, 1e300, -0.5, '', 'x'.repeat(201), Number.MAX_SAFE_INTEGER + 2];
const BAD_K: readonly unknown[] = [0, -3, 2.5, '10', null, true, [], {}, 1e9, 101];
const BAD_LIST: readonly unknown[] = ['1,2,3', 7, null, true, {}, { 0: '1' }];
const BAD_BOOL: readonly unknown[] = ['true', 1, 0, null, [], {}];
const ODD_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'user', 'History', 'k ', ''];

function validRecommend(rng: Rng): Record<string, unknown> {
  const body: Record<string, unknown> = { history: Array.from({ length: rng.int(6) }, () => String(1 + rng.int(150))) };
  if (rng.next() < 0.5) body.k = 1 + rng.int(50);
  if (rng.next() < 0.3) body.exclude = [String(1 + rng.int(120))];
  return body;
}

/** Makes one field of a valid recommend body wrong (or adds an unknown key); never leaves it valid. */
function breakRecommend(rng: Rng, body: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body };
  switch (rng.int(7)) {
    case 0:
      out.history = pick(rng, BAD_LIST);
      break;
    case 1:
      out.history = [...((out.history as unknown[]) ?? []), pick(rng, ALWAYS_BAD)];
      break;
    case 2:
      out.k = pick(rng, BAD_K);
      break;
    case 3:
      out.exclude = rng.next() < 0.5 ? pick(rng, BAD_LIST) : [pick(rng, ALWAYS_BAD)];
      break;
    case 4:
      out.excludeHistory = pick(rng, BAD_BOOL);
      break;
    case 5:
      delete out.history;
      break;
    default: {
      const key = pick(rng, ODD_KEYS);
      return JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(pick(rng, [1, 'x', { polluted: true }]))}, ${JSON.stringify(out).slice(1)}`) as Record<
        string,
        unknown
      >;
    }
  }
  return out;
}

function breakItem(rng: Rng): Record<string, unknown> {
  const item: Record<string, unknown> = { id: `fuzz-${rng.int(1e6)}`, title: 'fuzz item' };
  switch (rng.int(6)) {
    case 0:
      item.id = pick(rng, ALWAYS_BAD);
      break;
    case 1:
      delete item.title;
      break; // no features left
    case 2:
      item.vector = pick(rng, [[], ['1'], [null], 'v', [1, {}]]);
      break;
    case 3:
      item.categories = pick(rng, ['cat', [1], [null], {}]);
      break;
    case 4:
      item.title = pick(rng, [1, null, [], {}, 'y'.repeat(10_001)]);
      break;
    default:
      item.colour = 'red';
      break;
  }
  return item;
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.int(256));
}

export function fuzzCase(rng: Rng, bodyLimit: number): FuzzCase {
  const r = rng.int(100);
  if (r < 12) return { path: '/v1/recommend', body: randomBytes(rng, 1 + rng.int(300)), headers: JSON_TYPE, kind: 'random bytes' };
  if (r < 22) {
    const text = JSON.stringify(rng.next() < 0.5 ? validRecommend(rng) : { requests: [validRecommend(rng)] });
    return {
      path: rng.next() < 0.5 ? '/v1/recommend' : '/v1/recommend/batch',
      body: text.slice(0, rng.int(text.length)),
      headers: JSON_TYPE,
      kind: 'truncated JSON',
    };
  }
  if (r < 50) return { path: '/v1/recommend', body: JSON.stringify(breakRecommend(rng, validRecommend(rng))), headers: JSON_TYPE, kind: 'wrong field' };
  if (r < 62) {
    const requests = Array.from({ length: 1 + rng.int(4) }, () => validRecommend(rng));
    const at = rng.int(requests.length);
    const body =
      rng.next() < 0.2
        ? { requests: pick(rng, [[], null, 'all', Array.from({ length: 40 }, () => ({ history: [] }))]) }
        : { requests: requests.map((q, i) => (i === at ? breakRecommend(rng, q) : q)) };
    return { path: '/v1/recommend/batch', body: JSON.stringify(body), headers: JSON_TYPE, kind: 'wrong batch field' };
  }
  if (r < 72) {
    const items = [breakItem(rng), ...(rng.next() < 0.3 ? [{ id: `ok-${rng.int(1e6)}`, title: 'fine' }] : [])];
    const body = rng.next() < 0.15 ? pick(rng, [{ items: [] }, { items: 'x' }, { item: items }, items]) : { items: rng.next() < 0.5 ? items : items.reverse() };
    return { path: '/v1/items', body: JSON.stringify(body), headers: JSON_TYPE, kind: 'bad new item' };
  }
  if (r < 76)
    return {
      path: '/admin/reload',
      body: JSON.stringify(pick(rng, [{ modelDir: 1 }, { modelDir: '' }, { modelDir: null }, { dir: '/tmp' }, [], 'reload'])),
      headers: JSON_TYPE,
      kind: 'bad reload',
    };
  if (r < 82)
    return {
      path: '/v1/recommend',
      body: JSON.stringify(pick(rng, [null, 0, 'history', [], [validRecommend(rng)], true])),
      headers: JSON_TYPE,
      kind: 'not an object',
    };
  if (r < 86) return { path: '/v1/recommend', body: `{"__proto__": {"k": 5}, "history": []}`, headers: JSON_TYPE, kind: 'prototype poisoning' };
  if (r < 89) {
    const depth = 1 + rng.int(20_000);
    return { path: '/v1/recommend', body: `{"history": ${'['.repeat(depth)}${']'.repeat(depth)}}`, headers: JSON_TYPE, kind: 'deep nesting' };
  }
  if (r < 91) return { path: '/v1/recommend', body: `{"history": ["${'a'.repeat(bodyLimit)}"]}`, headers: JSON_TYPE, kind: 'oversize' };
  if (r < 95) {
    const type = pick(rng, ['application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'image/png']);
    return { path: '/v1/recommend', body: JSON.stringify(validRecommend(rng)), headers: { 'content-type': type }, kind: 'wrong media type' };
  }
  if (r < 97) return { path: '/v1/recommend', body: '', headers: JSON_TYPE, kind: 'empty body' };
  const bytes = new TextEncoder().encode(`{"history": ["1", "\u0000"], "k": "`);
  const broken = new Uint8Array(bytes.length + 3);
  broken.set(bytes);
  broken.set([0xc3, 0x28, 0xff], bytes.length);
  return { path: '/v1/recommend', body: broken, headers: JSON_TYPE, kind: 'invalid UTF-8' };
}
