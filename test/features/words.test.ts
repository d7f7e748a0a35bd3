import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SidrecError } from '../../src/core/errors.js';
import { generateSynthetic, split, syntheticDataset } from '../../src/data/index.js';
import { datasetFeatures, parseFeatureSpec, toFeatureText, withWordVectors } from '../../src/features/dataset.js';
import type { ItemText } from '../../src/features/text.js';
import { decodeHtmlEntities, lookupKeys, resolveToken, wordTokens } from '../../src/features/word-tokens.js';
import { loadWordVectors } from '../../src/features/word-vectors.js';
import { catalogueWords, itemWordText, WordFeaturizer } from '../../src/features/words.js';
import { REPORT_FILE, saveDatasetSids, TABLE_FILE, tokenizeDataset } from '../../src/tokenize/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sidrec-words-'));

test('tokens: HTML entities decoded (twice when double-encoded), lower-cased, punctuation split, possessive dropped', () => {
  assert.equal(decodeHtmlEntities('a &lt;b&gt; &#x27;c&#39; &bogus; &amp;amp; caf&eacute;'), "a <b> 'c'   & café");
  assert.deepEqual(wordTokens('Dr. Scholl&#39;s Anti-Aging CRÈME &amp;amp; Co. 0.5-Fluid Ounce, 100% “pure”'), [
    'dr',
    'scholl',
    'anti-aging',
    'crème',
    'co',
    '0',
    '5-fluid',
    'ounce',
    '100',
    'pure',
  ]);
  assert.deepEqual(wordTokens('Men’s  nail-polish'), ['men', 'nail-polish']);
  assert.deepEqual(wordTokens(''), []);
});

test('tokens resolve as written, without diacritics, singular, else by parts; unknown words stay for p(w)', () => {
  const vocab = new Set(['anti-aging', 'anti', 'aging', 'oz', '5', 'creme', 'exfoliator', 'brush', 'lily', 'glass', 'nail', 'polish']);
  const has = (w: string): boolean => vocab.has(w);
  assert.deepEqual(resolveToken('anti-aging', has), ['anti-aging']);
  assert.deepEqual(
    resolveToken('anti-aging', (w) => w !== 'anti-aging' && has(w)),
    ['anti', 'aging'],
  );
  assert.deepEqual(resolveToken('5oz', has), ['5', 'oz']);
  assert.deepEqual(resolveToken('crème', has), ['creme']);
  assert.deepEqual(resolveToken('exfoliators', has), ['exfoliator']);
  assert.deepEqual(resolveToken('brushes', has), ['brush']);
  assert.deepEqual(resolveToken('lilies', has), ['lily']);
  assert.deepEqual(resolveToken('glass', has), ['glass']);
  assert.deepEqual(resolveToken('nails-polishes', has), ['nail', 'polish']);
  assert.deepEqual(resolveToken('zzz', has), ['zzz']);
  // Every key resolveToken may try is among the keys a vector file is scanned for.
  for (const t of ['5oz', 'crème', 'exfoliators', 'nails-polishes', 'anti-aging']) {
    const keys = new Set(lookupKeys(t));
    for (const w of resolveToken(t, () => true)) assert.ok(keys.has(w), `${t}: ${w}`);
    for (const w of resolveToken(t, has)) assert.ok(keys.has(w) || !has(w), `${t}: ${w}`);
  }
});

const ITEMS: ItemText[] = [
  { title: 'Nail Polish &amp; Top-Coat', brand: 'OPI', categories: [['Beauty', 'Nails']] },
  { title: "Men's Shampoo", brand: null, categories: [['Beauty', 'Hair']] },
  { title: 'Crème Visage', categories: ['Beauty', 'Face'] },
  { title: '12345 &#39;', brand: 'XYZ' },
  { title: null },
  { title: 'RED nail polish' },
];
// What the items count as, written out by hand (top-coat -> top + coat, nails -> nail, crème -> creme).
const DOCS = [
  ['nail', 'polish', 'top', 'coat', 'opi', 'beauty', 'nail'],
  ['men', 'shampoo', 'beauty', 'hair'],
  ['creme', 'visage', 'beauty', 'face'],
  ['12345', 'xyz'],
  [],
  ['red', 'nail', 'polish'],
];
const VOCAB: Record<string, number[]> = {
  nail: [0.9, 0.1, -0.3, 0.2],
  polish: [0.7, 0.4, -0.1, 0.1],
  coat: [0.2, 0.8, 0.3, -0.4],
  beauty: [0.5, 0.5, 0.5, 0.5],
  shampoo: [-0.6, 0.2, 0.9, 0.1],
  hair: [-0.4, 0.1, 0.8, 0.3],
  creme: [0.1, -0.7, 0.2, 0.9],
  face: [0.2, -0.5, 0.1, 0.8],
  red: [0.8, 0.3, 0.2, -0.6],
  unused: [9, 9, 9, 9],
};

