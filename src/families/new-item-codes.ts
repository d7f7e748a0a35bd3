/**
 * Semantic IDs for items added to a served model (RPG, GRank): a new item is nothing but its codes, so it needs
 * the tokenizer the model was trained with, frozen. Accepted only when the tokenizer is shown to be that one: the
 * model directory's bundled SID copy (pinned by id, its table = the model's codes), or for older directories the
 * recorded tokenize folder when refitting its text featurizer reproduces the model's codes. Text is embedded by that
 * refit (only for SIDs built from text alone); otherwise a new item brings a vector in the tokenizer's input space,
 * or its SID (the only way for imported SIDs, which have no tokenizer).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import type { ItemText } from '../data/index.js';
import type { NewItemFeatures } from '../decode/recommender.js';
import { toFeatureText } from '../features/dataset.js';
import { TextFeaturizer } from '../features/index.js';
import { modelSids } from '../model/bundle.js';
import type { ModelManifest } from '../model/manifest.js';
import { loadSidTable, loadTokenizer, readSidReport, TABLE_FILE, TOKENIZER_FILE, type Tokenizer, type TokenizeReport } from '../tokenize/index.js';
import type { OpenContext } from './family.js';

/** The trained items' codes: (numItems, digits) in [0, codebookSize). */
export interface TrainedCodes {
  readonly numItems: number;
  readonly digits: number;
  readonly codebookSize: number;
  readonly codes: Int32Array;
}

/** What a model can do about new items. */
export interface NewItemCoding {
  /** Codes (n, digits) for new items, or why they cannot be added (then undefined). */
  readonly codesFor?: (items: readonly NewItemFeatures[]) => Int32Array;
  readonly cannotAddItems?: string;
  /** Length of a new item's `vector` (the tokenizer's input). */
  readonly featureDim?: number;
  /** Set for imported SIDs: every new item must give its SID of this many digits. */
  readonly newItemsNeedSid?: number;
  readonly tokenizerReport?: TokenizeReport;
}

/** How `kind`'s model directory `dir` (trained on `codes`) takes new items; `log` says what loading does. */
export function openNewItemCoding(kind: string, dir: string, manifest: ModelManifest, context: OpenContext, codes: TrainedCodes): NewItemCoding {
  const sids = modelSids(dir, manifest);
  if (!sids)
    return { cannotAddItems: `this ${kind} model was trained without a saved tokenizer (train with --sids DIR from sidrec tokenize to serve new items)` };
  if (!tableMatches(sids.dir, codes)) {
    return {
      cannotAddItems: `the SID table in ${sids.dir} is not the one this model was trained on (re-tokenized since?), so new items cannot be encoded; retrain on it to add items`,
    };
  }
  const report = readSidReport(sids.dir);
  if (!existsSync(join(sids.dir, TOKENIZER_FILE))) {
    return { codesFor: (items) => givenCodes(items, codes, undefined), newItemsNeedSid: codes.digits, tokenizerReport: report };
  }
  const tokenizer = loadTokenizer(join(sids.dir, TOKENIZER_FILE));
  const t = performance.now();
  context.log(`${kind}: refitting the text featurizer on ${context.items.texts.length} catalogue items (for text adds) ...`);
  const text = reproduceFeaturizer(sids.dir, context.items.texts, tokenizer, codes, report);
  context.log(`${kind}: featurizer ${text.featurizer ? 'reproduced' : `not available (${text.noText})`} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  if (sids.id === undefined && !text.featurizer) {
    return {
      cannotAddItems: `the tokenizer in ${sids.dir} has no sids.json (written by an older sidrec), so nothing shows it is the one this model was trained with; re-tokenize and retrain to add items`,
      tokenizerReport: report,
    };
  }
  return { codesFor: (items) => givenCodes(items, codes, { tokenizer, ...text }), featureDim: tokenizer.inputDim, tokenizerReport: report };
}

interface FrozenEncoder {
  readonly tokenizer: Tokenizer;
  readonly featurizer?: TextFeaturizer;
  /** Why text is not accepted (when featurizer is absent). */
  readonly noText?: string;
}

/** Codes (n, m): an item's given `sid` checked, the others through the frozen tokenizer (vector, else text). */
function givenCodes(items: readonly NewItemFeatures[], codes: TrainedCodes, encoder: FrozenEncoder | undefined): Int32Array {
  const { digits: m, codebookSize: C } = codes;
  const out = new Int32Array(items.length * m); // (n, m)
  const toEncode: number[] = [];
  items.forEach((it, i) => {
    if (!it.sid) {
      if (!encoder)
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
    out.set(it.sid, i * m);
  });
  if (toEncode.length > 0 && encoder) {
    const encoded = encode(
      toEncode.map((i) => items[i]),
      encoder,
    ); // (toEncode, m)
    toEncode.forEach((i, j) => out.set(encoded.subarray(j * m, (j + 1) * m), i * m));
  }
  return out;
}

/** Codes (n, m) of items without a given SID, in order, through the frozen tokenizer. */
function encode(items: readonly NewItemFeatures[], { tokenizer, featurizer, noText }: FrozenEncoder): Int32Array {
  const d = tokenizer.inputDim;
  const x = new Float32Array(items.length * d); // (n, D)
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
  return tokenizer.encode(x, items.length); // (n, m)
}

/** Whether the SID table in `dir` holds exactly the codes the model was trained on (a flat table). */
function tableMatches(dir: string, codes: TrainedCodes): boolean {
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
  codes: TrainedCodes,
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
