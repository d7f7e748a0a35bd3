import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ppmiMatrix, cooccurrenceFeatures } from '../../src/features/cooccurrence.js';
import { attributeFeatures } from '../../src/features/attributes.js';
import { combineFeatures } from '../../src/features/combine.js';
import { alignVectors, loadJsonlVectors, loadNpyVectors } from '../../src/features/vectors.js';
import { SidrecError } from '../../src/core/errors.js';

const dot = (a: Float32Array, d: number, i: number, j: number): number => {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[i * d + k] * a[j * d + k];
  return s;
};

test('PPMI: window counts by hand (alpha = 1)', () => {
  // One sequence 0 1 2, window 1: pairs (0,1), (1,2) both directions. Counts: row0 {1:1}, row1 {0:1, 2:1}, row2 {1:1}.
  const m = ppmiMatrix([Int32Array.from([0, 1, 2])], 3, { window: 1, alpha: 1 });
  // total 4; P(0,1) = 1/4, P(0) = 1/4, P(1 as context) = 2/4 -> pmi = ln((1/4)/((1/4)(2/4))) = ln 2.
  const row = (i: number): Map<number, number> => {
    const out = new Map<number, number>();
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) out.set(m.indices[p], m.values[p]);
    return out;
  };
  assert.ok(Math.abs((row(0).get(1) ?? 0) - Math.log(2)) < 1e-6);
  // P(1,0) = 1/4, P(1) = 2/4, P(0 as context) = 1/4 -> ln 2 as well; the 0-2 pair is outside the window.
  assert.ok(Math.abs((row(1).get(0) ?? 0) - Math.log(2)) < 1e-6);
  assert.equal(row(0).has(2), false);
});

test('co-occurrence features: items that co-occur are close; unseen items are zero rows', () => {
  const seqs: Int32Array[] = [];
  for (let u = 0; u < 60; u++) {
    const group = u % 2 === 0 ? [0, 1, 2, 3] : [4, 5, 6, 7];
    seqs.push(Int32Array.from({ length: 6 }, (_, t) => group[(u + t * 3) % 4]));
  }
  const f = cooccurrenceFeatures(seqs, 9, { dim: 4, window: 3 });
  assert.equal(f.count, 9);
  assert.ok(dot(f.data, f.dim, 0, 1) > dot(f.data, f.dim, 0, 5) + 0.3);
  for (let k = 0; k < f.dim; k++) assert.equal(f.data[8 * f.dim + k], 0);
  assert.throws(() => cooccurrenceFeatures([Int32Array.from([0, 9])], 9), RangeError);
});

test('attribute features: shared attributes -> similar vectors, unit rows', () => {
  const attrs = [
    [1, 2],
    [1, 2, 3],
    [7, 8],
    [7, 8, 9],
    [1, 2],
    [7, 8],
  ];
  const f = attributeFeatures(attrs, { dim: 3 });
  assert.equal(f.count, 6);
  assert.ok(dot(f.data, f.dim, 0, 1) > 0.9);
  assert.ok(Math.abs(dot(f.data, f.dim, 0, 2)) < 0.2);
  assert.ok(Math.abs(dot(f.data, f.dim, 3, 3) - 1) < 1e-5);
});

test('combineFeatures: each block normalised then scaled by sqrt(weight); counts must match', () => {
  const a = { count: 2, dim: 2, data: Float32Array.from([3, 4, 0, 2]) };
  const b = { count: 2, dim: 1, data: Float32Array.from([5, -1]) };
  const c = combineFeatures([
    { features: a, weight: 1 },
    { features: b, weight: 4 },
  ]);
  assert.deepEqual(
    Array.from(c.data),
    [0.6, 0.8, 2, 0, 1, -2].map((x) => Math.fround(x)),
  );
  assert.throws(() => combineFeatures([{ features: a }, { features: { count: 3, dim: 1, data: new Float32Array(3) } }]), SidrecError);
});