function writeGlove(path: string, vocab: Record<string, readonly number[]>): void {
  writeFileSync(
    path,
    `${Object.entries(vocab)
      .map(([w, v]) => `${w} ${v.join(' ')}`)
      .join('\n')}\n`,
  );
}

/** SIF straight from the definition, in float64: weights a/(a+p), averages, top singular vector by power iteration. */
function referenceSif(docs: string[][], vocab: Record<string, number[]>, a: number): number[][] {
  const total = docs.reduce((s, d) => s + d.length, 0);
  const count = new Map<string, number>();
  for (const d of docs) for (const w of d) count.set(w, (count.get(w) ?? 0) + 1);
  const rows = docs.map((d) => {
    const known = d.filter((w) => w in vocab);
    const v = [0, 0, 0, 0];
    for (const w of known) for (let j = 0; j < 4; j++) v[j] += (a / (a + (count.get(w) ?? 0) / total)) * vocab[w][j];
    return known.length === 0 ? v : v.map((x) => x / known.length);
  });
  let u = [1, 0.5, 0.25, 0.125];
  for (let it = 0; it < 5000; it++) {
    const next = [0, 0, 0, 0];
    for (const r of rows) {
      const dot = r.reduce((s, x, j) => s + x * u[j], 0);
      for (let j = 0; j < 4; j++) next[j] += dot * r[j];
    }
    const n = Math.hypot(...next);
    u = next.map((x) => x / n);
  }
  return rows.map((r) => {
    const dot = r.reduce((s, x, j) => s + x * u[j], 0);
    const out = r.map((x, j) => x - dot * u[j]);
    const n = Math.hypot(...out);
    return n === 0 ? out : out.map((x) => x / n);
  });
}

test('SIF features match a direct computation; items without known words are zero rows; coverage counted', () => {
  assert.deepEqual(
    ITEMS.map((item) => wordTokens(itemWordText(item))),
    [
      ['nail', 'polish', 'top-coat', 'opi', 'beauty', 'nails'],
      ['men', 'shampoo', 'beauty', 'hair'],
      ['crème', 'visage', 'beauty', 'face'],
      ['12345', 'xyz'],
      [],
      ['red', 'nail', 'polish'],
    ],
  );
  const file = join(dir, 'vocab.txt');
  writeGlove(file, VOCAB);
  const vectors = loadWordVectors(file, { wanted: catalogueWords(ITEMS) });
  assert.equal(vectors.has('unused'), false);
  const a = 0.05;
  const { featurizer, features, coverage } = WordFeaturizer.fit(ITEMS, vectors, { a });
  assert.equal(features.count, ITEMS.length);
  assert.equal(features.dim, 4);
  const expected = referenceSif(DOCS, VOCAB, a);
  for (let i = 0; i < ITEMS.length; i++) {
    for (let j = 0; j < 4; j++)
      assert.ok(Math.abs(features.data[i * 4 + j] - expected[i][j]) < 1e-4, `item ${i} dim ${j}: ${features.data[i * 4 + j]} vs ${expected[i][j]}`);
  }
  for (const i of [3, 4]) assert.deepEqual(Array.from(features.data.subarray(i * 4, i * 4 + 4)), [0, 0, 0, 0]);
  // Rows are orthogonal to the removed component.
  for (let i = 0; i < ITEMS.length; i++) {
    let dot = 0;
    for (let j = 0; j < 4; j++) dot += features.data[i * 4 + j] * featurizer.components[j];
    assert.ok(Math.abs(dot) < 1e-5);
  }
  assert.deepEqual(coverage, {
    items: 6,
    tokens: 20,
    knownTokens: 14,
    unknownNumberTokens: 1,
    distinctWords: 15,
    knownDistinctWords: 9,
    itemsWithoutKnownWords: 2,
    itemsWithoutText: 1,
  });
  // Deterministic, and the fitted featurizer reproduces the catalogue's rows (new items land in the same space).
  const again = WordFeaturizer.fit(ITEMS, loadWordVectors(file, { wanted: catalogueWords(ITEMS) }), { a });
  assert.ok(Buffer.from(again.features.data.buffer).equals(Buffer.from(features.data.buffer)));
  const t = featurizer.transform(ITEMS);
  for (let k = 0; k < t.data.length; k++) assert.ok(Math.abs(t.data[k] - features.data[k]) < 1e-6);
});

