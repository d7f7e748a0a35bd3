/**
 * GRank's two-stage ranking shared by evaluation and serving: the generator's maximum-inner-product candidates
 * (mips.ts; history items excluded when asked), re-scored by the ranker, best first.
 */
import { TopK } from '../../decode/topk.js';
import type { EvalQuery, LeaveOneOutSplit } from '../../data/index.js';
import { evaluate, type EvalResult, type Scorer } from '../../eval/index.js';
import { exactMips, type Mips } from './mips.js';
import type { GRank } from './model.js';

export interface Ranked {
  readonly items: Int32Array;
  readonly scores: Float32Array;
}

/** What ranking needs besides the model: item vectors computed once, and the MIPS index over them. */
export interface GRankIndex {
  readonly vectors: Float32Array;
  readonly mips: Mips;
}

/** The exact index over the model's current item vectors (rebuild after weights or items change). */
export function exactIndex(model: GRank): GRankIndex {
  const vectors = model.inferenceVectors();
  return { vectors, mips: exactMips(vectors, model.numItems, model.config.dim) };
}

/**
 * Per history: the generator's top `candidates` items (skipping `exclude[r]`), re-ranked by the generator's score
 * plus `rankerWeight` x the ranker's, the best `k`. `ranker: false` returns the generator's own ranking (MIPS alone).
 */
export function generateRank(
  model: GRank,
  index: GRankIndex,
  histories: readonly ArrayLike<number>[],
  k: number,
  candidates: number,
  ranker: boolean,
  exclude: readonly (ReadonlySet<number> | undefined)[] = [],
  rankerWeight = 1,
): Ranked[] {
  if (histories.length === 0) return [];
  if (!ranker) return index.mips.search(model.userVectors(histories, index.vectors), histories.length, k, exclude);
  const { users, found, picked, width } = generatorCandidates(model, index, histories, Math.max(candidates, k), exclude);
  if (width === 0) return found.map((f) => ({ items: f.items.slice(0, 0), scores: f.scores.slice(0, 0) }));
  const reranked = model.rerank(histories, users, index.vectors, picked, width, rankerWeight); // (B, width)
  const best = new TopK(Math.min(k, width));
  return found.map((_, r) => {
    best.reset();
    for (let j = 0; j < width; j++) best.push(j, reranked[r * width + j]);
    const order = new Int32Array(best.size);
    const values = new Float32Array(best.size);
    best.sortedInto(order, 0, values);
    return { items: Int32Array.from(order, (j) => picked[r * width + j]), scores: values };
  });
}

/**
 * The generator's top `count` items per history as a rectangular (B, width) batch for the ranker: rows cut to the
 * narrowest (only exclusions or a tiny catalogue shorten one), with the user vectors they were found from.
 */
function generatorCandidates(
  model: GRank,
  index: GRankIndex,
  histories: readonly ArrayLike<number>[],
  count: number,
  exclude: readonly (ReadonlySet<number> | undefined)[] = [],
): { readonly users: Float32Array; readonly found: Ranked[]; readonly picked: Int32Array; readonly width: number } {
  const users = model.userVectors(histories, index.vectors); // (B, D)
  const found = index.mips.search(users, histories.length, count, exclude);
  const width = Math.min(...found.map((f) => f.items.length));
  const picked = new Int32Array(histories.length * width);
  found.forEach((f, r) => picked.set(f.items.subarray(0, width), r * width));
  return { users, found, picked, width };
}

/** Ranker weights a run tries on validation: 0 is the generator alone, 1 the ranker as trained. */
export const RANKER_WEIGHTS: readonly number[] = Object.freeze([0, 0.1, 0.25, 0.5, 1]);

/** The weights tried for a ranker trained alone (rankStandalone): a second scorer, maybe worth more than the generator. */
export const STANDALONE_RANKER_WEIGHTS: readonly number[] = Object.freeze([0, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16]);

/** The weights a model's ranker is tried at. */
export const rankerWeightsOf = (model: GRank): readonly number[] => (model.config.rankStandalone ? STANDALONE_RANKER_WEIGHTS : RANKER_WEIGHTS);

/**
 * One split part's queries ranked at several ranker weights from one pass: each query's generator candidates, their
 * generator scores and the ranker's term are computed once (kept per user, so one part per instance) and blended
 * per weight. The ranker is trained as a residual on the generator's score over its hardest candidates; how much of
 * it helps the ranking is an empirical question, answered on validation.
 */
export class RankerBlend {
  private readonly index: GRankIndex;
  private readonly parts = new Map<number, { readonly items: Int32Array; readonly base: Float32Array; readonly head: Float32Array }>();

  constructor(
    private readonly model: GRank,
    private readonly candidates: number,
  ) {
    this.index = exactIndex(model);
  }

  scorer(weight: number): Scorer {
    return {
      kind: 'topk',
      topK: (batch, k) => {
        this.fill(batch);
        let top = new TopK(1);
        return batch.map((q) => {
          const { items, base, head } = this.parts.get(q.user)!;
          const size = Math.min(k, items.length);
          if (top.k !== size) top = new TopK(size);
          top.reset();
          for (let j = 0; j < items.length; j++) top.push(j, base[j] + weight * head[j]);
          const order = new Int32Array(top.size);
          top.sortedInto(order, 0, new Float32Array(top.size));
          return Int32Array.from(order, (j) => items[j]);
        });
      },
    };
  }

  private fill(batch: readonly EvalQuery[]): void {
    const missing = batch.filter((q) => !this.parts.has(q.user));
    if (missing.length === 0) return;
    const histories = missing.map((q) => q.history);
    const { users, picked, width } = generatorCandidates(this.model, this.index, histories, this.candidates);
    const { base, head } = this.model.rerankParts(histories, users, this.index.vectors, picked, width);
    missing.forEach((q, r) => {
      const at = (a: Float32Array | Int32Array) => a.slice(r * width, (r + 1) * width);
      this.parts.set(q.user, { items: at(picked) as Int32Array, base: at(base) as Float32Array, head: at(head) as Float32Array });
    });
  }
}

/** The ranker weight with the best `metric` on `part` (ties: the smaller weight), with every weight's result. */
export async function chooseRankerWeight(
  model: GRank,
  split: LeaveOneOutSplit,
  part: 'valid' | 'test',
  candidates: number,
  metric: string,
  weights: readonly number[] = rankerWeightsOf(model),
  signal?: AbortSignal,
): Promise<{ readonly weight: number; readonly result: EvalResult; readonly tried: readonly { readonly weight: number; readonly result: EvalResult }[] }> {
  const blend = new RankerBlend(model, candidates);
  const tried: { weight: number; result: EvalResult }[] = [];
  for (const weight of weights) tried.push({ weight, result: await evaluate(blend.scorer(weight), split, part, { batchSize: 256, signal }) });
  const best = tried.reduce((a, b) => ((b.result.metrics[metric] ?? -Infinity) > (a.result.metrics[metric] ?? -Infinity) ? b : a));
  return { weight: best.weight, result: best.result, tried };
}
