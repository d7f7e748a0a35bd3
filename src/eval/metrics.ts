/**
 * Ranking metrics looked up by name ("recall@10", "ndcg@10", "mrr@10"), computed from the 0-based rank of the
 * single held-out target (leave-one-out: one relevant item per query, so Recall@K = HitRate@K and
 * NDCG@K = 1 / log2(rank + 2) when rank < K, else 0 — the RPG / TIGER evaluator's definitions).
 */
import { SidrecError } from '../core/errors.js';

export type MetricKind = 'recall' | 'ndcg' | 'mrr';

export interface MetricSpec {
  readonly name: string;
  readonly kind: MetricKind;
  readonly k: number;
  /** Value for one query whose target sits at 0-based `rank` (Infinity = not retrieved). */
  readonly value: (rank: number) => number;
}

/** @default recall/ndcg at 5, 10, 20 */
export const DEFAULT_METRICS: readonly string[] = Object.freeze(['recall@5', 'ndcg@5', 'recall@10', 'ndcg@10', 'recall@20', 'ndcg@20']);

const KINDS: Readonly<Record<MetricKind, (rank: number) => number>> = Object.freeze({
  recall: () => 1,
  ndcg: (rank: number) => 1 / Math.log2(rank + 2),
  mrr: (rank: number) => 1 / (rank + 1),
});

/** Parses "ndcg@10" (case-insensitive; "hr" / "hit" are accepted as recall). */
export function metricSpec(name: string): MetricSpec {
  const m = /^\s*(recall|hr|hit|ndcg|mrr)\s*@\s*(\d+)\s*$/i.exec(name);
  if (m === null || Number(m[2]) < 1) {
    throw new SidrecError('E_CONFIG', `unknown metric ${JSON.stringify(name)}; use recall@K, ndcg@K or mrr@K with K >= 1`, { field: 'metrics' });
  }
  const raw = m[1].toLowerCase();
  const kind: MetricKind = raw === 'hr' || raw === 'hit' ? 'recall' : (raw as MetricKind);
  const k = Number(m[2]);
  const gain = KINDS[kind];
  return { name: `${kind}@${k}`, kind, k, value: (rank: number) => (rank < k ? gain(rank) : 0) };
}
