import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TfidfModel, words } from '../../src/features/tfidf.js';
import { itemDocument } from '../../src/features/text.js';

test('words: lower-cased runs of letters and digits', () => {
  assert.deepEqual(words('OPI Nail-Lacquer, 0.5oz!'), ['opi', 'nail', 'lacquer', '0', '5oz']);
});

test('TF-IDF on a tiny corpus matches hand-computed sklearn values (sublinear tf, smooth idf, L2 rows)', () => {
  const docs = ['red red nail', 'red lip', 'nail'];
  const model = TfidfModel.fit(docs, { wordNgrams: [1, 1], charNgrams: null, minDf: 1 });
  const vocab = model.vocabulary('word');
  assert.deepEqual([...vocab.keys()], ['lip', 'nail', 'red']);
  const x = model.transform(docs);
  // n = 3; df: lip 1, nail 2, red 2 -> idf = ln(4/2)+1, ln(4/3)+1, ln(4/3)+1
  const idfLip = Math.log(4 / 2) + 1;
  const idf2 = Math.log(4 / 3) + 1;
  // doc 0: red tf 2 -> 1 + ln 2; nail tf 1 -> 1
  const r0 = [0, idf2, (1 + Math.log(2)) * idf2];
  const r1 = [idfLip, 0, idf2];
  const norm = (v: number[]): number[] => {
    const s = Math.hypot(...v);
    return v.map((a) => a / s);
  };
  const dense = (i: number): number[] => {
    const row = [0, 0, 0];
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) row[x.indices[p]] = x.values[p];
    return row;
  };
  const close = (a: number[], b: number[]): void => a.forEach((v, j) => assert.ok(Math.abs(v - b[j]) < 1e-6, `${a} vs ${b}`));
  close(dense(0), norm(r0));
  close(dense(1), norm(r1));
  close(dense(2), [0, 1, 0]);
});

test('TF-IDF: min-df prunes, bigrams and padded char n-grams are terms, unseen terms ignored', () => {
  const docs = ['nail polish red', 'nail polish blue', 'lip gloss'];
  const model = TfidfModel.fit(docs, { wordNgrams: [1, 2], charNgrams: [3, 3], minDf: 2 });
  const wordsVocab = [...model.vocabulary('word').keys()];
  assert.deepEqual(wordsVocab, ['nail', 'nail polish', 'polish']);
  const chars = model.vocabulary('char');
  assert.ok(chars.has(' na') && chars.has('il ') && !chars.has('red'));
  const x = model.transform(['zebra']);
  assert.equal(x.indptr[1], 0);
  assert.equal(x.cols, model.vocabularySize);
});

test('TF-IDF: each family is L2-normalised then scaled by sqrt(weight)', () => {
  const docs = ['alpha beta', 'alpha gamma'];
  const model = TfidfModel.fit(docs, { wordNgrams: [1, 1], charNgrams: [3, 3], minDf: 1, wordWeight: 4, charWeight: 1 });
  const x = model.transform(docs);
  const wordCols = model.vocabulary('word').size;
  let w = 0;
  let c = 0;
  for (let p = x.indptr[0]; p < x.indptr[1]; p++) {
    if (x.indices[p] < wordCols) w += x.values[p] ** 2;
    else c += x.values[p] ** 2;
  }
  assert.ok(Math.abs(w - 4) < 1e-5 && Math.abs(c - 1) < 1e-5, `${w} ${c}`);
});

test('itemDocument joins title, brand, distinct category names and description; missing fields skipped', () => {
  const doc = itemDocument({
    title: 'Red Polish',
    brand: null,
    categories: [
      ['Beauty', 'Nails'],
      ['Beauty', 'Makeup'],
    ],
    description: 'shiny',
  });
  assert.equal(doc, 'Red Polish . Beauty . Nails . Makeup . shiny');
  assert.equal(itemDocument({}), '');
});
