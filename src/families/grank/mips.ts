/**
 * GRank's retrieval: maximum inner product search of user vectors over item vectors. `exact` is one GEMM per block
 * of queries and a top-k per row (the default; on Beauty's 12k items it costs about what scoring every item costs
 * SASRec); `usearch` is an HNSW index with the inner-product metric, for catalogues where a full pass is too slow,
 * its recall measured against exact by the benchmark. Both skip excluded items.
 */
import { createRequire } from 'node:module';
import { topKRows } from '../../decode/topk.js';
import { kernels } from '../../tensor/index.js';

export type MipsKind = 'exact' | 'usearch';

export interface Mips {
  readonly kind: MipsKind;
  /** For each of the B user vectors (B, D): up to `k` items (best first) and their inner products, skipping `exclude[r]`. */
  search(users: Float32Array, B: number, k: number, exclude?: readonly (ReadonlySet<number> | undefined)[]): { items: Int32Array; scores: Float32Array }[];
}

/** `vectors` (N + 1, D) with row 0 padding, as GRank.inferenceVectors() gives them. */
export function exactMips(vectors: Float32Array, numItems: number, dim: number): Mips {
  const items = vectors.subarray(dim);
  return {
    kind: 'exact',
    search(users, B, k, exclude = []) {
      const block = 256;
      const out: { items: Int32Array; scores: Float32Array }[] = [];
      const scores = new Float32Array(Math.min(block, B) * numItems);
      for (let start = 0; start < B; start += block) {
        const n = Math.min(block, B - start);
        kernels().gemm({ transA: false, transB: true, m: n, n: numItems, k: dim, a: users.subarray(start * dim, (start + n) * dim), b: items, c: scores });
        out.push(...topKRows(scores, n, numItems, k, exclude, start));
      }
      return out;
    },
  };
}

interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array): void;
  /** One query: Matches (keys, distances); several: BatchMatches (with counts and k). */
  search(vectors: Float32Array, k: number): { keys: BigUint64Array; distances: Float32Array; counts?: BigUint64Array; k?: number };
}

/** An HNSW index (usearch, inner product) over the item vectors; `expansion` trades recall for time. */
export function usearchMips(vectors: Float32Array, numItems: number, dim: number, expansion = 256): Mips {
  const usearch = createRequire(import.meta.url)('usearch') as { Index: new (config: Record<string, unknown>) => UsearchIndex };
  const index = new usearch.Index({
    dimensions: dim,
    metric: 'ip',
    quantization: 'f32',
    connectivity: 16,
    expansion_add: 128,
    expansion_search: expansion,
    multi: false,
  });
  const keys = new BigUint64Array(numItems);
  for (let i = 0; i < numItems; i++) keys[i] = BigInt(i);
  index.add(keys, vectors.slice(dim, (numItems + 1) * dim));
  return {
    kind: 'usearch',
    search(users, B, k, exclude = []) {
      const out: { items: Int32Array; scores: Float32Array }[] = [];
      // Ask for enough to fill k after exclusions.
      const widest = Math.min(numItems, k + Math.max(0, ...exclude.map((e) => e?.size ?? 0)));
      const found = index.search(users.subarray(0, B * dim), widest);
      for (let r = 0; r < B; r++) {
        const skip = exclude[r];
        const items: number[] = [];
        const scores: number[] = [];
        const stride = found.k ?? widest;
        const count = found.counts ? Number(found.counts[r]) : found.keys.length;
        for (let t = 0; t < count && items.length < k; t++) {
          const item = Number(found.keys[r * stride + t]);
          if (skip?.has(item)) continue;
          items.push(item);
          scores.push(1 - found.distances[r * stride + t]); // usearch's ip distance is 1 - <u, v>
        }
        out.push({ items: Int32Array.from(items), scores: Float32Array.from(scores) });
      }
      return out;
    },
  };
}
