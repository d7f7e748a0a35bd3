/**
 * RPG's item graph (Hou et al., KDD 2025): each item linked to its k most similar items, where similarity =
 * mean over digits of the cosine between the two items' code embeddings at that digit. Built once from a trained
 * model and saved beside it (`graph.safetensors`).
 *  - exact: per digit a (C, C) table of code-pair cosines; an item's similarity to every item is m look-ups
 *    each (N^2 m work), fine up to ~50k items.
 *  - usearch: an HNSW index (usearch) over a p-dim random projection of the concatenated normalised code
 *    embeddings (cosine of the concatenation / m = the mean per-digit cosine, which the projection preserves
 *    approximately); each item's 2k approximate neighbours are then re-ranked by the exact similarity.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { loadSafetensors, saveSafetensors, type StoredTensor } from '../tensor/index.js';
import { TopK } from './topk.js';
import { MODEL_FILES } from '../model/files.js';

/** What graph building needs from a model: codes and code embeddings. */
export interface CodeEmbeddings {
  readonly numItems: number;
  readonly digits: number;
  readonly codebookSize: number;
  /** int32 (numItems, m): d * C + code. */
  readonly itemTokens: Int32Array;
  /** (m * C, D) code embeddings (need not be normalised). */
  readonly codeTable: { readonly f32: Float32Array; readonly shape: readonly number[] };
}

export interface ItemGraphOptions {
  /** Neighbours kept per item. @default 50 */
  readonly k: number;
  /** 'auto' = exact up to `exactLimit` items, usearch above. @default 'auto' */
  readonly method: 'auto' | 'exact' | 'usearch';
  /** @default 50_000 */
  readonly exactLimit: number;
  /** Random-projection dimension for usearch. @default 64 */
  readonly projectionDim: number;
  /** usearch threads (0 = all). @default 0 */
  readonly threads: number;
  /** @default 0 */
  readonly seed: number;
}

export const DEFAULT_ITEM_GRAPH: ItemGraphOptions = Object.freeze({ k: 50, method: 'auto', exactLimit: 50_000, projectionDim: 64, threads: 0, seed: 0 });

export interface ItemGraph {
  readonly numItems: number;
  readonly k: number;
  /** int32 (numItems, k): most similar first; -1 where an item has fewer than k others. */
  readonly neighbors: Int32Array;
  readonly method: 'exact' | 'usearch';
  readonly buildSeconds: number;
}

/** Per-digit code-pair cosines: (m, C, C). */
export function codeCosines(model: CodeEmbeddings): Float32Array {
  const { digits: m, codebookSize: C } = model;
  const D = model.codeTable.shape[1];
  const E = normalizedRows(model.codeTable.f32, m * C, D);
  const S = new Float32Array(m * C * C);
  for (let d = 0; d < m; d++) {
    for (let a = 0; a < C; a++) {
      const ea = (d * C + a) * D;
      for (let b = a; b < C; b++) {
        const eb = (d * C + b) * D;
        let s = 0;
        for (let j = 0; j < D; j++) s += E[ea + j] * E[eb + j];
        S[(d * C + a) * C + b] = s;
        S[(d * C + b) * C + a] = s;
      }
    }
  }
  return S;
}

/** Mean per-digit cosine between items i and j. */
export function itemSimilarity(cos: Float32Array, tokens: Int32Array, m: number, C: number, i: number, j: number): number {
  let s = 0;
  for (let d = 0; d < m; d++) s += cos[tokens[i * m + d] * C + (tokens[j * m + d] - d * C)];
  return s / m;
}

/** `onProgress(done, total)`: items whose neighbours are found so far (for a progress bar). */
export async function buildItemGraph(
  model: CodeEmbeddings,
  options: Partial<ItemGraphOptions> = {},
  onProgress?: (done: number, total: number) => void,
): Promise<ItemGraph> {
  const o = { ...DEFAULT_ITEM_GRAPH, ...options };
  const started = performance.now();
  const k = Math.min(o.k, Math.max(0, model.numItems - 1));
  const method = o.method === 'auto' ? (model.numItems <= o.exactLimit ? 'exact' : 'usearch') : o.method;
  const neighbors = method === 'exact' ? exactGraph(model, k, onProgress) : usearchGraph(model, k, o, onProgress);
  return { numItems: model.numItems, k, neighbors, method, buildSeconds: (performance.now() - started) / 1000 };
}

