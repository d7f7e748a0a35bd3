/**
 * TF-IDF over documents as sklearn's TfidfVectorizer computes it (sublinear tf = 1 + ln tf, smooth idf =
 * ln((1 + n) / (1 + df)) + 1, min-df pruning, L2-normalised rows), for two term families at once: word n-grams
 * (default unigrams + bigrams) and character n-grams inside word boundaries (default 3-5, words padded with a
 * space like sklearn's `char_wb`). Each family is L2-normalised on its own and scaled by sqrt(weight), then the
 * two are stacked, so neither family drowns the other. The fitted vocabulary + idf transforms new documents.
 */
import { CsrBuilder, csrHstack, csrNormalizeRows, type CsrMatrix } from './sparse.js';

export interface TfidfOptions {
  /** Word n-gram range [min, max]; null disables word terms. @default [1, 2] */
  readonly wordNgrams: readonly [number, number] | null;
  /** Character n-gram range inside words; null disables character terms. @default [3, 5] */
  readonly charNgrams: readonly [number, number] | null;
  /** Terms in fewer documents are dropped. @default 2 */
  readonly minDf: number;
  /** @default true */
  readonly sublinearTf: boolean;
  /** Weight of the word family in the stacked vector. @default 1 */
  readonly wordWeight: number;
  /** @default 1 */
  readonly charWeight: number;
}

export const DEFAULT_TFIDF: Readonly<TfidfOptions> = Object.freeze({
  wordNgrams: [1, 2] as const,
  charNgrams: [3, 5] as const,
  minDf: 2,
  sublinearTf: true,
  wordWeight: 1,
  charWeight: 1,
});

type Family = 'word' | 'char';

/** Lower-cased words: maximal runs of letters/digits. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/** Calls `emit` for every term of `family` in `text` (with repeats). */
function forEachTerm(text: string, family: Family, range: readonly [number, number], emit: (term: string) => void): void {
  const ws = words(text);
  if (family === 'word') {
    for (let n = range[0]; n <= range[1]; n++) {
      for (let i = 0; i + n <= ws.length; i++) emit(n === 1 ? ws[i] : ws.slice(i, i + n).join(' '));
    }
    return;
  }
  for (const w of ws) {
    const padded = ` ${w} `;
    for (let n = range[0]; n <= range[1]; n++) {
      if (n > padded.length) break;
      for (let i = 0; i + n <= padded.length; i++) emit(padded.slice(i, i + n));
    }
  }
}

interface FamilyModel {
  readonly family: Family;
  readonly range: readonly [number, number];
  readonly vocab: ReadonlyMap<string, number>;
  readonly idf: Float32Array;
  readonly weight: number;
}

export class TfidfModel {
  private constructor(
    private readonly families: readonly FamilyModel[],
    readonly options: Readonly<TfidfOptions>,
  ) {}

  /** Total number of terms (columns of `transform`). */
  get vocabularySize(): number {
    return this.families.reduce((s, f) => s + f.vocab.size, 0);
  }

  /** Vocabulary of one family, term -> column within that family's block. */
  vocabulary(family: Family): ReadonlyMap<string, number> {
    return this.families.find((f) => f.family === family)?.vocab ?? new Map();
  }

  /** Fit vocabulary and idf on `docs` (a document per item). */
  static fit(docs: readonly string[], options: Partial<TfidfOptions> = {}): TfidfModel {
    const opts: TfidfOptions = { ...DEFAULT_TFIDF, ...options };
    const families: FamilyModel[] = [];
    const specs: [Family, readonly [number, number] | null, number][] = [
      ['word', opts.wordNgrams, opts.wordWeight],
      ['char', opts.charNgrams, opts.charWeight],
    ];
    for (const [family, range, weight] of specs) {
      if (range === null || weight <= 0) continue;
      const df = new Map<string, number>();
      const seen = new Set<string>();
      for (const doc of docs) {
        seen.clear();
        forEachTerm(doc, family, range, (t) => seen.add(t));
        for (const t of seen) df.set(t, (df.get(t) ?? 0) + 1);
      }
      const kept = [...df.entries()]
        .filter(([, c]) => c >= opts.minDf)
        .map(([t]) => t)
        .sort();
      const vocab = new Map<string, number>();
      const idf = new Float32Array(kept.length);
      kept.forEach((t, i) => {
        vocab.set(t, i);
        idf[i] = Math.log((1 + docs.length) / (1 + (df.get(t) ?? 0))) + 1;
      });
      families.push({ family, range, vocab, idf, weight });
    }
    return new TfidfModel(families, Object.freeze(opts));
  }

  /** (docs, vocabularySize) TF-IDF rows; unseen terms are ignored. */
  transform(docs: readonly string[]): CsrMatrix {
    let stacked: CsrMatrix | undefined;
    const tf = new Map<number, number>();
    for (const fam of this.families) {
      const builder = new CsrBuilder(fam.vocab.size);
      for (const doc of docs) {
        tf.clear();
        forEachTerm(doc, fam.family, fam.range, (t) => {
          const col = fam.vocab.get(t);
          if (col !== undefined) tf.set(col, (tf.get(col) ?? 0) + 1);
        });
        const cols = [...tf.keys()];
        const vals = cols.map((c) => {
          const count = tf.get(c) ?? 0;
          return (this.options.sublinearTf ? 1 + Math.log(count) : count) * fam.idf[c];
        });
        builder.addRow(cols, vals);
      }
      const block = builder.build();
      csrNormalizeRows(block);
      if (fam.weight !== 1) {
        const s = Math.sqrt(fam.weight);
        for (let p = 0; p < block.values.length; p++) block.values[p] *= s;
      }
      stacked = stacked === undefined ? block : csrHstack(stacked, block);
    }
    if (stacked === undefined) return new CsrBuilder(0).build();
    return stacked;
  }
}
