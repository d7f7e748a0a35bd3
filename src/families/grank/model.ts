/**
 * GRank (arXiv 2510.15299): generate, then rank, without a structured index.
 * - Items: a learned id embedding plus the mean of the item's Semantic-ID code embeddings, so an item added after
 *   training (id embedding zero, codes from the frozen tokenizer) still has a vector. During training each item's
 *   id embedding is dropped with probability `idDropout` per step, so the code part learns to stand alone.
 * - Generator: a causal transformer over the history's item vectors (positions counted back from the newest);
 *   the output at the newest position is the user vector (the paper's user query token, read where a causal model
 *   has seen the whole history). Next-item cross-entropy over every item at every position.
 * - Retrieval: maximum inner product of the user vector with every item vector (exact, one GEMM).
 * - Ranker: one single-head cross-attention layer in which each candidate attends over the user's history (item
 *   vectors plus a recency embedding of its own), then an MLP over [attended, candidate, attended * candidate] and,
 *   not in the paper (`rankCounts`, on by default), log(1 + count(k-th newest history item -> candidate)) for the
 *   newest items, counted in the training sequences (counts.ts; leak-free in training). By default (`rankStandalone`)
 *   its score ranks the candidates by itself in training, and is blended with the generator's at serving by a weight
 *   chosen on validation; as a correction added to the generator's score (the first design) it learned less, on
 *   windows the generator had memorised (BENCHMARKS.md, session 17). With
 *   `rankItemEmbedding` the ranker also owns an item embedding, zero at the start and added to every item vector it
 *   reads (candidates and history), that only its own loss trains: room for item-to-item affinities the generator's
 *   128-d vectors, shaped by next-item retrieval, do not hold (the paper's "fine-grained history x target
 *   interaction"); an item added while serving has a zero row and is read through its generator vector. Trained on the
 *   generator's own hardest candidates (its top `rankNegatives` besides the target, per window), with a softmax
 *   over target + negatives; the two losses are summed (weight `rankWeight`). By default the ranker's gradient stops at
 *   the generator's outputs (`rankDetach`): trained fully end to end, the ranker's loss wrecked the generator on Beauty.
 * - Target-aware learning (the paper's auxiliary tokens, training only; off unless `auxNegatives` > 0): each window's
 *   target and `auxNegatives` in-batch negatives (other windows' targets) join the sequence as extra tokens that
 *   attend to the whole history and to themselves; the history never attends to them, so its outputs, the
 *   generator's loss and inference are unchanged. A linear head scores each extra token's output and a softmax over
 *   them must pick the target (the paper's self-attention info loss, weight `auxWeight`): the shared blocks learn
 *   to read the history in the light of a candidate.
 * Not built: the paper's decomposed attention (a FLOP saving at its 64-item histories plus long sequences).
 */
