/**
 * RPG (Hou et al., KDD 2025) behind the `Recommender` seam. A query's m per-digit log-distributions come from
 * one batched forward pass; an item's score is the sum of the log-probs of its m codes, computed for every item
 * (exact; the paper's graph-constrained search is the offline fast path, and exact scoring needs no graph
 * update when items are added). Items are nothing but their OPQ codes, so a new item is encoded by the frozen
 * tokenizer (the model directory's copy of the `sidrec tokenize` directory it was trained on) and is scored, and readable in
 * histories (the mean of its code embeddings), at once: the model is rebuilt around the extended code table
 * with the same trained weights. Text is embedded by refitting the text featurizer exactly as tokenize did
 * (checked by re-encoding catalogue items); otherwise new items must come with a vector.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../../core/errors.js';
import type { ItemText } from '../../data/index.js';
import { toFeatureText } from '../../features/dataset.js';
import { TextFeaturizer } from '../../features/index.js';
import { modelSids } from '../../model/bundle.js';
import { openModel } from '../../model/load.js';
import type { ModelManifest } from '../../model/manifest.js';
import { Rpg, type ItemCodes } from '../../model/rpg.js';
import { scoreAll } from '../../model/rpg-score.js';
import { loadSidTable, loadTokenizer, readSidReport, TABLE_FILE, TOKENIZER_FILE, type Tokenizer, type TokenizeReport } from '../../tokenize/index.js';
import { topK, type NewItemFeatures, type Recommendation, type RecommendQuery, type Recommender } from '../recommender.js';
import type { AdapterContext } from './index.js';

/** How new items become vectors: the frozen tokenizer plus, when reproducible, the text featurizer. */
export interface RpgItemEncoder {
  readonly tokenizer: Tokenizer;
  readonly featurizer?: TextFeaturizer;
  /** Why text is not accepted (when featurizer is absent). */
  readonly noText?: string;
}

export class RpgRecommender implements Recommender {
  readonly kind = 'rpg';
  readonly cannotAddItems?: string;

  constructor(
    private model: Rpg,
    private readonly seed: number,
    private readonly encoder: RpgItemEncoder | undefined,
    readonly tokenizerReport: TokenizeReport | undefined,
    cannotAddItems = 'this RPG model was trained without a saved tokenizer (train with --sids DIR from sidrec tokenize to serve new items)',
    /** Imported SIDs: no tokenizer, but items come with their SID. */
    sidsGiven = false,
  ) {
    if (sidsGiven) this.newItemsNeedSid = model.digits;
    if (!encoder && !sidsGiven) this.cannotAddItems = cannotAddItems;
    else this.addItems = (items) => this.add(items);
  }

  readonly newItemsNeedSid?: number;

  addItems?: (items: readonly NewItemFeatures[]) => number[];

  get numItems(): number {
    return this.model.numItems;
  }

  get featureDim(): number | undefined {
    return this.encoder?.tokenizer.inputDim;
  }

  semanticId(item: number): readonly number[] {
    const m = this.model.digits;
    return Array.from(this.model.codes.codes.subarray(item * m, (item + 1) * m));
  }

  recommend(queries: readonly RecommendQuery[]): Recommendation[][] {
    if (queries.length === 0) return [];
    const { digits: m, codebookSize: C, numItems: N, itemTokens } = this.model;
    const logp = this.model.logProbs(queries.map((q) => q.history)); // (B, m*C)
    const scores = scoreAll(logp, queries.length, itemTokens, m, C, N); // (B, N)
    return queries.map((q, b) => topK(scores, b * N, N, q.k, q.exclude));
  }

  private add(items: readonly NewItemFeatures[]): number[] {
    const { digits: m, codebookSize: C } = this.model;
    const n = items.length;
    const fresh = new Int32Array(n * m); // (n, m)
    const toEncode: number[] = [];
    items.forEach((it, i) => {
      if (!it.sid) {
        if (!this.encoder) throw new SidrecError('E_INPUT', `this model's SIDs were imported (no tokenizer): give the item its "sid" (${m} codes in [0, ${C}))`, { field: `items[${i}].sid` });
        toEncode.push(i);
        return;
      }
      if (it.sid.length !== m) throw new SidrecError('E_INPUT', `sid has ${it.sid.length} codes, this model's SIDs have ${m}`, { field: `items[${i}].sid` });
      it.sid.forEach((c, d) => {
        if (!(Number.isInteger(c) && c >= 0 && c < C)) throw new SidrecError('E_INPUT', `code ${c} is outside [0, ${C})`, { field: `items[${i}].sid[${d}]` });
      });
      fresh.set(it.sid, i * m);
    });
    if (toEncode.length > 0) {
      const encoded = this.encode(toEncode.map((i) => items[i])); // (toEncode, m)
      toEncode.forEach((i, j) => fresh.set(encoded.subarray(j * m, (j + 1) * m), i * m));
    }
    return this.grow(fresh, n);
  }