function npy(shape: number[], values: number[], descr = '<f4'): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => body.writeFloatLE(v, i * 4));
  return Buffer.concat([head, Buffer.from(header, 'latin1'), body]);
}

test('user vectors: .npy + ids and JSON lines load, align to catalogue order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sidrec-vec-'));
  writeFileSync(join(dir, 'v.npy'), npy([2, 3], [1, 2, 3, 4, 5, 6]));
  writeFileSync(join(dir, 'ids.txt'), 'a\nb\n');
  const loaded = loadNpyVectors(join(dir, 'v.npy'), join(dir, 'ids.txt'));
  assert.deepEqual(loaded.ids, ['a', 'b']);
  assert.deepEqual(Array.from(loaded.features.data), [1, 2, 3, 4, 5, 6]);
  const aligned = alignVectors(loaded, ['b', 'a']);
  assert.deepEqual(Array.from(aligned.data), [4, 5, 6, 1, 2, 3]);
  assert.throws(() => alignVectors(loaded, ['c']), /no vector for item "c"/);
  writeFileSync(join(dir, 'v.jsonl'), '{"id": 7, "vector": [1, 2]}\n\n{"id": "x", "vector": [3, 4]}\n');
  const j = loadJsonlVectors(join(dir, 'v.jsonl'));
  assert.deepEqual(j.ids, ['7', 'x']);
  assert.equal(j.features.dim, 2);
});

test('user vectors: errors name file, line and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sidrec-vec-'));
  const expect = (fn: () => unknown, line: number | undefined, field: string, re: RegExp): void => {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof SidrecError && e.code === 'E_INPUT', String(e));
      assert.equal(e.location.line, line);
      assert.equal(e.location.field, field);
      assert.match(e.message, re);
      return true;
    });
  };
  writeFileSync(join(dir, 'f8.npy'), npy([1, 1], [0], '<f8'));
  writeFileSync(join(dir, 'one.txt'), 'a\n');
  expect(() => loadNpyVectors(join(dir, 'f8.npy'), join(dir, 'one.txt')), undefined, 'descr', /float32/);
  writeFileSync(join(dir, '1d.npy'), npy([2], [0, 0]));
  expect(() => loadNpyVectors(join(dir, '1d.npy'), join(dir, 'one.txt')), undefined, 'shape', /2-D/);
  writeFileSync(join(dir, 'nan.npy'), npy([2, 2], [0, 1, Number.NaN, 3]));
  writeFileSync(join(dir, 'two.txt'), 'a\nb\n');
  expect(() => loadNpyVectors(join(dir, 'nan.npy'), join(dir, 'two.txt')), 2, 'vector', /non-finite/);
  expect(() => loadNpyVectors(join(dir, 'nan.npy'), join(dir, 'one.txt')), 1, 'id', /1 ids but the matrix has 2 rows/);
  writeFileSync(join(dir, 'dup.txt'), 'a\na\n');
  expect(() => loadNpyVectors(join(dir, 'nan.npy'), join(dir, 'dup.txt')), 2, 'id', /duplicate id "a"/);
  writeFileSync(join(dir, 'bad.jsonl'), '{"id": 1, "vector": [1, 2]}\n{"id": 2, "vector": [1]}\n');
  expect(() => loadJsonlVectors(join(dir, 'bad.jsonl')), 2, 'vector', /1 values, earlier lines have 2/);
  writeFileSync(join(dir, 'str.jsonl'), '{"id": 1, "vector": [1, "x"]}\n');
  expect(() => loadJsonlVectors(join(dir, 'str.jsonl')), 1, 'vector', /vector\[1\]/);
  writeFileSync(join(dir, 'noid.jsonl'), '{"vector": [1]}\n');
  expect(() => loadJsonlVectors(join(dir, 'noid.jsonl')), 1, 'id', /id/);
});