import { SidrecError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { TopK } from '../../decode/topk.js';
import type { NextItemBatch } from '../../model/next-item-batch.js';
import { packHistories } from '../../model/next-item-batch.js';
import {
  add,
  concat,
  crossEntropy,
  dropout,
  embedding,
  embeddingBag,
  initNormal,
  intTensor,
  kernels,
  linearCrossEntropy,
  matmul,
  mul,
  mulScalar,
  noGrad,
  relu,
  reshape,
  slice,
  tensor,
  tidy,
  type Tensor,
} from '../../tensor/index.js';
import { countFeatures, type LeftOut, type RankCounts } from '../../model/count-features.js';
import { windowTransitions } from './counts.js';
import { DEFAULT_GRANK_CONFIG, type GRankCodes, type GRankConfig } from './config.js';
import { LayerNorm, Linear, Module, MultiHeadAttention, TransformerBlock, type BlockInputs, type ForwardContext } from '../../tensor/layers/index.js';

export class GRank extends Module {
  readonly config: GRankConfig;
  readonly numItems: number;
  /** (N + 1, m): code token ids (digit * C + code) per item row, row 0 (padding) all -1. */
  private readonly itemTokens: Int32Array;
  private readonly ids: Tensor; // (N + 1, D), row 0 padding
  private readonly codeTable: Tensor; // (m * C, D)
  private readonly positions: Tensor; // (maxLen, D)
  private readonly rankPositions: Tensor; // (maxLen, D): the ranker's recency embedding of history items
  private readonly blocks: TransformerBlock[];
  private readonly norm: LayerNorm;
  private readonly cross: MultiHeadAttention;
  private readonly hidden: Linear;
  private readonly scoreHead: Linear;
  /** Target-aware learning (auxNegatives > 0): the auxiliary tokens' position embedding (1, 1, D) and score head. */
  private readonly aux?: { readonly position: Tensor; readonly score: Linear };
  /** rankItemEmbedding: the ranker's own item embedding (N + 1, D), zero at the start, row 0 padding. */
  private readonly rankItems?: Tensor;
  private readonly auxBias = new Map<string, Tensor>();

  /**
   * `counts`: the training transitions the ranker reads when config.rankCounts > 0 (counts.ts), required then.
   */
  constructor(
    readonly codes: GRankCodes,
    config: Partial<GRankConfig>,
    seed: number,
    readonly counts?: RankCounts,
  ) {
    super();
    this.config = { ...DEFAULT_GRANK_CONFIG, ...config };
    if (this.config.rankCounts > 0 && !counts)
      throw new SidrecError('E_CONFIG', `the ranker reads the newest ${this.config.rankCounts} items' transition counts, and none were given`, {
        field: 'rank-counts',
      });
    const { dim, layers, heads, ffn, dropout: p, maxLen, rankHidden } = this.config;
    const { numItems, digits: m, codebookSize: C } = codes;
    this.numItems = numItems;
    this.itemTokens = new Int32Array((numItems + 1) * m).fill(-1);
    for (let i = 0; i < numItems * m; i++) this.itemTokens[m + i] = (i % m) * C + codes.codes[i];
    const rng = new Rng(seed);
    const scale = 1 / Math.sqrt(dim);
    this.ids = initNormal(this.param('ids', [numItems + 1, dim]), rng, scale);
    this.codeTable = initNormal(this.param('codes', [m * C, dim]), rng, scale);
    this.positions = initNormal(this.param('positions', [maxLen, dim]), rng, scale);
    this.rankPositions = initNormal(this.param('ranker.positions', [maxLen, dim]), rng, scale);
    this.blocks = Array.from({ length: layers }, (_, i) => this.module(`blocks.${i}`, new TransformerBlock({ dim, heads, ffn, dropout: p }, rng)));
    this.norm = this.module('norm', new LayerNorm(dim));
    this.cross = this.module('ranker.attn', new MultiHeadAttention(dim, 1, rng, { cross: true }));
    this.hidden = this.module('ranker.hidden', new Linear(3 * dim + this.config.rankCounts, rankHidden, rng));
    // Zero-initialised: the ranker starts with no say (residual: the generator's own ranking; standalone: all tied).
    this.scoreHead = this.module('ranker.out', new Linear(rankHidden, 1, rng, { initStd: 0 }));
    // Last, so the parameters above start the same with or without them.
    if (this.config.auxNegatives > 0)
      this.aux = { position: initNormal(this.param('aux.position', [1, 1, dim]), rng, scale), score: this.module('aux.score', new Linear(dim, 1, rng)) };
    if (this.config.rankItemEmbedding) this.rankItems = this.param('ranker.items', [numItems + 1, dim]); // zeros: draws nothing
  }

  /** Every item's vector (N + 1, D): id embedding (dropped per item with `idDropout` in training) + mean code embedding. */
  itemVectors(ctx: ForwardContext): Tensor {
    const m = this.codes.digits;
    const bag = embeddingBag(this.codeTable, intTensor(this.itemTokens, [this.numItems + 1, m])); // (N + 1, D)
    const p = this.config.idDropout;
    if (!ctx.training || p <= 0) return add(this.ids, bag);
    const rng = ctx.rng as Rng;
    const keep = new Float32Array(this.numItems + 1);
    for (let i = 0; i < keep.length; i++) keep[i] = rng.next() < p ? 0 : 1;
    return add(mul(this.ids, tensor(keep, [this.numItems + 1, 1])), bag);
  }

  /**
   * Generator outputs (B, L, D) for right-padded ids (item + 1, 0 = pad) read through `vectors`. With `auxIds` (B, A)
   * (item + 1; target-aware learning), A auxiliary tokens per row follow the history: they see the whole history and
   * themselves while the history sees only its past, and the outputs are (B, L + A, D).
   */
  private encode(vectors: Tensor, ids: Int32Array, lengths: Int32Array, length: number, ctx: ForwardContext, auxIds?: Int32Array): Tensor {
    const B = lengths.length;
    let x = add(embedding(vectors, intTensor(ids, [B, length])), embedding(this.positions, recency(lengths, length))); // (B, L, D)
    let options: BlockInputs = { causal: true };
    if (auxIds) {
      const A = auxIds.length / B;
      const T = length + A;
      x = concat([x, add(embedding(vectors, intTensor(auxIds, [B, A])), this.aux!.position)], 1); // (B, L + A, D)
      const padding = new Int32Array(B * T);
      for (let r = 0; r < B; r++) for (let t = lengths[r]; t < length; t++) padding[r * T + t] = 1;
      options = { keyPaddingMask: intTensor(padding, [B, T]), bias: this.auxAttentionBias(length, A) };
    }
    if (ctx.training && this.config.dropout > 0) x = dropout(x, this.config.dropout, ctx.rng as Rng);
    for (const block of this.blocks) x = block.forward(x, ctx, options);
    return this.norm.forward(x);
  }

  /** (H, L + A, L + A): 0 where a query may look (history: its past; an auxiliary token: the history and itself), else -1e30. */
  private auxAttentionBias(length: number, A: number): Tensor {
    const key = `${length}+${A}`;
    let bias = this.auxBias.get(key);
    if (!bias) {
      const T = length + A;
      const H = this.config.heads;
      const mask = new Float32Array(H * T * T).fill(-1e30);
      for (let h = 0; h < H; h++)
        for (let i = 0; i < T; i++) {
          const row = (h * T + i) * T;
          if (i < length) mask.fill(0, row, row + i + 1);
          else {
            mask.fill(0, row, row + length);
            mask[row + i] = 0;
          }
        }
      bias = tensor(mask, [H, T, T]);
      bias.kept = true;
      this.auxBias.set(key, bias);
    }
    return bias;
  }

  /**
   * Per window: its target (item + 1) first, then `n` in-batch negatives, the targets of the next windows (an item
   * equal to the target is replaced by a seeded random one).
   */
  private auxCandidates(lastTargets: Int32Array, n: number, rng: Rng): Int32Array {
    const B = lastTargets.length;
    const N = this.numItems;
    const out = new Int32Array(B * (n + 1));
    for (let r = 0; r < B; r++) {
      const target = lastTargets[r];
      out[r * (n + 1)] = target + 1;
      for (let j = 1; j <= n; j++) {
        let item = lastTargets[(r + j) % B];
        while (item === target) item = rng.int(N);
        out[r * (n + 1) + j] = item + 1;
      }
    }
    return out;
  }

  override dispose(): void {
    super.dispose();
    for (const bias of this.auxBias.values()) {
      bias.kept = false;
      bias.dispose();
    }
    this.auxBias.clear();
  }

  /** What the ranker's candidates attend over: each history item's vector plus its recency embedding (B, L, D). */
  private historyKeys(vectors: Tensor, ids: Int32Array, lengths: Int32Array, length: number): Tensor {
    return add(this.rankerRows(vectors, intTensor(ids, [lengths.length, length])), embedding(this.rankPositions, recency(lengths, length)));
  }

  /**
   * Rows `ids` (item + 1) of the item vectors the ranker reads: the generator's, plus its own embedding when it has
   * one (gathered row by row: never a whole (N + 1, D) sum per request).
   */
  private rankerRows(vectors: Tensor, ids: Tensor): Tensor {
    const rows = embedding(vectors, ids);
    return this.rankItems ? add(rows, embedding(this.rankItems, ids)) : rows;
  }

  /** The ranker's own term (B, K), blended with the generator's score; `counts` (B, K, W) with rankCounts W > 0. */
  private rankerHead(candidates: Tensor, history: Tensor, padding: Int32Array, counts: Float32Array | null): Tensor {
    const [B, K, D] = candidates.shape;
    const W = this.config.rankCounts;
    const attended = this.cross.forward(candidates, { training: false }, { keyPaddingMask: intTensor(padding, [B, history.shape[1]]) }, history); // (B, K, D)
    const parts = [attended, candidates, mul(attended, candidates)];
    if (W > 0) parts.push(tensor(counts!, [B, K, W]));
    const features = concat(parts, 2); // (B, K, 3D + W)
    const h = relu(this.hidden.forward(reshape(features, [B * K, 3 * D + W])));
    return reshape(this.scoreHead.forward(h), [B, K]);
  }

  /**
   * Count features (B, K, W) of item-index candidates (B, K) for histories whose k-th newest item is `newest(r, k)`,
   * with `leftOut` pairs uncounted; null when the ranker reads none.
   */
  private countsOf(candidates: Int32Array, K: number, newest: (row: number, k: number) => number, leftOut?: readonly LeftOut[]): Float32Array | null {
    const W = this.config.rankCounts;
    return W > 0 ? countFeatures(this.counts!, W, candidates, K, newest, leftOut) : null;
  }

  /**
   * Generator next-item loss at every position + `rankWeight` x the ranker's loss at one position per window (its
   * last, or with rankTargets 'any' a uniform one, the history cut there).
   */
  loss(batch: NextItemBatch, ctx: ForwardContext): Tensor {
    const { size: B, length: L } = batch;
    const D = this.config.dim;
    const vectors = this.itemVectors(ctx); // (N + 1, D)
    const last = Int32Array.from(batch.lengths, (n, r) => r * L + n - 1); // each window's last real position
    const lastTarget = Int32Array.from(last, (p) => batch.targets[p]);
    let h: Tensor; // (B, L, D)
    let info: Tensor | null = null;
    if (this.aux) {
      const A = this.config.auxNegatives + 1;
      const auxIds = this.auxCandidates(lastTarget, A - 1, (ctx.rng as Rng | undefined) ?? new Rng(0));
      const all = this.encode(vectors, batch.inputs, batch.lengths, L, ctx, auxIds); // (B, L + A, D)
      h = slice(all, 1, 0, L);
      const scores = reshape(this.aux.score.forward(reshape(slice(all, 1, L, L + A), [B * A, D])), [B, A]); // target first
      info = mulScalar(crossEntropy(scores, intTensor(new Int32Array(B), [B]), { reduction: 'mean' }), this.config.auxWeight);
    } else h = this.encode(vectors, batch.inputs, batch.lengths, L, ctx);
    const targets = Int32Array.from(batch.targets, (t) => (t < 0 ? -1 : t + 1));
    let generator = linearCrossEntropy(h, vectors, null, intTensor(targets, [B, L]), { transposeWeight: true, reduction: 'mean' });
    if (info) generator = add(generator, info);
    const K = this.config.rankNegatives;
    if (K <= 0 || this.config.rankWeight <= 0) return generator;
    // Each window's user vector, its target, its hardest negatives.
    const rng = (ctx.rng as Rng | undefined) ?? new Rng(0);
    const cut = this.config.rankTargets === 'any' ? randomCuts(batch, rng) : batch.lengths; // history length before each ranked target
    const at = Int32Array.from(cut, (n, r) => r * L + n - 1);
    const user = embedding(reshape(h, [B * L, D]), intTensor(at, [B])); // (B, D)
    const rankedTarget = Int32Array.from(at, (p) => batch.targets[p]);
    const { candidates, retrieved } = this.rankCandidates(user, vectors, rankedTarget, K, rng); // (B, 1 + K), target first
    // The ranker only ever re-ranks what the generator retrieved: it learns on the windows whose target is among the
    // generator's top rankPool. Taught also on targets outside it, it learned to lift the items least like the
    // generator's favourites, ranking Beauty's validation targets below chance among the 200 candidates.
    const rankTargets = Int32Array.from(retrieved, (inPool) => (inPool ? 0 : -1));
    if (!rankTargets.includes(0)) return generator;
    // Detached: copies of the vectors the ranker reads, outside the graph, so only the ranker's parameters learn from it.
    const [rv, ru] = this.config.rankDetach
      ? [tensor(Float32Array.from(vectors.f32), vectors.shape), tensor(Float32Array.from(user.f32), user.shape)]
      : [vectors, user];
    const candidateIds = intTensor(candidates, [B, K + 1]);
    const base = reshape(matmul(embedding(rv, candidateIds), reshape(ru, [B, D, 1])), [B, K + 1]); // the generator's scores
    const historyVectors = this.historyKeys(rv, batch.inputs, cut, L); // (B, L, D)
    const padding = Int32Array.from(batch.inputs, (id, p) => (id === 0 || p % L >= cut[Math.floor(p / L)] ? 1 : 0));
    const counts = this.countsOf(
      Int32Array.from(candidates, (c) => c - 1),
      K + 1,
      (r, k) => (k < cut[r] ? batch.inputs[r * L + cut[r] - 1 - k] - 1 : -1),
      this.config.rankCounts > 0 ? windowTransitions(batch, cut) : undefined,
    );
    const head = this.rankerHead(this.rankerRows(rv, candidateIds), historyVectors, padding, counts); // (B, 1 + K)
    const scores = this.config.rankStandalone ? head : add(head, base);
    const ranker = crossEntropy(scores, intTensor(rankTargets, [B]), { reduction: 'mean' });
    return add(generator, mulScalar(ranker, this.config.rankWeight));
  }

  /**
   * Per row: the target (as item + 1) then `k` items drawn without replacement from the `rankPool` the generator
   * scores highest besides it (all of the pool, best first, when it holds no more than k); and whether the target
   * itself is among the generator's top `rankPool` (what retrieval would hand the ranker).
   */
  private rankCandidates(user: Tensor, vectors: Tensor, targets: Int32Array, k: number, rng: Rng): { candidates: Int32Array; retrieved: Uint8Array } {
    const B = targets.length;
    const N = this.numItems;
    const D = this.config.dim;
    const scores = new Float32Array(B * N);
    noGrad(() => kernels().gemm({ transA: false, transB: true, m: B, n: N, k: D, a: user.f32, b: vectors.f32.subarray(D), c: scores }));
    const out = new Int32Array(B * (k + 1));
    const top = new TopK(Math.min(Math.max(k, this.config.rankPool), N - 1));
    const picked = new Int32Array(top.k);
    const retrieved = new Uint8Array(B);
    for (let r = 0; r < B; r++) {
      out[r * (k + 1)] = targets[r] + 1;
      const own = scores[r * N + targets[r]];
      let above = 0;
      for (let i = 0; i < N; i++) if (scores[r * N + i] > own) above++;
      retrieved[r] = above < this.config.rankPool ? 1 : 0;
      top.reset();
      for (let i = 0; i < N; i++) if (i !== targets[r]) top.push(i, scores[r * N + i]);
      const n = top.sortedInto(picked);
      if (n > k) {
        picked.subarray(0, n).sort(); // the draw depends on the pool's members, not on their score order
        for (let j = 0; j < k; j++) {
          const s = j + rng.int(n - j); // partial Fisher-Yates: picked[0..k) becomes a uniform draw from the pool
          const t = picked[j];
          picked[j] = picked[s];
          picked[s] = t;
        }
      }
      for (let j = 0; j < k; j++) out[r * (k + 1) + 1 + j] = n === 0 ? 0 : picked[j % n] + 1; // fewer items than k: repeats
    }
    return { candidates: out, retrieved };
  }

  /** Every item's vector at inference (N + 1, D), row 0 padding: compute once, use for many queries. */
  inferenceVectors(): Float32Array {
    return noGrad(() => tidy(() => Float32Array.from(this.itemVectors({ training: false }).f32)));
  }

  /** User vectors (B, D) for histories, read through `vectors` (inferenceVectors()). */
  userVectors(histories: readonly ArrayLike<number>[], vectors: Float32Array): Float32Array {
    const D = this.config.dim;
    const { ids, lengths, length } = packHistories(histories, this.config.maxLen);
    const B = lengths.length;
    const users = new Float32Array(B * D);
    noGrad(() =>
      tidy(() => {
        const h = this.encode(tensor(vectors, [this.numItems + 1, D]), ids, lengths, length, { training: false });
        for (let r = 0; r < B; r++) users.set(h.f32.subarray((r * length + lengths[r] - 1) * D, (r * length + lengths[r]) * D), r * D);
      }),
    );
    return users;
  }

  /** Generator scores of every item for each history: (B, numItems) row-major (exact MIPS). */
  score(histories: readonly ArrayLike<number>[]): Float32Array {
    const D = this.config.dim;
    const vectors = this.inferenceVectors();
    const users = this.userVectors(histories, vectors);
    const scores = new Float32Array(histories.length * this.numItems);
    kernels().gemm({ transA: false, transB: true, m: histories.length, n: this.numItems, k: D, a: users, b: vectors.subarray(D), c: scores });
    return scores;
  }

  /**
   * Re-scores K candidates per history (row-major (B, K) item indices): the generator's score (user . item) plus
   * `weight` x the ranker's term (1 as trained; a weight chosen on validation, see rank.ts's RankerBlend).
   */
  rerank(histories: readonly ArrayLike<number>[], users: Float32Array, vectors: Float32Array, candidates: Int32Array, K: number, weight = 1): Float32Array {
    const { base, head } = this.rerankParts(histories, users, vectors, candidates, K);
    for (let i = 0; i < base.length; i++) base[i] += weight * head[i];
    return base;
  }

  /** The two terms of `rerank`, (B, K) each: the generator's score and the ranker's. */
  rerankParts(
    histories: readonly ArrayLike<number>[],
    users: Float32Array,
    vectors: Float32Array,
    candidates: Int32Array,
    K: number,
  ): { readonly base: Float32Array; readonly head: Float32Array } {
    const D = this.config.dim;
    const B = histories.length;
    if (B === 0 || K === 0) return { base: new Float32Array(0), head: new Float32Array(0) };
    const { ids, lengths, length } = packHistories(histories, this.config.maxLen);
    return noGrad(() =>
      tidy(() => {
        const v = tensor(vectors, [this.numItems + 1, D]);
        const candidateIds = intTensor(
          Int32Array.from(candidates, (i) => i + 1),
          [B, K],
        );
        const base = reshape(matmul(embedding(v, candidateIds), tensor(users, [B, D, 1])), [B, K]);
        const history = this.historyKeys(v, ids, lengths, length); // (B, L, D)
        const padding = Int32Array.from(ids, (id) => (id === 0 ? 1 : 0));
        const counts = this.countsOf(candidates, K, (r, k) => {
          const h = histories[r];
          return k < h.length ? h[h.length - 1 - k] : -1;
        });
        const head = this.rankerHead(this.rankerRows(v, candidateIds), history, padding, counts); // (B, K)
        return { base: Float32Array.from(base.f32), head: Float32Array.from(head.f32) };
      }),
    );
  }

  /**
   * The same weights around more items: new items' codes appended, their id embeddings (and the ranker's own rows)
   * zero: they read their codes.
   */
  withItems(extra: Int32Array, count: number, seed: number): GRank {
    const codes: GRankCodes = { ...this.codes, numItems: this.numItems + count, codes: concatInt(this.codes.codes, extra) };
    const grown = new GRank(codes, this.config, seed, this.counts); // the new items have no transitions
    const trained = new Map(this.namedParameters().map((p) => [p.name, p.tensor.f32]));
    for (const p of grown.namedParameters()) {
      const old = trained.get(p.name)!;
      if (p.name === 'ids' || p.name === 'ranker.items') {
        p.tensor.f32.fill(0);
        p.tensor.f32.set(old);
      } else p.tensor.f32.set(old);
    }
    return grown;
  }
}

/**
 * Per window, a seeded uniform history length n in [1, length] whose position n - 1 has a target (the ranker's
 * target there, the history cut after it); windows whose drawn position has none keep their whole length.
 */
function randomCuts(batch: NextItemBatch, rng: Rng): Int32Array {
  const L = batch.length;
  return Int32Array.from(batch.lengths, (n, r) => {
    const cut = 1 + rng.int(n);
    return batch.targets[r * L + cut - 1] >= 0 ? cut : n;
  });
}

/** Positions counted back from each row's newest item (0 = newest), for right-padded rows: int32 (B, L). */
function recency(lengths: Int32Array, length: number): Tensor {
  const B = lengths.length;
  const back = new Int32Array(B * length);
  for (let r = 0; r < B; r++) for (let t = 0; t < lengths[r]; t++) back[r * length + t] = lengths[r] - 1 - t;
  return intTensor(back, [B, length]);
}

function concatInt(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