  /** Codes (n, m) of items without a given SID, in order, through the frozen tokenizer. */
  private encode(items: readonly NewItemFeatures[]): Int32Array {
    const { tokenizer, featurizer, noText } = this.encoder!;
    const d = tokenizer.inputDim;
    const n = items.length;
    const x = new Float32Array(n * d); // (n, D)
    items.forEach((it, i) => {
      if (it.vector) {
        if (it.vector.length !== d) throw new SidrecError('E_INPUT', `vector has ${it.vector.length} values, this model's tokenizer reads ${d}`, { field: `items[${i}].vector` });
        x.set(it.vector, i * d);
      } else if (!featurizer) {
        throw new SidrecError('E_INPUT', `${noText ?? 'this model cannot embed text'}: give the item a "vector"`, { field: `items[${i}].vector` });
      } else {
        x.set(featurizer.transform([toFeatureText(it.text)]).data, i * d);
      }
    });
    return tokenizer.encode(x, n); // (n, m)
  }

  private grow(fresh: Int32Array, n: number): number[] {
    const old = this.model.codes;
    const codes: ItemCodes = { ...old, numItems: old.numItems + n, codes: concat(old.codes, fresh) };
    const grown = new Rpg(codes, this.model.config, this.seed);
    const trained = new Map(this.model.namedParameters().map((p) => [p.name, p.tensor]));
    for (const p of grown.namedParameters()) p.tensor.f32.set(trained.get(p.name)!.f32);
    this.model = grown;
    return Array.from({ length: n }, (_, i) => old.numItems + i);
  }
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Whether the SID table in `dir` holds exactly the codes the model was trained on (a flat table). */
function tableMatches(dir: string, codes: ItemCodes): boolean {
  const path = join(dir, TABLE_FILE);
  if (!existsSync(path)) return false;
  const table = loadSidTable(path);
  if (table.shape.collisionDigit || table.codes.length !== codes.codes.length) return false;
  return table.codes.every((c, i) => c === codes.codes[i]);
}

/** Refits the text featurizer as `sidrec tokenize --features text` did, and proves it by re-encoding items. */
function reproduceFeaturizer(dir: string, texts: readonly ItemText[], tokenizer: Tokenizer, codes: ItemCodes, report: { features?: unknown } | undefined): { featurizer?: TextFeaturizer; noText?: string } {
  const spec = report?.features as { source: string; weight: number }[] | undefined;
  if (!spec || spec.length !== 1 || spec[0].source !== 'text') return { noText: `the SIDs were built from features "${spec?.map((s) => s.source).join(',') ?? 'unknown'}", not text alone` };
  const { featurizer, features } = TextFeaturizer.fit(texts.map(toFeatureText), { dim: tokenizer.inputDim, seed: tokenizer.config.seed });
  const sample = Math.min(64, features.count);
  const check = tokenizer.encode(features.data.subarray(0, sample * features.dim), sample);
  for (let i = 0; i < check.length; i++) {
    if (check[i] !== codes.codes[i]) return { noText: `re-fitting the text featurizer did not reproduce the SIDs in ${dir}` };
  }
  return { featurizer };
}

/**
 * Adapter factory for manifest kind 'rpg'. New items are accepted only with a tokenizer shown to be the one
 * the model was trained with: the directory's bundled copy (pinned by id, its table = the model's codes), or for
 * older directories the recorded tokenize folder when its featurizer refit reproduces the model's codes.
 */
export function openRpg(dir: string, manifest: ModelManifest, context: AdapterContext): RpgRecommender {
  const log = context.log;
  let t = performance.now();
  const loaded = openModel(dir);
  if (loaded.kind !== 'rpg') throw new SidrecError('E_STATE', `expected an rpg model, found "${loaded.kind}"`, { file: dir, field: 'kind' });
  log(`rpg: weights and ${loaded.model.numItems} item codes loaded in ${secondsSince(t)}`);
  const sids = modelSids(dir, manifest);
  if (!sids) return new RpgRecommender(loaded.model, manifest.seed, undefined, undefined);
  const codes = loaded.model.codes;
  if (!tableMatches(sids.dir, codes)) {
    return new RpgRecommender(loaded.model, manifest.seed, undefined, undefined, `the SID table in ${sids.dir} is not the one this model was trained on (re-tokenized since?), so new items cannot be encoded; retrain on it to add items`);
  }
  const report = readSidReport(sids.dir);
  if (!existsSync(join(sids.dir, TOKENIZER_FILE))) {
    return new RpgRecommender(loaded.model, manifest.seed, undefined, report, undefined, true);
  }
  const tokenizer = loadTokenizer(join(sids.dir, TOKENIZER_FILE));
  t = performance.now();
  log(`rpg: refitting the text featurizer on ${context.items.texts.length} catalogue items (for text adds) ...`);
  const text = reproduceFeaturizer(sids.dir, context.items.texts, tokenizer, codes, report);
  log(`rpg: featurizer ${text.featurizer ? 'reproduced' : `not available (${text.noText})`} in ${secondsSince(t)}`);
  if (sids.id === undefined && !text.featurizer) {
    return new RpgRecommender(loaded.model, manifest.seed, undefined, report, `the tokenizer in ${sids.dir} has no sids.json (written by an older sidrec), so nothing shows it is the one this model was trained with; re-tokenize and retrain to add items`);
  }
  return new RpgRecommender(loaded.model, manifest.seed, { tokenizer, ...text }, report);
}

const secondsSince = (t: number): string => `${((performance.now() - t) / 1000).toFixed(1)} s`;
