/**
 * GRank's settings (model.ts builds the model from them): the generator's size, the ranker's inputs and objective,
 * their defaults, and the values runs made before a setting existed were trained with; and the item codes it reads.
 */
export interface GRankConfig {
  /** @default 128 (the paper) */
  readonly dim: number;
  /** Generator transformer layers. @default 2 */
  readonly layers: number;
  /** @default 2 */
  readonly heads: number;
  /** @default 256 */
  readonly ffn: number;
  /** Dropout on the generator's inputs and blocks. @default 0.2 */
  readonly dropout: number;
  /** Most recent items the generator and the ranker read. @default 50 */
  readonly maxLen: number;
  /**
   * Probability of dropping an item's id embedding in a training step (its codes stay, and learn to stand alone for
   * items added later). @default 0: on Beauty .2 cost 10% of test NDCG@10 (results/grank-beauty*.json)
   */
  readonly idDropout: number;
  /** Negatives per window for the ranker, drawn from the generator's top `rankPool` items besides the target. @default 20 */
  readonly rankNegatives: number;
  /**
   * Where the ranker's negatives come from: `rankNegatives` items drawn uniformly (seeded) from the generator's top
   * `rankPool` besides the target. Equal to rankNegatives: always the hardest. Serving re-scores the top
   * --candidates, most of them far from the hardest, so a ranker trained on the hardest alone never saw their
   * like (on Beauty it lowered the generator's NDCG@10 from .0071 to .0015). @default 200
   */
  readonly rankPool: number;
  /** Weight of the ranker's loss in the sum. @default 1 */
  readonly rankWeight: number;
  /** Hidden width of the ranker's MLP. @default 128 */
  readonly rankHidden: number;
  /**
   * The ranker learns on the generator's outputs without changing them (its gradient stops at the item and user
   * vectors). Trained jointly on Beauty the ranker's loss wrecked the generator (epoch-1 valid NDCG@10 .0027 joint vs
   * .0073 generator alone). @default true
   */
  readonly rankDetach: boolean;
  /** Target-aware learning: in-batch negatives per window that join its target as auxiliary tokens (0 = off). @default 0 */
  readonly auxNegatives: number;
  /** Weight of the auxiliary tokens' loss. @default 1 */
  readonly auxWeight: number;
  /** The ranker owns an item embedding (zero-initialised, added to the item vectors it reads). @default false */
  readonly rankItemEmbedding: boolean;
  /**
   * Which target of each window the ranker learns on: 'last' (the window's newest item: one transition per user on
   * short sequences, the same every epoch) or 'any' (a seeded uniform position per window and step, the history cut
   * there: over the epochs every transition, as the generator sees them; the user vector is the generator's output at
   * that position, as its own loss reads it). @default 'any' (runs made before it existed: 'last')
   */
  readonly rankTargets: RankTargets;
  /**
   * Count features for the ranker (counts.ts; not in the paper): log(1 + count(k-th newest history item -> candidate))
   * for the newest `rankCounts` items, from the training sequences, leak-free in training (0 = off). @default 5 (runs made before
   * it existed: 0)
   */
  readonly rankCounts: number;
  /**
   * The ranker learns to rank the generator's candidates by itself, its own scores in the softmax, instead of as a
   * correction added to the generator's score. As a correction it learns from training windows the generator has
   * memorised, where the generator is right and its own inputs (the counts) look worth little; alone, it is a second
   * scorer, blended with the generator at serving by the weight chosen on validation. @default true (runs made before
   * it existed: false)
   */
  readonly rankStandalone: boolean;
}

/** GRankConfig.rankTargets. */
export type RankTargets = 'last' | 'any';

export const DEFAULT_GRANK_CONFIG: GRankConfig = Object.freeze({
  dim: 128,
  layers: 2,
  heads: 2,
  ffn: 256,
  dropout: 0.2,
  maxLen: 50,
  idDropout: 0,
  rankNegatives: 20,
  rankPool: 200,
  rankWeight: 1,
  rankHidden: 128,
  rankDetach: true,
  auxNegatives: 0,
  auxWeight: 1,
  rankItemEmbedding: false,
  rankTargets: 'any',
  rankCounts: 5,
  rankStandalone: true,
});

/** Options added after the first GRank runs, with the values that train as those runs did (resumable as before). */
export const GRANK_ADDED_SETTINGS: Readonly<Record<string, unknown>> = Object.freeze({
  'config.auxNegatives': 0,
  'config.auxWeight': 1,
  'config.rankItemEmbedding': false,
  'config.rankTargets': 'last',
  'config.rankCounts': 0,
  'config.rankStandalone': false,
});

/** Items' Semantic IDs as GRank reads them: (numItems, digits) codes in [0, codebookSize). */
export interface GRankCodes {
  readonly numItems: number;
  readonly digits: number;
  readonly codebookSize: number;
  readonly codes: Int32Array;
}
