/**
 * RPG's Semantic IDs: m unordered OPQ codes per item (Hou et al. 2025 quantise PCA-whitened text embeddings).
 * We have no dense text encoder, so the item vector is a weighted concatenation of what the dataset offers:
 * TF-IDF/LSA text features, attribute features, and co-occurrence (SVD-PPMI) features from TRAINING sequences
 * only — validation and test targets never enter. The features and tokenizer come from src/features and
 * src/tokenize; this file only chooses the mix and turns the codes into the model's `ItemCodes`. A SID table
 * written by `sidrec tokenize` can be used instead (`sidIdsFromTable`).
 */
import { SidrecError } from '../core/errors.js';
import type { InteractionDataset, LeaveOneOutSplit } from '../data/index.js';
import { attributeFeatures, combineFeatures, cooccurrenceFeatures, TextFeaturizer, type FeatureBlock } from '../features/index.js';
import { fitTokenizer, type SemanticIdTable } from '../tokenize/index.js';
import type { ItemCodes } from './rpg.js';

export interface RpgSidConfig {
  /** Code digits m (paper: 32 Beauty, 16 Sports). @default 32 */
  readonly digits: number;
  /** @default 256 */
  readonly codebookSize: number;
  /** TF-IDF/LSA dimension; 0 = no text block. @default 256 */
  readonly textDim: number;
  /** @default 1 */
  readonly textWeight: number;
  /** Attribute-feature dimension; 0 = none. @default 64 */
  readonly attrDim: number;
  /** @default 1 */
  readonly attrWeight: number;
  /** Co-occurrence (training sequences) dimension; 0 = none. @default 64 */
  readonly coocDim: number;
  /** @default 1 */
  readonly coocWeight: number;
  /** OPQ rotation alternations. @default 8 */
  readonly rotationIters: number;
  /** @default 0 */
  readonly seed: number;
}

export const DEFAULT_RPG_SIDS: RpgSidConfig = Object.freeze({
  digits: 32, codebookSize: 256, textDim: 256, textWeight: 1, attrDim: 64, attrWeight: 1, coocDim: 64, coocWeight: 1, rotationIters: 8, seed: 0,
});

export interface FittedRpgSids {
  readonly codes: ItemCodes;
  /** Feature blocks used, e.g. ["text:256", "cooc:64"]. */
  readonly blocks: readonly string[];
  readonly featureSeconds: number;
  readonly fitSeconds: number;
  /** Share of items whose full code tuple is shared with another item. */
  readonly collisionRate: number;
}

/** Features from the dataset and its training split, then OPQ with `digits` sub-spaces. */
export function fitRpgSids(ds: InteractionDataset, sp: LeaveOneOutSplit, config: Partial<RpgSidConfig> = {}): FittedRpgSids {
  const c = { ...DEFAULT_RPG_SIDS, ...config };
  const t0 = performance.now();
  const blocks: FeatureBlock[] = [];
  const names: string[] = [];
  const hasText = ds.catalog.texts.some((t) => Boolean(t.title || t.brand || (t.categories && t.categories.length > 0)));
  if (c.textDim > 0 && c.textWeight > 0 && hasText) {
    blocks.push({ features: TextFeaturizer.fit(ds.catalog.texts, { dim: c.textDim, seed: c.seed }).features, weight: c.textWeight });
    names.push(`text:${c.textDim}x${c.textWeight}`);
  }
  if (c.attrDim > 0 && c.attrWeight > 0 && ds.catalog.attributes.some((a) => a.length > 0)) {
    blocks.push({ features: attributeFeatures(ds.catalog.attributes, { dim: c.attrDim, seed: c.seed }), weight: c.attrWeight });
    names.push(`attr:${c.attrDim}x${c.attrWeight}`);
  }
  if (c.coocDim > 0 && c.coocWeight > 0) {
    blocks.push({ features: cooccurrenceFeatures(sp.train.map((s) => s.items), ds.numItems, { dim: c.coocDim, seed: c.seed }), weight: c.coocWeight });
    names.push(`cooc:${c.coocDim}x${c.coocWeight}`);
  }
  if (blocks.length === 0) throw new SidrecError('E_CONFIG', 'rpg SIDs: no feature block (no text, no attributes, and co-occurrence disabled)', { field: 'cooc-dim' });
  const features = combineFeatures(blocks);
  const t1 = performance.now();
  const fitted = fitTokenizer({ kind: 'opq', subspaces: c.digits, codebookSize: c.codebookSize, pcaDim: Math.floor(features.dim / c.digits) * c.digits, rotationIters: c.rotationIters, seed: c.seed }, features);
  const codes: ItemCodes = { numItems: ds.numItems, digits: fitted.tokenizer.digits, codebookSize: fitted.tokenizer.codebookSize, codes: fitted.codes };
  return { codes, blocks: names, featureSeconds: (t1 - t0) / 1000, fitSeconds: fitted.fitSeconds + fitted.encodeSeconds, collisionRate: collisionRate(codes) };
}

/** Codes of a flat (unordered, no collision digit) SID table from `sidrec tokenize`. */
export function sidsFromTable(table: SemanticIdTable, numItems: number): ItemCodes {
  if (table.shape.collisionDigit) throw new SidrecError('E_CONFIG', 'rpg needs flat PQ/OPQ SIDs, this table is hierarchical (it has a collision digit)', { field: 'sids' });
  if (table.count !== numItems) throw new SidrecError('E_SHAPE', `SID table has ${table.count} items, dataset has ${numItems}`, { field: 'sids' });
  return { numItems, digits: table.digits, codebookSize: table.shape.codebookSize, codes: Int32Array.from(table.codes) };
}

export function collisionRate(codes: ItemCodes): number {
  const seen = new Map<string, number>();
  const { codes: c, digits: m, numItems: n } = codes;
  for (let i = 0; i < n; i++) {
    const key = Array.prototype.join.call(c.subarray(i * m, (i + 1) * m), ',');
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  let collided = 0;
  for (const v of seen.values()) if (v > 1) collided += v;
  return n === 0 ? 0 : collided / n;
}
