/**
 * GRank behind the `Recommender` seam: generator MIPS over every item, the ranker re-scoring the top candidates
 * (rank.ts). New items get codes from the frozen tokenizer (new-item-codes.ts) and, with a zero id embedding, a
 * vector from their code embeddings: retrievable and rankable in the next request.
 */
import { join } from 'node:path';
import { tableRows, type ItemVectors, type NewItemFeatures, type Recommendation, type RecommendQuery, type Recommender } from '../../decode/recommender.js';
import { MODEL_FILES } from '../../model/files.js';
import type { ModelManifest } from '../../model/manifest.js';
import { loadItemCodes } from '../../model/rpg-io.js';
import { loadCheckpoint } from '../../tensor/index.js';
import type { TokenizeReport } from '../../tokenize/index.js';
import type { OpenContext } from '../family.js';
import { openNewItemCoding, type NewItemCoding } from '../new-item-codes.js';
import { loadRankCounts } from './counts.js';
import type { GRankConfig } from './config.js';
import { GRank } from './model.js';
import { exactMips, usearchMips, type MipsKind } from './mips.js';
import { generateRank, type GRankIndex } from './rank.js';

export interface GRankUse {
  /** Generator candidates the ranker re-scores. */
  readonly candidates: number;
  /** false: the generator's MIPS ranking alone. */
  readonly ranker: boolean;
  /** The ranker's score's weight beside the generator's. @default 1 */
  readonly rankerWeight?: number;
  /** Retrieval index. @default 'exact' */
  readonly mips?: MipsKind;
}

export class GRankRecommender implements Recommender {
  readonly kind = 'grank';
  readonly cannotAddItems?: string;
  readonly newItemsNeedSid?: number;
  readonly featureDim?: number;
  readonly tokenizerReport?: TokenizeReport;
  addItems?: (items: readonly NewItemFeatures[]) => number[];
  private scored: number[] = [];
  private index: GRankIndex;

  constructor(
    private model: GRank,
    private readonly seed: number,
    private readonly use: GRankUse,
    coding: NewItemCoding,
  ) {
    this.index = this.buildIndex();
    ({
      cannotAddItems: this.cannotAddItems,
      newItemsNeedSid: this.newItemsNeedSid,
      featureDim: this.featureDim,
      tokenizerReport: this.tokenizerReport,
    } = coding);
    const codesFor = coding.codesFor;
    if (codesFor) {
      this.addItems = (items) => {
        const first = this.model.numItems;
        this.model = this.model.withItems(codesFor(items), items.length, this.seed);
        this.index = this.buildIndex(); // the new items' vectors enter the index at once
        return items.map((_, i) => first + i);
      };
    }
  }

  private buildIndex(): GRankIndex {
    const vectors = this.model.inferenceVectors();
    const { numItems, config } = this.model;
    return { vectors, mips: this.use.mips === 'usearch' ? usearchMips(vectors, numItems, config.dim) : exactMips(vectors, numItems, config.dim) };
  }

  get numItems(): number {
    return this.model.numItems;
  }

  itemVectors(): ItemVectors {
    return tableRows(this.index.vectors, this.model.config.dim, this.model.numItems, 1); // row 0 is padding
  }

  semanticId(item: number): readonly number[] {
    const m = this.model.codes.digits;
    return Array.from(this.model.codes.codes.subarray(item * m, (item + 1) * m));
  }

  scoredPerQuery(): readonly number[] {
    return this.scored;
  }

  /** The generator's score of every item; only while it ranks alone over exact inner products (--ranking generator). */
  get scoreAll(): ((histories: readonly (readonly number[])[]) => Float32Array) | undefined {
    if (this.use.ranker || this.use.mips === 'usearch') return undefined;
    return (histories) => this.model.score(histories);
  }

  recommend(queries: readonly RecommendQuery[]): Recommendation[][] {
    if (queries.length === 0) return [];
    const k = Math.max(...queries.map((q) => q.k));
    const ranked = generateRank(
      this.model,
      this.index,
      queries.map((q) => q.history),
      k,
      this.use.candidates,
      this.use.ranker,
      queries.map((q) => q.exclude),
      this.use.rankerWeight ?? 1,
    );
    this.scored = queries.map(() => (this.use.ranker ? Math.min(this.model.numItems, Math.max(this.use.candidates, k)) : this.model.numItems));
    return ranked.map((r, i) => Array.from(r.items.subarray(0, queries[i].k), (item, j) => ({ item, score: r.scores[j] })));
  }
}

/** A GRank model directory's architecture (around its saved item codes) with its best weights. */
export function openGRankModel(dir: string, manifest: ModelManifest): GRank {
  const codes = loadItemCodes(join(dir, MODEL_FILES.itemCodes));
  const config = manifest.modelConfig as Partial<GRankConfig>;
  const counts = (config.rankCounts ?? 0) > 0 ? loadRankCounts(dir, codes.numItems) : undefined;
  const model = new GRank(codes, config, manifest.seed, counts);
  loadCheckpoint(join(dir, MODEL_FILES.best), model.namedParameters());
  return model;
}

export function openGRank(dir: string, manifest: ModelManifest, context: OpenContext, use: GRankUse): GRankRecommender {
  const model = openGRankModel(dir, manifest);
  return new GRankRecommender(model, manifest.seed, use, openNewItemCoding('grank', dir, manifest, context, model.codes));
}
