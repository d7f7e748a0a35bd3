/**
 * Attribute features: each item's multi-hot attribute ids (e.g. S3-Rec's brand/category ids for Amazon Sports,
 * which has no item text) weighted by smooth idf, rows L2-normalised, reduced by randomized SVD and
 * L2-normalised again: LSA over attribute "documents".
 */
import { CsrBuilder, csrNormalizeRows } from './sparse.js';
import { csrOperator, randomizedSvd } from './svd.js';
import { scaledLeftVectors } from './svd.js';
import { l2NormalizeRows, type ItemFeatures } from './types.js';

export interface AttributeFeatureOptions {
  /** @default 64 */
  readonly dim: number;
  /** Attributes on fewer items are dropped. @default 2 */
  readonly minDf: number;
  /** @default 3 */
  readonly powerIters: number;
  /** @default 0 */
  readonly seed: number;
}

export const DEFAULT_ATTRIBUTE_FEATURES: Readonly<AttributeFeatureOptions> = Object.freeze({
  dim: 64,
  minDf: 2,
  powerIters: 3,
  seed: 0,
});

/** `attributes[i]` lists item i's attribute ids (any integers; repeats ignored). */
export function attributeFeatures(attributes: readonly (readonly number[])[], options: Partial<AttributeFeatureOptions> = {}): ItemFeatures {
  const opts = { ...DEFAULT_ATTRIBUTE_FEATURES, ...options };
  const n = attributes.length;
  const df = new Map<number, number>();
  for (const attrs of attributes) for (const a of new Set(attrs)) df.set(a, (df.get(a) ?? 0) + 1);
  const kept = [...df.entries()]
    .filter(([, c]) => c >= opts.minDf)
    .map(([a]) => a)
    .sort((a, b) => a - b);
  const column = new Map<number, number>(kept.map((a, i) => [a, i]));
  const builder = new CsrBuilder(kept.length);
  for (const attrs of attributes) {
    const cols: number[] = [];
    const vals: number[] = [];
    for (const a of new Set(attrs)) {
      const c = column.get(a);
      if (c === undefined) continue;
      cols.push(c);
      vals.push(Math.log((1 + n) / (1 + (df.get(a) ?? 0))) + 1);
    }
    builder.addRow(cols, vals);
  }
  const x = builder.build();
  csrNormalizeRows(x);
  const svd = randomizedSvd(csrOperator(x), { rank: opts.dim, powerIters: opts.powerIters, seed: opts.seed });
  const data = scaledLeftVectors(svd, n);
  l2NormalizeRows(data, n, svd.rank);
  return { count: n, dim: svd.rank, data };
}
