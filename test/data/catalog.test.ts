// Item catalogues (JSON lines and CSV/TSV): any text fields, quoting, and malformed input naming file/line/field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { alignCatalog, loadCatalogEntries } from '../../src/data/index.js';
import { SidrecError } from '../../src/core/errors.js';
import { fixtureDir } from './helpers.js';

test('catalog: CSV with quoted commas, doubled quotes, multi-line fields and extra text columns', async () => {
  const csv = 'sku,title,categories,description\nA,"Soap, mild","Beauty > Bath | Soap","line one\nline two"\nB,"He said ""hi""",,\n';
  const dir = fixtureDir({ 'c.csv': csv });
  const entries = await loadCatalogEntries(join(dir, 'c.csv'), { idField: 'sku' });
  assert.deepEqual([...entries.keys()], ['A', 'B']);
  assert.deepEqual(entries.get('A'), { title: 'Soap, mild', categories: ['Beauty', 'Bath', 'Soap'], extra: { description: 'line one\nline two' } });
  assert.deepEqual(entries.get('B'), { title: 'He said "hi"' });
  const cat = alignCatalog(['B', 'Z', 'A'], entries);
  assert.deepEqual(cat.texts[1], {});
  assert.equal(cat.texts[2].title, 'Soap, mild');
});

test('catalog: JSON lines with arbitrary fields; numbers kept as text', async () => {
  const dir = fixtureDir({ 'c.jsonl': '{"item": 7, "title": "T", "price": 9.5, "tags": ["x", "y"]}\n\n{"item": "8", "brand": "B"}\n' });
  const entries = await loadCatalogEntries(join(dir, 'c.jsonl'), { idField: 'item' });
  assert.deepEqual(entries.get('7'), { title: 'T', extra: { price: '9.5', tags: 'x y' } });
  assert.deepEqual(entries.get('8'), { brand: 'B' });
});

function inputErrorAt(file: string, line: number, field: string, what: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof SidrecError && e.code === 'E_INPUT', String(e));
    assert.ok(e.message.startsWith(`${file}, line ${line}, field "${field}"`), e.message);
    assert.match(e.message, what);
    return true;
  };
}

test('catalog: malformed files name file, line and field', async () => {
  const dir = fixtureDir({
    'nocol.csv': 'sku,title\nA,x\n',
    'dup.csv': 'id,title\nA,x\nB,y\nA,z\n',
    'short.csv': 'id,title,brand\nA,x,y\nB,y\n',
    'quote.csv': 'id,title\nA,x\nB,"unterminated\n',
    'noid.jsonl': '{"id": 1}\n{"title": "x"}\n',
    'arr.jsonl': '{"id": 1}\n[1, 2]\n',
    'bad.jsonl': Buffer.concat([Buffer.from('{"id": 1}\n{"id": 2, "title": "'), Buffer.from([0xe2, 0x28, 0xa1]), Buffer.from('"}\n')]),
  });
  await assert.rejects(
    loadCatalogEntries(join(dir, 'nocol.csv')),
    inputErrorAt(join(dir, 'nocol.csv'), 1, 'id', /no column named "id"; columns are sku, title/),
  );
  await assert.rejects(loadCatalogEntries(join(dir, 'dup.csv')), inputErrorAt(join(dir, 'dup.csv'), 4, 'id', /duplicate item id "A" \(first on line 2\)/));
  await assert.rejects(loadCatalogEntries(join(dir, 'short.csv')), inputErrorAt(join(dir, 'short.csv'), 3, 'title', /expected 3 fields, found 2/));
  await assert.rejects(
    loadCatalogEntries(join(dir, 'quote.csv')),
    (e: SidrecError) => e.code === 'E_INPUT' && e.message.includes(`${join(dir, 'quote.csv')}, line 3`) && /unterminated/.test(e.message),
  );
  await assert.rejects(loadCatalogEntries(join(dir, 'noid.jsonl')), inputErrorAt(join(dir, 'noid.jsonl'), 2, 'id', /missing or non-scalar item id/));
  await assert.rejects(loadCatalogEntries(join(dir, 'arr.jsonl')), inputErrorAt(join(dir, 'arr.jsonl'), 2, '(record)', /expected a JSON object/));
  await assert.rejects(
    loadCatalogEntries(join(dir, 'bad.jsonl')),
    (e: SidrecError) => e.code === 'E_INPUT' && e.message.includes(`${join(dir, 'bad.jsonl')}, line 2`) && /invalid UTF-8/.test(e.message),
  );
});