test('the words source in a dataset: vectors read once per spec, logged, named in the SID report, deterministic', () => {
  const ds = syntheticDataset(generateSynthetic({ numUsers: 300, numItems: 200, numTopics: 5, seed: 4 }));
  const sp = split(ds);
  const texts = ds.catalog.texts.map(toFeatureText);
  const words = [...catalogueWords(texts)].sort();
  let x = 12345;
  const rand = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32 - 0.5;
  };
  const file = join(dir, 'synthetic.txt');
  writeGlove(file, Object.fromEntries(words.filter((_, i) => i % 5 !== 0).map((w) => [w, Array.from({ length: 8 }, rand)])));
  assert.throws(
    () => withWordVectors(parseFeatureSpec('text'), ds, file),
    (e: SidrecError) => e.code === 'E_CONFIG' && e.location.field === 'word-vectors',
  );
  const lines: string[] = [];
  const spec = withWordVectors(parseFeatureSpec('words,cooccurrence:0.5'), ds, file, (line) => lines.push(line));
  assert.equal(lines.length, 2);
  assert.match(lines[0], /words: kept [\d,]+ of [\d,]+ 8-d vectors from .* in [\d.]+ s, peak RSS \d+ MiB/);
  assert.match(lines[1], /% of [\d,]+ catalogue word tokens have a vector/);
  const features = datasetFeatures(ds, sp, spec, { seed: 1 });
  assert.equal(features.count, ds.numItems);
  assert.equal(features.dim, 8 + 64);
  const config = { kind: 'opq' as const, subspaces: 4, codebookSize: 16 };
  const dirA = mkdtempSync(join(tmpdir(), 'sidrec-words-sid-'));
  const dirB = mkdtempSync(join(tmpdir(), 'sidrec-words-sid-'));
  saveDatasetSids(dirA, tokenizeDataset(ds, sp, spec, config, 1));
  saveDatasetSids(dirB, tokenizeDataset(ds, sp, withWordVectors(parseFeatureSpec('words,cooccurrence:0.5'), ds, file), config, 1));
  assert.ok(readFileSync(join(dirA, TABLE_FILE)).equals(readFileSync(join(dirB, TABLE_FILE))));
  const report = JSON.parse(readFileSync(join(dirA, REPORT_FILE), 'utf8')) as {
    features: { source: string; weight: number; wordVectors?: { file: string; format: string; dim: number } }[];
  };
  assert.deepEqual(
    report.features.map((f) => [f.source, f.weight]),
    [
      ['words', 1],
      ['cooccurrence', 0.5],
    ],
  );
  assert.equal(report.features[0].wordVectors?.file, file);
  assert.equal(report.features[0].wordVectors?.dim, 8);
  // Vectors that know none of the catalogue's words are refused, not turned into all-zero features.
  const foreign = join(dir, 'foreign.txt');
  writeGlove(foreign, { qqqq: [1, 2, 3] });
  assert.throws(
    () => datasetFeatures(ds, sp, withWordVectors(parseFeatureSpec('words'), ds, foreign)),
    (e: SidrecError) => e.code === 'E_INPUT' && /no item .* has a title, brand or category word with a vector/.test(e.message),
  );
});
