/**
 * RPG (Hou et al., KDD 2025) behind the `Recommender` seam. A query's m per-digit log-distributions come from
 * one batched forward pass; an item's score is the sum of the log-probs of its m codes, computed for every item
 * ('exact', the serving default: it needs no graph update when items are added) or, with `decode: 'graph'`, for
 * the items the paper's graph-constrained search visits (exact again once items were added: the graph is stale). Items are nothing but their OPQ codes, so a new item is encoded by the frozen
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
import { DEFAULT_GRAPH_SEARCH, GraphDecoder, type GraphSearchConfig } from '../../decode/graph.js';
import type { ItemGraph } from '../../decode/item-graph.js';
import { modelSids } from '../../model/bundle.js';
import { MODEL_FILES } from '../../model/files.js';
import type { ModelManifest } from '../../model/manifest.js';
import { loadItemCodes } from '../../model/rpg-io.js';
import { Rpg, type ItemCodes, type RpgConfig } from '../../model/rpg.js';
import { scoreAll } from '../../model/rpg-score.js';
import { loadCheckpoint } from '../../tensor/index.js';
import { loadSidTable, loadTokenizer, readSidReport, TABLE_FILE, TOKENIZER_FILE, type Tokenizer, type TokenizeReport } from '../../tokenize/index.js';
import { topK, type NewItemFeatures, type Recommendation, type RecommendQuery, type Recommender } from '../../decode/recommender.js';
import type { OpenContext } from '../family.js';

/** How new items become vectors: the frozen tokenizer plus, when reproducible, the text featurizer. */
export interface RpgItemEncoder {
  readonly tokenizer: Tokenizer;
  readonly featurizer?: TextFeaturizer;
  /** Why text is not accepted (when featurizer is absent). */
  readonly noText?: string;
}

/** Graph-constrained decoding for recommend(): the item graph and the search settings. */
export interface RpgGraphDecoding {
  readonly graph: ItemGraph;
  readonly search: GraphSearchConfig;
}

export class RpgRecommender implements Recommender {
  readonly kind = 'rpg';
  readonly cannotAddItems?: string;
  private scored: number[] = [];

  scoredPerQuery(): readonly number[] {
    return this.scored;
  }

  /** Set while the graph covers every item (until items are added). */
  private graphDecoder?: GraphDecoder;

  constructor(
    private model: Rpg,
    private readonly seed: number,
    private readonly encoder: RpgItemEncoder | undefined,
    readonly tokenizerReport: TokenizeReport | undefined,
    cannotAddItems = 'this RPG model was trained without a saved tokenizer (train with --sids DIR from sidrec tokenize to serve new items)',
    /** Imported SIDs: no tokenizer, but items come with their SID. */
    sidsGiven = false,
    decoding?: RpgGraphDecoding,
  ) {
    if (decoding) this.graphDecoder = new GraphDecoder(model.itemTokens, model.digits, decoding.graph, decoding.search);
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
    if (this.graphDecoder) {
      this.scored = [];
      return queries.map((q, b) => this.graphTop(logp, b * m * C, q));
    }
    this.scored = queries.map(() => N);
    const scores = scoreAll(logp, queries.length, itemTokens, m, C, N); // (B, N)
    return queries.map((q, b) => topK(scores, b * N, N, q.k, q.exclude));
  }

  /** The graph search's best items for one query, room made for the excluded ones. */
  private graphTop(logp: Float32Array, offset: number, q: RecommendQuery): Recommendation[] {
    const found = this.graphDecoder!.search(logp, offset, q.user ?? 0, q.k + q.exclude.size);
    this.scored.push(found.visited);
    const out: Recommendation[] = [];
    for (let r = 0; r < found.items.length && out.length < q.k; r++)
      if (!q.exclude.has(found.items[r])) out.push({ item: found.items[r], score: found.scores[r] });
    return out;
  }

