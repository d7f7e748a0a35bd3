/**
 * What a model offers the evaluator: dense scores of every item for a batch of queries, or a ranked top-K list
 * per query. It lives at the model stage, where models and decoders implement it; eval/ consumes it.
 */
import type { EvalQuery } from '../data/split.js';

export type MaybePromise<T> = T | Promise<T>;

/** What evaluation calls; one of two kinds. */
export type Scorer =
  | {
      readonly kind: 'scores';
      /** Scores of every item for each query: (B, N) row-major. Higher = better. */
      readonly score: (batch: readonly EvalQuery[]) => MaybePromise<Float32Array>;
    }
  | {
      readonly kind: 'topk';
      /**
       * A ranked list of up to `k` distinct item indices per query (best first). A target not in the list counts
       * as not retrieved, so a list shorter than `k` can only lose (a decoder that finds fewer valid items).
       */
      readonly topK: (batch: readonly EvalQuery[], k: number) => MaybePromise<readonly ArrayLike<number>[]>;
    };
