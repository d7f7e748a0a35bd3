/**
 * The explorer's item map: the served model's item vectors (Recommender.itemVectors: embeddings, or the mean of an
 * item's code embeddings) projected on their first two principal components, each point with its first SID code,
 * so one sees whether items sharing a first code sit together in the space the model reads them in.
 */
import type { Recommender } from '../decode/recommender.js';
import { fitPca, pcaTransform } from '../tokenize/pca.js';

export interface ItemMap {
  /** Items in the model; the map shows every `stride`-th. */
  readonly items: number;
  readonly stride: number;
  /** Share of the vectors' variance the two axes carry. */
  readonly explained: number;
  readonly ids: string[];
  readonly x: number[];
  readonly y: number[];
  /** First SID digit per point; null for models without SIDs. */
  readonly code: (number | null)[];
}

/** The map of at most `maxPoints` items (an even stride over the catalogue); undefined when the model has no vectors. */
export function itemMap(recommender: Recommender, idOf: (item: number) => string, maxPoints = 20_000): ItemMap | undefined {
  if (!recommender.itemVectors) return undefined;
  const { count, dim, data } = recommender.itemVectors();
  const stride = Math.max(1, Math.ceil(count / maxPoints));
  const picked = Math.ceil(count / stride);
  const rows = new Float32Array(picked * dim);
  for (let p = 0; p < picked; p++) rows.set(data.subarray(p * stride * dim, (p * stride + 1) * dim), p * dim);
  const pca = fitPca(rows, picked, dim, Math.min(2, dim), false);
  const z = pcaTransform(pca, rows, picked); // (picked, 2)
  const out = pca.outputDim;
  let total = 0;
  let kept = 0;
  for (const v of pca.variance ?? []) total += v;
  for (let c = 0; c < out; c++) kept += pca.variance?.[c] ?? 0;
  const round = (v: number): number => Math.round(v * 1e4) / 1e4;
  const ids: string[] = [];
  const x: number[] = [];
  const y: number[] = [];
  const code: (number | null)[] = [];
  for (let p = 0; p < picked; p++) {
    const item = p * stride;
    ids.push(idOf(item));
    x.push(round(z[p * out]));
    y.push(out > 1 ? round(z[p * out + 1]) : 0);
    code.push(recommender.semanticId(item)?.[0] ?? null);
  }
  return { items: count, stride, explained: total > 0 ? kept / total : 0, ids, x, y, code };
}
