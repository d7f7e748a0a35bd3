/**
 * TIGER (Rajput et al., NeurIPS 2023) and Gryphon behind the `Recommender` seam. One encoder pass per batch of
 * queries; trie-constrained beam search generates semantic IDs, which resolve to real items
 * (decode/beam-tiger.ts). TIGER scores a candidate by its beam's log-likelihood, Gryphon by its item-level
 * scorer (the paper's re-scoring of the same candidates) or, on request, by beam likelihood.
 *
 * Only items the beams reach are candidates. A batch is decoded with the recorded beam width, widened to its
 * largest k, so a query gets k items unless its exclusions remove candidates (on Beauty, 4.8% of TIGER's
 * beam-20 candidates are items of the user's history). A query without a dataset user (every HTTP request:
 * they carry histories) reads the anonymous user's token, the hash bucket of user index 0: TIGER's user tokens
 * are 2,000 hashed buckets, so a bucket is shared by many users and says little about any one. New items cannot be added: their semantic
 * IDs would come from the tokenizer, but the generator has never produced those codes in that context.
 */
import type { UserIndex } from '../../data/index.js';
import type { EvalQuery } from '../../data/split.js';
import { GryphonRecommender as GryphonDecoder, TigerRecommender as TigerDecoder } from '../../decode/beam-tiger.js';
import { rankPositions, type Candidates } from '../../decode/resolve.js';
import { modelSids } from '../../model/bundle.js';
import type { ModelManifest } from '../../model/manifest.js';
import { openSidModel, recordedTestBeam, type EmbeddedSidModel, type LoadedSidModel } from './open.js';
import { Tiger } from '../../model/tiger.js';
import { readSidReport, type TokenizeReport } from '../../tokenize/index.js';
import { meanOfTokenRows, type ItemVectors, type Recommendation, type RecommendQuery, type Recommender } from '../../decode/recommender.js';

/** User index read for queries that name no dataset user. */
export const ANONYMOUS_USER = 0;

export interface SidGenerativeOptions {
  /** Beam width. @default the test beam recorded at training (20 TIGER, 50 Gryphon) */
  readonly beamWidth?: number;
  /** Gryphon: rank candidates by the item-level scorer or by beam likelihood. @default 'item' */
  readonly ranking?: 'item' | 'beam';
}

/** One query's candidates and the scores it is ranked by (parallel to `candidates.items`). */
export interface ScoredCandidates {
  readonly candidates: Candidates;
  readonly scores: ArrayLike<number>;
}

export class SidGenerativeRecommender implements Recommender {
  /** The manifest's kind ('tiger', 'gryphon', or a family that trains a TIGER inside, e.g. 'diger'). */
  readonly kind: string;
  readonly beamWidth: number;
  readonly ranking: 'item' | 'beam';
  readonly cannotAddItems: string;
  private readonly decode: (queries: readonly EvalQuery[], beamWidth: number) => ScoredCandidates[];

  constructor(
    private readonly loaded: LoadedSidModel,
    options: SidGenerativeOptions = {},
    readonly tokenizerReport?: TokenizeReport,
  ) {
    this.kind = loaded.manifest.kind;
    this.beamWidth = options.beamWidth ?? recordedTestBeam(loaded.manifest);
    this.ranking = loaded.kind === 'tiger' ? 'beam' : (options.ranking ?? 'item');
    this.cannotAddItems = `model kind "${this.kind}" cannot add items without retraining: its decoder generates only the semantic IDs it was trained on`;
    const { model, table } = loaded;
    if (model instanceof Tiger) {
      const decoder = new TigerDecoder(model, table, { beamWidth: this.beamWidth });
      this.decode = (qs, width) => decoder.candidates(qs, width).map((c) => ({ candidates: c, scores: c.beamScores }));
    } else {
      const decoder = new GryphonDecoder(model, table, { beamWidth: this.beamWidth });
      const byItem = this.ranking === 'item';
      this.decode = (qs, width) =>
        decoder.rank(qs, 0, width).map((r) => ({ candidates: r.candidates, scores: byItem ? r.itemScores : r.candidates.beamScores }));
    }
  }

  get numItems(): number {
    return this.loaded.table.count;
  }

  semanticId(item: number): readonly number[] {
    return Array.from(this.loaded.table.codesOf(item));
  }

  /** The mean of each item's SID token embeddings (what its history tokens carry into the encoder). */
  itemVectors(): ItemVectors {
    const tiger = this.loaded.model instanceof Tiger ? this.loaded.model : this.loaded.model.tiger;
    const { table } = this.loaded;
    return meanOfTokenRows(tiger.tokens.table.f32, tiger.config.dim, tiger.vocab.itemTokens(table), table.count, table.digits);
  }

  /**
   * Every query's candidates with the scores they are ranked by: one encoder pass for the batch, beams as wide
   * as the recorded beam or the batch's largest k, whichever is wider.
   */
  candidates(queries: readonly RecommendQuery[]): ScoredCandidates[] {
    if (queries.length === 0) return [];
    const width = Math.max(this.beamWidth, ...queries.map((q) => q.k));
    return this.decode(
      queries.map((q) => ({ user: (q.user ?? ANONYMOUS_USER) as UserIndex, history: Int32Array.from(q.history) })),
      width,
    );
  }

  recommend(queries: readonly RecommendQuery[]): Recommendation[][] {
    const all = this.candidates(queries);
    this.scored = all.map((c) => c.candidates.items.length);
    return all.map((scored, r) => topCandidates(scored, queries[r].k, queries[r].exclude));
  }

  private scored: readonly number[] = [];

  /** Resolved candidates per query of the last call. */
  scoredPerQuery(): readonly number[] {
    return this.scored;
  }
}

/** The `k` best of one query's candidates by their scores, skipping `exclude`. */
export function topCandidates({ candidates: { items }, scores }: ScoredCandidates, k: number, exclude?: ReadonlySet<number>): Recommendation[] {
  return Array.from(rankPositions(items, scores, k, exclude), (p) => ({ item: items[p], score: scores[p] }));
}

/**
 * A TIGER or Gryphon model directory as a Recommender (beam width: the recorded test beam). The SID table
 * is the model directory's own copy when it has one (model/bundle.ts), so it serves after the tokenize folder
 * it was trained from changed or the directory moved; older directories read the recorded folder.
 */
export function openSidGenerative(
  dir: string,
  manifest: ModelManifest,
  options: SidGenerativeOptions = {},
  embedded?: EmbeddedSidModel,
): SidGenerativeRecommender {
  const sids = modelSids(dir, manifest);
  const resolved: ModelManifest = sids ? { ...manifest, sids: sids.dir } : manifest;
  return new SidGenerativeRecommender(openSidModel(dir, resolved, embedded), options, sids ? readSidReport(sids.dir) : undefined);
}