function exactGraph(model: CodeEmbeddings, k: number, onProgress?: (done: number, total: number) => void): Int32Array {
  const { numItems: N, digits: m, codebookSize: C, itemTokens } = model;
  const cos = codeCosines(model);
  const codesT = new Int32Array(m * N); // (m, N): code of item j at digit d
  for (let j = 0; j < N; j++) for (let d = 0; d < m; d++) codesT[d * N + j] = itemTokens[j * m + d] - d * C;
  const acc = new Float32Array(N);
  const top = new TopK(k);
  const out = new Int32Array(N * k).fill(-1);
  for (let i = 0; i < N; i++) {
    acc.fill(0);
    for (let d = 0; d < m; d++) {
      const row = (d * C + itemTokens[i * m + d] - d * C) * C;
      const col = d * N;
      for (let j = 0; j < N; j++) acc[j] += cos[row + codesT[col + j]];
    }
    top.reset();
    for (let j = 0; j < N; j++) if (j !== i) top.push(j, acc[j]);
    top.sortedInto(out, i * k);
    if (onProgress && ((i + 1) % 256 === 0 || i === N - 1)) onProgress(i + 1, N);
  }
  return out;
}

interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vectors: Float32Array, k: number, threads?: number): { keys: BigUint64Array; counts: BigUint64Array; k: number };
}

function usearchGraph(model: CodeEmbeddings, k: number, o: ItemGraphOptions, onProgress?: (done: number, total: number) => void): Int32Array {
  const { numItems: N, digits: m, codebookSize: C, itemTokens } = model;
  const D = model.codeTable.shape[1];
  const p = o.projectionDim;
  const E = normalizedRows(model.codeTable.f32, m * C, D);
  // P (m * C, p) = each normalised code embedding times its digit's Gaussian block R_d (D, p).
  const rng = new Rng(o.seed);
  const P = new Float32Array(m * C * p);
  const R = new Float32Array(D * p);
  for (let d = 0; d < m; d++) {
    for (let i = 0; i < R.length; i++) R[i] = rng.normal();
    for (let c = 0; c < C; c++) {
      const e = (d * C + c) * D;
      const dst = (d * C + c) * p;
      for (let j = 0; j < D; j++) {
        const v = E[e + j];
        if (v === 0) continue;
        for (let q = 0; q < p; q++) P[dst + q] += v * R[j * p + q];
      }
    }
  }
  const vectors = new Float32Array(N * p); // (N, p)
  for (let i = 0; i < N; i++) {
    for (let d = 0; d < m; d++) {
      const src = itemTokens[i * m + d] * p;
      for (let q = 0; q < p; q++) vectors[i * p + q] += P[src + q];
    }
  }
  const usearch = createRequire(import.meta.url)('usearch') as { Index: new (config: Record<string, unknown>) => UsearchIndex };
  const index = new usearch.Index({
    dimensions: p,
    metric: 'cos',
    quantization: 'f32',
    connectivity: 16,
    expansion_add: 64,
    expansion_search: Math.max(64, 2 * k + 1),
    multi: false,
  });
  const keys = new BigUint64Array(N);
  for (let i = 0; i < N; i++) keys[i] = BigInt(i);
  index.add(keys, vectors, o.threads);
  const wide = Math.min(N, 2 * k + 1);
  const cos = codeCosines(model);
  const out = new Int32Array(N * k).fill(-1);
  const top = new TopK(k);
  const block = 4096;
  for (let start = 0; start < N; start += block) {
    const n = Math.min(block, N - start);
    const found = index.search(vectors.subarray(start * p, (start + n) * p), wide, o.threads);
    for (let r = 0; r < n; r++) {
      const i = start + r;
      top.reset();
      const count = Number(found.counts[r]);
      for (let t = 0; t < count; t++) {
        const j = Number(found.keys[r * found.k + t]);
        if (j !== i) top.push(j, itemSimilarity(cos, itemTokens, m, C, i, j));
      }
      top.sortedInto(out, i * k);
    }
    onProgress?.(start + n, N);
  }
  return out;
}

function normalizedRows(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[r * cols + j] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < cols; j++) out[r * cols + j] = x[r * cols + j] * inv;
  }
  return out;
}

export function saveItemGraph(path: string, graph: ItemGraph): void {
  const tensors = new Map<string, StoredTensor>([['neighbors', { dtype: 'I32', shape: [graph.numItems, graph.k], data: graph.neighbors }]]);
  saveSafetensors(path, tensors, { method: graph.method, buildSeconds: String(graph.buildSeconds) });
}

export function loadItemGraph(path: string): ItemGraph {
  const file = loadSafetensors(path);
  const t = file.tensors.get('neighbors');
  if (t?.dtype !== 'I32' || t.shape.length !== 2) throw new SidrecError('E_STATE', 'no I32 (numItems, k) tensor "neighbors"', { file: path });
  const method = file.metadata.method === 'usearch' ? 'usearch' : 'exact';
  return {
    numItems: t.shape[0],
    k: t.shape[1],
    neighbors: Int32Array.from(t.data as Int32Array),
    method,
    buildSeconds: Number(file.metadata.buildSeconds ?? 0),
  };
}

/** A trained RPG directory's item graph (graph.safetensors), or null when its training has not finished. */
export function openItemGraph(modelDir: string): ItemGraph | null {
  const path = join(modelDir, MODEL_FILES.itemGraph);
  return existsSync(path) ? loadItemGraph(path) : null;
}
