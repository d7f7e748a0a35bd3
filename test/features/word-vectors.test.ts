import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SidrecError } from '../../src/core/errors.js';
import { loadWordVectors, resolveWordVectorsFile, WINK_PACKAGE } from '../../src/features/word-vectors.js';

const dir = mkdtempSync(join(tmpdir(), 'sidrec-wv-'));

/** A wink-embeddings-style JSON: vectors carry [d values, l2 norm, index]; `words` holds tricky strings. */
function writeWink(path: string, vectors: Record<string, number[]>, extra = ''): void {
  const words = Object.keys(vectors);
  const body = Object.entries(vectors)
    .map(([w, v], i) => `${JSON.stringify(w)}:[${[...v, Math.hypot(...v), i].join(',')}]`)
    .join(',');
  writeFileSync(
    path,
    `{"precision":8,"l2NormIndex":3,"wordIndex":4,"size":${words.length},"dimensions":3,"words":${JSON.stringify([...words, ']', '"{'])},${extra}"vectors":{${body}},"unkVector":[0,0,0,0,-1]}`,
  );
}

const VECTORS: Record<string, number[]> = {
  nail: [1, 0, 0],
  polish: [0, 1, 0],
  'anti-aging': [0, 0, 1],
  'say "hi"': [1, 1, 1],
  crème: [0.5, 0.5, 0],
  shampoo: [-1, 0.25, 2e-3],
};

test('wink JSON: only wanted words are kept, trailing norm/index dropped, escaped keys decoded, any chunk size', () => {
  const file = join(dir, 'wink.json');
  writeWink(file, VECTORS);
  const wanted = new Set(['nail', 'anti-aging', 'say "hi"', 'shampoo', 'absent']);
  for (const chunkBytes of [7, 64, 1 << 22]) {
    const wv = loadWordVectors(file, { wanted, chunkBytes });
    assert.equal(wv.dim, 3);
    assert.equal(wv.size, 4);
    assert.equal(wv.source.format, 'wink-json');
    assert.equal(wv.source.vocabulary, 6);
    assert.deepEqual(Array.from(wv.vector('nail') ?? []), [1, 0, 0]);
    assert.deepEqual(Array.from(wv.vector('say "hi"') ?? []), [1, 1, 1]);
    assert.deepEqual(Array.from(wv.vector('shampoo') ?? []), [-1, 0.25, 2e-3].map(Math.fround));
    assert.equal(wv.has('polish'), false);
    assert.equal(wv.has('absent'), false);
  }
  // Without `wanted`, everything is kept; JSON of the table names its source, not the numbers.
  const all = loadWordVectors(file, { chunkBytes: 16 });
  assert.equal(all.size, 6);
  assert.deepEqual(JSON.parse(JSON.stringify(all)), { file, format: 'wink-json', vocabulary: 6, dim: 3, loadedWords: 6 });
});

test('wink JSON: malformed files are refused with the file and the place', () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"dimensions":3,"vectors":{"nail":[1,0]}}');
  assert.throws(
    () => loadWordVectors(bad, { wanted: new Set(['nail']) }),
    (e: SidrecError) => e.code === 'E_INPUT' && /has 2 values, "dimensions" is 3/.test(e.message) && e.message.includes(bad),
  );
  writeFileSync(bad, '{"dimensions":3,"vectors":{"nail":[1,0,x]}}');
  assert.throws(() => loadWordVectors(bad, { wanted: new Set(['nail']) }), /field "vectors.nail": value 2 "x" is not a finite number/);
  writeFileSync(bad, '{"dimensions":3,"vectors":{"nail":[1,0,0]');
  assert.throws(() => loadWordVectors(bad), /expected "," or "}"/);
  writeFileSync(bad, '{"dimensions":3}');
  assert.throws(() => loadWordVectors(bad), /no "vectors" object/);
  assert.throws(
    () => loadWordVectors(join(dir, 'missing.json')),
    (e: SidrecError) => e.code === 'E_NOT_FOUND',
  );
});

test('GloVe / word2vec text: header skipped, CRLF, cased entries stand in for lower-case words, exact wins', () => {
  const file = join(dir, 'glove.txt');
  writeFileSync(file, '4 2\r\nNail 9 9\r\nnail 1 2\r\nPolish 3 4\r\nshampoo -0.5 1e-2\r\n\r\n');
  const wv = loadWordVectors(file, { wanted: new Set(['nail', 'polish', 'cream']), chunkBytes: 5 });
  assert.equal(wv.source.format, 'text');
  assert.equal(wv.dim, 2);
  assert.equal(wv.source.vocabulary, 4);
  assert.deepEqual(Array.from(wv.vector('nail') ?? []), [1, 2]);
  assert.deepEqual(Array.from(wv.vector('polish') ?? []), [3, 4]);
  assert.equal(wv.size, 2);
  const ragged = join(dir, 'ragged.txt');
  writeFileSync(ragged, 'nail 1 2\npolish 3\n');
  assert.throws(
    () => loadWordVectors(ragged, { wanted: new Set(['polish']) }),
    (e: SidrecError) => e.code === 'E_INPUT' && e.location.line === 2 && /1 values, earlier lines have 2/.test(e.message),
  );
});

test('the installed package is found by Node resolution; its absence names npm install and --word-vectors', () => {
  const empty = mkdtempSync(join(tmpdir(), 'sidrec-nopkg-'));
  assert.throws(
    () => resolveWordVectorsFile(undefined, [empty]),
    (e: SidrecError) => e.code === 'E_NOT_FOUND' && e.message.includes(`npm install ${WINK_PACKAGE}`) && e.message.includes('--word-vectors'),
  );
  const project = mkdtempSync(join(tmpdir(), 'sidrec-pkg-'));
  const pkg = join(project, 'node_modules', WINK_PACKAGE);
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: WINK_PACKAGE, version: '9.8.7', main: `./${WINK_PACKAGE}.json` }));
  writeWink(join(pkg, `${WINK_PACKAGE}.json`), VECTORS);
  const found = resolveWordVectorsFile(undefined, [empty, join(project, 'src')]);
  assert.equal(found.package, `${WINK_PACKAGE}@9.8.7`);
  assert.equal(loadWordVectors(found.file, { wanted: new Set(['polish']) }).size, 1);
  // An explicit file wins and must exist.
  assert.deepEqual(resolveWordVectorsFile(join(dir, 'glove.txt'), [empty]), { file: join(dir, 'glove.txt') });
  assert.throws(
    () => resolveWordVectorsFile(join(dir, 'nope.txt')),
    (e: SidrecError) => e.code === 'E_NOT_FOUND' && e.location.field === 'word-vectors',
  );
});