  private add(items: readonly NewItemFeatures[]): number[] {
    const { digits: m, codebookSize: C } = this.model;
    const n = items.length;
    const fresh = new Int32Array(n * m); // (n, m)
    const toEncode: number[] = [];
    items.forEach((it, i) => {
      if (!it.sid) {
        if (!this.encoder)
          throw new SidrecError('E_INPUT', `this model's SIDs were imported (no tokenizer): give the item its "sid" (${m} codes in [0, ${C}))`, {
            field: `items[${i}].sid`,
          });
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
        if (it.vector.length !== d)
          throw new SidrecError('E_INPUT', `vector has ${it.vector.length} values, this model's tokenizer reads ${d}`, { field: `items[${i}].vector` });
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
    this.graphDecoder = undefined; // the graph knows nothing of the new items
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
function reproduceFeaturizer(
  dir: string,
  texts: readonly ItemText[],
  tokenizer: Tokenizer,
  codes: ItemCodes,
  report: { features?: unknown } | undefined,
): { featurizer?: TextFeaturizer; noText?: string } {
  const spec = report?.features as { source: string; weight: number }[] | undefined;
  if (spec?.length !== 1 || spec[0].source !== 'text')
    return { noText: `the SIDs were built from features "${spec?.map((s) => s.source).join(',') ?? 'unknown'}", not text alone` };
  const { featurizer, features } = TextFeaturizer.fit(texts.map(toFeatureText), { dim: tokenizer.inputDim, seed: tokenizer.config.seed });
  const sample = Math.min(64, features.count);
  const check = tokenizer.encode(features.data.subarray(0, sample * features.dim), sample);
  for (let i = 0; i < check.length; i++) {
    if (check[i] !== codes.codes[i]) return { noText: `re-fitting the text featurizer did not reproduce the SIDs in ${dir}` };
  }
  return { featurizer };
}

/** An RPG model directory's architecture (around its saved item codes) with its best weights. */
export function openRpgModel(dir: string, manifest: ModelManifest): Rpg {
  const model = new Rpg(loadItemCodes(join(dir, MODEL_FILES.itemCodes)), manifest.modelConfig as Partial<RpgConfig>, manifest.seed);
  loadCheckpoint(join(dir, MODEL_FILES.best), model.namedParameters());
  return model;
}

/** The graph search recorded at training, overridden field by field. */
export function recordedGraphSearch(manifest: ModelManifest, overrides: Partial<GraphSearchConfig> = {}): GraphSearchConfig {
  const recorded = (manifest as { rpg?: { decode?: Partial<GraphSearchConfig> } }).rpg?.decode ?? {};
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_GRAPH_SEARCH, ...recorded, ...given };
}

/**
 * An RPG model directory as a Recommender. New items are accepted only with a tokenizer shown to be the one
 * the model was trained with: the directory's bundled copy (pinned by id, its table = the model's codes), or for
 * older directories the recorded tokenize folder when its featurizer refit reproduces the model's codes.
 */
export function openRpg(dir: string, manifest: ModelManifest, context: OpenContext, decoding?: RpgGraphDecoding): RpgRecommender {
  const log = context.log;
  let t = performance.now();
  const model = openRpgModel(dir, manifest);
  log(`rpg: weights and ${model.numItems} item codes loaded in ${secondsSince(t)}`);
  const sids = modelSids(dir, manifest);
  if (!sids) return new RpgRecommender(model, manifest.seed, undefined, undefined, undefined, false, decoding);
  const codes = model.codes;
  if (!tableMatches(sids.dir, codes)) {
    return new RpgRecommender(
      model,
      manifest.seed,
      undefined,
      undefined,
      `the SID table in ${sids.dir} is not the one this model was trained on (re-tokenized since?), so new items cannot be encoded; retrain on it to add items`,
      false,
      decoding,
    );
  }
  const report = readSidReport(sids.dir);
  if (!existsSync(join(sids.dir, TOKENIZER_FILE))) {
    return new RpgRecommender(model, manifest.seed, undefined, report, undefined, true, decoding);
  }
  const tokenizer = loadTokenizer(join(sids.dir, TOKENIZER_FILE));
  t = performance.now();
  log(`rpg: refitting the text featurizer on ${context.items.texts.length} catalogue items (for text adds) ...`);
  const text = reproduceFeaturizer(sids.dir, context.items.texts, tokenizer, codes, report);
  log(`rpg: featurizer ${text.featurizer ? 'reproduced' : `not available (${text.noText})`} in ${secondsSince(t)}`);
  if (sids.id === undefined && !text.featurizer) {
    return new RpgRecommender(
      model,
      manifest.seed,
      undefined,
      report,
      `the tokenizer in ${sids.dir} has no sids.json (written by an older sidrec), so nothing shows it is the one this model was trained with; re-tokenize and retrain to add items`,
      false,
      decoding,
    );
  }
  return new RpgRecommender(model, manifest.seed, { tokenizer, ...text }, report, undefined, false, decoding);
}

const secondsSince = (t: number): string => `${((performance.now() - t) / 1000).toFixed(1)} s`;
